// Tests of the resource/prompt definitions: URI templates, page tokens,
// registries, completers and the catalog with extensions.
#include "mcp/catalog.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

#include "mcp/completion.h"
#include "mcp/paging.h"
#include "mcp/uri_template.h"

namespace mcp_oauth::mcp {
namespace {

using nlohmann::json;

TEST(UriTemplateTest, MatchesAndExtractsVariables) {
  absl::StatusOr<UriTemplate> t = UriTemplate::Parse("test://template/{id}/data");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->variables(), std::vector<std::string>{"id"});
  std::map<std::string, std::string> vars;
  ASSERT_TRUE(t->Match("test://template/123/data", &vars));
  EXPECT_EQ(vars, (std::map<std::string, std::string>{{"id", "123"}}));
  EXPECT_FALSE(t->Match("test://template//data", &vars));
  EXPECT_FALSE(t->Match("test://template/1/2/data", &vars));
  EXPECT_FALSE(t->Match("test://template/123/data/more", &vars));
  EXPECT_FALSE(t->Match("test://other/123/data", &vars));
  EXPECT_TRUE(vars.empty());
}

TEST(UriTemplateTest, SeveralVariablesAndTrailingVariable) {
  absl::StatusOr<UriTemplate> t = UriTemplate::Parse("db://{table}/rows/{row}");
  ASSERT_TRUE(t.ok());
  std::map<std::string, std::string> vars;
  ASSERT_TRUE(t->Match("db://users/rows/42", &vars));
  EXPECT_EQ(vars["table"], "users");
  EXPECT_EQ(vars["row"], "42");
  EXPECT_FALSE(t->Match("db://users/rows/42?x", &vars));
}

TEST(UriTemplateTest, RejectsUnsupportedTemplates) {
  for (const char* bad : {"", "test://{", "test://}", "test://{+x}", "test://{x*}", "test://{x,y}",
                          "test://{a}{b}", "test://{a}/{a}", "test://plain", "test://{}"}) {
    EXPECT_FALSE(UriTemplate::Parse(bad).ok()) << bad;
  }
}

TEST(PagingTest, TokensRoundTripOnlyForTheSameList) {
  const std::string token = EncodeListPageToken("tag1", 5);
  absl::StatusOr<size_t> offset = DecodeListPageToken(token, "tag1", 10);
  ASSERT_TRUE(offset.ok());
  EXPECT_EQ(*offset, 5u);
  EXPECT_FALSE(DecodeListPageToken(token, "tag2", 10).ok());
  EXPECT_FALSE(DecodeListPageToken(token, "tag1", 5).ok());  // past the end
  EXPECT_FALSE(DecodeListPageToken("garbage!", "tag1", 10).ok());
  EXPECT_FALSE(DecodeListPageToken(EncodeListPageToken("tag1", 0), "tag1", 10).ok());
}

TEST(PagingTest, PageOfWalksAListAndRefusesStaleTokens) {
  absl::StatusOr<Page> first = PageOf(5, "v1", 2, "", 50, 100);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->begin, 0u);
  EXPECT_EQ(first->end, 2u);
  ASSERT_FALSE(first->next_page_token.empty());
  absl::StatusOr<Page> second = PageOf(5, "v1", 2, first->next_page_token, 50, 100);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->begin, 2u);
  EXPECT_EQ(second->end, 4u);
  absl::StatusOr<Page> last = PageOf(5, "v1", 0, second->next_page_token, 50, 100);
  ASSERT_TRUE(last.ok());
  EXPECT_EQ(last->end, 5u);
  EXPECT_TRUE(last->next_page_token.empty());
  EXPECT_FALSE(PageOf(5, "v2", 2, first->next_page_token, 50, 100).ok()) << "the list changed";
  EXPECT_FALSE(PageOf(5, "v1", -1, "", 50, 100).ok());
}

