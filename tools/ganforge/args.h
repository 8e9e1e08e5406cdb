// Command-line flags of the form `--name value` (or `--name=value`), validated up front so
// that a bad flag gives one clear error naming it and the expected form.
#pragma once

#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace ganforge::cli {

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class Args {
 public:
  // `known` maps each accepted flag (without "--") to a short description of its value.
  Args(const std::vector<std::string>& argv, const std::map<std::string, std::string>& known) {
    for (size_t i = 0; i < argv.size(); ++i) {
      const std::string& arg = argv[i];
      if (arg.rfind("--", 0) != 0) throw UsageError("unexpected argument '" + arg + "'");
      std::string name = arg.substr(2), value;
      size_t eq = name.find('=');
      if (eq != std::string::npos) {
        value = name.substr(eq + 1);
        name = name.substr(0, eq);
      } else {
        if (i + 1 >= argv.size()) throw UsageError("--" + name + " needs a value");
        value = argv[++i];
      }
      if (known.find(name) == known.end()) {
        std::string list;
        for (const auto& [flag, what] : known) list += " --" + flag;
        throw UsageError("unknown flag --" + name + "; this command accepts:" + list);
      }
      values_[name] = value;
    }
  }

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

 private:
  std::map<std::string, std::string> values_;
};

}  // namespace ganforge::cli
