#include "mcp/protocol/endpoint_catalog.h"

#include <optional>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/principal_proto.h"
#include "mcp/json_struct.h"
#include "mcp/protocol/catalog_call.h"
#include "mcp/protocol/endpoint_internal.h"
#include "mcp/protocol/input_params.h"

namespace mcp_oauth::mcp {

namespace {

using nlohmann::json;
namespace pv1 = mcp_oauth::prompts::v1;
namespace rv1 = mcp_oauth::resources::v1;

// Starts `call(options, request, done)`, a paged list of a catalog
// service: the request's `cursor` becomes page_token; the answer lists
// `items(response)`, each rendered by `to_json`, under `key`, and
// next_page_token becomes `nextCursor`.
template <typename Request, typename Response, typename Call, typename Items, typename ToJson>
void StartPagedList(const client::CallOptions& options, const json& id, const json& params,
                    const char* key, Call call, Items items, ToJson to_json, Reply reply) {
  Request request;
  std::string cursor;
  if (!ReadCursor(id, params, &cursor, reply)) return;
  request.set_page_token(cursor);
  call(options, request,
       [id, key, items, to_json, reply = std::move(reply)](const grpc::Status& status,
                                                           const Response& response) {
         if (!status.ok()) {
           reply(CatalogRpcError(id, status, "Invalid params: invalid cursor"));
           return;
         }
         json list = json::array();
         for (const auto& item : items(response)) list.push_back(to_json(item));
         json result = {{key, std::move(list)}};
         SetIfNotEmpty(&result, "nextCursor", response.next_page_token());
         reply(RpcResult(id, std::move(result)));
       });
}

// ReadInputParams (input_params.h) for a 2026-07-28 request; false (with the
// error sent) when malformed.
template <typename Request>
bool ReadInputParamsOrReply(const json& id, const json& params, Request* request,
                            json* capabilities, const Reply& reply) {
  std::optional<json> error = ReadInputParams(id, params, request, capabilities);
  if (error) reply(*std::move(error));
  return !error;
}

// The answer to a prompt or resource that needs input from the client: an
// InputRequiredResult in 2026-07-28; 2025 sessions cannot retry with answers.
json InputRequiredAnswer(const json& id, const mcp_oauth::tools::v1::InputRequired& required,
                         bool stateless, const json& capabilities, const char* what) {
  if (stateless) return InputRequiredReply(id, required, capabilities);
  return RpcError(
      id, kInternalError,
      absl::StrCat("Internal error: this ", what,
                   " needs input from the client, which only 2026-07-28 requests can give"));
}

// The fields resources, templates and prompts share.
template <typename Item>
void AddDescriptiveFields(const Item& from, json* item) {
  SetIfNotEmpty(item, "title", from.title());
  SetIfNotEmpty(item, "description", from.description());
}

}  // namespace

void EndpointCatalog::ListResources(const json& id, const json& params,
                                    const std::string& request_id, Reply reply) const {
  StartPagedList<rv1::ListResourcesRequest, rv1::ListResourcesResponse>(
      Options(request_id), id, params, "resources",
      [this](auto&&... args) { resources_->ListResources(args...); },
      [](const rv1::ListResourcesResponse& response) -> const auto& {
        return response.resources();
      },
      [](const rv1::Resource& resource) {
        json item = {{"uri", resource.uri()}, {"name", resource.name()}};
        AddDescriptiveFields(resource, &item);
        SetIfNotEmpty(&item, "mimeType", resource.mime_type());
        return item;
      },
      std::move(reply));
}
void EndpointCatalog::ListResourceTemplates(const json& id, const json& params,
                                            const std::string& request_id, Reply reply) const {
  StartPagedList<rv1::ListResourceTemplatesRequest, rv1::ListResourceTemplatesResponse>(
      Options(request_id), id, params, "resourceTemplates",
      [this](auto&&... args) { resources_->ListResourceTemplates(args...); },
      [](const rv1::ListResourceTemplatesResponse& response) -> const auto& {
        return response.resource_templates();
      },
      [](const rv1::ResourceTemplate& tmpl) {
        json item = {{"uriTemplate", tmpl.uri_template()}, {"name", tmpl.name()}};
        AddDescriptiveFields(tmpl, &item);
        SetIfNotEmpty(&item, "mimeType", tmpl.mime_type());
        return item;
      },
      std::move(reply));
}
void EndpointCatalog::ReadResource(const json& id, const json& params, const Principal& principal,
                                   const std::string& request_id, Reply reply,
                                   bool stateless) const {
  auto uri = params.find("uri");
  if (uri == params.end() || !uri->is_string() || uri->get_ref<const std::string&>().empty()) {
    reply(RpcError(id, kInvalidParams, "Invalid params: uri must be a non-empty string"));
    return;
  }
  rv1::ReadResourceRequest request;
  request.set_uri(uri->get<std::string>());
  PrincipalToProto(principal, request.mutable_caller());
  json capabilities;
  if (stateless && !ReadInputParamsOrReply(id, params, &request, &capabilities, reply)) return;
  resources_->ReadResource(
      Options(request_id), request,
      [id, uri = uri->get<std::string>(), stateless, capabilities, reply = std::move(reply)](
          const grpc::Status& status, const rv1::ReadResourceResponse& response) {
        if (status.error_code() == grpc::StatusCode::NOT_FOUND) {
          json error = RpcError(id, kResourceNotFound, "Resource not found");
          error["error"]["data"] = {{"uri", uri}};
          reply(std::move(error));
          return;
        }
        if (!status.ok()) {
          reply(CatalogRpcError(id, status, "Resource not found"));
          return;
        }
        if (response.has_input_required()) {
          reply(InputRequiredAnswer(id, response.input_required(), stateless, capabilities,
                                    "resource"));
          return;
        }
        json contents = json::array();
        for (const auto& item : response.contents()) {
          json out = {{"uri", item.uri()}};
          SetIfNotEmpty(&out, "mimeType", item.mime_type());
          if (item.data_case() == rv1::ResourceContents::kBlob) {
            out["blob"] = absl::Base64Escape(item.blob());
          } else {
            out["text"] = item.text();
          }
          contents.push_back(std::move(out));
        }
        reply(RpcResult(id, {{"contents", std::move(contents)}}));
      });
}
void EndpointCatalog::ListPrompts(const json& id, const json& params, const std::string& request_id,
                                  Reply reply) const {
  StartPagedList<pv1::ListPromptsRequest, pv1::ListPromptsResponse>(
      Options(request_id), id, params, "prompts",
      [this](auto&&... args) { prompts_->ListPrompts(args...); },
      [](const pv1::ListPromptsResponse& response) -> const auto& { return response.prompts(); },
      [](const pv1::Prompt& prompt) {
        json item = {{"name", prompt.name()}};
        AddDescriptiveFields(prompt, &item);
        if (prompt.arguments_size() > 0) {
          json arguments = json::array();
          for (const auto& argument : prompt.arguments()) {
            json a = {{"name", argument.name()}, {"required", argument.required()}};
            SetIfNotEmpty(&a, "description", argument.description());
            arguments.push_back(std::move(a));
          }
          item["arguments"] = std::move(arguments);
        }
        return item;
      },
      std::move(reply));
}
void EndpointCatalog::GetPrompt(const json& id, const json& params, const Principal& principal,
                                const std::string& request_id, Reply reply, bool stateless) const {
  auto name = params.find("name");
  if (name == params.end() || !name->is_string() || name->get_ref<const std::string&>().empty()) {
    reply(RpcError(id, kInvalidParams, "Invalid params: name must be a non-empty string"));
    return;
  }
  pv1::GetPromptRequest request;
  request.set_name(name->get<std::string>());
  if (!ReadStringMap(id, params.value("arguments", json()), "arguments",
                     request.mutable_arguments(), reply)) {
    return;
  }
  PrincipalToProto(principal, request.mutable_caller());
  json capabilities;
  if (stateless && !ReadInputParamsOrReply(id, params, &request, &capabilities, reply)) return;
  prompts_->GetPrompt(
      Options(request_id), request,
      [id, name = name->get<std::string>(), stateless, capabilities, reply = std::move(reply)](
          const grpc::Status& status, const pv1::GetPromptResponse& response) {
        if (!status.ok()) {
          reply(CatalogRpcError(id, status, "Invalid params: unknown prompt: " + name));
          return;
        }
        if (response.has_input_required()) {
          reply(InputRequiredAnswer(id, response.input_required(), stateless, capabilities,
                                    "prompt"));
          return;
        }
        json messages = json::array();
        for (const auto& message : response.messages()) {
          messages.push_back(
              {{"role", message.role()}, {"content", StructToJson(message.content())}});
        }
        json result = {{"messages", std::move(messages)}};
        SetIfNotEmpty(&result, "description", response.description());
        reply(RpcResult(id, std::move(result)));
      });
}
void EndpointCatalog::Complete(const json& id, const json& params, const Principal& principal,
                               const std::string& request_id, Reply reply) const {
  const json ref = params.value("ref", json());
  const json argument = params.value("argument", json());
  if (!ref.is_object() || !ref.value("type", json()).is_string() || !argument.is_object() ||
      !argument.value("name", json()).is_string() || !argument.value("value", json()).is_string()) {
    reply(RpcError(id, kInvalidParams,
                   "Invalid params: ref {type, name|uri} and argument {name, value} are required"));
    return;
  }
  const std::string type = ref["type"].get<std::string>();
  const std::string arg_name = argument["name"].get<std::string>();
  const std::string arg_value = argument["value"].get<std::string>();
  const json context_arguments =
      params.value("context", json::object()).is_object()
          ? params.value("context", json::object()).value("arguments", json())
          : json();
  auto render = [id](const grpc::Status& status, const auto& response, const Reply& reply) {
    if (!status.ok()) {
      reply(CatalogRpcError(id, status, "Invalid params: unknown completion reference"));
      return;
    }
    json values = json::array();
    for (const auto& value : response.values()) values.push_back(value);
    json completion = {{"values", std::move(values)}, {"hasMore", response.has_more()}};
    if (response.total() > 0) completion["total"] = response.total();
    reply(RpcResult(id, {{"completion", std::move(completion)}}));
  };
  if (type == "ref/prompt" && ref.value("name", json()).is_string() && prompts_ != nullptr) {
    pv1::CompleteRequest request;
    request.set_prompt_name(ref["name"].get<std::string>());
    request.set_argument_name(arg_name);
    request.set_argument_value(arg_value);
    if (!ReadStringMap(id, context_arguments, "context.arguments",
                       request.mutable_context_arguments(), reply)) {
      return;
    }
    PrincipalToProto(principal, request.mutable_caller());
    prompts_->Complete(Options(request_id), request,
                       [render, reply = std::move(reply)](const grpc::Status& status,
                                                          const pv1::CompleteResponse& response) {
                         render(status, response, reply);
                       });
  } else if (type == "ref/resource" && ref.value("uri", json()).is_string() &&
             resources_ != nullptr) {
    rv1::CompleteRequest request;
    request.set_uri_template(ref["uri"].get<std::string>());
    request.set_argument_name(arg_name);
    request.set_argument_value(arg_value);
    if (!ReadStringMap(id, context_arguments, "context.arguments",
                       request.mutable_context_arguments(), reply)) {
      return;
    }
    PrincipalToProto(principal, request.mutable_caller());
    resources_->Complete(Options(request_id), request,
                         [render, reply = std::move(reply)](const grpc::Status& status,
                                                            const rv1::CompleteResponse& response) {
                           render(status, response, reply);
                         });
  } else {
    reply(
        RpcError(id, kInvalidParams,
                 "Invalid params: ref must be ref/prompt with a name or ref/resource with a uri"));
  }
}

EndpointCatalog::EndpointCatalog(const McpOptions& options,
                                 std::shared_ptr<client::ResourceClient> resources,
                                 std::shared_ptr<client::PromptClient> prompts)
    : offer_resources_(options.offer_resources),
      offer_prompts_(options.offer_prompts),
      offer_completions_(options.offer_completions),
      timeout_(options.catalog_call_timeout),
      client_id_(options.client_id),
      instructions_(options.instructions),
      tool_names_(options.tool_names),
      resources_(std::move(resources)),
      prompts_(std::move(prompts)) {}

client::CallOptions EndpointCatalog::Options(const std::string& request_id) const {
  client::CallOptions options;
  options.request_id = request_id;
  options.timeout = timeout_;
  return options;
}

json EndpointCatalog::Capabilities() const {
  json capabilities = {{"tools", {{"listChanged", true}}}, {"logging", json::object()}};
  if (offer_resources_) capabilities["resources"] = {{"subscribe", true}, {"listChanged", false}};
  if (offer_prompts_) capabilities["prompts"] = {{"listChanged", false}};
  if (offer_completions_) capabilities["completions"] = json::object();
  return capabilities;
}

std::string EndpointCatalog::Instructions() const {
  if (!instructions_.empty()) return instructions_;
  std::string text = absl::StrCat(
      "This server uses a pre-registered static OAuth client (client_id: ", client_id_, ").");
  std::vector<std::string> tools = tool_names_ ? tool_names_() : std::vector<std::string>();
  if (!tools.empty()) absl::StrAppend(&text, " Tools: ", absl::StrJoin(tools, ", "), ".");
  return text;
}

}  // namespace mcp_oauth::mcp