TEST(PagingTest, PageSizes) {
  EXPECT_EQ(*EffectivePageSize(0, 50, 100), 50u);
  EXPECT_EQ(*EffectivePageSize(7, 50, 100), 7u);
  EXPECT_EQ(*EffectivePageSize(1000, 50, 100), 100u);
  EXPECT_FALSE(EffectivePageSize(-1, 50, 100).ok());
}

TEST(CompletionTest, PrefixCompleterKeepsOrder) {
  Completer c = PrefixCompleter({"paris", "park", "london", "party"});
  EXPECT_EQ(c("par", {}), (std::vector<std::string>{"paris", "park", "party"}));
  EXPECT_EQ(c("", {}).size(), 4u);
  EXPECT_TRUE(c("x", {}).empty());
}

ResourceDefinition TextResource(const std::string& uri) {
  ResourceDefinition r;
  r.uri = uri;
  r.name = "r";
  r.read = [uri](const CallContext&) -> absl::StatusOr<std::vector<ResourceContent>> {
    return std::vector<ResourceContent>{ResourceContent::Text(uri, "text/plain", "hi")};
  };
  return r;
}

ResourceTemplateDefinition Template(const std::string& uri_template) {
  ResourceTemplateDefinition t;
  t.uri_template = uri_template;
  t.name = "t";
  t.read = [](const std::string& uri, const std::map<std::string, std::string>&,
              const CallContext&) -> absl::StatusOr<std::vector<ResourceContent>> {
    return std::vector<ResourceContent>{ResourceContent::Text(uri, "text/plain", "x")};
  };
  return t;
}

TEST(ResourceRegistryTest, RegistersFindsAndMatches) {
  ResourceRegistry registry;
  EXPECT_TRUE(registry.empty());
  const std::string empty_tag = registry.resources_tag();
  ASSERT_TRUE(registry.Register(TextResource("test://a")).ok());
  EXPECT_NE(registry.resources_tag(), empty_tag);
  ASSERT_TRUE(registry.RegisterTemplate(Template("test://t/{id}")).ok());
  EXPECT_FALSE(registry.empty());
  EXPECT_NE(registry.Find("test://a"), nullptr);
  EXPECT_EQ(registry.Find("test://b"), nullptr);
  EXPECT_NE(registry.FindTemplate("test://t/{id}"), nullptr);
  std::map<std::string, std::string> vars;
  const ResourceTemplateDefinition* match = registry.MatchTemplate("test://t/9", &vars);
  ASSERT_NE(match, nullptr);
  EXPECT_EQ(match->uri_template, "test://t/{id}");
  EXPECT_EQ(vars["id"], "9");
  EXPECT_EQ(registry.MatchTemplate("test://u/9", &vars), nullptr);
  EXPECT_FALSE(registry.has_completions());
}

TEST(ResourceRegistryTest, RejectsBadDefinitions) {
  ResourceRegistry registry;
  ASSERT_TRUE(registry.Register(TextResource("test://a")).ok());
  EXPECT_EQ(registry.Register(TextResource("test://a")).code(), absl::StatusCode::kAlreadyExists);
  EXPECT_FALSE(registry.Register(TextResource("")).ok());
  ResourceDefinition no_name = TextResource("test://b");
  no_name.name.clear();
  EXPECT_FALSE(registry.Register(no_name).ok());
  ResourceDefinition no_reader = TextResource("test://c");
  no_reader.read = nullptr;
  EXPECT_FALSE(registry.Register(no_reader).ok());
  EXPECT_FALSE(registry.RegisterTemplate(Template("test://{a")).ok());
  ResourceTemplateDefinition bad_completer = Template("test://t/{id}");
  bad_completer.completers["nope"] = PrefixCompleter({"x"});
  EXPECT_FALSE(registry.RegisterTemplate(bad_completer).ok());
  ResourceTemplateDefinition good = Template("test://t/{id}");
  good.completers["id"] = PrefixCompleter({"1"});
  ASSERT_TRUE(registry.RegisterTemplate(good).ok());
  EXPECT_TRUE(registry.has_completions());
  EXPECT_EQ(registry.RegisterTemplate(Template("test://t/{id}")).code(),
            absl::StatusCode::kAlreadyExists);
}

