// PromptServiceImpl: the gRPC PromptService (proto/prompts/v1/prompts.proto)
// over a PromptRegistry, using the callback API. Every RPC answers on the
// gRPC thread (renderers and completers must be fast); a renderer that throws
// gives INTERNAL.
//
// This class is thread safe. The registry is shared and must not change after
// construction. Shut the grpc::Server down before destroying this object.
#ifndef MCP_OAUTH_MCP_PROMPT_SERVICE_H_
#define MCP_OAUTH_MCP_PROMPT_SERVICE_H_

#include <memory>

#include "mcp/prompt_registry.h"
#include "mcp/request_state.h"
#include "mcp/service_common.h"
#include "proto/prompts/v1/prompts.grpc.pb.h"

namespace mcp_oauth::mcp {

class PromptServiceImpl final : public mcp_oauth::prompts::v1::PromptService::CallbackService {
 public:
  explicit PromptServiceImpl(std::shared_ptr<const PromptRegistry> registry,
                             CatalogServiceOptions options = CatalogServiceOptions());

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

 private:
  const std::shared_ptr<const PromptRegistry> registry_;
  const CatalogServiceOptions options_;
  const std::shared_ptr<const RequestStateCodec> state_codec_;
};

}  // namespace mcp_oauth::mcp

#endif  // MCP_OAUTH_MCP_PROMPT_SERVICE_H_
