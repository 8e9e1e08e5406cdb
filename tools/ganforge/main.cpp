// ganforge: the command-line program. One binary: inspect the build, train, sample.
#include <cstdio>
#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include "core/ganforge.h"
#include "tools/ganforge/args.h"
#include "tools/ganforge/commands.h"

namespace {

const char* kUsage = R"(usage: ganforge <command> [flags]

commands:
  info    version, build type, SIMD level, compiled-in backends and visible devices
  demo    train a small MLP with the engine on a synthetic 3-class spiral problem
          --steps N      training steps (default 600)
          --seed S       seed for data and weights (default 0)
          --kernels K    backend for the CPU ops: cpu (default) or reference
  help    this text
)";

int info() {
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
  std::cout << "kernels in use on cpu: " << current_kernels(DeviceType::CPU) << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "help" || args[0] == "--help" || args[0] == "-h") {
    std::cout << kUsage;
    return args.empty() ? 2 : 0;
  }
  const std::string command = args[0];
  args.erase(args.begin());
  try {
    if (command == "info") {
      ganforge::cli::Args parsed(args, {});
      return info();
    }
    if (command == "demo") return ganforge::cli::demo_mlp(args);
    std::cerr << "ganforge: unknown command '" << command << "'\n\n" << kUsage;
    return 2;
  } catch (const ganforge::cli::UsageError& e) {
    std::cerr << "ganforge " << command << ": " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "ganforge " << command << ": error: " << e.what() << "\n";
    return 1;
  }
}
