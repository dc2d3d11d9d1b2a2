// PromptAggregator: one PromptService (proto/prompts/v1/prompts.proto) in
// front of the PromptServices of several backends, next to ToolAggregator
// and following the same BackendMonitor (so the same backends, in the same
// order).
//
//   ListPrompts  the merged list (named_merge.h; prompt names get the
//                backend's prefix), paged with tokens bound to its version.
//   GetPrompt,   routed by exposed name to the owning backend, prefix
//   Complete     removed; Caller, request id, deadline and cancellation
//                travel. A prompt of a down backend: UNAVAILABLE naming it.
//
// A backend answering UNIMPLEMENTED serves no prompts and is skipped. The
// protocol has no prompt watch, so no list_changed for prompts: a backend
// going down or coming back changes the list for the next prompts/list.
//
// This class is thread safe. The destructor waits for its own listings.
#ifndef MCP_OAUTH_MCP_AGGREGATE_PROMPT_AGGREGATOR_H_
#define MCP_OAUTH_MCP_AGGREGATE_PROMPT_AGGREGATOR_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "proto/prompts/v1/prompts.grpc.pb.h"
#include "proto/resources/v1/resources.grpc.pb.h"

namespace mcp_oauth::mcp {

class BackendMonitor;

// The resource and prompt stubs of one backend (same channel as its tools).
struct CatalogBackendConfig {
  std::string name;
  // Prepended to its prompt names (resource URIs are never renamed).
  std::string prefix;
  std::shared_ptr<mcp_oauth::resources::v1::ResourceService::StubInterface> resources;
  std::shared_ptr<mcp_oauth::prompts::v1::PromptService::StubInterface> prompts;
};

struct CatalogAggregatorOptions {
  int default_page_size = 50;
  int max_page_size = 100;
  // Deadline of each List page asked of a backend.
  absl::Duration list_timeout = absl::Seconds(5);
  // Updates a WatchResources stream buffers for a slow reader before ending.
  size_t max_pending_watch_events = 256;
};

class PromptAggregator final : public mcp_oauth::prompts::v1::PromptService::CallbackService {
 public:
  // Lists every backend's prompts (each within list_timeout), then follows
  // `monitor`, whose backends are `backends` in the same order.
  static std::unique_ptr<PromptAggregator> Start(std::vector<CatalogBackendConfig> backends,
                                                 std::shared_ptr<BackendMonitor> monitor,
                                                 CatalogAggregatorOptions options = {});
  ~PromptAggregator() override;

  grpc::ServerUnaryReactor* ListPrompts(
      grpc::CallbackServerContext* context,
      const mcp_oauth::prompts::v1::ListPromptsRequest* request,
      mcp_oauth::prompts::v1::ListPromptsResponse* response) override;
  grpc::ServerUnaryReactor* GetPrompt(grpc::CallbackServerContext* context,
                                      const mcp_oauth::prompts::v1::GetPromptRequest* request,
                                      mcp_oauth::prompts::v1::GetPromptResponse* response) override;
  grpc::ServerUnaryReactor* Complete(grpc::CallbackServerContext* context,
                                     const mcp_oauth::prompts::v1::CompleteRequest* request,
                                     mcp_oauth::prompts::v1::CompleteResponse* response) override;

  class Impl;  // defined in prompt_aggregator.cc

 private:
  explicit PromptAggregator(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace mcp_oauth::mcp

#endif  // MCP_OAUTH_MCP_AGGREGATE_PROMPT_AGGREGATOR_H_
