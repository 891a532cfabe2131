#include "protocol/envelope.hpp"

namespace memgov::protocol {

const char* to_string(message_kind kind) {
  switch (kind) {
    case message_kind::ping:
      return "ping";
    case message_kind::pong:
      return "pong";
    case message_kind::ratelimit_check:
      return "ratelimit_check";
    case message_kind::ratelimit_result:
      return "ratelimit_result";
    case message_kind::authz_check:
      return "authz_check";
    case message_kind::authz_result:
      return "authz_result";
    case message_kind::ownership_record:
      return "ownership_record";
    case message_kind::ownership_recorded:
      return "ownership_recorded";
    case message_kind::ownership_resolve:
      return "ownership_resolve";
    case message_kind::ownership_resolved:
      return "ownership_resolved";
    case message_kind::ownership_lookup:
      return "ownership_lookup";
    case message_kind::ownership_owners:
      return "ownership_owners";
    case message_kind::subject_assign:
      return "subject_assign";
    case message_kind::subject_assigned:
      return "subject_assigned";
    case message_kind::subject_list:
      return "subject_list";
    case message_kind::subject_listed:
      return "subject_listed";
    case message_kind::audit_event:
      return "audit_event";
    case message_kind::audit_ack:
      return "audit_ack";
    case message_kind::audit_outcome:
      return "audit_outcome";
    case message_kind::error:
      return "error";
  }
  return "unknown";
}

namespace {

bool is_known_kind(std::uint8_t value) {
  switch (static_cast<message_kind>(value)) {
    case message_kind::ping:
    case message_kind::pong:
    case message_kind::ratelimit_check:
    case message_kind::ratelimit_result:
    case message_kind::authz_check:
    case message_kind::authz_result:
    case message_kind::ownership_record:
    case message_kind::ownership_recorded:
    case message_kind::ownership_resolve:
    case message_kind::ownership_resolved:
    case message_kind::ownership_lookup:
    case message_kind::ownership_owners:
    case message_kind::subject_assign:
    case message_kind::subject_assigned:
    case message_kind::subject_list:
    case message_kind::subject_listed:
    case message_kind::audit_event:
    case message_kind::audit_ack:
    case message_kind::audit_outcome:
    case message_kind::error:
      return true;
  }
  return false;
}

}  // namespace

decode_result decode(std::string_view frame) {
  decode_result result;
  msgpack::object_handle handle;
  try {
    handle = msgpack::unpack(frame.data(), frame.size());
  } catch (const std::exception& e) {
    result.error = std::string("frame is not valid msgpack: ") + e.what();
    return result;
  }
  const msgpack::object& root = handle.get();
  if (root.type != msgpack::type::ARRAY || root.via.array.size != 4) {
    result.error = "frame is not a 4-element envelope array";
    return result;
  }
  const msgpack::object* items = root.via.array.ptr;
  if (items[0].type != msgpack::type::POSITIVE_INTEGER ||
      items[1].type != msgpack::type::POSITIVE_INTEGER ||
      items[2].type != msgpack::type::POSITIVE_INTEGER) {
    result.error = "envelope version, kind or correlation id is not an unsigned integer";
    return result;
  }
  if (items[0].via.u64 != kProtocolVersion) {
    result.error = "protocol version " + std::to_string(items[0].via.u64) +
                   " is not supported (this build speaks " + std::to_string(kProtocolVersion) + ")";
    return result;
  }
  if (items[1].via.u64 > 255 || !is_known_kind(static_cast<std::uint8_t>(items[1].via.u64))) {
    result.error = "unknown message kind " + std::to_string(items[1].via.u64);
    return result;
  }
  envelope_header header;
  header.kind = static_cast<message_kind>(items[1].via.u64);
  header.correlation_id = items[2].via.u64;
  msgpack::object body = items[3];
  result.envelope.emplace(header, std::move(handle), body);
  return result;
}

}  // namespace memgov::protocol

namespace memgov::protocol {

std::string encode_packed(message_kind kind, std::uint64_t correlation_id,
                          std::string_view packed_body) {
  msgpack::sbuffer buffer(16 + packed_body.size());
  msgpack::packer<msgpack::sbuffer> packer(buffer);
  packer.pack_array(4);
  packer.pack(kProtocolVersion);
  packer.pack(static_cast<std::uint8_t>(kind));
  packer.pack(correlation_id);
  buffer.write(packed_body.data(), packed_body.size());
  return std::string(buffer.data(), buffer.size());
}

}  // namespace memgov::protocol
