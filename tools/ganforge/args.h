// Command-line flags of the form `--name value` (or `--name=value`), switches (`--resume`)
// and positional arguments, validated up front so that a bad flag gives one clear error
// naming it and the expected form.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace ganforge::cli {

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct ArgSpec {
  std::map<std::string, std::string> flags;  // flag (without "--") -> its value's form
  std::set<std::string> switches = {};       // flags that take no value
  size_t min_positional = 0, max_positional = 0;
  std::string positional = "";               // what the positional arguments are, for errors
};

class Args {
 public:
  Args(const std::vector<std::string>& argv, const ArgSpec& spec) {
    for (size_t i = 0; i < argv.size(); ++i) {
      const std::string& arg = argv[i];
      if (arg.rfind("--", 0) != 0) {
        if (positional_.size() >= spec.max_positional)
          throw UsageError("unexpected argument '" + arg + "'" + (spec.max_positional ? "; expected " + spec.positional : ""));
        positional_.push_back(arg);
        continue;
      }
      std::string name = arg.substr(2), value;
      const size_t eq = name.find('=');
      if (eq != std::string::npos) {
        value = name.substr(eq + 1);
        name = name.substr(0, eq);
      }
      if (spec.switches.count(name)) {
        if (eq != std::string::npos) throw UsageError("--" + name + " takes no value");
        switches_.insert(name);
        continue;
      }
      if (spec.flags.find(name) == spec.flags.end()) {
        std::string list;
        for (const auto& [flag, what] : spec.flags) list += " --" + flag;
        for (const std::string& flag : spec.switches) list += " --" + flag;
        throw UsageError("unknown flag --" + name + "; this command accepts:" + (list.empty() ? " no flags" : list));
      }
      if (eq == std::string::npos) {
        if (i + 1 >= argv.size()) throw UsageError("--" + name + " needs a value (" + spec.flags.at(name) + ")");
        value = argv[++i];
      }
      values_[name] = value;
    }
    if (positional_.size() < spec.min_positional) throw UsageError("missing " + spec.positional);
  }

  const std::vector<std::string>& positional() const { return positional_; }
  bool has(const std::string& name) const { return values_.count(name) > 0; }
  bool flag(const std::string& name) const { return switches_.count(name) > 0; }

  std::string text(const std::string& name, const std::string& fallback) const {
    auto it = values_.find(name);
    return it == values_.end() ? fallback : it->second;
  }

  int64_t integer(const std::string& name, int64_t fallback, int64_t min, int64_t max) const {
    auto it = values_.find(name);
    if (it == values_.end()) return fallback;
    try {
      size_t used = 0;
      long long v = std::stoll(it->second, &used);
      if (used == it->second.size() && v >= min && v <= max) return v;
    } catch (const std::exception&) {
    }
    throw UsageError("--" + name + " expects an integer from " + std::to_string(min) + " to " + std::to_string(max) +
                     "; got '" + it->second + "'");
  }

  double number(const std::string& name, double fallback, double min, double max) const {
    auto it = values_.find(name);
    if (it == values_.end()) return fallback;
    try {
      size_t used = 0;
      double v = std::stod(it->second, &used);
      if (used == it->second.size() && v >= min && v <= max) return v;
    } catch (const std::exception&) {
    }
    throw UsageError("--" + name + " expects a number from " + std::to_string(min) + " to " + std::to_string(max) + "; got '" +
                     it->second + "'");
  }

  // One of `choices`.
  std::string choice(const std::string& name, const std::string& fallback, const std::vector<std::string>& choices) const {
    const std::string v = text(name, fallback);
    for (const std::string& c : choices)
      if (v == c) return v;
    std::string list;
    for (const std::string& c : choices) list += (list.empty() ? "" : "|") + c;
    throw UsageError("--" + name + " expects " + list + "; got '" + v + "'");
  }

 private:
  std::map<std::string, std::string> values_;
  std::set<std::string> switches_;
  std::vector<std::string> positional_;
};

}  // namespace ganforge::cli
