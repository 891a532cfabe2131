#include "request/routes.hpp"

namespace memgov::ingress::request {

std::string_view route_name(route_id route) {
  switch (route) {
    case route_id::none:
      return "unknown";
    case route_id::list_memories:
      return "GET /memories";
    case route_id::delete_memories:
      return "DELETE /memories";
    case route_id::add_memories:
      return "POST /memories";
    case route_id::get_memory:
      return "GET /memories/{id}";
    case route_id::update_memory:
      return "PUT /memories/{id}";
    case route_id::delete_memory:
      return "DELETE /memories/{id}";
    case route_id::memory_history:
      return "GET /memories/{id}/history";
    case route_id::search:
      return "POST /search";
    case route_id::reset:
      return "POST /reset";
    case route_id::get_config:
      return "GET /configure";
    case route_id::set_config:
      return "POST /configure";
    case route_id::assign_subject:
      return "POST /admin/v1/subjects";
    case route_id::list_subjects:
      return "GET /admin/v1/tenants/{tenant}/subjects";
  }
  return "unknown";
}

std::string_view route_action(route_id route, bool names_session_id) {
  switch (route) {
    case route_id::none:
      return {};
    case route_id::list_memories:
      return names_session_id ? kActionRead : kActionAdmin;
    case route_id::delete_memories:
      return names_session_id ? kActionDelete : kActionAdmin;
    case route_id::get_memory:
    case route_id::memory_history:
    case route_id::search:
      return kActionRead;
    case route_id::add_memories:
    case route_id::update_memory:
      return kActionWrite;
    case route_id::delete_memory:
      return kActionDelete;
    case route_id::reset:
    case route_id::get_config:
    case route_id::set_config:
      return kActionAdmin;
    case route_id::assign_subject:
      return kActionAssignSubject;
    case route_id::list_subjects:
      return kActionListSubjects;
  }
  return {};
}

bool is_admin_route(route_id route) {
  return route == route_id::assign_subject || route == route_id::list_subjects;
}

namespace {

// Picks the route for `method` among those sharing one path; none when the method differs.
struct method_route {
  std::string_view method;
  route_id route;
};

template <std::size_t N>
route_match pick(std::string_view method, const method_route (&table)[N]) {
  route_match match;
  match.known_path = true;
  for (const auto& entry : table) {
    if (entry.method == method) {
      match.route = entry.route;
      match.known_path = false;
      break;
    }
  }
  return match;
}

constexpr method_route kMemoriesRoutes[] = {{"GET", route_id::list_memories},
                                            {"POST", route_id::add_memories},
                                            {"DELETE", route_id::delete_memories}};
constexpr method_route kMemoryRoutes[] = {{"GET", route_id::get_memory},
                                          {"PUT", route_id::update_memory},
                                          {"DELETE", route_id::delete_memory}};
constexpr method_route kHistoryRoutes[] = {{"GET", route_id::memory_history}};
constexpr method_route kSearchRoutes[] = {{"POST", route_id::search}};
constexpr method_route kResetRoutes[] = {{"POST", route_id::reset}};
constexpr method_route kConfigureRoutes[] = {{"GET", route_id::get_config},
                                             {"POST", route_id::set_config}};
constexpr method_route kAssignRoutes[] = {{"POST", route_id::assign_subject}};
constexpr method_route kListSubjectRoutes[] = {{"GET", route_id::list_subjects}};

// Matches /admin/v1/subjects and /admin/v1/tenants/{tenant}/subjects.
route_match match_admin_route(std::string_view method, const normalized_path& path) {
  if (path.segment(1) != "v1")
    return {};
  if (path.segment_count == 3 && path.segment(2) == "subjects")
    return pick(method, kAssignRoutes);
  if (path.segment_count == 5 && path.segment(2) == "tenants" && path.segment(4) == "subjects") {
    route_match match = pick(method, kListSubjectRoutes);
    if (match.route != route_id::none)
      match.tenant = path.segment(3);
    return match;
  }
  return {};
}

}  // namespace

route_match match_route(std::string_view method, const normalized_path& path) {
  if (path.segment_count >= 3 && path.segment_count <= 5 && path.segment(0) == "admin") {
    return match_admin_route(method, path);
  }
  if (path.segment_count == 0 || path.segment_count > 3) {
    return {};
  }
  const std::string_view first = path.segment(0);
  if (path.segment_count == 1) {
    if (first == "memories") {
      return pick(method, kMemoriesRoutes);
    }
    if (first == "search") {
      return pick(method, kSearchRoutes);
    }
    if (first == "reset") {
      return pick(method, kResetRoutes);
    }
    if (first == "configure") {
      return pick(method, kConfigureRoutes);
    }
    return {};
  }
  if (first != "memories") {
    return {};
  }
  route_match match;
  if (path.segment_count == 2) {
    match = pick(method, kMemoryRoutes);
  } else if (path.segment(2) == "history") {
    match = pick(method, kHistoryRoutes);
  } else {
    return {};
  }
  if (match.route != route_id::none) {
    match.memory_id = path.segment(1);
  }
  return match;
}

}  // namespace memgov::ingress::request
