// ResourceService and PromptService over real in-process gRPC (one
// CatalogServer for the whole binary).
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "mcp/completion.h"
#include "mcp/prompt_service.h"
#include "mcp/resource_service.h"
#include "mcp/testing/catalog_server.h"

namespace mcp_oauth::mcp {
namespace {

using nlohmann::json;
namespace rv1 = mcp_oauth::resources::v1;
namespace pv1 = mcp_oauth::prompts::v1;

constexpr int kExtraResources = 5;

std::shared_ptr<ResourceRegistry> Resources() {
  auto registry = std::make_shared<ResourceRegistry>();
  ResourceDefinition text;
  text.uri = "test://text";
  text.name = "text";
  text.description = "a text";
  text.mime_type = "text/plain";
  text.read = [](const CallContext& ctx) -> absl::StatusOr<std::vector<ResourceContent>> {
    return std::vector<ResourceContent>{
        ResourceContent::Text("test://text", "text/plain", "hello " + ctx.caller().username)};
  };
  EXPECT_TRUE(registry->Register(text).ok());
  ResourceDefinition blob;
  blob.uri = "test://blob";
  blob.name = "blob";
  blob.read = [](const CallContext&) -> absl::StatusOr<std::vector<ResourceContent>> {
    return std::vector<ResourceContent>{ResourceContent::Blob(
        "test://blob", "application/octet-stream", std::string("\x00\x01\xff", 3))};
  };
  EXPECT_TRUE(registry->Register(blob).ok());
  ResourceDefinition failing;
  failing.uri = "test://failing";
  failing.name = "failing";
  failing.read = [](const CallContext&) -> absl::StatusOr<std::vector<ResourceContent>> {
    return absl::UnavailableError("secret backend detail");
  };
  EXPECT_TRUE(registry->Register(failing).ok());
  for (int i = 0; i < kExtraResources; ++i) {
    ResourceDefinition extra = text;
    extra.uri = absl::StrCat("test://extra/", i);
    EXPECT_TRUE(registry->Register(extra).ok());
  }
  ResourceTemplateDefinition tmpl;
  tmpl.uri_template = "test://item/{id}";
  tmpl.name = "item";
  tmpl.read = [](const std::string& uri, const std::map<std::string, std::string>& vars,
                 const CallContext&) -> absl::StatusOr<std::vector<ResourceContent>> {
    if (vars.at("id") == "missing") return absl::NotFoundError("no such item");
    return std::vector<ResourceContent>{
        ResourceContent::Text(uri, "text/plain", "item " + vars.at("id"))};
  };
  tmpl.completers["id"] = PrefixCompleter({"apple", "apricot", "banana"});
  EXPECT_TRUE(registry->RegisterTemplate(tmpl).ok());
  return registry;
}

std::shared_ptr<PromptRegistry> Prompts() {
  auto registry = std::make_shared<PromptRegistry>();
  PromptDefinition greet;
  greet.name = "greet";
  greet.description = "greets";
  greet.arguments = {{"who", "whom to greet", true, PrefixCompleter({"world", "wonder"})},
                     {"tone", "optional tone", false, nullptr}};
  greet.render = [](const std::map<std::string, std::string>& args,
                    const CallContext&) -> absl::StatusOr<std::vector<PromptMessage>> {
    std::string text = "Hello, " + args.at("who");
    if (args.count("tone")) text += " (" + args.at("tone") + ")";
    return std::vector<PromptMessage>{{"user", json{{"type", "text"}, {"text", text}}}};
  };
  EXPECT_TRUE(registry->Register(greet).ok());
  PromptDefinition bad_role;
  bad_role.name = "bad_role";
  bad_role.render = [](const std::map<std::string, std::string>&,
                       const CallContext&) -> absl::StatusOr<std::vector<PromptMessage>> {
    return std::vector<PromptMessage>{{"system", json{{"type", "text"}, {"text", "x"}}}};
  };
  EXPECT_TRUE(registry->Register(bad_role).ok());
  return registry;
}

class CatalogServicesTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    CatalogServiceOptions options;
    options.default_page_size = 3;
    options.max_page_size = 4;
    server_ = new testing::CatalogServer(Resources(), Prompts(), options);
  }
  static void TearDownTestSuite() { delete server_; }

  static std::unique_ptr<grpc::ClientContext> Context() { return server_->Context(); }
  rv1::ResourceService::Stub& resources() { return server_->resources(); }
  pv1::PromptService::Stub& prompts() { return server_->prompts(); }

  static testing::CatalogServer* server_;
};

testing::CatalogServer* CatalogServicesTest::server_ = nullptr;

