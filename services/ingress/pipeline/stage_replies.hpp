// Helpers for the calls the pipeline makes to the other stages: packing, typed outcomes, and
// running completions on the io thread.
#pragma once

#include <optional>
#include <string>
#include <utility>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <msgpack.hpp>

#include "protocol/messages.hpp"
#include "transport/stage_client.hpp"

namespace memgov::ingress::pipeline {

// Returns `body` packed as msgpack, like protocol::pack_body(). It writes straight into the
// string instead of into an sbuffer (whose first allocation is 8 KiB, which makes glibc's malloc
// consolidate its free lists on every call).
template <class Body>
std::string pack_to_string(const Body& body) {
  struct string_writer {
    std::string* out;
    void write(const char* data, std::size_t size) { out->append(data, size); }
  };
  std::string packed;
  packed.reserve(256);
  string_writer writer{&packed};
  msgpack::packer<string_writer> packer(writer);
  packer.pack(body);
  return packed;
}

// Either the decoded reply body or the cause of the failure, phrased for a reason string.
template <class Reply>
struct stage_outcome {
  std::optional<Reply> reply;
  std::string error;  // Set when reply is empty.
};

// Decodes a call result whose reply must be of `expected` kind with body Reply.
template <class Reply>
stage_outcome<Reply> decode_reply(const transport::call_result& result,
                                  protocol::message_kind expected) {
  stage_outcome<Reply> outcome;
  if (result.status != transport::call_status::ok || !result.reply) {
    outcome.error = result.error.empty() ? transport::to_string(result.status) : result.error;
    return outcome;
  }
  if (result.reply->header().kind != expected) {
    outcome.error = std::string("unexpected reply kind ") +
                    protocol::to_string(result.reply->header().kind) + " from " + result.peer;
    return outcome;
  }
  outcome.reply = result.reply->body_as<Reply>();
  if (!outcome.reply)
    outcome.error =
        std::string("unreadable ") + protocol::to_string(expected) + " reply from " + result.peer;
  return outcome;
}

// Wraps `handler(call_result)` into a stage client completion that runs the handler on `io`:
// completions arrive on the client's socket thread, which must not do the pipeline's work.
template <class Handler>
transport::completion run_on(boost::asio::io_context& io, Handler handler) {
  return [&io, handler = std::move(handler)](transport::call_result result) {
    boost::asio::post(
        io, [handler, result = std::move(result)]() mutable { handler(std::move(result)); });
  };
}

}  // namespace memgov::ingress::pipeline
