// Checking the errors users see: the message of the expected exception, and that it names
// the things it should (the op, the shapes, the expected form).
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace ganforge::testing {

// The message of the exception of type E that f throws; a test failure if it throws none.
template <class E, class F>
std::string message_of(F&& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected an exception, none was thrown";
  return "";
}

inline void expect_mentions(const std::string& message, const std::vector<std::string>& parts) {
  for (const std::string& part : parts)
    EXPECT_NE(message.find(part), std::string::npos) << "message \"" << message << "\" does not mention \"" << part << "\"";
}

}  // namespace ganforge::testing