TEST_F(CatalogServicesTest, ListResourcesPages) {
  std::vector<std::string> uris;
  std::string token;
  int pages = 0;
  do {
    rv1::ListResourcesRequest request;
    request.set_page_token(token);
    rv1::ListResourcesResponse response;
    ASSERT_TRUE(resources().ListResources(Context().get(), request, &response).ok());
    EXPECT_LE(response.resources_size(), 3);
    for (const auto& r : response.resources()) uris.push_back(r.uri());
    token = response.next_page_token();
    ++pages;
  } while (!token.empty() && pages < 10);
  EXPECT_EQ(uris.size(), 3u + kExtraResources);
  EXPECT_EQ(uris.front(), "test://text");
  EXPECT_EQ(pages, 3);

  rv1::ListResourcesRequest bad;
  bad.set_page_token("not-a-token");
  rv1::ListResourcesResponse response;
  EXPECT_EQ(resources().ListResources(Context().get(), bad, &response).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(CatalogServicesTest, ListTemplates) {
  rv1::ListResourceTemplatesResponse response;
  ASSERT_TRUE(resources().ListResourceTemplates(Context().get(), {}, &response).ok());
  ASSERT_EQ(response.resource_templates_size(), 1);
  EXPECT_EQ(response.resource_templates(0).uri_template(), "test://item/{id}");
  EXPECT_TRUE(response.next_page_token().empty());
}

TEST_F(CatalogServicesTest, ReadTextBlobAndTemplate) {
  rv1::ReadResourceRequest request;
  request.set_uri("test://text");
  request.mutable_caller()->set_username("alice");
  rv1::ReadResourceResponse response;
  ASSERT_TRUE(resources().ReadResource(Context().get(), request, &response).ok());
  ASSERT_EQ(response.contents_size(), 1);
  EXPECT_EQ(response.contents(0).text(), "hello alice");
  EXPECT_EQ(response.contents(0).mime_type(), "text/plain");

  request.set_uri("test://blob");
  response.Clear();
  ASSERT_TRUE(resources().ReadResource(Context().get(), request, &response).ok());
  ASSERT_EQ(response.contents_size(), 1);
  EXPECT_EQ(response.contents(0).data_case(), rv1::ResourceContents::kBlob);
  EXPECT_EQ(response.contents(0).blob(), std::string("\x00\x01\xff", 3));

  request.set_uri("test://item/42");
  response.Clear();
  ASSERT_TRUE(resources().ReadResource(Context().get(), request, &response).ok());
  EXPECT_EQ(response.contents(0).text(), "item 42");
  EXPECT_EQ(response.contents(0).uri(), "test://item/42");
}

TEST_F(CatalogServicesTest, ReadFailures) {
  rv1::ReadResourceRequest request;
  rv1::ReadResourceResponse response;
  request.set_uri("test://nowhere");
  EXPECT_EQ(resources().ReadResource(Context().get(), request, &response).error_code(),
            grpc::StatusCode::NOT_FOUND);
  request.set_uri("test://item/missing");
  grpc::Status status = resources().ReadResource(Context().get(), request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(status.error_message(), "no such item");
  request.set_uri("test://failing");
  status = resources().ReadResource(Context().get(), request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INTERNAL);
  EXPECT_EQ(status.error_message().find("secret"), std::string::npos);
}

TEST_F(CatalogServicesTest, CompleteTemplateVariable) {
  rv1::CompleteRequest request;
  request.set_uri_template("test://item/{id}");
  request.set_argument_name("id");
  request.set_argument_value("ap");
  rv1::CompleteResponse response;
  ASSERT_TRUE(resources().Complete(Context().get(), request, &response).ok());
  EXPECT_EQ(std::vector<std::string>(response.values().begin(), response.values().end()),
            (std::vector<std::string>{"apple", "apricot"}));
  EXPECT_EQ(response.total(), 2);
  EXPECT_FALSE(response.has_more());
  request.set_uri_template("test://other/{id}");
  EXPECT_EQ(resources().Complete(Context().get(), request, &response).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_F(CatalogServicesTest, ListAndGetPrompts) {
  pv1::ListPromptsResponse list;
  ASSERT_TRUE(prompts().ListPrompts(Context().get(), {}, &list).ok());
  ASSERT_EQ(list.prompts_size(), 2);
  EXPECT_EQ(list.prompts(0).name(), "greet");
  ASSERT_EQ(list.prompts(0).arguments_size(), 2);
  EXPECT_TRUE(list.prompts(0).arguments(0).required());
  EXPECT_FALSE(list.prompts(0).arguments(1).required());

  pv1::GetPromptRequest request;
  request.set_name("greet");
  (*request.mutable_arguments())["who"] = "world";
  (*request.mutable_arguments())["tone"] = "warm";
  pv1::GetPromptResponse response;
  ASSERT_TRUE(prompts().GetPrompt(Context().get(), request, &response).ok());
  EXPECT_EQ(response.description(), "greets");
  ASSERT_EQ(response.messages_size(), 1);
  EXPECT_EQ(response.messages(0).role(), "user");
  EXPECT_EQ(response.messages(0).content().fields().at("text").string_value(),
            "Hello, world (warm)");
}

TEST_F(CatalogServicesTest, GetPromptErrors) {
  pv1::GetPromptRequest request;
  pv1::GetPromptResponse response;
  request.set_name("nope");
  EXPECT_EQ(prompts().GetPrompt(Context().get(), request, &response).error_code(),
            grpc::StatusCode::NOT_FOUND);
  request.set_name("greet");
  grpc::Status status = prompts().GetPrompt(Context().get(), request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(status.error_message().find("'who'"), std::string::npos);
  (*request.mutable_arguments())["who"] = "x";
  (*request.mutable_arguments())["extra"] = "y";
  status = prompts().GetPrompt(Context().get(), request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(status.error_message().find("'extra'"), std::string::npos);
  request.Clear();
  request.set_name("bad_role");
  EXPECT_EQ(prompts().GetPrompt(Context().get(), request, &response).error_code(),
            grpc::StatusCode::INTERNAL);
}

TEST_F(CatalogServicesTest, CompletePromptArgument) {
  pv1::CompleteRequest request;
  request.set_prompt_name("greet");
  request.set_argument_name("who");
  request.set_argument_value("wor");
  pv1::CompleteResponse response;
  ASSERT_TRUE(prompts().Complete(Context().get(), request, &response).ok());
  ASSERT_EQ(response.values_size(), 1);
  EXPECT_EQ(response.values(0), "world");
  request.set_argument_name("tone");  // no completer: no values
  response.Clear();
  ASSERT_TRUE(prompts().Complete(Context().get(), request, &response).ok());
  EXPECT_EQ(response.values_size(), 0);
  request.set_argument_name("nope");
  EXPECT_EQ(prompts().Complete(Context().get(), request, &response).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

}  // namespace
}  // namespace mcp_oauth::mcp
