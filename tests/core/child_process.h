// Outcomes of checks run in a child process (gtest death tests), so that a crash fails one
// test instead of ending the test binary: exit 0 is the accepted outcome.
#pragma once

#include <cstdlib>
#include <exception>

#include "core/tensor.h"

namespace ganforge::testing {

// Exit 0 when f throws (bad input reported), 1 when it returns.
template <class F>
[[noreturn]] void exit_0_if_throws(F f) {
  try {
    f();
  } catch (const std::exception&) {
    std::exit(0);
  }
  std::exit(1);
}

// Exit 0 when f throws, or returns a 0-d tensor holding `expected` (PyTorch's answer).
template <class F>
[[noreturn]] void exit_0_if_scalar_or_throws(F f, double expected) {
  try {
    Tensor r = f();
    std::exit(r.dim() == 0 && r.item<double>() == expected ? 0 : 2);
  } catch (const std::exception&) {
    std::exit(0);
  }
}

}  // namespace ganforge::testing
