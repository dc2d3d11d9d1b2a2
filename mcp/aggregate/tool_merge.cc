#include "mcp/aggregate/tool_merge.h"

#include <utility>

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include "mcp/paging.h"

namespace mcp_oauth::mcp {
namespace {

// Schemas are Structs (maps): only deterministic serialization gives equal
// bytes for equal tools.
std::string DeterministicBytes(const mcp_oauth::tools::v1::Tool& tool) {
  std::string out;
  {
    google::protobuf::io::StringOutputStream stream(&out);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    tool.SerializeToCodedStream(&coded);
  }
  return out;
}

}  // namespace

MergedTools MergeTools(const std::vector<BackendTools>& backends,
                       const std::unordered_map<std::string, size_t>& previous_owner) {
  MergedTools merged;
  // Pass 1: who owns each name. A name stays with its previous owner while
  // that backend still offers it, so a tool appearing elsewhere later never
  // takes over a working one.
  std::unordered_map<std::string, size_t> owner;
  for (size_t i = 0; i < backends.size(); ++i) {
    if (!backends[i].up) continue;
    for (const auto& tool : backends[i].tools) {
      std::string exposed = backends[i].prefix + tool.name();
      auto previous = previous_owner.find(exposed);
      if (previous != previous_owner.end() && previous->second == i) owner.emplace(exposed, i);
    }
  }
  for (size_t i = 0; i < backends.size(); ++i) {
    if (!backends[i].up) continue;
    for (const auto& tool : backends[i].tools) {
      std::string exposed = backends[i].prefix + tool.name();
      auto [it, inserted] = owner.emplace(exposed, i);
      if (!inserted && it->second != i) {
        merged.collisions.push_back("tool name collision: '" + exposed + "' of backend '" +
                                    backends[i].name + "' is left out, backend '" +
                                    backends[it->second].name +
                                    "' already offers it (give one of them a prefix)");
      }
    }
  }
  // Pass 2: the list, in configuration order.
  std::string fingerprint;
  for (size_t i = 0; i < backends.size(); ++i) {
    for (const auto& tool : backends[i].tools) {
      std::string exposed = backends[i].prefix + tool.name();
      if (!backends[i].up) {
        if (owner.count(exposed) == 0) merged.unavailable.emplace(exposed, i);
        continue;
      }
      auto it = owner.find(exposed);
      if (it == owner.end() || it->second != i) continue;
      if (!merged.routes.emplace(exposed, ToolRoute{i, tool.name()}).second) continue;
      merged.tools.push_back(tool);
      merged.tools.back().set_name(exposed);
      // Length-prefixed, so no two lists share a fingerprint.
      std::string serialized = DeterministicBytes(merged.tools.back());
      fingerprint += std::to_string(serialized.size()) + ":" + serialized;
    }
  }
  merged.version_tag = ListVersionTag(fingerprint);
  return merged;
}

}  // namespace mcp_oauth::mcp
