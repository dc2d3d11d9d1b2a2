// libFuzzer target: the form/query parser (gateway/form.h). Checks, besides
// memory safety, that percent-encoding round-trips and that a parsed form
// re-encodes to something that parses back to the same pairs.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "gateway/form.h"

namespace {

void Check(bool condition, const char* what) {
  if (!condition) {
    std::fprintf(stderr, "form_fuzzer: property violated: %s\n", what);
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace gw = mcp_oauth::gateway;
  std::string_view text(reinterpret_cast<const char*>(data), size);

  auto plus = gw::PercentDecode(text, true);
  auto no_plus = gw::PercentDecode(text, false);
  Check(plus.has_value() == no_plus.has_value(), "'+' handling changes validity");
  if (plus) Check(plus->size() <= text.size(), "decoding grew the text");

  std::string encoded = gw::PercentEncode(text);
  auto round_trip = gw::PercentDecode(encoded, false);
  Check(round_trip.has_value() && *round_trip == text, "PercentDecode(PercentEncode(x)) != x");
  auto round_trip_plus = gw::PercentDecode(encoded, true);
  Check(round_trip_plus.has_value() && *round_trip_plus == text, "encoded text contains '+'");

  auto form = gw::ParseForm(text, 16);
  if (form) {
    Check(form->pairs().size() <= 16, "more pairs than max_pairs");
    std::string rebuilt;
    for (const auto& [name, value] : form->pairs()) {
      if (!rebuilt.empty()) rebuilt += '&';
      rebuilt += gw::PercentEncode(name) + "=" + gw::PercentEncode(value);
      Check(form->Has(name), "Has(name) false for a parsed name");
      Check(!form->GetAll(name).empty(), "GetAll(name) empty for a parsed name");
    }
    auto reparsed = gw::ParseForm(rebuilt, 16);
    Check(reparsed.has_value() && reparsed->pairs() == form->pairs(),
          "re-encoded form does not parse back to the same pairs");
    (void)form->HasDuplicates();
    (void)form->HasDuplicatesExcept({"resource", "scope"});
  }
  return 0;
}
