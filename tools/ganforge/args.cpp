#include "tools/ganforge/args.h"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace ganforge::cli {
namespace {

template <class T>
bool parse(const std::string& text, T& value) {
  const char* end = text.data() + text.size();
  const auto [stop, error] = std::from_chars(text.data(), end, value);
  return error == std::errc() && stop == end;
}

bool fits(const Kind& kind, const std::string& value) {
  if (const auto* i = std::get_if<Integer>(&kind)) {
    int64_t v = 0;
    return parse(value, v) && v >= i->min && v <= i->max;
  }
  if (const auto* n = std::get_if<Number>(&kind)) {
    double v = 0;
    return parse(value, v) && std::isfinite(v) && (n->above ? v > n->min : v >= n->min) && v <= n->max;
  }
  if (const auto* c = std::get_if<Choice>(&kind)) return std::find(c->values.begin(), c->values.end(), value) != c->values.end();
  return !value.empty();
}

size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::string unknown_flag(const Command& command, const std::string& arg) {
  const std::string name = arg.substr(std::min(arg.find_first_not_of('-'), arg.size()));
  std::string closest;
  size_t best = std::min<size_t>(3, name.size());  // suggest only flags within two edits, and not for every short name
  for (const Section& section : command.sections)
    for (const Flag& flag : section.flags)
      if (const size_t d = edit_distance(name, flag.name); d < best) best = d, closest = flag.name;
  return "unknown flag " + arg + (closest.empty() ? "" : " (did you mean --" + closest + "?)") + "; `ganforge " + command.name +
         " --help` lists its flags";
}

}  // namespace

Args::Args(const std::vector<std::string>& argv, Command command) : command_(std::move(command)) {
  for (size_t i = 0; i < argv.size(); ++i) {
    const std::string& arg = argv[i];
    if (arg.size() < 2 || arg[0] != '-') {
      if (positional_.size() >= command_.max_arguments)
        throw UsageError("unexpected argument '" + arg + "'" +
                         (command_.max_arguments ? "; expected " + command_.arguments + " (" + command_.arguments_help + ")"
                                                 : "; this command takes only flags"));
      positional_.push_back(arg);
      continue;
    }
    if (arg[1] != '-') throw UsageError(unknown_flag(command_, arg));
    std::string name = arg.substr(2), value;
    const size_t eq = name.find('=');
    if (eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    const Flag* flag = command_.find(name);
    if (flag == nullptr) throw UsageError(unknown_flag(command_, "--" + name));
    if (values_.count(name) || switches_.count(name)) throw UsageError("--" + name + " is given twice");
    if (std::holds_alternative<Switch>(flag->kind)) {
      if (eq != std::string::npos) throw UsageError("--" + name + " takes no value");
      switches_.insert(name);
      continue;
    }
    if (eq == std::string::npos && !flag->value_when_alone.empty()) {
      value = flag->value_when_alone;
    } else if (eq == std::string::npos) {
      if (i + 1 >= argv.size()) throw UsageError("--" + name + " needs a value: " + expected(*flag));
      value = argv[++i];
    }
    if (!fits(flag->kind, value)) throw UsageError("--" + name + " expects " + expected(*flag) + "; got '" + value + "'");
    values_[name] = value;
  }
  if (positional_.size() < command_.min_arguments)
    throw UsageError("missing " + command_.arguments + " (" + command_.arguments_help + ")");
}

std::string Args::text(const std::string& name, const std::string& fallback) const {
  auto it = values_.find(name);
  return it == values_.end() ? fallback : it->second;
}

int64_t Args::integer(const std::string& name, int64_t fallback) const {
  int64_t value = fallback;
  if (has(name)) parse(values_.at(name), value);
  return value;
}

double Args::number(const std::string& name, double fallback) const {
  double value = fallback;
  if (has(name)) parse(values_.at(name), value);
  return value;
}

std::string Args::text(const std::string& name) const {
  const Flag* flag = command_.find(name);
  if (flag == nullptr || flag->default_value.empty()) throw std::logic_error("--" + name + " has no default value");
  return text(name, flag->default_value);
}

int64_t Args::integer(const std::string& name) const {
  int64_t value = 0;
  if (!parse(text(name), value)) throw std::logic_error("--" + name + "'s default is not an integer");
  return value;
}

double Args::number(const std::string& name) const {
  double value = 0;
  if (!parse(text(name), value)) throw std::logic_error("--" + name + "'s default is not a number");
  return value;
}

}  // namespace ganforge::cli
