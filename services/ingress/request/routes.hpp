// The routes the gateway exposes (Mem0's REST routes and its own admin routes), and the action
// each one performs.
#pragma once

#include <cstdint>
#include <string_view>

#include "request/path.hpp"

namespace memgov::ingress::request {

enum class route_id : std::uint8_t {
  none,             // No Mem0 route the gateway exposes.
  list_memories,    // GET /memories
  delete_memories,  // DELETE /memories
  add_memories,     // POST /memories
  get_memory,       // GET /memories/{id}
  update_memory,    // PUT /memories/{id}
  delete_memory,    // DELETE /memories/{id}
  memory_history,   // GET /memories/{id}/history
  search,           // POST /search
  reset,            // POST /reset
  get_config,       // GET /configure
  set_config,       // POST /configure
  assign_subject,   // POST /admin/v1/subjects (the gateway's own, see admin_request.hpp)
  list_subjects,    // GET /admin/v1/tenants/{tenant}/subjects (the gateway's own)
};

// Returns a stable label for logs and metrics, e.g. "GET /memories/{id}"; "unknown" for none.
std::string_view route_name(route_id route);

// Policy actions, spelled as the policy input expects them.
inline constexpr std::string_view kActionRead = "read";
inline constexpr std::string_view kActionWrite = "write";
inline constexpr std::string_view kActionDelete = "delete";
inline constexpr std::string_view kActionAdmin = "admin";
inline constexpr std::string_view kActionAssignSubject = "subjects.assign";
inline constexpr std::string_view kActionListSubjects = "subjects.list";

// Returns whether the gateway serves the route itself, through the authz stage, instead of Mem0.
bool is_admin_route(route_id route);

// Returns the action of a route. `names_session_id` matters only for GET and DELETE /memories,
// which act on one scope when the query names a user_id, agent_id or run_id and on the whole
// store (admin) when it names none. Returns "" for route_id::none.
std::string_view route_action(route_id route, bool names_session_id);

struct route_match {
  route_id route = route_id::none;
  std::string_view memory_id;  // The {id} segment, pointing into the normalized path.
  std::string_view tenant;     // The {tenant} segment of list_subjects, likewise.
  bool known_path = false;     // The path is a route's path, but the method is not its method.
};

// Matches a method and a normalized path against the route table. Both match case-sensitively,
// as in Starlette: "/Memories" and "get" match nothing. HEAD, which Starlette serves for every
// GET route, is not accepted.
route_match match_route(std::string_view method, const normalized_path& path);

}  // namespace memgov::ingress::request
