// The envelope around every message body on the wire.
//
// One ZeroMQ frame holds one msgpack array:
//   [version: u8, kind: u8, correlation_id: u64, body: array]
// The correlation id is chosen by the requester and copied into the reply, so
// a requester can have many requests in flight on one socket.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <msgpack.hpp>

#include "protocol/messages.hpp"

namespace memgov::protocol {

struct envelope_header {
  message_kind kind = message_kind::error;
  std::uint64_t correlation_id = 0;
};

// A decoded frame. It owns the unpacked msgpack zone, so body stays valid as
// long as the decoded_envelope lives.
class decoded_envelope {
 public:
  decoded_envelope(envelope_header header, msgpack::object_handle handle, msgpack::object body)
      : header_(header), handle_(std::move(handle)), body_(body) {}

  const envelope_header& header() const { return header_; }

  // Converts the body into T. Returns nullopt when the body does not have
  // T's shape.
  template <class T>
  std::optional<T> body_as() const {
    try {
      return body_.as<T>();
    } catch (const msgpack::type_error&) {
      return std::nullopt;
    }
  }

 private:
  envelope_header header_;
  msgpack::object_handle handle_;
  msgpack::object body_;
};

// Serializes header and body into one frame.
template <class Body>
std::string encode(message_kind kind, std::uint64_t correlation_id, const Body& body) {
  msgpack::sbuffer buffer;
  msgpack::packer<msgpack::sbuffer> packer(buffer);
  packer.pack_array(4);
  packer.pack(kProtocolVersion);
  packer.pack(static_cast<std::uint8_t>(kind));
  packer.pack(correlation_id);
  packer.pack(body);
  return std::string(buffer.data(), buffer.size());
}

// Result of decode(): either an envelope or the reason it was rejected.
struct decode_result {
  std::optional<decoded_envelope> envelope;
  std::string error;
};

// Parses one frame. Rejects frames that are not msgpack, have the wrong
// shape, carry another protocol version or an unknown kind.
decode_result decode(std::string_view frame);

}  // namespace memgov::protocol

namespace memgov::protocol {

// Serializes a body alone, for a caller that does not know the correlation
// id yet (the transport assigns it). See encode_packed().
template <class Body>
std::string pack_body(const Body& body) {
  msgpack::sbuffer buffer;
  msgpack::pack(buffer, body);
  return std::string(buffer.data(), buffer.size());
}

// Builds a frame around a body packed by pack_body(). msgpack values are
// self-delimiting, so the envelope is the header fields followed by the
// body's bytes unchanged: the body is not parsed or copied into a new
// structure again.
std::string encode_packed(message_kind kind, std::uint64_t correlation_id,
                          std::string_view packed_body);

}  // namespace memgov::protocol
