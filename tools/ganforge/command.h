// A command's arguments and flags as one table: the parser (args.h) validates against it and
// `ganforge COMMAND --help` prints it, so the two cannot disagree.
#pragma once

#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

namespace ganforge::cli {

// A command line the program cannot act on: exit status 2.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

constexpr int64_t kNoLimit = std::numeric_limits<int64_t>::max();

// What a flag's value must be.
struct Integer {
  int64_t min, max = kNoLimit;
};
struct Number {
  double min, max = std::numeric_limits<double>::infinity();
  bool above = false;  // min itself is excluded
};
struct Choice {
  std::vector<std::string> values;
};
struct Text {};
struct Switch {};  // takes no value
using Kind = std::variant<Integer, Number, Choice, Text, Switch>;

struct Flag {
  std::string name;  // without the leading "--"
  Kind kind;
  std::string form = "";  // how the value is shown: "N", "DIR" (a Choice shows its values)
  std::string help;       // what it sets
  // The value when absent, as it would be typed ("64"), or in words where it is not one value
  // ("the recipe's"); "" when there is none to tell.
  std::string default_value = "";
  // For a flag whose value may be left out: the value that `--name` alone stands for. A value
  // is then given only as `--name=VALUE`, so the next argument is never taken for one.
  std::string value_when_alone = "";
};

struct Section {
  std::string title;
  std::vector<Flag> flags;
};

struct Command {
  std::string name;
  std::string arguments = "";       // "ARCH", "CKPT IMAGE..."
  std::string arguments_help = "";  // what they are
  std::string summary;      // one line, for `ganforge help`
  std::string description;  // a paragraph, for `ganforge COMMAND --help`
  size_t min_arguments = 0, max_arguments = 0;
  std::vector<Section> sections = {};

  const Flag* find(const std::string& name) const;
};

// Runs `f`, turning the invalid_argument with which a library function refuses a value taken
// from the command line into a UsageError.
template <class F>
auto as_usage_error(F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  }
}

// "a, b or c".
std::string alternatives(const std::vector<std::string>& values);
// A number as a person writes it: 0.5, 100, 1e6, 2e-4.
std::string format_number(double value);
// What the flag's value must be: "an integer, at least 1", "a number from 0 to 0.5", "bce or lsgan".
std::string expected(const Flag& flag);
// `ganforge COMMAND --help`: usage, description, and every flag with its range and default.
std::string help_text(const Command& command);

}  // namespace ganforge::cli
