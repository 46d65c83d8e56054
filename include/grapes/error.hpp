#pragma once
// Errors are exceptions inside a rank; stages end with a collective agreement (see
// agree_or_throw in comm.hpp) so every rank stops together and nothing is written.
#include <stdexcept>
#include <string>

namespace grapes {

// A problem with the user's input or configuration: the message names the file or key and
// is shown to the user as it is.
class InputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// An error raised because another rank failed; carries that rank's message.
class RemoteError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace grapes
