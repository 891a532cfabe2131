#include "wal/wal_reader.hpp"

#include <fcntl.h>

#include <algorithm>

#include "wal/wal_format.hpp"

namespace memgov::audit {
namespace {

constexpr std::size_t kReadChunkBytes = 1 << 20;

}  // namespace

wal_reader::wal_reader(std::filesystem::path directory, wal_cursor start)
    : directory_(std::move(directory)), cursor_(start) {}

bool wal_reader::open_segment_at_or_after(const std::map<std::uint64_t, std::uint64_t>& durable,
                                          std::uint64_t segment, wal_read& out) {
  for (auto it = durable.lower_bound(segment); it != durable.end(); ++it) {
    std::filesystem::path path = directory_ / segment_file_name(it->first);
    unique_fd fd = open_file(path, O_RDONLY);
    std::string bytes;
    read_at(fd.get(), bytes, kSegmentHeaderBytes, 0, path);
    std::string error;
    std::optional<segment_header> header = decode_segment_header(bytes, error);
    if (!header || header->segment != it->first) {
      out.damage.push_back(
          {it->first, 0,
           header ? "header names segment " + std::to_string(header->segment) : error});
      continue;
    }
    file_ = std::move(fd);
    file_path_ = path;
    open_segment_ = it->first;
    is_open_ = true;
    if (cursor_.segment != it->first || cursor_.offset < kSegmentHeaderBytes) {
      cursor_ = {it->first, kSegmentHeaderBytes};
    }
    buffer_.clear();
    buffer_offset_ = cursor_.offset;
    return true;
  }
  return false;
}

void wal_reader::skip_to_next_segment() {
  cursor_ = {open_segment_ + 1, 0};
  is_open_ = false;
  file_ = unique_fd();
  buffer_.clear();
}

// Makes the buffer hold at least `needed` bytes from the cursor, reading no further than
// `limit`. Returns false when the limit comes first.
bool wal_reader::fill(std::uint64_t limit, std::size_t needed) {
  std::uint64_t start = cursor_.offset;
  if (start < buffer_offset_ || start > buffer_offset_ + buffer_.size()) {
    buffer_.clear();
    buffer_offset_ = start;
  }
  if (buffer_offset_ + buffer_.size() - start >= needed) {
    return true;
  }
  // Drop the consumed prefix once per refill, not once per record.
  buffer_.erase(0, static_cast<std::size_t>(start - buffer_offset_));
  buffer_offset_ = start;
  while (buffer_.size() < needed) {
    std::uint64_t next = buffer_offset_ + buffer_.size();
    if (next >= limit) {
      return false;
    }
    std::size_t want = static_cast<std::size_t>(
        std::min<std::uint64_t>(std::max(kReadChunkBytes, needed - buffer_.size()), limit - next));
    read_at(file_.get(), chunk_, want, next, file_path_);
    if (chunk_.empty()) {
      return false;
    }
    buffer_ += chunk_;
  }
  return true;
}

std::string_view wal_reader::unread() const {
  return std::string_view(buffer_).substr(
      static_cast<std::size_t>(cursor_.offset - buffer_offset_));
}

wal_read wal_reader::read(const std::map<std::uint64_t, std::uint64_t>& durable,
                          std::size_t max_records, std::size_t max_bytes) {
  wal_read out;
  std::size_t bytes = 0;
  while (out.entries.size() < max_records && bytes < max_bytes) {
    if (!is_open_ || durable.count(open_segment_) == 0) {
      is_open_ = false;
      if (!open_segment_at_or_after(durable, cursor_.segment, out)) {
        break;
      }
    }
    std::uint64_t limit = durable.at(open_segment_);
    bool sealed = open_segment_ < durable.rbegin()->first;
    if (cursor_.offset >= limit) {
      if (!sealed) {
        break;  // Caught up with the writer.
      }
      skip_to_next_segment();
      continue;
    }
    parse_result parsed;
    if (fill(limit, kRecordHeaderBytes)) {
      parsed = parse_wal_record(unread());
      if (parsed.status == parse_status::incomplete) {
        std::string_view head = unread();
        std::size_t length = 0;
        for (int i = 3; i >= 0; --i) {
          length = (length << 8) | static_cast<unsigned char>(head[i]);
        }
        if (fill(limit, kRecordHeaderBytes + length)) {
          parsed = parse_wal_record(unread());
        }
      }
    }
    if (parsed.status != parse_status::ok) {
      // The durable size ends at a record boundary, so a record cut short by it, or one
      // that does not parse, is damage (a write that failed and could not be undone).
      out.damage.push_back({open_segment_, cursor_.offset,
                            parsed.status == parse_status::corrupt
                                ? parsed.error
                                : "record cut short at the end of the segment"});
      skip_to_next_segment();
      continue;
    }
    wal_entry entry;
    entry.prev_hash = parsed.record.prev_hash;
    entry.row_hash = parsed.record.row_hash;
    entry.canonical.assign(parsed.record.canonical);
    cursor_.offset += parsed.size;
    entry.end = cursor_;
    bytes += parsed.size;
    out.entries.push_back(std::move(entry));
  }
  return out;
}

}  // namespace memgov::audit
