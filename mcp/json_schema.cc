#include "mcp/json_schema.h"

#include <cmath>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
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
      "type", "properties", "required", "additionalProperties", "enum", "const", "minLength",
      "maxLength", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "items",
      "minItems", "maxItems", "title", "description", "format", "default", "$schema", "examples",
      "$comment",
      // JSON Schema 2020-12 (SEP-1613/SEP-2106): local references and the
      // applicators tool schemas use.
      "$defs", "$ref", "$anchor", "$id", "allOf", "anyOf", "oneOf", "not", "if", "then", "else",
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
    if (KnownKeywords().count(key) == 0)
      return SchemaError(where, "unsupported keyword '" + key + "'");
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
    if (!it->is_array() || it->empty())
      return SchemaError(where, "'enum' must be a non-empty array");
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
      if (absl::Status s = CheckSchemaAt(sub, where + "/$defs/" + name, depth + 1); !s.ok())
        return s;
    }
  }
  for (const char* key : {"allOf", "anyOf", "oneOf"}) {
    if (auto it = schema.find(key); it != schema.end()) {
      if (!it->is_array() || it->empty())
        return SchemaError(where, std::string("'") + key + "' must be a non-empty array");
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
    std::string token =
        ref.substr(start, end == std::string::npos ? std::string::npos : end - start);
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

// The keywords of one subschema that validation reads; null when absent.
struct Keywords {
  bool has_ref = false;
  const json* ref_target = nullptr;  // the $ref's target; null: unresolvable
  const json* all_of = nullptr;
  const json* any_of = nullptr;
  const json* one_of = nullptr;
  const json* not_schema = nullptr;
  const json* if_schema = nullptr;
  const json* then_schema = nullptr;
  const json* else_schema = nullptr;
  const json* type = nullptr;
  const json* enum_values = nullptr;
  const json* const_value = nullptr;
  const json* min_length = nullptr;
  const json* max_length = nullptr;
  const json* minimum = nullptr;
  const json* maximum = nullptr;
  const json* exclusive_minimum = nullptr;
  const json* exclusive_maximum = nullptr;
  const json* min_items = nullptr;
  const json* max_items = nullptr;
  const json* items = nullptr;
  const json* required = nullptr;
  const json* properties = nullptr;
  const json* additional_properties = nullptr;
};

const json* Member(const json& schema, const char* key) {
  auto it = schema.find(key);
  return it == schema.end() ? nullptr : &*it;
}

// Looks up the keywords of `schema`, resolving $ref against `root`.
Keywords ReadKeywords(const json& schema, const json* root) {
  Keywords k;
  if (!schema.is_object()) return k;
  if (const json* ref = Member(schema, "$ref")) {
    k.has_ref = true;
    if (root != nullptr && ref->is_string())
      k.ref_target = Resolve(*root, ref->get_ref<const std::string&>());
  }
  k.all_of = Member(schema, "allOf");
  k.any_of = Member(schema, "anyOf");
  k.one_of = Member(schema, "oneOf");
  k.not_schema = Member(schema, "not");
  k.if_schema = Member(schema, "if");
  k.then_schema = Member(schema, "then");
  k.else_schema = Member(schema, "else");
  k.type = Member(schema, "type");
  k.enum_values = Member(schema, "enum");
  k.const_value = Member(schema, "const");
  k.min_length = Member(schema, "minLength");
  k.max_length = Member(schema, "maxLength");
  k.minimum = Member(schema, "minimum");
  k.maximum = Member(schema, "maximum");
  k.exclusive_minimum = Member(schema, "exclusiveMinimum");
  k.exclusive_maximum = Member(schema, "exclusiveMaximum");
  k.min_items = Member(schema, "minItems");
  k.max_items = Member(schema, "maxItems");
  k.items = Member(schema, "items");
  k.required = Member(schema, "required");
  k.properties = Member(schema, "properties");
  k.additional_properties = Member(schema, "additionalProperties");
  return k;
}

}  // namespace

class CompiledSchema {
 public:
  explicit CompiledSchema(const json& schema) : schema_(schema) { Index(schema_, 0); }
  CompiledSchema(const CompiledSchema&) = delete;
  CompiledSchema& operator=(const CompiledSchema&) = delete;

  const json& root() const { return schema_; }
  // The keywords of the subschema at `node` (inside root()), or null when
  // `node` was not indexed.
  const Keywords* Find(const json* node) const {
    auto it = index_.find(node);
    return it == index_.end() ? nullptr : &it->second;
  }

 private:
  // Indexes every object in the document: whatever a $ref or an applicator
  // names is then found, and the few objects that are not schemas (enum
  // values, defaults) cost only memory.
  void Index(const json& node, int depth) {
    if (depth > 64) return;  // CheckSchema refused deeper; ValidateAt falls back
    if (node.is_object()) {
      index_.emplace(&node, ReadKeywords(node, &schema_));
      for (const auto& item : node) Index(item, depth + 1);
    } else if (node.is_array()) {
      for (const auto& item : node) Index(item, depth + 1);
    }
  }

  const json schema_;  // never changes: index_ points into it
  absl::flat_hash_map<const json*, Keywords> index_;
};

namespace {

// The schema ValidateJson was called with, which $ref resolves against, and
// its compiled form (null when validating an uncompiled schema).
thread_local const json* t_root = nullptr;
thread_local const CompiledSchema* t_compiled = nullptr;

// The keywords of `schema`: from the compiled index, else looked up now
// into `scratch`.
const Keywords& KeywordsOf(const json& schema, Keywords& scratch) {
  if (t_compiled != nullptr) {
    if (const Keywords* k = t_compiled->Find(&schema)) return *k;
  }
  scratch = ReadKeywords(schema, t_root);
  return scratch;
}

absl::Status ValidateAt(const json& schema, const json& value, const Path& path, int depth);

// Applies $ref, allOf, anyOf, oneOf, not and if/then/else to `value`.
absl::Status ValidateApplicators(const Keywords& k, const json& value, const Path& path,
                                 int depth) {
  if (k.has_ref) {
    if (k.ref_target == nullptr)
      return absl::InvalidArgumentError(Subject(path) + " has an unresolvable schema");
    if (absl::Status s = ValidateAt(*k.ref_target, value, path, depth + 1); !s.ok()) return s;
  }
  if (k.all_of != nullptr) {
    for (const json& sub : *k.all_of) {
      if (absl::Status s = ValidateAt(sub, value, path, depth + 1); !s.ok()) return s;
    }
  }
  if (k.any_of != nullptr) {
    absl::Status first;
    bool any = false;
    for (const json& sub : *k.any_of) {
      absl::Status s = ValidateAt(sub, value, path, depth + 1);
      if (s.ok()) {
        any = true;
        break;
      }
      if (first.ok()) first = s;
    }
    if (!any) {
      return absl::InvalidArgumentError(absl::StrCat(
          Subject(path), " must match one of the allowed forms (", first.message(), ")"));
    }
  }
  if (k.one_of != nullptr) {
    int matches = 0;
    for (const json& sub : *k.one_of)
      matches += ValidateAt(sub, value, path, depth + 1).ok() ? 1 : 0;
    if (matches != 1)
      return absl::InvalidArgumentError(Subject(path) +
                                        " must match exactly one of the allowed forms");
  }
  if (k.not_schema != nullptr && ValidateAt(*k.not_schema, value, path, depth + 1).ok()) {
    return absl::InvalidArgumentError(Subject(path) + " matches a form it must not");
  }
  if (k.if_schema != nullptr) {
    const json* branch =
        ValidateAt(*k.if_schema, value, path, depth + 1).ok() ? k.then_schema : k.else_schema;
    if (branch != nullptr) {
      if (absl::Status s = ValidateAt(*branch, value, path, depth + 1); !s.ok()) return s;
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateAt(const json& schema, const json& value, const Path& path, int depth) {
  if (depth > 64) return absl::InvalidArgumentError(Subject(path) + " is nested too deeply");
  Keywords scratch;
  const Keywords& k = KeywordsOf(schema, scratch);
  if (absl::Status s = ValidateApplicators(k, value, path, depth); !s.ok()) return s;

  if (const json* type = k.type) {
    bool ok = false;
    if (type->is_string()) {
      ok = MatchesType(type->get_ref<const std::string&>(), value);
    } else {
      for (const json& t : *type) ok = ok || MatchesType(t.get_ref<const std::string&>(), value);
    }
    if (!ok) {
      std::vector<std::string> names;
      if (type->is_string()) {
        names.push_back(Article(type->get<std::string>()));
      } else {
        for (const json& t : *type) names.push_back(Article(t.get<std::string>()));
      }
      return absl::InvalidArgumentError(
          absl::StrCat(Subject(path), " must be ", absl::StrJoin(names, " or ")));
    }
  }

  if (const json* options = k.enum_values) {
    bool found = false;
    for (const json& option : *options) found = found || JsonEquals(option, value);
    if (!found) {
      std::vector<std::string> dumped;
      for (const json& option : *options) dumped.push_back(Dump(option));
      return absl::InvalidArgumentError(
          absl::StrCat(Subject(path), " must be one of: ", absl::StrJoin(dumped, ", ")));
    }
  }
  if (k.const_value != nullptr && !JsonEquals(*k.const_value, value)) {
    return absl::InvalidArgumentError(
        absl::StrCat(Subject(path), " must be ", Dump(*k.const_value)));
  }

  if (value.is_string() && (k.min_length != nullptr || k.max_length != nullptr)) {
    absl::StatusOr<size_t> length = utf8::CountCodePoints(value.get_ref<const std::string&>());
    if (!length.ok()) return absl::InvalidArgumentError(Subject(path) + " is not valid UTF-8");
    if (k.min_length != nullptr && *length < k.min_length->get<uint64_t>()) {
      return absl::InvalidArgumentError(absl::StrCat(
          Subject(path), " must be at least ", k.min_length->get<uint64_t>(), " characters long"));
    }
    if (k.max_length != nullptr && *length > k.max_length->get<uint64_t>()) {
      return absl::InvalidArgumentError(absl::StrCat(
          Subject(path), " must be at most ", k.max_length->get<uint64_t>(), " characters long"));
    }
  }

  if (value.is_number()) {
    const double d = value.get<double>();
    if (k.minimum != nullptr && d < k.minimum->get<double>()) {
      return absl::InvalidArgumentError(
          absl::StrCat(Subject(path), " must be >= ", Dump(*k.minimum)));
    }
    if (k.maximum != nullptr && d > k.maximum->get<double>()) {
      return absl::InvalidArgumentError(
          absl::StrCat(Subject(path), " must be <= ", Dump(*k.maximum)));
    }
    if (k.exclusive_minimum != nullptr && d <= k.exclusive_minimum->get<double>()) {
      return absl::InvalidArgumentError(
          absl::StrCat(Subject(path), " must be > ", Dump(*k.exclusive_minimum)));
    }
    if (k.exclusive_maximum != nullptr && d >= k.exclusive_maximum->get<double>()) {
      return absl::InvalidArgumentError(
          absl::StrCat(Subject(path), " must be < ", Dump(*k.exclusive_maximum)));
    }
  }

  if (value.is_array()) {
    if (k.min_items != nullptr && value.size() < k.min_items->get<uint64_t>()) {
      return absl::InvalidArgumentError(absl::StrCat(Subject(path), " must have at least ",
                                                     k.min_items->get<uint64_t>(), " items"));
    }
    if (k.max_items != nullptr && value.size() > k.max_items->get<uint64_t>()) {
      return absl::InvalidArgumentError(absl::StrCat(Subject(path), " must have at most ",
                                                     k.max_items->get<uint64_t>(), " items"));
    }
    if (k.items != nullptr) {
      for (size_t i = 0; i < value.size(); ++i) {
        const Path item{&path, {}, i, false};
        absl::Status s = ValidateAt(*k.items, value[i], item, depth + 1);
        if (!s.ok()) return s;
      }
    }
  }

  if (value.is_object()) {
    if (k.required != nullptr) {
      for (const json& name : *k.required) {
        const auto& key = name.get_ref<const std::string&>();
        if (!value.contains(key)) {
          const Path missing{&path, key, 0, true};
          return absl::InvalidArgumentError("missing required argument '" + Spell(missing) + "'");
        }
      }
    }
    const json* properties = k.properties;
    const json* additional = k.additional_properties;
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

// Validates against `root`, compiled as `compiled` (or null).
absl::Status ValidateRoot(const json& root, const CompiledSchema* compiled, const json& value) {
  const json* outer_root = t_root;
  const CompiledSchema* outer_compiled = t_compiled;
  t_root = &root;
  t_compiled = compiled;
  absl::Status status = ValidateAt(root, value, Path(), 0);
  t_root = outer_root;
  t_compiled = outer_compiled;
  return status;
}

}  // namespace

absl::Status CheckSchema(const json& schema) {
  if (absl::Status s = CheckSchemaAt(schema, "#", 0); !s.ok()) return s;
  return CheckRefs(schema, schema, 0);
}

absl::Status ValidateJson(const json& schema, const json& value) {
  return ValidateRoot(schema, nullptr, value);
}

std::shared_ptr<const CompiledSchema> CompileSchema(const json& schema) {
  return std::make_shared<const CompiledSchema>(schema);
}

absl::Status ValidateCompiled(const CompiledSchema& schema, const json& value) {
  return ValidateRoot(schema.root(), &schema, value);
}

}  // namespace mcp_oauth::mcp
