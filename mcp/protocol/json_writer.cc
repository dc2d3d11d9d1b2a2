#include "mcp/protocol/json_writer.h"

namespace mcp_oauth::mcp {

JsonWriter::JsonWriter(std::string* out)
    : out_(out),
      serializer_(nlohmann::detail::output_adapter<char>(*out), ' ',
                  nlohmann::json::error_handler_t::replace) {}

void JsonWriter::Value(const nlohmann::json& value) {
  // As DumpJson: value.dump(-1, ' ', false, replace).
  serializer_.dump(value, /*pretty_print=*/false, /*ensure_ascii=*/false, /*indent_step=*/0);
}

}  // namespace mcp_oauth::mcp
