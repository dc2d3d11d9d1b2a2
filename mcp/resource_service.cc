#include "mcp/resource_service.h"

#include <exception>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/log.h"
#include "mcp/catalog_input.h"
#include "mcp/service_common.h"
#include "mcp/watch_writer.h"

namespace mcp_oauth::mcp {
namespace {

using mcp_oauth::resources::v1::CompleteRequest;
using mcp_oauth::resources::v1::CompleteResponse;
using mcp_oauth::resources::v1::ListResourcesRequest;
using mcp_oauth::resources::v1::ListResourcesResponse;
using mcp_oauth::resources::v1::ListResourceTemplatesRequest;
using mcp_oauth::resources::v1::ListResourceTemplatesResponse;
using mcp_oauth::resources::v1::ReadResourceRequest;
using mcp_oauth::resources::v1::ReadResourceResponse;
namespace rv1 = mcp_oauth::resources::v1;

// Updates a WatchResources stream buffers for a slow reader before ending.
constexpr size_t kMaxPendingUpdates = 1024;

}  // namespace

ResourceServiceImpl::ResourceServiceImpl(std::shared_ptr<const ResourceRegistry> registry,
                                         CatalogServiceOptions options)
    : registry_(std::move(registry)),
      options_(options),
      state_codec_(MakeRequestStateCodec(options_)) {}

grpc::ServerUnaryReactor* ResourceServiceImpl::ListResources(grpc::CallbackServerContext* context,
                                                             const ListResourcesRequest* request,
                                                             ListResourcesResponse* response) {
  std::string next;
  grpc::Status status = ListPage(
      registry_->resources(), registry_->resources_tag(), request->page_size(),
      request->page_token(), options_,
      [response](const ResourceDefinition& def) {
        auto* resource = response->add_resources();
        resource->set_uri(def.uri);
        resource->set_name(def.name);
        resource->set_title(def.title);
        resource->set_description(def.description);
        resource->set_mime_type(def.mime_type);
      },
      &next);
  response->set_next_page_token(next);
  return FinishCall(context, std::move(status));
}

grpc::ServerUnaryReactor* ResourceServiceImpl::ListResourceTemplates(
    grpc::CallbackServerContext* context, const ListResourceTemplatesRequest* request,
    ListResourceTemplatesResponse* response) {
  std::string next;
  grpc::Status status = ListPage(
      registry_->templates(), registry_->templates_tag(), request->page_size(),
      request->page_token(), options_,
      [response](const ResourceTemplateDefinition& def) {
        auto* out = response->add_resource_templates();
        out->set_uri_template(def.uri_template);
        out->set_name(def.name);
        out->set_title(def.title);
        out->set_description(def.description);
        out->set_mime_type(def.mime_type);
      },
      &next);
  response->set_next_page_token(next);
  return FinishCall(context, std::move(status));
}

grpc::ServerUnaryReactor* ResourceServiceImpl::ReadResource(grpc::CallbackServerContext* context,
                                                            const ReadResourceRequest* request,
                                                            ReadResourceResponse* response) {
  const std::string& uri = request->uri();
  CallContext ctx = ContextFor(*context, request->caller());
  std::map<std::string, std::string> variables;
  const ResourceDefinition* resource = registry_->Find(uri);
  const ResourceTemplateDefinition* tmpl =
      resource == nullptr ? registry_->MatchTemplate(uri, &variables) : nullptr;
  if (resource == nullptr && tmpl == nullptr) {
    return FinishCall(context, grpc::Status(grpc::StatusCode::NOT_FOUND,
                                            absl::StrCat("unknown resource: ", uri)));
  }
  const bool asks = resource != nullptr ? static_cast<bool>(resource->read_with_input)
                                        : static_cast<bool>(tmpl->read_with_input);
  if (asks) {
    absl::StatusOr<std::shared_ptr<const ToolInput>> input = OpenRequestInput(
        RequestStateCodec::RequestBinding("resources/read", request->caller().subject(),
                                          request->caller().client_id(), uri, nullptr),
        request->request_state(), request->input_responses(),
        request->has_client_capabilities() ? &request->client_capabilities() : nullptr,
        state_codec_, absl::Now());
    if (!input.ok()) {
      return FinishCall(context, grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                                              std::string(input.status().message())));
    }
    ctx.set_input(*std::move(input));
  }
  absl::StatusOr<std::vector<ResourceContent>> contents = absl::InternalError("not run");
  try {
    if (!asks) {
      contents = resource != nullptr ? resource->read(ctx) : tmpl->read(uri, variables, ctx);
    } else {
      absl::StatusOr<ResourceOutput> output = resource != nullptr
                                                  ? resource->read_with_input(ctx)
                                                  : tmpl->read_with_input(uri, variables, ctx);
      if (output.ok() && !output->input_required.empty()) {
        if (absl::Status s = WriteInputRequired(output->input_required, ctx.input(),
                                                response->mutable_input_required());
            !s.ok()) {
          response->Clear();
          log::Error(absl::StrCat("resource '", uri,
                                  "' returned an invalid input request: ", s.message()));
          return FinishCall(context,
                            grpc::Status(grpc::StatusCode::INTERNAL, "resource read failed"));
        }
        return FinishCall(context, grpc::Status::OK);
      }
      contents = output.ok()
                     ? absl::StatusOr<std::vector<ResourceContent>>(std::move(output->contents))
                     : absl::StatusOr<std::vector<ResourceContent>>(output.status());
    }
  } catch (const std::exception& e) {
    log::Error(absl::StrCat("resource '", uri, "' reader threw: ", e.what()));
    return FinishCall(context, grpc::Status(grpc::StatusCode::INTERNAL, "resource read failed"));
  }
  if (!contents.ok())
    return FinishCall(context, HandlerFailure(contents.status(), "resource read"));
  for (const ResourceContent& item : *contents) {
    auto* out = response->add_contents();
    out->set_uri(item.uri);
    out->set_mime_type(item.mime_type);
    if (item.binary) {
      out->set_blob(item.blob);
    } else {
      out->set_text(item.text);
    }
  }
  return FinishCall(context, grpc::Status::OK);
}

grpc::ServerUnaryReactor* ResourceServiceImpl::Complete(grpc::CallbackServerContext* context,
                                                        const CompleteRequest* request,
                                                        CompleteResponse* response) {
  const ResourceTemplateDefinition* tmpl = registry_->FindTemplate(request->uri_template());
  if (tmpl == nullptr) {
    return FinishCall(context, grpc::Status(grpc::StatusCode::NOT_FOUND,
                                            absl::StrCat("unknown resource template: ",
                                                         request->uri_template())));
  }
  auto it = tmpl->completers.find(request->argument_name());
  if (it == tmpl->completers.end()) return FinishCall(context, grpc::Status::OK);
  return FinishCall(context, RunCompleter(it->second, *request, response,
                                          absl::StrCat("'", tmpl->uri_template, "'")));
}

grpc::ServerWriteReactor<rv1::ResourceUpdated>* ResourceServiceImpl::WatchResources(
    grpc::CallbackServerContext*, const rv1::WatchResourcesRequest*) {
  auto make = [](const std::string& uri) {
    rv1::ResourceUpdated event;
    event.set_uri(uri);
    return event;
  };
  return new WatchWriter<rv1::ResourceUpdated>(&registry_->updates(), make, make(""),
                                               kMaxPendingUpdates);
}

}  // namespace mcp_oauth::mcp
