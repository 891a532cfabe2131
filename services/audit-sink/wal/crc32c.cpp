#include "wal/crc32c.hpp"

#include <array>
#include <cstring>

#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

namespace memgov::audit {
namespace {

constexpr std::uint32_t kPolynomial = 0x82F63B78;  // CRC-32C, reflected.

std::array<std::uint32_t, 256> make_table() {
  std::array<std::uint32_t, 256> table{};
  for (std::uint32_t i = 0; i < 256; ++i) {
    std::uint32_t value = i;
    for (int bit = 0; bit < 8; ++bit) {
      value = (value & 1) ? (value >> 1) ^ kPolynomial : value >> 1;
    }
    table[i] = value;
  }
  return table;
}

#if defined(__x86_64__)
__attribute__((target("sse4.2"))) std::uint32_t crc32c_sse42(std::string_view bytes,
                                                             std::uint32_t crc) {
  const char* data = bytes.data();
  std::size_t size = bytes.size();
  std::uint64_t value = ~crc;
  while (size >= 8) {
    std::uint64_t word;
    std::memcpy(&word, data, 8);
    value = _mm_crc32_u64(value, word);
    data += 8;
    size -= 8;
  }
  auto narrow = static_cast<std::uint32_t>(value);
  while (size > 0) {
    narrow = _mm_crc32_u8(narrow, static_cast<unsigned char>(*data));
    ++data;
    --size;
  }
  return ~narrow;
}

bool has_sse42() {
  static const bool supported = __builtin_cpu_supports("sse4.2");
  return supported;
}
#endif

}  // namespace

std::uint32_t crc32c_portable(std::string_view bytes, std::uint32_t crc) {
  static const std::array<std::uint32_t, 256> table = make_table();
  std::uint32_t value = ~crc;
  for (char c : bytes) {
    value = table[(value ^ static_cast<unsigned char>(c)) & 0xFF] ^ (value >> 8);
  }
  return ~value;
}

std::uint32_t crc32c(std::string_view bytes, std::uint32_t crc) {
#if defined(__x86_64__)
  if (has_sse42()) {
    return crc32c_sse42(bytes, crc);
  }
#endif
  return crc32c_portable(bytes, crc);
}

}  // namespace memgov::audit
