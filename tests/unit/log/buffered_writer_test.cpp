#include "log/buffered_writer.hpp"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <string>

namespace memgov::log {
namespace {

// Reads everything the write end sent until it was closed.
std::string read_all(int fd) {
  std::string out;
  char buffer[4096];
  ssize_t n = 0;
  while ((n = ::read(fd, buffer, sizeof buffer)) > 0) {
    out.append(buffer, static_cast<std::size_t>(n));
  }
  return out;
}

TEST(BufferedWriter, WritesEveryLineInOrderBeforeStopping) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  std::string expected;
  {
    buffered_writer writer(fds[1], 1 << 20);
    for (int i = 0; i < 100; ++i) {
      std::string line = "line " + std::to_string(i) + "\n";
      EXPECT_TRUE(writer.push(line));
      expected += line;
    }
  }  // The destructor writes what is still buffered.
  ::close(fds[1]);
  EXPECT_EQ(read_all(fds[0]), expected);
  ::close(fds[0]);
}

TEST(BufferedWriter, DropsLinesPastTheBufferLimit) {
  // The blocked write fails with EPIPE once the read end closes, instead of raising SIGPIPE.
  ::signal(SIGPIPE, SIG_IGN);
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  // A pipe with no reader fills up, so the writer thread blocks and the buffer stays full.
  ASSERT_GE(::fcntl(fds[1], F_SETPIPE_SZ, 4096), 0);
  std::string line(1000, 'x');
  line += '\n';
  std::uint64_t accepted = 0;
  {
    buffered_writer writer(fds[1], 8 * 1024);
    for (int i = 0; i < 200; ++i) {
      accepted += writer.push(line) ? 1 : 0;
    }
    EXPECT_GT(writer.dropped(), 0u);
    EXPECT_EQ(writer.dropped() + accepted, 200u);
    // Close the read end so the blocked write fails and the destructor can finish.
    ::close(fds[0]);
  }
  ::close(fds[1]);
}

}  // namespace
}  // namespace memgov::log
