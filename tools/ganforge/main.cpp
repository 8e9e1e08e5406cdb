// ganforge: the command-line program. One binary: inspect the build, train, sample.
#include <algorithm>
#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include "core/ganforge.h"
#include "dist/process_group.h"
#include "tools/ganforge/commands.h"

namespace {

using namespace ganforge::cli;

Command info_command() {
  return {.name = "info",
          .summary = "version, build type, SIMD level, compiled-in backends, visible devices, MPI and NCCL",
          .description = "Prints the version, the build type, the SIMD level, which backends are compiled in (reference, "
                         "cpu, cuda, cuda-sim), which devices are visible, and whether data-parallel training "
                         "(mpirun) has MPI and NCCL."};
}

int info(const Args&) {
  using namespace ganforge;
  std::cout << "GANForge " << version() << "\n"
            << "build type:  " << build_type() << "\n"
            << "SIMD:        " << simd_level() << "\n"
            << "backends:\n";
  for (const BackendStatus& s : backend_statuses())
    std::cout << "  " << s.name << std::string(11 - s.name.size(), ' ') << (s.compiled ? "yes" : "no ")
              << (s.note.empty() ? "" : "  (" + s.note + ")") << "\n";
  std::cout << "devices:\n";
  for (const std::string& d : visible_devices()) std::cout << "  " << d << "\n";
  std::cout << "kernels in use on cpu: " << current_kernels(DeviceType::CPU) << "\n"
            << "data-parallel (mpirun): MPI "
            << (dist::built_with_mpi() ? "yes" : "no (apt-get install libopenmpi-dev openmpi-bin, then rebuild)") << ", NCCL "
            << (dist::built_with_nccl() ? "yes" : "no (GPU gradients go through host copies)") << "\n";
  return 0;
}

struct Entry {
  Command (*command)();
  int (*run)(const Args&);
};

const std::vector<Entry> kCommands = {{train_command, train},   {sample_command, sample}, {translate_command, translate},
                                      {eval_command, eval},     {train_classifier_command, train_classifier},
                                      {info_command, info},     {gpu_resources_command, gpu_resources},
                                      {demo_command, demo_mlp}};

const Entry* find(const std::string& name) {
  for (const Entry& entry : kCommands)
    if (entry.command().name == name) return &entry;
  return nullptr;
}

std::string overview() {
  std::vector<std::pair<std::string, std::string>> lines;  // (command and arguments, summary)
  for (const Entry& entry : kCommands) {
    const Command c = entry.command();
    lines.emplace_back(c.name + (c.arguments.empty() ? "" : " " + c.arguments), c.summary);
  }
  lines.emplace_back("help [COMMAND]", "this text, or COMMAND's flags with their ranges and defaults");
  size_t width = 0;
  for (const auto& [left, summary] : lines) width = std::max(width, left.size());
  std::string text = "usage: ganforge COMMAND [flags]\n\ncommands:\n";
  for (const auto& [left, summary] : lines) text += "  " + left + std::string(width + 2 - left.size(), ' ') + summary + "\n";
  return text + "\n`ganforge COMMAND --help` is `ganforge help COMMAND`; `ganforge --version` prints the version.\n"
                "A usage error exits with status 2, a runtime error with 1.\n";
}

std::string unknown_command(const std::string& name) {
  std::string names;
  for (const Entry& entry : kCommands) names += entry.command().name + ", ";
  return "ganforge: unknown command '" + name + "'; expected " + names + "or help\n";
}

bool asks_for_help(const std::vector<std::string>& args) {
  for (const std::string& arg : args)
    if (arg == "--help" || arg == "-h") return true;
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) {
    std::cerr << overview();
    return 2;
  }
  if (args[0] == "--version") {
    std::cout << "ganforge " << ganforge::version() << "\n";
    return 0;
  }
  if (args[0] == "help" || args[0] == "--help" || args[0] == "-h") {
    if (args.size() == 1) {
      std::cout << overview();
      return 0;
    }
    const Entry* entry = args.size() == 2 ? find(args[1]) : nullptr;
    if (entry == nullptr) {
      std::cerr << (args.size() == 2 ? unknown_command(args[1]) : "ganforge help: expected one COMMAND\n");
      return 2;
    }
    std::cout << help_text(entry->command());
    return 0;
  }
  const Entry* entry = find(args[0]);
  if (entry == nullptr) {
    std::cerr << unknown_command(args[0]);
    return 2;
  }
  const Command command = entry->command();
  args.erase(args.begin());
  if (asks_for_help(args)) {
    std::cout << help_text(command);
    return 0;
  }
  try {
    return entry->run(Args(args, command));
  } catch (const UsageError& e) {
    std::cerr << "ganforge " << command.name << ": " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "ganforge " << command.name << ": error: " << e.what() << "\n";
    return 1;
  }
}
