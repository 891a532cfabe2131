// memgov-ratelimit: decides whether a tenant's actor may make another request.
#include "ratelimit_service.hpp"
#include "runtime/stage_main.hpp"

int main() {
  return memgov::runtime::stage_main("ratelimit", memgov::ratelimit::run_ratelimit_stage);
}
