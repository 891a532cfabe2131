#include "redis_test_server.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <sstream>
#include <thread>

#include <hiredis/hiredis.h>

namespace memgov::ratelimit::testing {

int free_loopback_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof(address);
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
    port = ntohs(address.sin_port);
  }
  ::close(fd);
  return port;
}

redis_test_server::~redis_test_server() {
  stop();
}

std::string redis_test_server::find_binary() {
  const char* path = std::getenv("PATH");
  std::stringstream directories(path != nullptr ? path : "/usr/bin:/bin");
  std::string directory;
  while (std::getline(directories, directory, ':')) {
    std::string candidate = (directory.empty() ? "." : directory) + "/redis-server";
    if (::access(candidate.c_str(), X_OK) == 0) {
      return candidate;
    }
  }
  return "";
}

redis_endpoint redis_test_server::endpoint() const {
  redis_endpoint endpoint;
  endpoint.host = "127.0.0.1";
  endpoint.port = port_;
  return endpoint;
}

bool redis_test_server::answers_ping() const {
  timeval timeout{0, 200000};
  redisContext* context = redisConnectWithTimeout("127.0.0.1", port_, timeout);
  if (context == nullptr) {
    return false;
  }
  bool ok = false;
  if (context->err == 0) {
    redisSetTimeout(context, timeout);
    auto* reply = static_cast<redisReply*>(redisCommand(context, "PING"));
    // A server started with requirepass replies NOAUTH, which still shows that it is up.
    ok =
        reply != nullptr && (reply->type == REDIS_REPLY_STATUS || reply->type == REDIS_REPLY_ERROR);
    if (reply != nullptr) {
      freeReplyObject(reply);
    }
  }
  redisFree(context);
  return ok;
}

bool redis_test_server::start(int port, const std::vector<std::string>& extra_args) {
  stop();
  std::string binary = find_binary();
  if (binary.empty()) {
    error_ = "redis-server is not installed";
    return false;
  }
  port_ = port != 0 ? port : free_loopback_port();
  extra_args_ = extra_args;
  std::vector<std::string> args = {binary,   "--port", std::to_string(port_), "--bind", "127.0.0.1",
                                   "--save", "",       "--appendonly",        "no"};
  args.insert(args.end(), extra_args.begin(), extra_args.end());

  pid_ = ::fork();
  if (pid_ == 0) {
    int null_fd = ::open("/dev/null", O_RDWR);
    ::dup2(null_fd, STDOUT_FILENO);
    ::dup2(null_fd, STDERR_FILENO);
    // The server must not outlive a test binary that crashes.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    std::vector<char*> argv;
    for (std::string& arg : args) {
      argv.push_back(arg.data());
    }
    argv.push_back(nullptr);
    ::execv(binary.c_str(), argv.data());
    ::_exit(127);
  }
  if (pid_ < 0) {
    error_ = "fork failed";
    return false;
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    if (answers_ping()) {
      return true;
    }
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      error_ = "redis-server exited at start with status " + std::to_string(status);
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  error_ = "redis-server did not answer PING on port " + std::to_string(port_) + " within 10 s";
  stop();
  return false;
}

void redis_test_server::stop() {
  if (pid_ <= 0) {
    return;
  }
  ::kill(pid_, SIGTERM);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  int status = 0;
  while (::waitpid(pid_, &status, WNOHANG) != pid_) {
    if (std::chrono::steady_clock::now() >= deadline) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  pid_ = -1;
}

}  // namespace memgov::ratelimit::testing
