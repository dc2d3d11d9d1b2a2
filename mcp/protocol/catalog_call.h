// The pieces each catalog method (endpoint_catalog.h) is made of: one async
// unary RPC to a catalog service with its deadline, request id and latency
// metric; the JSON-RPC error for a failed one; and the params they read.
// Internal to //mcp/protocol.
#ifndef MCP_OAUTH_MCP_PROTOCOL_CATALOG_CALL_H_
#define MCP_OAUTH_MCP_PROTOCOL_CATALOG_CALL_H_

#include <google/protobuf/map.h>
#include <grpcpp/grpcpp.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "client/call.h"
#include "common/log.h"
#include "common/request_id.h"
#include "mcp/protocol/reply.h"

namespace mcp_oauth::mcp {

// One async unary RPC: its context and messages live until the callback ran.
template <typename Request, typename Response>
struct UnaryCall {
  grpc::ClientContext context;
  Request request;
  Response response;
};

// Sets the deadline (now + `timeout`) and the request id of `context`.
void PrepareCatalogCall(absl::Duration timeout, const std::string& request_id,
                        grpc::ClientContext& context);

// Starts `start(&context, &request, &response, callback)` prepared so, then
// calls `done(status, response)` on a gRPC thread, after recording the
// latency under `metric` and logging failures that are not the client's.
template <typename Request, typename Response, typename Start, typename Done>
void StartUnary(const char* metric, absl::Duration timeout, const std::string& request_id,
                std::shared_ptr<UnaryCall<Request, Response>> call, Start start, Done done) {
  PrepareCatalogCall(timeout, request_id, call->context);
  auto* context = &call->context;
  auto* request = &call->request;
  auto* response = &call->response;
  start(context, request, response,
        [call, metric, request_id, started = absl::Now(),
         done = std::move(done)](grpc::Status status) {
          client::ObserveCall(metric, started);
          if (!status.ok() && status.error_code() != grpc::StatusCode::NOT_FOUND &&
              status.error_code() != grpc::StatusCode::INVALID_ARGUMENT) {
            log::Warning(absl::StrCat(request_id::LogPrefix(request_id), metric, " failed: ",
                                      status.error_code(), " ", status.error_message()));
          }
          done(status, call->response);
        });
}

// Maps a failed list/get/read RPC of the catalog services; `not_found` is
// the message of NOT_FOUND.
nlohmann::json CatalogRpcError(const nlohmann::json& id, const grpc::Status& status,
                               const std::string& not_found);

// Reads the optional string `cursor` of a list request; false (with the
// error sent) when it is not a string.
bool ReadCursor(const nlohmann::json& id, const nlohmann::json& params, std::string* cursor,
                const Reply& reply);
// Returns false (with the error sent) unless `value` is null or an object
// of strings, which it copies into `out`.
bool ReadStringMap(const nlohmann::json& id, const nlohmann::json& value, const char* what,
                   google::protobuf::Map<std::string, std::string>* out, const Reply& reply);

inline void SetIfNotEmpty(nlohmann::json* out, const char* key, const std::string& value) {
  if (!value.empty()) (*out)[key] = value;
}

}  // namespace mcp_oauth::mcp

#endif  // MCP_OAUTH_MCP_PROTOCOL_CATALOG_CALL_H_
