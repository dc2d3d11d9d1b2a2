// Merging the lists of several backends (tools, prompts, resources, resource
// templates) into one list keyed by a name or URI.
//
// Pure functions, thread safe. A backend's items are exposed under prefix +
// their own key (the prefix is empty where keys cannot be renamed, e.g.
// resource URIs). When two backends expose the same key, the item that
// already had it (`previous_owner`) keeps it, else the earlier backend in
// configuration order; the other is left out and reported in `collisions`.
// Items of backends that are down are not listed but are remembered in
// `unavailable`, so that requests for them can say so.
#ifndef MCP_OAUTH_MCP_AGGREGATE_NAMED_MERGE_H_
#define MCP_OAUTH_MCP_AGGREGATE_NAMED_MERGE_H_

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/message.h>

#include <cstddef>
#include <string>
#include <unordered_map>
#include <vector>

#include "mcp/paging.h"

namespace mcp_oauth::mcp {

// What one backend offers, as last seen.
template <typename Item>
struct NamedBackend {
  std::string name;
  std::string prefix;
  bool up = false;
  // As the backend keys them (no prefix); for a down backend, what it
  // offered when it was last up.
  std::vector<Item> items;
};

// Where an exposed key goes.
struct NamedRoute {
  size_t backend = 0;
  std::string backend_key;  // the key without the prefix
};

template <typename Item>
struct NamedMerged {
  // Exposed items (prefixed keys), backend by backend in configuration order,
  // each backend's items in its own order.
  std::vector<Item> items;
  std::unordered_map<std::string, NamedRoute> routes;
  // Exposed keys of the items of down backends (not in `routes`) -> backend.
  std::unordered_map<std::string, size_t> unavailable;
  // One message per item left out because its key was taken, naming it and
  // both backends.
  std::vector<std::string> collisions;
  // Changes whenever `items` (keys, order, contents) change.
  std::string version_tag;
};

// How an item's key is read and written, and what to call it in messages.
template <typename Item>
struct NamedKey {
  std::string (*get)(const Item&);
  void (*set)(Item*, const std::string&);
  const char* what;  // e.g. "tool name"
  // Appended to a collision message, e.g. " (give one of them a prefix)".
  const char* remedy;
};

// Deterministic serialization (maps inside Structs): equal items, equal bytes.
inline std::string DeterministicBytes(const google::protobuf::Message& message) {
  std::string out;
  {
    google::protobuf::io::StringOutputStream stream(&out);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    message.SerializeToCodedStream(&coded);
  }
  return out;
}

template <typename Item>
NamedMerged<Item> MergeNamed(const std::vector<NamedBackend<Item>>& backends,
                             const std::unordered_map<std::string, size_t>& previous_owner,
                             const NamedKey<Item>& key) {
  NamedMerged<Item> merged;
  auto exposed_key = [&key](const NamedBackend<Item>& backend, const Item& item) {
    return backend.prefix + key.get(item);
  };
  // Pass 1: who owns each key. A key stays with its previous owner while
  // that backend still offers it, so an item appearing elsewhere later never
  // takes over a working one.
  std::unordered_map<std::string, size_t> owner;
  for (size_t i = 0; i < backends.size(); ++i) {
    if (!backends[i].up) continue;
    for (const auto& item : backends[i].items) {
      std::string exposed = exposed_key(backends[i], item);
      auto previous = previous_owner.find(exposed);
      if (previous != previous_owner.end() && previous->second == i) owner.emplace(exposed, i);
    }
  }
  for (size_t i = 0; i < backends.size(); ++i) {
    if (!backends[i].up) continue;
    for (const auto& item : backends[i].items) {
      std::string exposed = exposed_key(backends[i], item);
      auto [it, inserted] = owner.emplace(exposed, i);
      if (!inserted && it->second != i) {
        merged.collisions.push_back(std::string(key.what) + " collision: '" + exposed +
                                    "' of backend '" + backends[i].name +
                                    "' is left out, backend '" + backends[it->second].name +
                                    "' already offers it" + key.remedy);
      }
    }
  }
  // Pass 2: the list, in configuration order.
  std::string fingerprint;
  for (size_t i = 0; i < backends.size(); ++i) {
    for (const auto& item : backends[i].items) {
      std::string exposed = exposed_key(backends[i], item);
      if (!backends[i].up) {
        if (owner.count(exposed) == 0) merged.unavailable.emplace(exposed, i);
        continue;
      }
      auto it = owner.find(exposed);
      if (it == owner.end() || it->second != i) continue;
      if (!merged.routes.emplace(exposed, NamedRoute{i, key.get(item)}).second) continue;
      merged.items.push_back(item);
      key.set(&merged.items.back(), exposed);
      // Length-prefixed, so no two lists share a fingerprint.
      std::string serialized = DeterministicBytes(merged.items.back());
      fingerprint += std::to_string(serialized.size()) + ":" + serialized;
    }
  }
  merged.version_tag = ListVersionTag(fingerprint);
  return merged;
}

// The owners of `merged`'s keys, for the next merge's `previous_owner`.
template <typename Item>
std::unordered_map<std::string, size_t> Owners(const NamedMerged<Item>& merged) {
  std::unordered_map<std::string, size_t> owner;
  for (const auto& [key, route] : merged.routes) owner.emplace(key, route.backend);
  return owner;
}

}  // namespace mcp_oauth::mcp

#endif  // MCP_OAUTH_MCP_AGGREGATE_NAMED_MERGE_H_
