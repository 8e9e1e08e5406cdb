// The subcommands of ganforge, one function each; argv excludes the command name.
#pragma once

#include <string>
#include <vector>

namespace ganforge::cli {

int demo_mlp(const std::vector<std::string>& argv);
int train(const std::vector<std::string>& argv);
int sample(const std::vector<std::string>& argv);
int translate(const std::vector<std::string>& argv);

}  // namespace ganforge::cli
