// ResourceServiceImpl: the gRPC ResourceService
// (proto/resources/v1/resources.proto) over a ResourceRegistry, using the
// callback API. Every RPC answers on the gRPC thread (readers and completers
// must be fast); a reader that throws gives INTERNAL. WatchResources streams
// the registry's NotifyUpdated calls.
//
// This class is thread safe. The registry is shared and must not change after
// construction. Shut the grpc::Server down before destroying this object.
#ifndef MCP_OAUTH_MCP_RESOURCE_SERVICE_H_
#define MCP_OAUTH_MCP_RESOURCE_SERVICE_H_

#include <memory>

#include "mcp/request_state.h"
#include "mcp/resource_registry.h"
#include "mcp/service_common.h"
#include "proto/resources/v1/resources.grpc.pb.h"

namespace mcp_oauth::mcp {

class ResourceServiceImpl final
    : public mcp_oauth::resources::v1::ResourceService::CallbackService {
 public:
  explicit ResourceServiceImpl(std::shared_ptr<const ResourceRegistry> registry,
                               CatalogServiceOptions options = CatalogServiceOptions());

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

 private:
  const std::shared_ptr<const ResourceRegistry> registry_;
  const CatalogServiceOptions options_;
  const std::shared_ptr<const RequestStateCodec> state_codec_;
};

}  // namespace mcp_oauth::mcp

#endif  // MCP_OAUTH_MCP_RESOURCE_SERVICE_H_
