// The subcommands of ganforge: each one's table of arguments and flags (what --help prints
// and the parser checks), and the function that runs it on a command line read against it.
#pragma once

#include "tools/ganforge/args.h"
#include "tools/ganforge/command.h"

namespace ganforge::cli {

Command train_command();
int train(const Args& args);
Command sample_command();
int sample(const Args& args);
Command translate_command();
int translate(const Args& args);
Command demo_command();
int demo_mlp(const Args& args);
Command train_classifier_command();
int train_classifier(const Args& args);
Command eval_command();
int eval(const Args& args);
Command gpu_resources_command();
int gpu_resources(const Args& args);

}  // namespace ganforge::cli
