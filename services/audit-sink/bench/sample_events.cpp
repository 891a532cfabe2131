#include "bench/sample_events.hpp"

#include <cstdio>
#include <random>

#include "record/record_format.hpp"

namespace memgov::audit::bench {

std::string random_uuid() {
  thread_local std::mt19937_64 random{std::random_device{}()};
  std::uint64_t high = random();
  std::uint64_t low = random();
  high = (high & 0xFFFFFFFFFFFF0FFFULL) | 0x0000000000004000ULL;
  low = (low & 0x3FFFFFFFFFFFFFFFULL) | 0x8000000000000000ULL;
  char text[40];
  std::snprintf(text, sizeof text, "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(high >> 32),
                static_cast<unsigned>((high >> 16) & 0xFFFF), static_cast<unsigned>(high & 0xFFFF),
                static_cast<unsigned>(low >> 48),
                static_cast<unsigned long long>(low & 0xFFFFFFFFFFFFULL));
  return text;
}

protocol::audit_event sample_event(const std::string& run_id, std::uint64_t index) {
  static const char* const tenants[] = {"acme-corp", "globex-inc", "initech", "soylent"};
  static const char* const roles[] = {"agent-writer", "agent-reader", "supervisor", "admin"};
  static const char* const actions[] = {"write", "read", "read", "delete"};
  static const char* const decisions[] = {"allow", "allow", "allow", "deny"};
  protocol::audit_event event;
  event.event_id = random_uuid();
  event.timestamp_unix_us = unix_now_us();
  event.request_id = run_id + "-" + std::to_string(index);
  event.tenant_id = tenants[index % 4];
  event.actor_id = "agent-" + std::to_string(index % 97);
  event.actor_role = roles[(index / 4) % 4];
  event.action = actions[index % 4];
  event.resource = "user_id:user-" + std::to_string(index % 1000);
  event.decision = decisions[(index / 16) % 4];
  event.reason = event.decision == "deny" ? "resource belongs to another tenant" : "";
  event.method = event.action == "write" ? "POST" : "GET";
  event.path = "/memories";
  event.status_code = event.decision == "deny" ? 403 : 200;
  event.latency_ms = 0.25 + static_cast<double>(index % 50) / 100.0;
  event.source_ip = "127.0.0.1";
  event.policy_revision = "bench";
  return event;
}

}  // namespace memgov::audit::bench
