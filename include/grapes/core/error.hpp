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

// The run was stopped by a signal (SIGTERM, SIGINT) or because its MPI launcher died
// (interrupt.hpp); `signal_number` is the signal, or 0. Every rank throws it together.
class Interrupted : public InputError {
 public:
  Interrupted(const std::string& message, int signal_number)
      : InputError(message), signal_number_(signal_number) {}
  int signal_number() const { return signal_number_; }

 private:
  int signal_number_ = 0;
};

// An error raised because another rank failed; carries that rank's message.
class RemoteError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace grapes
