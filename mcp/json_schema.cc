#include "mcp/json_schema.h"

#include <cmath>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/utf8.h"

namespace mcp_oauth::mcp {
namespace {

using nlohmann::json;

const std::set<std::string>& KnownTypes() {
  static const auto* types = new std::set<std::string>{"object",  "string", "number", "integer",
                                                       "boolean", "array",  "null"};
  return *types;
}

const std::set<std::string>& KnownKeywords() {
  static const auto* keywords = new std::set<std::string>{
      "type",      "properties",      "required",      "additionalProperties",
      "enum",      "const",           "minLength",     "maxLength",
      "minimum",   "maximum",         "exclusiveMinimum", "exclusiveMaximum",
      "items",     "minItems",        "maxItems",      "title",
      "description", "format",        "default",       "$schema",
      "examples",  "$comment",
      // JSON Schema 2020-12 (SEP-1613/SEP-2106): local references and the
      // applicators tool schemas use.
      "$defs",     "$ref",            "$anchor",       "$id",
      "allOf",     "anyOf",           "oneOf",         "not",
      "if",        "then",            "else",
      // MCP 2026-07-28 annotation (param_headers.h).
      "x-mcp-header"};
  return *keywords;
}

absl::Status SchemaError(const std::string& where, const std::string& what) {
  return absl::InvalidArgumentError(absl::StrCat("invalid schema at ", where, ": ", what));
}

absl::Status CheckSchemaAt(const json& schema, const std::string& where, int depth) {
  if (depth > 32) return SchemaError(where, "nested too deeply");
  if (!schema.is_object()) return SchemaError(where, "schema must be an object");
  for (const auto& [key, value] : schema.items()) {
    if (KnownKeywords().count(key) == 0) return SchemaError(where, "unsupported keyword '" + key + "'");
    (void)value;
  }
  if (auto it = schema.find("type"); it != schema.end()) {
    std::vector<json> types;
    if (it->is_string()) {
      types.push_back(*it);
    } else if (it->is_array() && !it->empty()) {
      types.assign(it->begin(), it->end());
    } else {
      return SchemaError(where, "'type' must be a string or a non-empty array");
    }
    for (const json& t : types) {
      if (!t.is_string() || KnownTypes().count(t.get<std::string>()) == 0) {
        return SchemaError(where, "unknown type " + t.dump());
      }
    }
  }
  if (auto it = schema.find("properties"); it != schema.end()) {
    if (!it->is_object()) return SchemaError(where, "'properties' must be an object");
    for (const auto& [name, sub] : it->items()) {
      absl::Status s = CheckSchemaAt(sub, where + "/properties/" + name, depth + 1);
      if (!s.ok()) return s;
    }
  }
  if (auto it = schema.find("required"); it != schema.end()) {
    if (!it->is_array()) return SchemaError(where, "'required' must be an array");
    for (const json& r : *it) {
      if (!r.is_string()) return SchemaError(where, "'required' entries must be strings");
    }
  }
  if (auto it = schema.find("additionalProperties"); it != schema.end()) {
    if (!it->is_boolean()) {
      absl::Status s = CheckSchemaAt(*it, where + "/additionalProperties", depth + 1);
      if (!s.ok()) return s;
    }
  }
  if (auto it = schema.find("items"); it != schema.end()) {
    absl::Status s = CheckSchemaAt(*it, where + "/items", depth + 1);
    if (!s.ok()) return s;
  }
  if (auto it = schema.find("enum"); it != schema.end()) {
    if (!it->is_array() || it->empty()) return SchemaError(where, "'enum' must be a non-empty array");
  }
  for (const char* key : {"minLength", "maxLength", "minItems", "maxItems"}) {
    if (auto it = schema.find(key); it != schema.end()) {
      if (!it->is_number_integer() || it->get<int64_t>() < 0) {
        return SchemaError(where, std::string("'") + key + "' must be a non-negative integer");
      }
    }
  }
  for (const char* key : {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"}) {
    if (auto it = schema.find(key); it != schema.end() && !it->is_number()) {
      return SchemaError(where, std::string("'") + key + "' must be a number");
    }
  }
  if (auto it = schema.find("$defs"); it != schema.end()) {
    if (!it->is_object()) return SchemaError(where, "'$defs' must be an object");
    for (const auto& [name, sub] : it->items()) {
      if (absl::Status s = CheckSchemaAt(sub, where + "/$defs/" + name, depth + 1); !s.ok()) return s;
    }
  }
  for (const char* key : {"allOf", "anyOf", "oneOf"}) {
    if (auto it = schema.find(key); it != schema.end()) {
      if (!it->is_array() || it->empty()) return SchemaError(where, std::string("'") + key + "' must be a non-empty array");
      for (size_t i = 0; i < it->size(); ++i) {
        absl::Status s = CheckSchemaAt((*it)[i], absl::StrCat(where, "/", key, "/", i), depth + 1);
        if (!s.ok()) return s;
      }
    }
  }
  for (const char* key : {"not", "if", "then", "else"}) {
    if (auto it = schema.find(key); it != schema.end()) {
      if (absl::Status s = CheckSchemaAt(*it, where + "/" + key, depth + 1); !s.ok()) return s;
    }
  }
  for (const char* key : {"$ref", "$anchor", "$id"}) {
    if (auto it = schema.find(key); it != schema.end() && !it->is_string()) {
      return SchemaError(where, std::string("'") + key + "' must be a string");
    }
  }
  return absl::OkStatus();
}

// Finds the subschema declaring `$anchor: anchor` under `schema`.
const json* FindAnchor(const json& schema, const std::string& anchor, int depth) {
  if (depth > 32 || !schema.is_object()) return nullptr;
  if (auto it = schema.find("$anchor"); it != schema.end() && *it == anchor) return &schema;
  for (const auto& [key, value] : schema.items()) {
    if (key == "enum" || key == "const" || key == "default" || key == "examples") continue;
    if (value.is_object()) {
      if (const json* found = FindAnchor(value, anchor, depth + 1)) return found;
    } else if (value.is_array()) {
      for (const json& item : value) {
        if (const json* found = FindAnchor(item, anchor, depth + 1)) return found;
      }
    }
  }
  return nullptr;
}

// Resolves a same-document reference ("#", "#/json/pointer" or "#anchor")
// against `root`; nullptr when it names nothing (remote references are never
// fetched: SEP-2106).
const json* Resolve(const json& root, const std::string& ref) {
  if (ref.empty() || ref[0] != '#') return nullptr;
  if (ref.size() == 1) return &root;
  if (ref[1] != '/') return FindAnchor(root, ref.substr(1), 0);
  const json* at = &root;
  size_t start = 2;
  while (true) {
    const size_t end = ref.find('/', start);
    std::string token = ref.substr(start, end == std::string::npos ? std::string::npos : end - start);
    for (size_t i = 0; (i = token.find('~', i)) != std::string::npos; ++i) {
      if (i + 1 >= token.size() || (token[i + 1] != '0' && token[i + 1] != '1')) return nullptr;
      token.replace(i, 2, token[i + 1] == '0' ? "~" : "/");
    }
    if (at->is_object()) {
      auto it = at->find(token);
      if (it == at->end()) return nullptr;
      at = &*it;
    } else if (at->is_array()) {
      size_t index = 0;
      if (!absl::SimpleAtoi(token, &index) || index >= at->size()) return nullptr;
      at = &(*at)[index];
    } else {
      return nullptr;
    }
    if (end == std::string::npos) return at;
    start = end + 1;
  }
}

// Returns OK when every $ref under `schema` resolves within `root` to an
// object schema.
absl::Status CheckRefs(const json& root, const json& schema, int depth) {
  if (depth > 32) return absl::OkStatus();  // CheckSchemaAt already refused
  if (schema.is_object()) {
    if (auto it = schema.find("$ref"); it != schema.end() && it->is_string()) {
      const json* target = Resolve(root, it->get<std::string>());
      if (target == nullptr || !target->is_object()) {
        return SchemaError(it->get<std::string>(), "'$ref' must name a schema in this document");
      }
    }
    for (const auto& [key, value] : schema.items()) {
      if (key == "enum" || key == "const" || key == "default" || key == "examples") continue;
      if (absl::Status s = CheckRefs(root, value, depth + 1); !s.ok()) return s;
    }
  } else if (schema.is_array()) {
    for (const json& item : schema) {
      if (absl::Status s = CheckRefs(root, item, depth + 1); !s.ok()) return s;
    }
  }
  return absl::OkStatus();
}

// Where a value sits in the arguments, as a chain of links to its parent:
// built on the stack while validating, spelled out only for an error.
struct Path {
  const Path* parent = nullptr;  // null at the root
  std::string_view key;          // an object member's name, or
  size_t index = 0;              // an array item's index (when !is_key)
  bool is_key = false;
};

// "a.b[2]"; "" at the root.
std::string Spell(const Path& path) {
  if (path.parent == nullptr) return "";
  std::string parent = Spell(*path.parent);
  if (!path.is_key) return absl::StrCat(parent, "[", path.index, "]");
  if (!parent.empty()) parent += '.';
  return parent.append(path.key.data(), path.key.size());
}

// Describes the value at `path` for messages: "arguments" at the root,
// "argument 'a.b[2]'" below it.
std::string Subject(const Path& path) {
  return path.parent == nullptr ? "arguments" : "argument '" + Spell(path) + "'";
}

bool IsIntegral(const json& v) {
  if (v.is_number_integer()) return true;
  if (!v.is_number_float()) return false;
  const double d = v.get<double>();
  return std::isfinite(d) && std::floor(d) == d;
}

bool MatchesType(const std::string& type, const json& v) {
  if (type == "object") return v.is_object();
  if (type == "array") return v.is_array();
  if (type == "string") return v.is_string();
  if (type == "number") return v.is_number();
  if (type == "integer") return IsIntegral(v);
  if (type == "boolean") return v.is_boolean();
  if (type == "null") return v.is_null();
  return false;
}

std::string Article(const std::string& type) {
  if (type == "null") return "null";
  if (type == "integer" || type == "object" || type == "array") return "an " + type;
  return "a " + type;
}

// Numeric equality across integer/float representations (1 == 1.0).
bool JsonEquals(const json& a, const json& b) {
  if (a.is_number() && b.is_number()) return a.get<double>() == b.get<double>();
  return a == b;
}

std::string Dump(const json& v) { return v.dump(-1, ' ', false, json::error_handler_t::replace); }

// The schema ValidateJson was called with, which $ref resolves against.
thread_local const json* t_root = nullptr;

absl::Status ValidateAt(const json& schema, const json& value, const Path& path, int depth);

// Applies $ref, allOf, anyOf, oneOf, not and if/then/else to `value`.
absl::Status ValidateApplicators(const json& schema, const json& value, const Path& path, int depth) {
  if (auto it = schema.find("$ref"); it != schema.end()) {
    const json* target = t_root != nullptr ? Resolve(*t_root, it->get<std::string>()) : nullptr;
    if (target == nullptr) return absl::InvalidArgumentError(Subject(path) + " has an unresolvable schema");
    if (absl::Status s = ValidateAt(*target, value, path, depth + 1); !s.ok()) return s;
  }
  if (auto it = schema.find("allOf"); it != schema.end()) {
    for (const json& sub : *it) {
      if (absl::Status s = ValidateAt(sub, value, path, depth + 1); !s.ok()) return s;
    }
  }
  if (auto it = schema.find("anyOf"); it != schema.end()) {
    absl::Status first;
    bool any = false;
    for (const json& sub : *it) {
      absl::Status s = ValidateAt(sub, value, path, depth + 1);
      if (s.ok()) {
        any = true;
        break;
      }
      if (first.ok()) first = s;
    }
    if (!any) {
      return absl::InvalidArgumentError(
          absl::StrCat(Subject(path), " must match one of the allowed forms (", first.message(), ")"));
    }
  }
  if (auto it = schema.find("oneOf"); it != schema.end()) {
    int matches = 0;
    for (const json& sub : *it) matches += ValidateAt(sub, value, path, depth + 1).ok() ? 1 : 0;
    if (matches != 1) return absl::InvalidArgumentError(Subject(path) + " must match exactly one of the allowed forms");
  }
  if (auto it = schema.find("not"); it != schema.end() && ValidateAt(*it, value, path, depth + 1).ok()) {
    return absl::InvalidArgumentError(Subject(path) + " matches a form it must not");
  }
  if (auto it = schema.find("if"); it != schema.end()) {
    const char* branch = ValidateAt(*it, value, path, depth + 1).ok() ? "then" : "else";
    if (auto b = schema.find(branch); b != schema.end()) {
      if (absl::Status s = ValidateAt(*b, value, path, depth + 1); !s.ok()) return s;
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateAt(const json& schema, const json& value, const Path& path, int depth) {
  if (depth > 64) return absl::InvalidArgumentError(Subject(path) + " is nested too deeply");
  if (absl::Status s = ValidateApplicators(schema, value, path, depth); !s.ok()) return s;

  if (auto it = schema.find("type"); it != schema.end()) {
    bool ok = false;
    if (it->is_string()) {
      ok = MatchesType(it->get_ref<const std::string&>(), value);
    } else {
      for (const json& t : *it) ok = ok || MatchesType(t.get_ref<const std::string&>(), value);
    }
    if (!ok) {
      std::vector<std::string> names;
      if (it->is_string()) {
        names.push_back(Article(it->get<std::string>()));
      } else {
        for (const json& t : *it) names.push_back(Article(t.get<std::string>()));
      }
      return absl::InvalidArgumentError(
          absl::StrCat(Subject(path), " must be ", absl::StrJoin(names, " or ")));
    }
  }

  if (auto it = schema.find("enum"); it != schema.end()) {
    bool found = false;
    for (const json& option : *it) found = found || JsonEquals(option, value);
    if (!found) {
      std::vector<std::string> options;
      for (const json& option : *it) options.push_back(Dump(option));
      return absl::InvalidArgumentError(
          absl::StrCat(Subject(path), " must be one of: ", absl::StrJoin(options, ", ")));
    }
  }
  if (auto it = schema.find("const"); it != schema.end() && !JsonEquals(*it, value)) {
    return absl::InvalidArgumentError(absl::StrCat(Subject(path), " must be ", Dump(*it)));
  }

  if (value.is_string()) {
    const auto& text = value.get_ref<const std::string&>();
    auto min_it = schema.find("minLength");
    auto max_it = schema.find("maxLength");
    if (min_it != schema.end() || max_it != schema.end()) {
      absl::StatusOr<size_t> length = utf8::CountCodePoints(text);
      if (!length.ok()) return absl::InvalidArgumentError(Subject(path) + " is not valid UTF-8");
      if (min_it != schema.end() && *length < min_it->get<uint64_t>()) {
        return absl::InvalidArgumentError(absl::StrCat(Subject(path), " must be at least ",
                                                       min_it->get<uint64_t>(), " characters long"));
      }
      if (max_it != schema.end() && *length > max_it->get<uint64_t>()) {
        return absl::InvalidArgumentError(absl::StrCat(Subject(path), " must be at most ",
                                                       max_it->get<uint64_t>(), " characters long"));
      }
    }
  }

  if (value.is_number()) {
    const double d = value.get<double>();
    if (auto it = schema.find("minimum"); it != schema.end() && d < it->get<double>()) {
      return absl::InvalidArgumentError(absl::StrCat(Subject(path), " must be >= ", Dump(*it)));
    }
    if (auto it = schema.find("maximum"); it != schema.end() && d > it->get<double>()) {
      return absl::InvalidArgumentError(absl::StrCat(Subject(path), " must be <= ", Dump(*it)));
    }
    if (auto it = schema.find("exclusiveMinimum"); it != schema.end() && d <= it->get<double>()) {
      return absl::InvalidArgumentError(absl::StrCat(Subject(path), " must be > ", Dump(*it)));
    }
    if (auto it = schema.find("exclusiveMaximum"); it != schema.end() && d >= it->get<double>()) {
      return absl::InvalidArgumentError(absl::StrCat(Subject(path), " must be < ", Dump(*it)));
    }
  }

  if (value.is_array()) {
    if (auto it = schema.find("minItems"); it != schema.end() && value.size() < it->get<uint64_t>()) {
      return absl::InvalidArgumentError(
          absl::StrCat(Subject(path), " must have at least ", it->get<uint64_t>(), " items"));
    }
    if (auto it = schema.find("maxItems"); it != schema.end() && value.size() > it->get<uint64_t>()) {
      return absl::InvalidArgumentError(
          absl::StrCat(Subject(path), " must have at most ", it->get<uint64_t>(), " items"));
    }
    if (auto it = schema.find("items"); it != schema.end()) {
      for (size_t i = 0; i < value.size(); ++i) {
        const Path item{&path, {}, i, false};
        absl::Status s = ValidateAt(*it, value[i], item, depth + 1);
        if (!s.ok()) return s;
      }
    }
  }

  if (value.is_object()) {
    if (auto it = schema.find("required"); it != schema.end()) {
      for (const json& name : *it) {
        const auto& key = name.get_ref<const std::string&>();
        if (!value.contains(key)) {
          const Path missing{&path, key, 0, true};
          return absl::InvalidArgumentError("missing required argument '" + Spell(missing) + "'");
        }
      }
    }
    const json* properties = nullptr;
    if (auto it = schema.find("properties"); it != schema.end()) properties = &*it;
    const json* additional = nullptr;
    if (auto it = schema.find("additionalProperties"); it != schema.end()) additional = &*it;
    for (const auto& [key, sub_value] : value.items()) {
      const Path child{&path, key, 0, true};
      if (properties != nullptr) {
        if (auto p = properties->find(key); p != properties->end()) {
          absl::Status s = ValidateAt(*p, sub_value, child, depth + 1);
          if (!s.ok()) return s;
          continue;
        }
      }
      if (additional == nullptr) continue;
      if (additional->is_boolean()) {
        if (!additional->get<bool>()) {
          return absl::InvalidArgumentError("unexpected argument '" + Spell(child) + "'");
        }
        continue;
      }
      absl::Status s = ValidateAt(*additional, sub_value, child, depth + 1);
      if (!s.ok()) return s;
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status CheckSchema(const json& schema) {
  if (absl::Status s = CheckSchemaAt(schema, "#", 0); !s.ok()) return s;
  return CheckRefs(schema, schema, 0);
}

absl::Status ValidateJson(const json& schema, const json& value) {
  const json* outer = t_root;
  t_root = &schema;
  absl::Status status = ValidateAt(schema, value, Path(), 0);
  t_root = outer;
  return status;
}

}  // namespace mcp_oauth::mcp
