// Request ids: taken from the client when well formed, generated otherwise.
#pragma once

#include <string>
#include <string_view>

namespace memgov::ingress::http {

// True when `id` is 1 to 128 characters of [A-Za-z0-9._-], which is safe to log, to store and to
// send back in a header.
bool is_valid_request_id(std::string_view id);

// Returns a random UUID version 4 in lower-case 8-4-4-4-12 form. Uses a per-thread generator
// seeded from std::random_device; the ids are unique, not secret.
std::string generate_uuid_v4();

// Returns `client_id` when it is valid, else a fresh UUID v4.
std::string choose_request_id(std::string_view client_id);

}  // namespace memgov::ingress::http
