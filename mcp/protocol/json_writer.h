// JsonWriter: writes one JSON text into a string piece by piece: literal
// JSON the caller spells out (keys, punctuation) and DOM values, serialized
// exactly as DumpJson serializes them (compact, invalid UTF-8 replaced).
// One serializer for the whole text: no string per value, and the
// serializer's setup (a locale query) done once.
//
// Internal to //mcp/protocol. Not thread safe; one per text.
#ifndef MCP_OAUTH_MCP_PROTOCOL_JSON_WRITER_H_
#define MCP_OAUTH_MCP_PROTOCOL_JSON_WRITER_H_

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace mcp_oauth::mcp {

class JsonWriter {
 public:
  // Appends to `*out`, which must outlive the writer.
  explicit JsonWriter(std::string* out);

  // Appends `text` as it is: the caller vouches that it is valid JSON there.
  void Raw(std::string_view text) { out_->append(text); }
  // Appends `value` serialized.
  void Value(const nlohmann::json& value);

 private:
  std::string* const out_;
  // nlohmann's own serializer (the one json::dump uses), kept across values.
  nlohmann::detail::serializer<nlohmann::json> serializer_;
};

}  // namespace mcp_oauth::mcp

#endif  // MCP_OAUTH_MCP_PROTOCOL_JSON_WRITER_H_
