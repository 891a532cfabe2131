// memgov-ingress: the HTTP gateway in front of Mem0.
#include "ingress_service.hpp"
#include "runtime/stage_main.hpp"

int main() {
  return memgov::runtime::stage_main("ingress", memgov::ingress::run_ingress);
}
