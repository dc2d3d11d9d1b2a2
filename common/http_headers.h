// Request header fields as received: names lower-cased, values as sent, in
// arrival order. One type for the whole way from the HTTP server to the MCP
// endpoint (gateway::HttpRequest and mcp::McpRequest both hold it), so a
// request's headers move from one to the other instead of being copied.
// All names and values live in one buffer: a header block costs two
// allocations, not two per field. Not thread safe (a value type).
#ifndef MCP_OAUTH_COMMON_HTTP_HEADERS_H_
#define MCP_OAUTH_COMMON_HTTP_HEADERS_H_

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mcp_oauth {

class HttpHeaders {
 public:
  struct Field {
    std::string_view name;  // lower case
    std::string_view value;
  };

  class Iterator {
   public:
    Iterator(const HttpHeaders* headers, size_t index) : headers_(headers), index_(index) {}
    Field operator*() const { return headers_->field(index_); }
    Iterator& operator++() {
      ++index_;
      return *this;
    }
    bool operator!=(const Iterator& other) const { return index_ != other.index_; }
    bool operator==(const Iterator& other) const { return index_ == other.index_; }

   private:
    const HttpHeaders* headers_;
    size_t index_;
  };

  HttpHeaders() = default;
  HttpHeaders(std::initializer_list<std::pair<std::string_view, std::string_view>> fields);

  // Adds a field (a repeated name adds another field); `name` is stored lower-cased.
  void Add(std::string_view name, std::string_view value);
  // Replaces every field named `name` (any case) by one with `value`.
  void Set(std::string_view name, std::string_view value);
  // Removes every field named `name` (any case).
  void Remove(std::string_view name);

  // Returns the value of the first field named `name` (any case), "" when none.
  std::string_view First(std::string_view name) const;
  // Returns the values of every field named `name` (any case) joined with
  // ", " (RFC 9110 Section 5.3, what Accept needs), nullopt when none.
  std::optional<std::string> Get(std::string_view name) const;
  // Returns what Get returns without copying the common single field: a view
  // of its value, or of `*joined` (overwritten) when fields repeat. The view
  // lives as long as this object and `*joined`, unchanged.
  std::optional<std::string_view> GetView(std::string_view name, std::string* joined) const;
  bool Has(std::string_view name) const { return Find(name, 0) != kNone; }
  // Returns how many fields are named `name` (any case).
  int Count(std::string_view name) const;

  size_t size() const { return slots_.size(); }
  bool empty() const { return slots_.empty(); }
  // Returns the `index`th field in arrival order (index < size()).
  Field field(size_t index) const {
    const Slot& slot = slots_[index];
    return {std::string_view(bytes_).substr(slot.name_at, slot.name_size),
            std::string_view(bytes_).substr(slot.value_at, slot.value_size)};
  }
  Iterator begin() const { return Iterator(this, 0); }
  Iterator end() const { return Iterator(this, slots_.size()); }

  // Reserves room for `fields` fields holding `bytes` bytes of names and values.
  void Reserve(size_t fields, size_t bytes);

 private:
  static constexpr size_t kNone = static_cast<size_t>(-1);
  // Where a field's name and value sit in bytes_.
  struct Slot {
    uint32_t name_at;
    uint32_t name_size;
    uint32_t value_at;
    uint32_t value_size;
  };
  // Returns the index of the first field named `name` at or after `from`, or kNone.
  size_t Find(std::string_view name, size_t from) const;

  std::string bytes_;
  std::vector<Slot> slots_;
};

}  // namespace mcp_oauth

#endif  // MCP_OAUTH_COMMON_HTTP_HEADERS_H_
