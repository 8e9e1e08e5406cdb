// find_checkpoint on a run folder whose latest_checkpoint holds arbitrary bytes: either the
// run's one checkpoint folder, named exactly as save_checkpoint names it (never a path that
// leaves checkpoints/), or a CheckpointError. Anything else — a crash, a sanitizer report,
// another exception — is a finding.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "gan/train/checkpoint.h"

namespace fs = std::filesystem;

namespace {

// A run folder with one (empty) checkpoint folder, step 3, removed when the fuzzer exits.
struct Run {
  fs::path folder = fs::temp_directory_path() / ("fuzz_latest_checkpoint-" + std::to_string(getpid()));
  fs::path checkpoint = folder / "checkpoints" / "step-00000003";
  Run() {
    fs::create_directories(checkpoint);
    std::ofstream(checkpoint / "state.json") << "{}";
  }
  ~Run() {
    std::error_code ignored;
    fs::remove_all(folder, ignored);
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ganforge::gan;
  static Run run;
  const std::string text(reinterpret_cast<const char*>(data), size);
  {
    std::ofstream out(run.folder / "latest_checkpoint", std::ios::binary | std::ios::trunc);
    out << text;
    if (!out) std::abort();  // the harness, not the reader, failed
  }
  try {
    const int64_t step = parse_latest_checkpoint(text, "latest_checkpoint");
    char name[64];
    std::snprintf(name, sizeof name, "checkpoints/step-%08lld", static_cast<long long>(step));
    if (step < 0 || (text != name && text != std::string(name) + "\n")) std::abort();
  } catch (const CheckpointError&) {
  }
  try {
    if (find_checkpoint(run.folder) != run.checkpoint) std::abort();
  } catch (const CheckpointError&) {
  }
  return 0;
}
