// Helpers shared by the catalog gRPC services (ResourceService,
// PromptService): caller conversion and the mapping of handler outcomes to
// gRPC status. Thread safe (pure functions).
#ifndef MCP_OAUTH_MCP_SERVICE_COMMON_H_
#define MCP_OAUTH_MCP_SERVICE_COMMON_H_

#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <exception>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/log.h"
#include "mcp/completion.h"
#include "mcp/paging.h"
#include "mcp/request_state.h"
#include "mcp/tool.h"
#include "proto/identity/v1/identity.pb.h"
#include "proto/tools/v1/tools.pb.h"

namespace mcp_oauth::mcp {

struct CatalogServiceOptions {
  int default_page_size = 50;
  int max_page_size = 100;  // larger requests are clamped
  // Seals the requestState of prompts and resources that ask the client for
  // input (as ToolServiceOptions does for tools): >= 32 secret bytes shared
  // by replicas, or empty for a random key per process.
  std::string request_state_key;
  absl::Duration request_state_ttl = absl::Minutes(10);
};

// Returns the codec sealing requestState for `options`.
std::shared_ptr<const RequestStateCodec> MakeRequestStateCodec(
    const CatalogServiceOptions& options);

// Returns a CallContext for `caller` with the RPC's deadline (if any).
CallContext ContextFor(const grpc::CallbackServerContext& context,
                       const identity::v1::Principal& caller);

// Maps a handler's failure: INVALID_ARGUMENT, NOT_FOUND and PERMISSION_DENIED
// keep their message (it is meant for the client); anything else is logged
// with `what` and becomes INTERNAL with a generic message.
grpc::Status HandlerFailure(const absl::Status& status, const std::string& what);

// Finishes the call on the default reactor with `status`.
inline grpc::ServerUnaryReactor* FinishCall(grpc::CallbackServerContext* context,
                                            grpc::Status status) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(std::move(status));
  return reactor;
}

// Answers a Complete RPC with `complete`'s suggestions: at most
// kMaxCompletionValues values, their total and whether more exist. A throwing
// completer is logged with `what` and becomes INTERNAL.
template <typename Request, typename Response, typename Completer>
grpc::Status RunCompleter(const Completer& complete, const Request& request, Response* response,
                          const std::string& what) {
  const std::map<std::string, std::string> context_arguments(request.context_arguments().begin(),
                                                             request.context_arguments().end());
  std::vector<std::string> values;
  try {
    values = complete(request.argument_value(), context_arguments);
  } catch (const std::exception& e) {
    log::Error(absl::StrCat("completer of ", what, " threw: ", e.what()));
    return grpc::Status(grpc::StatusCode::INTERNAL, "completion failed");
  }
  for (size_t i = 0; i < values.size() && i < kMaxCompletionValues; ++i)
    response->add_values(values[i]);
  response->set_total(static_cast<int32_t>(values.size()));
  response->set_has_more(values.size() > kMaxCompletionValues);
  return grpc::Status::OK;
}

// Adds one page of `items` through `add` and sets `next_token` when more
// follow. INVALID_ARGUMENT for a negative size or a bad token.
template <typename Item, typename Add>
grpc::Status ListPage(const std::vector<Item>& items, const std::string& tag, int page_size,
                      const std::string& token, const CatalogServiceOptions& options, Add add,
                      std::string* next_token) {
  absl::StatusOr<Page> page =
      PageOf(items.size(), tag, page_size, token, options.default_page_size, options.max_page_size);
  if (!page.ok())
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, std::string(page.status().message()));
  for (size_t i = page->begin; i < page->end; ++i) add(items[i]);
  *next_token = std::move(page->next_page_token);
  return grpc::Status::OK;
}

}  // namespace mcp_oauth::mcp

#endif  // MCP_OAUTH_MCP_SERVICE_COMMON_H_
