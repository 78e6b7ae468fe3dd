// A problem with one field of one event, as reported to the sender and kept in the dead-letter table.
#pragma once
#include <string>
#include <vector>

namespace tp {

struct FieldError {
  std::string field;  // dotted path inside the event, e.g. "tags.stage"
  std::string error;  // what is wrong, in words; never echoes the offending value
};

using FieldErrors = std::vector<FieldError>;

}  // namespace tp
