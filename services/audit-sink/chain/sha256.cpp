#include "chain/sha256.hpp"

#include <memory>
#include <stdexcept>

#include <openssl/evp.h>

#include "text/hex_digit.hpp"

namespace memgov::audit {
namespace {

using memgov::text::hex_digit_value;

struct md_context_deleter {
  void operator()(EVP_MD_CTX* context) const { EVP_MD_CTX_free(context); }
};

struct md_deleter {
  void operator()(EVP_MD* md) const { EVP_MD_free(md); }
};

// One context per thread: fetching the algorithm and allocating a context cost more than
// hashing a record of a few hundred bytes.
struct thread_hasher {
  std::unique_ptr<EVP_MD, md_deleter> md{EVP_MD_fetch(nullptr, "SHA256", nullptr)};
  std::unique_ptr<EVP_MD_CTX, md_context_deleter> context{EVP_MD_CTX_new()};
};

}  // namespace

sha256_digest sha256(std::string_view first, std::string_view second) {
  thread_local thread_hasher hasher;
  if (!hasher.md || !hasher.context) {
    throw std::runtime_error("OpenSSL has no SHA-256 implementation available");
  }
  sha256_digest digest{};
  unsigned int length = 0;
  EVP_MD_CTX* context = hasher.context.get();
  if (EVP_DigestInit_ex(context, hasher.md.get(), nullptr) != 1 ||
      EVP_DigestUpdate(context, first.data(), first.size()) != 1 ||
      EVP_DigestUpdate(context, second.data(), second.size()) != 1 ||
      EVP_DigestFinal_ex(context, digest.data(), &length) != 1 || length != digest.size()) {
    throw std::runtime_error("OpenSSL SHA-256 computation failed");
  }
  return digest;
}

std::string_view as_bytes(const sha256_digest& digest) {
  return std::string_view(reinterpret_cast<const char*>(digest.data()), digest.size());
}

std::string to_hex(const sha256_digest& digest) {
  static const char digits[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(digest.size() * 2);
  for (unsigned char byte : digest) {
    hex.push_back(digits[byte >> 4]);
    hex.push_back(digits[byte & 0x0F]);
  }
  return hex;
}

bool parse_hex_digest(std::string_view hex, sha256_digest& out) {
  if (hex.size() != out.size() * 2) {
    return false;
  }
  for (std::size_t i = 0; i < out.size(); ++i) {
    int high = hex_digit_value(hex[2 * i]);
    int low = hex_digit_value(hex[2 * i + 1]);
    if (high < 0 || low < 0) {
      return false;
    }
    out[i] = static_cast<unsigned char>(high * 16 + low);
  }
  return true;
}

}  // namespace memgov::audit
