#include "upstream/forwarding.hpp"

#include <boost/beast/http/field.hpp>

#include "upstream/header_filter.hpp"

namespace memgov::ingress::upstream {
namespace http = boost::beast::http;

namespace {

bool is_path_char(unsigned char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
    return true;
  switch (c) {
    case '-':
    case '.':
    case '_':
    case '~':  // unreserved
    case '!':
    case '$':
    case '&':
    case '\'':
    case '(':
    case ')':  // sub-delims
    case '*':
    case '+':
    case ',':
    case ';':
    case '=':
    case ':':
    case '@':
    case '/':
      return true;
    default:
      return false;
  }
}

boost::beast::string_view view(std::string_view text) {
  return {text.data(), text.size()};
}

}  // namespace

std::string encode_path(std::string_view decoded_path) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(decoded_path.size());
  for (char raw : decoded_path) {
    auto c = static_cast<unsigned char>(raw);
    if (is_path_char(c)) {
      out.push_back(raw);
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xf]);
    }
  }
  return out;
}

std::string upstream_target(std::string_view base_path, std::string_view decoded_path,
                            std::string_view client_target) {
  std::string target;
  std::size_t question = client_target.find('?');
  std::string_view query =
      question == std::string_view::npos ? std::string_view() : client_target.substr(question);
  target.reserve(base_path.size() + decoded_path.size() + query.size() + 8);
  target.append(base_path);
  target.append(encode_path(decoded_path));
  target.append(query);
  return target;
}

void prepare_upstream_request(http::request<http::string_body>& request, std::string target,
                              const forward_headers& headers) {
  strip_request_headers(request.base());
  request.target(target);
  request.version(11);
  request.set(http::field::host, view(headers.host));
  if (headers.api_key != nullptr && headers.api_key->has_value())
    request.set("X-API-Key", **headers.api_key);
  request.set("X-Request-Id", view(headers.request_id));
  request.keep_alive(true);
  request.prepare_payload();
}

void prepare_client_response(http::response<http::string_body>& response,
                             std::string_view request_id, unsigned client_version,
                             bool client_keep_alive) {
  strip_response_headers(response.base());
  response.set("X-Request-Id", view(request_id));
  response.version(client_version);
  response.keep_alive(client_keep_alive);
  response.prepare_payload();
}

}  // namespace memgov::ingress::upstream
