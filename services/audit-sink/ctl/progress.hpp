// Progress lines on standard error for long runs: "memgovctl: <what>: N rows so far".
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace memgov::ctl {

class progress_meter {
 public:
  explicit progress_meter(std::string what) : what_(std::move(what)) {}

  // Counts rows and prints a line at most once per second.
  void add(std::uint64_t rows);

  std::uint64_t rows() const { return rows_; }

 private:
  std::string what_;
  std::uint64_t rows_ = 0;
  std::chrono::steady_clock::time_point last_print_ = std::chrono::steady_clock::now();
};

}  // namespace memgov::ctl
