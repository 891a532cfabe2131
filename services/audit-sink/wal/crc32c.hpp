// CRC-32C (Castagnoli), the checksum of write-ahead log records and headers.
#pragma once

#include <cstdint>
#include <string_view>

namespace memgov::audit {

// Continues a CRC-32C over `bytes`; start with crc = 0. Uses the SSE 4.2 instruction when the
// processor has it.
std::uint32_t crc32c(std::string_view bytes, std::uint32_t crc = 0);

// The portable table version, exposed so the tests can compare both.
std::uint32_t crc32c_portable(std::string_view bytes, std::uint32_t crc = 0);

}  // namespace memgov::audit
