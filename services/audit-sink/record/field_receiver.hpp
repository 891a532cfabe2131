// The receiving end of record formatting: the formatting rules produce each field once, in
// column order, and a receiver stores them as record_fields or appends them straight to the
// canonical bytes.
#pragma once

#include <string_view>

namespace memgov::audit {

class field_receiver {
 public:
  virtual ~field_receiver() = default;

  virtual void add_null() = 0;
  // A field that is already in its stored form.
  virtual void add_text(std::string_view text) = 0;
  // Text from a client: empty becomes NULL, anything else passes through sanitize_utf8().
  virtual void add_client_text(std::string_view text) = 0;
};

}  // namespace memgov::audit
