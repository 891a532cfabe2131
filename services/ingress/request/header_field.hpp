// Non-owning view of the request headers as the HTTP parser received them.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

namespace memgov::ingress::request {

// One header line. Both views point into the parser's buffer, which must outlive the call that
// takes them. A header sent twice appears twice.
struct header_field {
  std::string_view name;
  std::string_view value;
};

// A view of a contiguous sequence of header_field, so that callers build one vector per request
// and no strings are copied. With Beast:
//
//   std::vector<header_field> fields;
//   for (const auto& f : request) {
//     fields.push_back({{f.name_string().data(), f.name_string().size()},
//                       {f.value().data(), f.value().size()}});
//   }
class header_list {
 public:
  header_list() = default;
  header_list(const header_field* data, std::size_t size) : data_(data), size_(size) {}
  header_list(const std::vector<header_field>& fields)  // NOLINT: implicit by design.
      : data_(fields.data()), size_(fields.size()) {}

  const header_field* begin() const { return data_; }
  const header_field* end() const { return data_ + size_; }
  std::size_t size() const { return size_; }

 private:
  const header_field* data_ = nullptr;
  std::size_t size_ = 0;
};

// Compares two header names ASCII case-insensitively with '-' and '_' treated alike. uvicorn and
// other servers with a CGI heritage may map X_User_Id onto X-User-Id, so the gateway must treat
// both spellings as the same header.
bool header_name_equals(std::string_view a, std::string_view b);

}  // namespace memgov::ingress::request
