#include "common/http_headers.h"

#include <cstring>

namespace mcp_oauth {
namespace {

char Lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

// `stored` is lower case already; `name` may be in any case.
bool SameName(std::string_view stored, std::string_view name) {
  if (stored.size() != name.size()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    if (stored[i] != Lower(name[i])) return false;
  }
  return true;
}

}  // namespace

HttpHeaders::HttpHeaders(
    std::initializer_list<std::pair<std::string_view, std::string_view>> fields) {
  for (const auto& [name, value] : fields) Add(name, value);
}

void HttpHeaders::Reserve(size_t fields, size_t bytes) {
  slots_.reserve(fields);
  bytes_.reserve(bytes);
}

void HttpHeaders::Add(std::string_view name, std::string_view value) {
  Slot slot;
  slot.name_at = static_cast<uint32_t>(bytes_.size());
  slot.name_size = static_cast<uint32_t>(name.size());
  bytes_.append(name.data(), name.size());
  for (size_t i = slot.name_at; i < bytes_.size(); ++i) bytes_[i] = Lower(bytes_[i]);
  slot.value_at = static_cast<uint32_t>(bytes_.size());
  slot.value_size = static_cast<uint32_t>(value.size());
  bytes_.append(value.data(), value.size());
  slots_.push_back(slot);
}

void HttpHeaders::Set(std::string_view name, std::string_view value) {
  Remove(name);
  Add(name, value);
}

void HttpHeaders::Remove(std::string_view name) {
  // The bytes of removed fields stay behind, unreferenced, until the value dies.
  size_t kept = 0;
  for (size_t i = 0; i < slots_.size(); ++i) {
    if (!SameName(field(i).name, name)) slots_[kept++] = slots_[i];
  }
  slots_.resize(kept);
}

size_t HttpHeaders::Find(std::string_view name, size_t from) const {
  // Lower-case the wanted name once; stored names then compare as bytes.
  char lowered[64];
  if (name.size() > sizeof(lowered)) {
    for (size_t i = from; i < slots_.size(); ++i) {
      if (SameName(field(i).name, name)) return i;
    }
    return kNone;
  }
  for (size_t i = 0; i < name.size(); ++i) lowered[i] = Lower(name[i]);
  for (size_t i = from; i < slots_.size(); ++i) {
    const Slot& slot = slots_[i];
    if (slot.name_size == name.size() &&
        std::memcmp(bytes_.data() + slot.name_at, lowered, name.size()) == 0) {
      return i;
    }
  }
  return kNone;
}

std::string_view HttpHeaders::First(std::string_view name) const {
  size_t index = Find(name, 0);
  return index == kNone ? std::string_view() : field(index).value;
}

std::optional<std::string> HttpHeaders::Get(std::string_view name) const {
  size_t index = Find(name, 0);
  if (index == kNone) return std::nullopt;
  std::string value(field(index).value);
  while ((index = Find(name, index + 1)) != kNone) {
    value += ", ";
    value += field(index).value;
  }
  return value;
}

std::optional<std::string_view> HttpHeaders::GetView(std::string_view name,
                                                     std::string* joined) const {
  const size_t index = Find(name, 0);
  if (index == kNone) return std::nullopt;
  size_t next = Find(name, index + 1);
  if (next == kNone) return field(index).value;
  joined->assign(field(index).value);
  for (; next != kNone; next = Find(name, next + 1)) {
    joined->append(", ");
    joined->append(field(next).value);
  }
  return std::string_view(*joined);
}

int HttpHeaders::Count(std::string_view name) const {
  int count = 0;
  for (size_t i = 0; i < slots_.size(); ++i) {
    if (SameName(field(i).name, name)) ++count;
  }
  return count;
}

}  // namespace mcp_oauth
