#include "ctl/progress.hpp"

#include <cstdio>

namespace memgov::ctl {

void progress_meter::add(std::uint64_t rows) {
  rows_ += rows;
  auto now = std::chrono::steady_clock::now();
  if (now - last_print_ >= std::chrono::seconds(1)) {
    last_print_ = now;
    std::fprintf(stderr, "memgovctl: %s: %llu rows so far\n", what_.c_str(),
                 static_cast<unsigned long long>(rows_));
  }
}

}  // namespace memgov::ctl
