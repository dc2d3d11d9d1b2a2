// CatalogServer: ResourceService and PromptService over registries, served
// by one in-process gRPC server, with a stub for each (tests of the catalog
// services). Tests keep one for the whole binary: Debian's gRPC 1.51
// dislikes quickly recreated servers.
#ifndef MCP_OAUTH_MCP_TESTING_CATALOG_SERVER_H_
#define MCP_OAUTH_MCP_TESTING_CATALOG_SERVER_H_

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <memory>
#include <utility>

#include "mcp/prompt_service.h"
#include "mcp/resource_service.h"

namespace mcp_oauth::mcp::testing {

class CatalogServer {
 public:
  CatalogServer(std::shared_ptr<ResourceRegistry> resources,
                std::shared_ptr<PromptRegistry> prompts, CatalogServiceOptions options)
      : resources_(std::move(resources), options), prompts_(std::move(prompts), options) {
    grpc::ServerBuilder builder;
    builder.RegisterService(&resources_);
    builder.RegisterService(&prompts_);
    server_ = builder.BuildAndStart();
    auto channel = server_->InProcessChannel(grpc::ChannelArguments());
    resource_stub_ = resources::v1::ResourceService::NewStub(channel);
    prompt_stub_ = prompts::v1::PromptService::NewStub(channel);
  }

  // Stubs first, then the server, then the services it points to.
  ~CatalogServer() {
    resource_stub_.reset();
    prompt_stub_.reset();
    server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
    server_.reset();
  }

  resources::v1::ResourceService::Stub& resources() { return *resource_stub_; }
  prompts::v1::PromptService::Stub& prompts() { return *prompt_stub_; }

  // A client context with a 10 s deadline.
  static std::unique_ptr<grpc::ClientContext> Context() {
    auto context = std::make_unique<grpc::ClientContext>();
    context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    return context;
  }

 private:
  ResourceServiceImpl resources_;
  PromptServiceImpl prompts_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<resources::v1::ResourceService::Stub> resource_stub_;
  std::unique_ptr<prompts::v1::PromptService::Stub> prompt_stub_;
};

}  // namespace mcp_oauth::mcp::testing

#endif  // MCP_OAUTH_MCP_TESTING_CATALOG_SERVER_H_
