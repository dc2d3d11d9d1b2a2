#include "mcp/prompt_service.h"

#include <exception>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/log.h"
#include "mcp/catalog_input.h"
#include "mcp/json_struct.h"

namespace mcp_oauth::mcp {
namespace {

using mcp_oauth::prompts::v1::CompleteRequest;
using mcp_oauth::prompts::v1::CompleteResponse;
using mcp_oauth::prompts::v1::GetPromptRequest;
using mcp_oauth::prompts::v1::GetPromptResponse;
using mcp_oauth::prompts::v1::ListPromptsRequest;
using mcp_oauth::prompts::v1::ListPromptsResponse;

grpc::Status InvalidArgument(const std::string& message) {
  return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, message);
}

// Returns OK when `arguments` holds only declared names and every required one.
grpc::Status CheckArguments(const PromptDefinition& prompt,
                            const std::map<std::string, std::string>& arguments) {
  for (const auto& [name, value] : arguments) {
    bool declared = false;
    for (const auto& argument : prompt.arguments) declared = declared || argument.name == name;
    if (!declared)
      return InvalidArgument(
          absl::StrCat("prompt '", prompt.name, "' has no argument '", name, "'"));
  }
  for (const auto& argument : prompt.arguments) {
    if (argument.required && arguments.count(argument.name) == 0) {
      return InvalidArgument(
          absl::StrCat("prompt '", prompt.name, "' needs argument '", argument.name, "'"));
    }
  }
  return grpc::Status::OK;
}

}  // namespace

PromptServiceImpl::PromptServiceImpl(std::shared_ptr<const PromptRegistry> registry,
                                     CatalogServiceOptions options)
    : registry_(std::move(registry)),
      options_(options),
      state_codec_(MakeRequestStateCodec(options_)) {}

grpc::ServerUnaryReactor* PromptServiceImpl::ListPrompts(grpc::CallbackServerContext* context,
                                                         const ListPromptsRequest* request,
                                                         ListPromptsResponse* response) {
  std::string next;
  grpc::Status status = ListPage(
      registry_->prompts(), registry_->version_tag(), request->page_size(), request->page_token(),
      options_,
      [response](const PromptDefinition& def) {
        auto* prompt = response->add_prompts();
        prompt->set_name(def.name);
        prompt->set_title(def.title);
        prompt->set_description(def.description);
        for (const auto& argument : def.arguments) {
          auto* out = prompt->add_arguments();
          out->set_name(argument.name);
          out->set_description(argument.description);
          out->set_required(argument.required);
        }
      },
      &next);
  response->set_next_page_token(next);
  return FinishCall(context, std::move(status));
}

grpc::ServerUnaryReactor* PromptServiceImpl::GetPrompt(grpc::CallbackServerContext* context,
                                                       const GetPromptRequest* request,
                                                       GetPromptResponse* response) {
  const PromptDefinition* prompt = registry_->Find(request->name());
  if (prompt == nullptr) {
    return FinishCall(context, grpc::Status(grpc::StatusCode::NOT_FOUND,
                                            absl::StrCat("unknown prompt: ", request->name())));
  }
  const std::map<std::string, std::string> arguments(request->arguments().begin(),
                                                     request->arguments().end());
  if (grpc::Status s = CheckArguments(*prompt, arguments); !s.ok())
    return FinishCall(context, std::move(s));
  CallContext ctx = ContextFor(*context, request->caller());
  if (prompt->render_with_input) {
    absl::StatusOr<std::shared_ptr<const ToolInput>> input = OpenRequestInput(
        RequestStateCodec::RequestBinding("prompts/get", request->caller().subject(),
                                          request->caller().client_id(), prompt->name,
                                          nlohmann::json(arguments)),
        request->request_state(), request->input_responses(),
        request->has_client_capabilities() ? &request->client_capabilities() : nullptr,
        state_codec_, absl::Now());
    if (!input.ok()) {
      return FinishCall(context, grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                                              std::string(input.status().message())));
    }
    ctx.set_input(*std::move(input));
  }
  absl::StatusOr<std::vector<PromptMessage>> messages = absl::InternalError("not run");
  try {
    if (prompt->render) {
      messages = prompt->render(arguments, ctx);
    } else {
      absl::StatusOr<PromptOutput> output = prompt->render_with_input(arguments, ctx);
      if (output.ok() && !output->input_required.empty()) {
        if (absl::Status s = WriteInputRequired(output->input_required, ctx.input(),
                                                response->mutable_input_required());
            !s.ok()) {
          response->Clear();
          log::Error(absl::StrCat("prompt '", prompt->name,
                                  "' returned an invalid input request: ", s.message()));
          return FinishCall(context, grpc::Status(grpc::StatusCode::INTERNAL, "prompt failed"));
        }
        return FinishCall(context, grpc::Status::OK);
      }
      messages = output.ok()
                     ? absl::StatusOr<std::vector<PromptMessage>>(std::move(output->messages))
                     : absl::StatusOr<std::vector<PromptMessage>>(output.status());
    }
  } catch (const std::exception& e) {
    log::Error(absl::StrCat("prompt '", prompt->name, "' threw: ", e.what()));
    return FinishCall(context, grpc::Status(grpc::StatusCode::INTERNAL, "prompt failed"));
  }
  if (!messages.ok()) return FinishCall(context, HandlerFailure(messages.status(), "prompt"));
  response->set_description(prompt->description);
  for (const PromptMessage& message : *messages) {
    absl::StatusOr<google::protobuf::Struct> content = JsonToStruct(message.content);
    if (!content.ok() || (message.role != "user" && message.role != "assistant")) {
      log::Error(absl::StrCat("prompt '", prompt->name, "' rendered an invalid message"));
      return FinishCall(context, grpc::Status(grpc::StatusCode::INTERNAL, "prompt failed"));
    }
    auto* out = response->add_messages();
    out->set_role(message.role);
    *out->mutable_content() = *std::move(content);
  }
  return FinishCall(context, grpc::Status::OK);
}

grpc::ServerUnaryReactor* PromptServiceImpl::Complete(grpc::CallbackServerContext* context,
                                                      const CompleteRequest* request,
                                                      CompleteResponse* response) {
  const PromptDefinition* prompt = registry_->Find(request->prompt_name());
  const PromptArgumentDefinition* argument = nullptr;
  if (prompt != nullptr) {
    for (const auto& a : prompt->arguments) {
      if (a.name == request->argument_name()) argument = &a;
    }
  }
  if (argument == nullptr) {
    return FinishCall(
        context, grpc::Status(grpc::StatusCode::NOT_FOUND,
                              absl::StrCat("unknown prompt argument: ", request->prompt_name(), ".",
                                           request->argument_name())));
  }
  if (!argument->complete) return FinishCall(context, grpc::Status::OK);
  return FinishCall(context, RunCompleter(argument->complete, *request, response,
                                          absl::StrCat("prompt '", prompt->name, "'")));
}

}  // namespace mcp_oauth::mcp
