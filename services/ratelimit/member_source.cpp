#include "member_source.hpp"

#include <random>

namespace memgov::ratelimit {
namespace {

void append_hex(std::string& out, std::uint64_t value) {
  static constexpr char kDigits[] = "0123456789abcdef";
  char buffer[16];
  int length = 0;
  do {
    buffer[length++] = kDigits[value & 0xf];
    value >>= 4;
  } while (value != 0);
  while (length > 0) {
    out.push_back(buffer[--length]);
  }
}

}  // namespace

member_source::member_source() {
  std::random_device seed;
  std::uint64_t random = (static_cast<std::uint64_t>(seed()) << 32) ^ seed();
  append_hex(prefix_, random);
  prefix_.push_back('-');
}

std::string member_source::next() {
  std::string member = prefix_;
  append_hex(member, counter_.fetch_add(1, std::memory_order_relaxed));
  return member;
}

}  // namespace memgov::ratelimit
