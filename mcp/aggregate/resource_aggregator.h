// ResourceAggregator: one ResourceService (proto/resources/v1) in front of
// the ResourceServices of several backends, next to ToolAggregator and
// following the same BackendMonitor (the same backends, in the same order).
//
//   ListResources,          the merged lists (named_merge.h), paged with
//   ListResourceTemplates   tokens bound to their versions.
//   ReadResource            routed by URI: the backend listing it, else the
//                           first template (merged order) that matches.
//   Complete                routed by the template, exactly as listed.
//   WatchResources          the updates of every backend's WatchResources.
//
// URIs are never renamed (a prefix applies to tool and prompt names only):
// two backends listing the same resource URI, or the same template, is a
// collision like a tool name's; the backend that had it (else the earlier in
// configuration order) keeps it, the other's is left out and logged. A
// resource of a down backend: UNAVAILABLE naming it. A backend answering
// UNIMPLEMENTED serves no resources and is skipped. The protocol has no
// resource list watch: a backend going down or coming back changes the lists
// for the next resources/list.
//
// This class is thread safe. The destructor cancels its watches of the
// backends and waits for its own RPCs to them; WatchResources streams it
// serves keep the shared feed alive until they end.
#ifndef MCP_OAUTH_MCP_AGGREGATE_RESOURCE_AGGREGATOR_H_
#define MCP_OAUTH_MCP_AGGREGATE_RESOURCE_AGGREGATOR_H_

#include <memory>
#include <vector>

#include "mcp/aggregate/prompt_aggregator.h"
#include "proto/resources/v1/resources.grpc.pb.h"

namespace mcp_oauth::mcp {

class ResourceAggregator final : public mcp_oauth::resources::v1::ResourceService::CallbackService {
 public:
  // Lists every backend's resources and templates (each page within
  // list_timeout), then follows `monitor`, whose backends are `backends` in
  // the same order.
  static std::unique_ptr<ResourceAggregator> Start(std::vector<CatalogBackendConfig> backends,
                                                   std::shared_ptr<BackendMonitor> monitor,
                                                   CatalogAggregatorOptions options = {});
  ~ResourceAggregator() override;

  grpc::ServerUnaryReactor* ListResources(
      grpc::CallbackServerContext* context,
      const mcp_oauth::resources::v1::ListResourcesRequest* request,
      mcp_oauth::resources::v1::ListResourcesResponse* response) override;
  grpc::ServerUnaryReactor* ListResourceTemplates(
      grpc::CallbackServerContext* context,
      const mcp_oauth::resources::v1::ListResourceTemplatesRequest* request,
      mcp_oauth::resources::v1::ListResourceTemplatesResponse* response) override;
  grpc::ServerUnaryReactor* ReadResource(
      grpc::CallbackServerContext* context,
      const mcp_oauth::resources::v1::ReadResourceRequest* request,
      mcp_oauth::resources::v1::ReadResourceResponse* response) override;
  grpc::ServerUnaryReactor* Complete(grpc::CallbackServerContext* context,
                                     const mcp_oauth::resources::v1::CompleteRequest* request,
                                     mcp_oauth::resources::v1::CompleteResponse* response) override;
  grpc::ServerWriteReactor<mcp_oauth::resources::v1::ResourceUpdated>* WatchResources(
      grpc::CallbackServerContext* context,
      const mcp_oauth::resources::v1::WatchResourcesRequest* request) override;

  class Impl;  // defined in resource_aggregator.cc

 private:
  explicit ResourceAggregator(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace mcp_oauth::mcp

#endif  // MCP_OAUTH_MCP_AGGREGATE_RESOURCE_AGGREGATOR_H_
