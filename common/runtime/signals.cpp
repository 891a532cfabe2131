#include "runtime/signals.hpp"

#include <pthread.h>
#include <signal.h>

namespace memgov::runtime {
namespace {

sigset_t handled_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP);
  return set;
}

}  // namespace

void block_signals() {
  sigset_t set = handled_signals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  // A peer that vanishes mid-write must not kill the process.
  signal(SIGPIPE, SIG_IGN);
}

int wait_for_signal() {
  sigset_t set = handled_signals();
  int number = 0;
  while (sigwait(&set, &number) != 0) {
  }
  return number;
}

}  // namespace memgov::runtime
