// SHA-256 through OpenSSL's EVP interface.
#pragma once

#include <array>
#include <string>
#include <string_view>

namespace memgov::audit {

using sha256_digest = std::array<unsigned char, 32>;

// Hashes the concatenation of `first` and `second`. Throws std::runtime_error when OpenSSL
// fails, which happens only when the library is broken or out of memory.
sha256_digest sha256(std::string_view first, std::string_view second = {});

std::string_view as_bytes(const sha256_digest& digest);

// Lower-case hex of the digest, for logs and reports.
std::string to_hex(const sha256_digest& digest);

// Parses 64 hex digits (either case) into `out`; returns false when `hex` is not that.
bool parse_hex_digest(std::string_view hex, sha256_digest& out);

}  // namespace memgov::audit
