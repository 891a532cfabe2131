#include "wal/wal_format.hpp"

#include <cstdio>
#include <cstring>

#include "wal/crc32c.hpp"

namespace memgov::audit {
namespace {

constexpr std::string_view kSegmentMagic = "MGAUDWAL";
constexpr std::uint32_t kSegmentFormatVersion = 1;
constexpr std::string_view kSegmentSuffix = ".wal";

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

void copy_digest(std::string_view bytes, std::size_t at, sha256_digest& out) {
  std::memcpy(out.data(), bytes.data() + at, out.size());
}

}  // namespace

std::size_t wal_record_size(const linked_record& record) {
  return kRecordHeaderBytes + kRecordHashBytes + record.canonical.size();
}

void append_wal_record(std::string& out, const linked_record& record) {
  std::size_t start = out.size();
  auto payload_size = static_cast<std::uint32_t>(kRecordHashBytes + record.canonical.size());
  append_le(out, payload_size, 4);
  append_le(out, 0, 4);  // The checksum, filled in below.
  out += as_bytes(record.prev_hash);
  out += as_bytes(record.row_hash);
  out += record.canonical;
  std::string_view written(out.data() + start, out.size() - start);
  std::uint32_t crc = crc32c(written.substr(0, 4));
  crc = crc32c(written.substr(kRecordHeaderBytes), crc);
  for (int i = 0; i < 4; ++i) {
    out[start + 4 + i] = static_cast<char>((crc >> (8 * i)) & 0xFF);
  }
}

parse_result parse_wal_record(std::string_view buffer) {
  parse_result result;
  if (buffer.size() < kRecordHeaderBytes) {
    result.status = parse_status::incomplete;
    return result;
  }
  auto length = static_cast<std::uint32_t>(read_le(buffer, 0, 4));
  if (length < kRecordHashBytes || length > kMaxRecordPayloadBytes) {
    result.status = parse_status::corrupt;
    result.error = "record length " + std::to_string(length) + " is out of range";
    return result;
  }
  if (buffer.size() - kRecordHeaderBytes < length) {
    result.status = parse_status::incomplete;
    return result;
  }
  auto stored_crc = static_cast<std::uint32_t>(read_le(buffer, 4, 4));
  std::string_view payload = buffer.substr(kRecordHeaderBytes, length);
  std::uint32_t crc = crc32c(payload, crc32c(buffer.substr(0, 4)));
  if (crc != stored_crc) {
    result.status = parse_status::corrupt;
    result.error = "record checksum mismatch";
    return result;
  }
  result.status = parse_status::ok;
  result.size = kRecordHeaderBytes + length;
  copy_digest(payload, 0, result.record.prev_hash);
  copy_digest(payload, 32, result.record.row_hash);
  result.record.canonical = payload.substr(kRecordHashBytes);
  return result;
}

std::string encode_segment_header(const segment_header& header) {
  std::string out(kSegmentMagic);
  append_le(out, kSegmentFormatVersion, 4);
  append_le(out, 0, 4);
  append_le(out, header.segment, 8);
  append_le(out, header.first_sequence, 8);
  out += as_bytes(header.prev_hash);
  append_le(out, crc32c(out), 4);
  return out;
}

std::optional<segment_header> decode_segment_header(std::string_view bytes, std::string& error) {
  if (bytes.size() < kSegmentHeaderBytes) {
    error = "segment header is cut short";
    return std::nullopt;
  }
  if (bytes.substr(0, kSegmentMagic.size()) != kSegmentMagic) {
    error = "file is not an audit log segment (bad magic)";
    return std::nullopt;
  }
  std::string_view covered = bytes.substr(0, kSegmentHeaderBytes - 4);
  if (crc32c(covered) != read_le(bytes, kSegmentHeaderBytes - 4, 4)) {
    error = "segment header checksum mismatch";
    return std::nullopt;
  }
  std::uint64_t version = read_le(bytes, 8, 4);
  if (version != kSegmentFormatVersion) {
    error = "segment format version " + std::to_string(version) + " is not supported";
    return std::nullopt;
  }
  segment_header header;
  header.segment = read_le(bytes, 16, 8);
  header.first_sequence = read_le(bytes, 24, 8);
  copy_digest(bytes, 32, header.prev_hash);
  return header;
}

std::string segment_file_name(std::uint64_t segment) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%016llx", static_cast<unsigned long long>(segment));
  return std::string(buffer) + std::string(kSegmentSuffix);
}

std::optional<std::uint64_t> parse_segment_file_name(std::string_view name) {
  if (name.size() != 16 + kSegmentSuffix.size() || name.substr(16) != kSegmentSuffix) {
    return std::nullopt;
  }
  std::uint64_t value = 0;
  for (char c : name.substr(0, 16)) {
    int digit;
    if (c >= '0' && c <= '9') {
      digit = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      digit = c - 'a' + 10;
    } else {
      return std::nullopt;
    }
    value = (value << 4) | static_cast<std::uint64_t>(digit);
  }
  return value;
}

}  // namespace memgov::audit
