#include "upstream/header_filter.hpp"

#include <algorithm>
#include <array>

#include <boost/beast/http/field.hpp>

#include "upstream/trace_context.hpp"

namespace memgov::ingress::upstream {
namespace http = boost::beast::http;

namespace {

char canonical_char(char c) {
  if (c >= 'A' && c <= 'Z')
    return static_cast<char>(c - 'A' + 'a');
  if (c == '_')
    return '-';
  return c;
}

// Compares `name` with `canonical`, which is already lower case and uses '-'.
bool canonical_equals(std::string_view name, std::string_view canonical) {
  if (name.size() != canonical.size())
    return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    if (canonical_char(name[i]) != canonical[i])
      return false;
  }
  return true;
}

bool canonical_starts_with(std::string_view name, std::string_view canonical_prefix) {
  return name.size() >= canonical_prefix.size() &&
         canonical_equals(name.substr(0, canonical_prefix.size()), canonical_prefix);
}

constexpr std::array<std::string_view, 9> kIdentityHeaders = {
    "x-user-id", "x-user-role",         "x-tenant-id", "x-api-key", "authorization",
    "cookie",    "proxy-authorization", "forwarded",   "x-real-ip",
};

constexpr std::array<std::string_view, 8> kHopByHopHeaders = {
    "connection", "keep-alive",       "te",     "trailer", "transfer-encoding",
    "upgrade",    "proxy-connection", "expect",
};

bool is_in(std::string_view name, const std::vector<std::string>& canonical_names) {
  return std::any_of(canonical_names.begin(), canonical_names.end(),
                     [&](const std::string& listed) { return canonical_equals(name, listed); });
}

void trim(std::string_view& text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t'))
    text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t'))
    text.remove_suffix(1);
}

// Erases every field for which `drop(name)` holds.
template <class Predicate>
void erase_fields(http::fields& fields, Predicate drop) {
  for (auto it = fields.begin(); it != fields.end();) {
    std::string_view name(it->name_string().data(), it->name_string().size());
    if (drop(name)) {
      it = fields.erase(it);
    } else {
      ++it;
    }
  }
}

}  // namespace

std::string canonical_header_name(std::string_view name) {
  std::string out(name);
  std::transform(out.begin(), out.end(), out.begin(), canonical_char);
  return out;
}

bool is_identity_or_credential_header(std::string_view name) {
  if (canonical_starts_with(name, "x-forwarded-"))
    return true;
  return std::any_of(kIdentityHeaders.begin(), kIdentityHeaders.end(),
                     [&](std::string_view listed) { return canonical_equals(name, listed); });
}

bool is_hop_by_hop_header(std::string_view name) {
  return std::any_of(kHopByHopHeaders.begin(), kHopByHopHeaders.end(),
                     [&](std::string_view listed) { return canonical_equals(name, listed); });
}

std::vector<std::string> connection_tokens(const http::fields& fields) {
  std::vector<std::string> tokens;
  for (const auto& field : fields) {
    std::string_view name(field.name_string().data(), field.name_string().size());
    if (!canonical_equals(name, "connection"))
      continue;
    std::string_view value(field.value().data(), field.value().size());
    while (!value.empty()) {
      std::size_t comma = value.find(',');
      std::string_view token = value.substr(0, comma);
      trim(token);
      if (!token.empty())
        tokens.push_back(canonical_header_name(token));
      if (comma == std::string_view::npos)
        break;
      value.remove_prefix(comma + 1);
    }
  }
  return tokens;
}

void strip_request_headers(http::fields& fields) {
  std::vector<std::string> named = connection_tokens(fields);
  erase_fields(fields, [&](std::string_view name) {
    return is_identity_or_credential_header(name) || is_hop_by_hop_header(name) ||
           canonical_equals(name, "host") || canonical_equals(name, "x-request-id") ||
           canonical_equals(name, "content-length") || (!named.empty() && is_in(name, named));
  });
  filter_trace_context(fields);
}

void strip_response_headers(http::fields& fields) {
  std::vector<std::string> named = connection_tokens(fields);
  erase_fields(fields, [&](std::string_view name) {
    return is_hop_by_hop_header(name) || canonical_equals(name, "x-request-id") ||
           canonical_equals(name, "content-length") || (!named.empty() && is_in(name, named));
  });
}

}  // namespace memgov::ingress::upstream
