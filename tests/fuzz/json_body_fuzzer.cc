// libFuzzer target: the plain-subset JSON parser of POST bodies
// (mcp/protocol/json_body.h) against nlohmann's own parser. The input is the
// body. Besides memory safety it checks that ParseJsonBody returns exactly
// what nlohmann::json::parse does (the same verdict, the same DOM with the
// same number types), and that the plain parser never accepts a body
// nlohmann rejects.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "mcp/protocol/json_body.h"

namespace {

using nlohmann::json;

// Same value and, recursively, the same type: json's operator== treats 1
// (unsigned) and 1 (signed) as equal, the endpoint does not (ids echo back).
bool SameTyped(const json& a, const json& b) {
  if (a.type() != b.type()) return false;
  if (a.is_object()) {
    if (a.size() != b.size()) return false;
    for (auto it = a.begin(); it != a.end(); ++it) {
      auto other = b.find(it.key());
      if (other == b.end() || !SameTyped(*it, *other)) return false;
    }
    return true;
  }
  if (a.is_array()) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
      if (!SameTyped(a[i], b[i])) return false;
    }
    return true;
  }
  if (a.is_number_float()) {
    // NaN never comes out of a parser; compare bit-exact values.
    return a.get<double>() == b.get<double>();
  }
  return a == b;
}

void Fail(const char* what, std::string_view body) {
  std::fprintf(stderr, "json_body_fuzzer: %s\n  body=%.*s\n", what, static_cast<int>(body.size()),
               body.data());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 4096) return 0;
  std::string_view body(reinterpret_cast<const char*>(data), size);
  const json reference = json::parse(body, nullptr, /*allow_exceptions=*/false);
  const json ours = mcp_oauth::mcp::ParseJsonBody(body);
  if (reference.is_discarded() != ours.is_discarded()) Fail("verdicts differ", body);
  if (!reference.is_discarded() && !SameTyped(reference, ours)) Fail("DOMs differ", body);

  json plain;
  if (mcp_oauth::mcp::ParsePlainJson(body, &plain)) {
    if (reference.is_discarded()) Fail("plain parser accepted what nlohmann rejects", body);
    if (!SameTyped(reference, plain)) Fail("plain parser's DOM differs", body);
  }
  return 0;
}
