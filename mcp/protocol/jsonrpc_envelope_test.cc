#include "mcp/protocol/jsonrpc_envelope.h"

#include <gtest/gtest.h>

namespace mcp_oauth::mcp {
namespace {

using nlohmann::json;

json Check(const json& message, Responses responses, RpcEnvelope* envelope) {
  std::optional<json> error = CheckEnvelope(message, responses, envelope);
  return error ? *error : json();
}

TEST(JsonRpcEnvelopeTest, RequestAndNotification) {
  RpcEnvelope envelope;
  json request = {{"jsonrpc", "2.0"}, {"id", 7}, {"method", "ping"}};
  EXPECT_TRUE(Check(request, Responses::kRefused, &envelope).is_null());
  EXPECT_EQ(*envelope.id, 7);
  EXPECT_TRUE(envelope.has_id);
  EXPECT_EQ(*envelope.method, "ping");
  EXPECT_EQ(*envelope.params, json::object());  // none given
  EXPECT_FALSE(envelope.is_notification());

  json notification = {
      {"jsonrpc", "2.0"}, {"method", "notifications/initialized"}, {"params", {{"a", 1}}}};
  EXPECT_TRUE(Check(notification, Responses::kRefused, &envelope).is_null());
  EXPECT_TRUE(envelope.is_notification());
  EXPECT_TRUE(envelope.id->is_null());
  EXPECT_EQ((*envelope.params)["a"], 1);
}

TEST(JsonRpcEnvelopeTest, InvalidEnvelopes) {
  RpcEnvelope envelope;
  json error = Check(json::array(), Responses::kAccepted, &envelope);
  EXPECT_EQ(error["error"]["code"], kInvalidRequest);
  EXPECT_TRUE(error["id"].is_null());

  // The id is echoed when valid, even though jsonrpc is wrong.
  error =
      Check({{"jsonrpc", "1.0"}, {"id", "a"}, {"method", "ping"}}, Responses::kAccepted, &envelope);
  EXPECT_EQ(error["error"]["code"], kInvalidRequest);
  EXPECT_EQ(error["id"], "a");
  error = Check({{"id", "a"}, {"method", "ping"}}, Responses::kAccepted, &envelope);
  EXPECT_EQ(error["error"]["code"], kInvalidRequest);

  for (const json& bad_id : {json(nullptr), json(1.5), json::object(), json::array()}) {
    error = Check({{"jsonrpc", "2.0"}, {"id", bad_id}, {"method", "ping"}}, Responses::kAccepted,
                  &envelope);
    EXPECT_EQ(error["error"]["code"], kInvalidRequest) << bad_id;
    EXPECT_TRUE(error["id"].is_null());
  }
  error = Check({{"jsonrpc", "2.0"}, {"id", 1}, {"method", 3}}, Responses::kAccepted, &envelope);
  EXPECT_EQ(error["error"]["code"], kInvalidRequest);
  EXPECT_EQ(error["id"], 1);
  error = Check({{"jsonrpc", "2.0"}, {"id", 1}}, Responses::kAccepted, &envelope);
  EXPECT_EQ(error["error"]["code"], kInvalidRequest);
}

TEST(JsonRpcEnvelopeTest, ResponsesOnlyWhereAccepted) {
  RpcEnvelope envelope;
  json response = {{"jsonrpc", "2.0"}, {"id", 3}, {"result", json::object()}};
  EXPECT_TRUE(Check(response, Responses::kAccepted, &envelope).is_null());
  EXPECT_TRUE(envelope.is_response());
  EXPECT_EQ(*envelope.id, 3);
  EXPECT_EQ(Check(response, Responses::kRefused, &envelope)["error"]["code"], kInvalidRequest);
  // A response needs an id.
  json anonymous = {{"jsonrpc", "2.0"}, {"error", {{"code", 1}}}};
  EXPECT_EQ(Check(anonymous, Responses::kAccepted, &envelope)["error"]["code"], kInvalidRequest);
}

}  // namespace
}  // namespace mcp_oauth::mcp
