// A command line read against its command's table (command.h): flags `--name value` (or
// `--name=value`), switches (`--resume`) and positional arguments. Every value is checked
// when the line is read, so a bad one is one UsageError naming the flag and its expected form
// before any work starts.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "tools/ganforge/command.h"

namespace ganforge::cli {

class Args {
 public:
  Args(const std::vector<std::string>& argv, Command command);

  const std::vector<std::string>& positional() const { return positional_; }
  bool has(const std::string& name) const { return values_.count(name) > 0; }
  bool flag(const std::string& name) const { return switches_.count(name) > 0; }

  // The given value, else the table's default (the flag must have one)...
  std::string text(const std::string& name) const;
  int64_t integer(const std::string& name) const;
  double number(const std::string& name) const;
  // ... or else `fallback`, for defaults the table describes in words.
  std::string text(const std::string& name, const std::string& fallback) const;
  int64_t integer(const std::string& name, int64_t fallback) const;
  double number(const std::string& name, double fallback) const;

 private:
  Command command_;
  std::map<std::string, std::string> values_;
  std::set<std::string> switches_;
  std::vector<std::string> positional_;
};

}  // namespace ganforge::cli
