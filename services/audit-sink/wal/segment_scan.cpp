#include "wal/segment_scan.hpp"

#include <fcntl.h>

#include <stdexcept>

#include "wal/wal_files.hpp"

namespace memgov::audit {

segment_scan scan_segment(const std::filesystem::path& file, std::uint64_t segment) {
  unique_fd fd = open_file(file, O_RDONLY);
  segment_scan scan;
  scan.file_bytes = file_size(fd.get(), file);
  std::string contents;
  read_at(fd.get(), contents, static_cast<std::size_t>(scan.file_bytes), 0, file);

  std::string error;
  std::optional<segment_header> header = decode_segment_header(contents, error);
  if (!header) {
    throw std::runtime_error("audit log segment " + file.string() + ": " + error);
  }
  if (header->segment != segment) {
    throw std::runtime_error("audit log segment " + file.string() + " has the header of segment " +
                             std::to_string(header->segment));
  }
  scan.header = *header;
  scan.last.sequence = header->first_sequence - 1;
  scan.last.row_hash = header->prev_hash;

  std::size_t at = kSegmentHeaderBytes;
  std::string_view rest(contents);
  while (at < contents.size()) {
    parse_result parsed = parse_wal_record(rest.substr(at));
    if (parsed.status == parse_status::incomplete) {
      scan.tail_error =
          "the last record is incomplete (" + std::to_string(contents.size() - at) + " bytes)";
      break;
    }
    if (parsed.status == parse_status::corrupt) {
      scan.tail_error = parsed.error + " at offset " + std::to_string(at);
      break;
    }
    ++scan.records;
    scan.last.sequence += 1;
    scan.last.row_hash = parsed.record.row_hash;
    at += parsed.size;
  }
  scan.valid_bytes = at;
  return scan;
}

}  // namespace memgov::audit
