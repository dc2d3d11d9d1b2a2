// Helpers shared by the fuzz targets that drive asynchronous handlers: a
// one-shot slot for a callback's answer that detects a second call and lets
// the fuzzer wait with a timeout instead of hanging forever.
#ifndef MCP_OAUTH_TESTS_FUZZ_FUZZ_WAIT_H_
#define MCP_OAUTH_TESTS_FUZZ_FUZZ_WAIT_H_

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace mcp_oauth::fuzz {

// Holds the single answer of an asynchronous call. Shared by the caller and
// the callback, so a late callback never touches freed memory. Thread safe.
template <typename T>
class AnswerSlot {
 public:
  // Stores `value`; aborts when called twice (a handler must answer once).
  void Set(T value) {
    absl::MutexLock lock(&mu_);
    if (value_.has_value()) {
      std::fprintf(stderr, "fuzz: a handler answered twice\n");
      std::abort();
    }
    value_ = std::move(value);
  }

  // Waits for the answer; aborts after `timeout` (a handler must answer).
  T Wait(absl::Duration timeout, const std::string& what) {
    absl::MutexLock lock(&mu_);
    auto ready = [this]() { return value_.has_value(); };
    if (!mu_.AwaitWithTimeout(absl::Condition(&ready), timeout)) {
      std::fprintf(stderr, "fuzz: no answer within %s: %s\n", absl::FormatDuration(timeout).c_str(),
                   what.c_str());
      std::abort();
    }
    return *value_;
  }

 private:
  absl::Mutex mu_;
  std::optional<T> value_;
};

// Replaces every occurrence of `from` in `text` with `to`.
inline std::string ReplaceAll(std::string text, const std::string& from, const std::string& to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

}  // namespace mcp_oauth::fuzz

#endif  // MCP_OAUTH_TESTS_FUZZ_FUZZ_WAIT_H_
