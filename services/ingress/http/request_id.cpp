#include "http/request_id.hpp"

#include <algorithm>
#include <cstdint>
#include <random>

namespace memgov::ingress::http {

bool is_valid_request_id(std::string_view id) {
  if (id.empty() || id.size() > 128)
    return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
  });
}

std::string generate_uuid_v4() {
  thread_local std::mt19937_64 generator = [] {
    std::random_device device;
    std::seed_seq seed{device(), device(), device(), device()};
    return std::mt19937_64(seed);
  }();
  std::uint64_t high = generator();
  std::uint64_t low = generator();
  high = (high & 0xffffffffffff0fffULL) | 0x0000000000004000ULL;  // Version 4.
  low = (low & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;    // Variant 10xx.

  static constexpr char kHex[] = "0123456789abcdef";
  char digits[32];
  for (int i = 0; i < 16; ++i) {
    digits[i] = kHex[(high >> ((15 - i) * 4)) & 0xf];
    digits[16 + i] = kHex[(low >> ((15 - i) * 4)) & 0xf];
  }
  // Groups of 8, 4, 4, 4 and 12 digits joined by '-'.
  std::string out;
  out.reserve(36);
  out.append(digits, 8).append(1, '-');
  out.append(digits + 8, 4).append(1, '-');
  out.append(digits + 12, 4).append(1, '-');
  out.append(digits + 16, 4).append(1, '-');
  out.append(digits + 20, 12);
  return out;
}

std::string choose_request_id(std::string_view client_id) {
  if (is_valid_request_id(client_id))
    return std::string(client_id);
  return generate_uuid_v4();
}

}  // namespace memgov::ingress::http
