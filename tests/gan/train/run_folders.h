// What the tests that run the `ganforge` binary or build run folders share: scratch folders of
// the test process (ctest runs test cases in parallel processes, so a fixed name would let one
// remove another's), a tiny MNIST-format data set, whole-file reads and writes, and running the
// binary (GANFORGE_CLI, defined by tests/gan/CMakeLists.txt for the executables that run it).
#pragma once

#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <string>

namespace ganforge::testing {

// <TempDir>/ganforge_<pid>_<name>, new and empty; removed when the process exits.
std::filesystem::path scratch_folder(const std::string& name);

// 32 MNIST-format 28x28 training images (blobs of 10 sizes) with labels 0..9, written once per
// process: 4 steps an epoch at --batch 8.
std::filesystem::path tiny_mnist();

std::string read_text(const std::filesystem::path& path);
void write_text(const std::filesystem::path& path, const std::string& bytes);

struct Outcome {
  int status;          // the exit status, or -1 when it did not exit
  std::string output;  // stdout and stderr together
};

// Runs `PROGRAM ARGUMENTS` through the shell.
inline Outcome run_ganforge_with(const std::string& program, const std::string& arguments) {
  const std::string command = program + " " + arguments + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return {-1, "cannot run " + command};
  std::string output;
  char buffer[4096];
  while (size_t n = fread(buffer, 1, sizeof buffer, pipe)) output.append(buffer, n);
  const int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

#ifdef GANFORGE_CLI
// Runs `ganforge ARGUMENTS` through the shell.
inline Outcome run_ganforge(const std::string& arguments) { return run_ganforge_with(GANFORGE_CLI, arguments); }
#endif

}  // namespace ganforge::testing
