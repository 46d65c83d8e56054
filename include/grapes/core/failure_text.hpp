#pragma once
// The one message a user sees for a failure that is not an InputError: allocation failures
// (std::bad_alloc, Kokkos's "failed to allocate memory for label ..." text) become a sentence
// naming what was being allocated, its size and the rank; other texts pass unchanged, minus
// Kokkos's "Traceback functionality not available" tail.
#include <exception>
#include <string>

namespace grapes {

std::string failure_text(const std::exception& error, int rank);

}  // namespace grapes
