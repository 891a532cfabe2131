#include "wal/checkpoint.hpp"

#include "wal/crc32c.hpp"
#include "wal/wal_files.hpp"

namespace memgov::audit {
namespace {

constexpr std::string_view kMagic = "MGAUDCKP";
constexpr std::uint32_t kVersion = 1;
constexpr std::size_t kCheckpointBytes = 8 + 4 + 8 + 8 + 8 + 4;

void append_le(std::string& out, std::uint64_t value, int bytes) {
  for (int i = 0; i < bytes; ++i) {
    out.push_back(static_cast<char>((value >> (8 * i)) & 0xFF));
  }
}

std::uint64_t read_le(std::string_view bytes, std::size_t at, int count) {
  std::uint64_t value = 0;
  for (int i = count - 1; i >= 0; --i) {
    value = (value << 8) | static_cast<unsigned char>(bytes[at + i]);
  }
  return value;
}

}  // namespace

std::string encode_checkpoint(const checkpoint& value) {
  std::string out(kMagic);
  append_le(out, kVersion, 4);
  append_le(out, value.cursor.segment, 8);
  append_le(out, value.cursor.offset, 8);
  append_le(out, value.sequence, 8);
  append_le(out, crc32c(out), 4);
  return out;
}

std::optional<checkpoint> decode_checkpoint(std::string_view bytes, std::string& error) {
  if (bytes.size() != kCheckpointBytes || bytes.substr(0, kMagic.size()) != kMagic) {
    error = "checkpoint file has the wrong size or magic";
    return std::nullopt;
  }
  if (crc32c(bytes.substr(0, kCheckpointBytes - 4)) != read_le(bytes, kCheckpointBytes - 4, 4)) {
    error = "checkpoint checksum mismatch";
    return std::nullopt;
  }
  if (read_le(bytes, 8, 4) != kVersion) {
    error =
        "checkpoint format version " + std::to_string(read_le(bytes, 8, 4)) + " is not supported";
    return std::nullopt;
  }
  checkpoint value;
  value.cursor.segment = read_le(bytes, 12, 8);
  value.cursor.offset = read_le(bytes, 20, 8);
  value.sequence = read_le(bytes, 28, 8);
  return value;
}

checkpoint_load load_checkpoint(const std::filesystem::path& directory) {
  checkpoint_load load;
  std::filesystem::path path = directory / kCheckpointFile;
  std::error_code missing;
  if (!std::filesystem::exists(path, missing)) {
    return load;
  }
  try {
    std::string error;
    load.value = decode_checkpoint(read_small_file(path), error);
    if (!load.value) {
      load.problem = error;
    }
  } catch (const file_error& e) {
    load.problem = e.what();
  }
  return load;
}

void store_checkpoint(const std::filesystem::path& directory, const checkpoint& value) {
  replace_file_durably(directory / kCheckpointFile, encode_checkpoint(value));
}

}  // namespace memgov::audit
