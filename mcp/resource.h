// A resource exposed over MCP (a concrete URI) or a resource template (a
// family of URIs), with metadata and a reader.
//
// Adding one: write one self-contained .cc file under mcp/resources/ that
// defines a factory returning a ResourceDefinition (or a
// ResourceTemplateDefinition), and add one line for it in
// mcp/resources/builtin_resources.cc (declaration in builtin_resources.h).
#ifndef MCP_OAUTH_MCP_RESOURCE_H_
#define MCP_OAUTH_MCP_RESOURCE_H_

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "mcp/completion.h"
#include "mcp/tool.h"

namespace mcp_oauth::mcp {

// One item of a read result: UTF-8 text, or raw bytes when `binary` is set
// (sent base64-encoded as "blob").
struct ResourceContent {
  std::string uri;
  std::string mime_type;
  std::string text;
  std::string blob;
  bool binary = false;

  static ResourceContent Text(std::string uri, std::string mime_type, std::string text) {
    return ResourceContent{std::move(uri), std::move(mime_type), std::move(text), "", false};
  }
  static ResourceContent Blob(std::string uri, std::string mime_type, std::string bytes) {
    return ResourceContent{std::move(uri), std::move(mime_type), "", std::move(bytes), true};
  }
};

// Reads a concrete resource. Runs on the gRPC thread: must be fast and must
// not block. NOT_FOUND, INVALID_ARGUMENT and PERMISSION_DENIED reach the
// client with their message; other failures become a generic internal error.
using ResourceReader =
    std::function<absl::StatusOr<std::vector<ResourceContent>>(const CallContext& ctx)>;

// What a read that may ask the client for input returns: the contents, or
// (input_required not empty) the input it needs first. It is then read
// again with the client's answers in ctx.input() (tool_input.h; the same
// rules as a tool's ToolContent::input_required).
struct ResourceOutput {
  std::vector<ResourceContent> contents;
  InputRequired input_required;
};

// Like ResourceReader, for resources that may ask the client for input.
using InputResourceReader = std::function<absl::StatusOr<ResourceOutput>(const CallContext& ctx)>;

struct ResourceDefinition {
  std::string uri;    // unique, e.g. "file:///README.md"
  std::string name;   // programmatic name
  std::string title;  // optional human-friendly name
  std::string description;
  std::string mime_type;  // optional
  // Exactly one of the two.
  ResourceReader read;
  InputResourceReader read_with_input;
};

// Reads one resource of a template; `variables` holds the values matched in
// `uri`. Same rules as ResourceReader.
using TemplateReader = std::function<absl::StatusOr<std::vector<ResourceContent>>(
    const std::string& uri, const std::map<std::string, std::string>& variables,
    const CallContext& ctx)>;

// Like TemplateReader, for templates whose reads may ask the client for input.
using InputTemplateReader = std::function<absl::StatusOr<ResourceOutput>(
    const std::string& uri, const std::map<std::string, std::string>& variables,
    const CallContext& ctx)>;

struct ResourceTemplateDefinition {
  std::string uri_template;  // level-1 RFC 6570, e.g. "test://template/{id}/data"
  std::string name;
  std::string title;
  std::string description;
  std::string mime_type;  // optional
  // Exactly one of the two.
  TemplateReader read;
  InputTemplateReader read_with_input;
  // Optional suggestions per variable name (completion/complete).
  std::map<std::string, Completer> completers;
};

}  // namespace mcp_oauth::mcp

#endif  // MCP_OAUTH_MCP_RESOURCE_H_
