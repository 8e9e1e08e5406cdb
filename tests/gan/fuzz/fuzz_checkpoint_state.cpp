// parse_checkpoint_state (what read_checkpoint_state makes of a state.json) on arbitrary
// bytes: either a state that fits a run (step >= 0, steps_per_epoch >= 1, options that
// round-trip through their JSON) or a CheckpointError. Anything else — a crash, a sanitizer
// report, another exception, an allocation beyond -malloc_limit_mb — is a finding.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "gan/train/checkpoint.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ganforge::gan;
  try {
    const CheckpointState state = parse_checkpoint_state(std::string(reinterpret_cast<const char*>(data), size), "state.json");
    const std::string options = options_to_json(state.options);
    if (state.step < 0 || state.steps_per_epoch < 1 || options_to_json(options_from_json(options)) != options) std::abort();
  } catch (const CheckpointError&) {
  }
  return 0;
}
