#include "tools/ganforge/command.h"

#include <cmath>
#include <cstdio>
#include <sstream>

namespace ganforge::cli {
namespace {

constexpr size_t kWidth = 100, kFlagColumn = 28;

template <class... F>
struct Overloaded : F... {
  using F::operator()...;
};
template <class... F>
Overloaded(F...) -> Overloaded<F...>;

// "1 to 4096", "at least 1", "above 0", "0 to 0.5": how a help line shows a number's range.
std::string range(const Kind& kind) {
  return std::visit(
      Overloaded{[](const Integer& i) {
                   return i.max == kNoLimit ? "at least " + std::to_string(i.min)
                                            : std::to_string(i.min) + " to " + std::to_string(i.max);
                 },
                 [](const Number& n) {
                   const bool bounded = std::isfinite(n.max);
                   if (n.above) return "above " + format_number(n.min) + (bounded ? ", at most " + format_number(n.max) : "");
                   return bounded ? format_number(n.min) + " to " + format_number(n.max) : "at least " + format_number(n.min);
                 },
                 [](const auto&) { return std::string(); }},
      kind);
}

std::string join(const std::vector<std::string>& values, const std::string& separator, const std::string& last) {
  std::string text;
  for (size_t i = 0; i < values.size(); ++i) text += (i == 0 ? "" : i + 1 == values.size() ? last : separator) + values[i];
  return text;
}

// `text` broken into lines of at most kWidth columns, every line after the first indented by `indent`.
std::string wrap(const std::string& text, size_t first_column, size_t indent) {
  std::istringstream words(text);
  std::string out, word;
  size_t column = first_column;
  for (bool first = true; words >> word; first = false) {
    if (!first && column + 1 + word.size() > kWidth) {
      out += '\n';
      out.append(indent, ' ');
      column = indent;
    } else if (!first) {
      out += ' ';
      ++column;
    }
    out += word;
    column += word.size();
  }
  return out;
}

std::string flag_line(const Flag& flag) {
  std::string left = "  --" + flag.name;
  if (const auto* choice = std::get_if<Choice>(&flag.kind))
    left += ' ' + join(choice->values, "|", "|");
  else if (!flag.value_when_alone.empty())
    left += "[=" + flag.form + "]";
  else if (!std::holds_alternative<Switch>(flag.kind))
    left += ' ' + flag.form;
  std::string notes = range(flag.kind);
  if (!flag.default_value.empty()) notes += (notes.empty() ? "" : "; ") + std::string("default: ") + flag.default_value;
  if (!flag.value_when_alone.empty()) notes += std::string(notes.empty() ? "--" : "; --") + flag.name + " alone: " + flag.value_when_alone;
  const std::string right = flag.help + (notes.empty() ? "" : " (" + notes + ")");
  // a long flag gets its text on the next line
  const std::string gap =
      left.size() + 2 > kFlagColumn ? "\n" + std::string(kFlagColumn, ' ') : std::string(kFlagColumn - left.size(), ' ');
  return left + gap + wrap(right, kFlagColumn, kFlagColumn) + "\n";
}

}  // namespace

const Flag* Command::find(const std::string& flag) const {
  for (const Section& section : sections)
    for (const Flag& f : section.flags)
      if (f.name == flag) return &f;
  return nullptr;
}

std::string alternatives(const std::vector<std::string>& values) { return join(values, ", ", " or "); }

std::string format_number(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", value);
  std::string s = text;
  // %g's exponent as people write it: 1e+06 -> 1e6, 1e-05 -> 1e-5
  const size_t e = s.find('e');
  if (e == std::string::npos) return s;
  std::string exponent = s.substr(e + 1);
  const bool negative = exponent[0] == '-';
  exponent.erase(0, exponent.find_first_not_of("+-0"));
  return s.substr(0, e + 1) + (negative ? "-" : "") + exponent;
}

std::string expected(const Flag& flag) {
  return std::visit(Overloaded{[&](const Integer& i) {
                                 return i.max == kNoLimit ? "an integer, " + range(i) : "an integer from " + range(i);
                               },
                               [&](const Number& n) {
                                 const std::string r = range(n);
                                 return r.rfind("at least", 0) == 0 ? "a number, " + r
                                        : n.above                   ? "a number " + r
                                                                    : "a number from " + r;
                               },
                               [](const Choice& c) { return alternatives(c.values); },
                               [&](const Text&) { return flag.form; },
                               [](const Switch&) { return std::string("no value"); }},
                    flag.kind);
}

std::string help_text(const Command& command) {
  std::string text = "usage: ganforge " + command.name + (command.arguments.empty() ? "" : " " + command.arguments) +
                     (command.sections.empty() ? "" : " [flags]") + "\n\n" + wrap(command.description, 0, 0) + "\n";
  if (!command.arguments.empty()) text += '\n' + wrap(command.arguments + ": " + command.arguments_help, 0, 2) + '\n';
  for (const Section& section : command.sections) {
    text += "\n" + section.title + ":\n";
    for (const Flag& flag : section.flags) text += flag_line(flag);
  }
  return text;
}

}  // namespace ganforge::cli