PromptDefinition Prompt(const std::string& name) {
  PromptDefinition p;
  p.name = name;
  p.render = [](const std::map<std::string, std::string>&,
                const CallContext&) -> absl::StatusOr<std::vector<PromptMessage>> {
    return std::vector<PromptMessage>{{"user", json{{"type", "text"}, {"text", "x"}}}};
  };
  return p;
}

TEST(PromptRegistryTest, RegistersAndRejects) {
  PromptRegistry registry;
  EXPECT_TRUE(registry.empty());
  PromptDefinition p = Prompt("p");
  p.arguments = {{"a", "first", true, nullptr}, {"b", "second", false, PrefixCompleter({"x"})}};
  ASSERT_TRUE(registry.Register(p).ok());
  EXPECT_TRUE(registry.has_completions());
  EXPECT_NE(registry.Find("p"), nullptr);
  EXPECT_EQ(registry.Find("q"), nullptr);
  EXPECT_EQ(registry.Register(Prompt("p")).code(), absl::StatusCode::kAlreadyExists);
  EXPECT_FALSE(registry.Register(Prompt("")).ok());
  PromptDefinition no_render = Prompt("r");
  no_render.render = nullptr;
  EXPECT_FALSE(registry.Register(no_render).ok());
  PromptDefinition repeated = Prompt("s");
  repeated.arguments = {{"a", "", false, nullptr}, {"a", "", false, nullptr}};
  EXPECT_FALSE(registry.Register(repeated).ok());
}

TEST(ToolRegistryTest, ContentHandlerToolsNeedExactlyOneHandler) {
  ToolRegistry registry;
  ToolDefinition tool;
  tool.name = "c";
  tool.description = "d";
  tool.input_schema = {{"type", "object"}};
  EXPECT_FALSE(registry.Register(tool).ok());  // no handler at all
  tool.content_handler = [](const json&, const CallContext&) -> absl::StatusOr<ToolContent> {
    return ToolContent{};
  };
  tool.handler = [](const json&, const CallContext&) -> absl::StatusOr<json> {
    return json::object();
  };
  EXPECT_FALSE(registry.Register(tool).ok());  // both
  tool.handler = nullptr;
  tool.output_schema = {{"type", "object"}};
  EXPECT_FALSE(registry.Register(tool).ok());  // content tools have no structured output
  tool.output_schema = nullptr;
  EXPECT_TRUE(registry.Register(tool).ok());
}

absl::Status AddFixture(Catalog* catalog) {
  if (absl::Status s = catalog->resources->Register(TextResource("test://ext")); !s.ok()) return s;
  return catalog->prompts->Register(Prompt("ext_prompt"));
}

TEST(CatalogTest, BuiltinsPlusExtensions) {
  absl::StatusOr<Catalog> plain = BuildCatalog();
  ASSERT_TRUE(plain.ok()) << plain.status();
  EXPECT_NE(plain->tools->Find("echo"), nullptr);
  EXPECT_NE(plain->tools->Find("get_time"), nullptr);
  EXPECT_TRUE(plain->resources->empty());  // production ships none
  EXPECT_TRUE(plain->prompts->empty());

  EXPECT_TRUE(AddCatalogExtension(&AddFixture));
  absl::StatusOr<Catalog> extended = BuildCatalog();
  ASSERT_TRUE(extended.ok()) << extended.status();
  EXPECT_NE(extended->resources->Find("test://ext"), nullptr);
  EXPECT_NE(extended->prompts->Find("ext_prompt"), nullptr);
  EXPECT_NE(extended->tools->Find("echo"), nullptr);

  // A failing extension fails the build (here: the same additions twice).
  EXPECT_TRUE(AddCatalogExtension(&AddFixture));
  EXPECT_EQ(BuildCatalog().status().code(), absl::StatusCode::kAlreadyExists);
}

}  // namespace
}  // namespace mcp_oauth::mcp
