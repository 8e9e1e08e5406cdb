// Checkpoints of a training run, each a folder <run>/checkpoints/step-NNNNNNNN/ holding
//   weights.safetensors         every network's state dict, keys "<network>.<key>" ("G.main.0.weight"),
//                               loadable by PyTorch's safetensors;
//   training_state.safetensors  optimizer moments, schedules and other state ("optimizer.G.state.0.exp_avg", ...);
//   state.json                  the run's options, the step, the number of ranks (data-parallel runs)
//                               and the random generator's state.
// A checkpoint is written into a temporary folder and renamed into place, then
// <run>/latest_checkpoint (written atomically) names it; so an interrupted write never
// replaces the last good checkpoint. A checkpoint and the one before it are kept.
//
// Nothing read is trusted (checkpoints are downloaded): latest_checkpoint must hold exactly
// "checkpoints/step-NNNNNNNN", every file must be a regular file of bounded size (no link,
// FIFO or device), the safetensors digests must match, and state.json must fit the run.
// Each problem is one CheckpointError naming the file and what was expected.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>

#include "gan/train/options.h"
#include "gan/train/recipe.h"

namespace ganforge::gan {

struct CheckpointError : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

struct CheckpointState {
  TrainOptions options;
  int64_t step = 0;  // optimisation steps done
  int64_t steps_per_epoch = 0;  // of the data the run trains on (a resume must see the same)
  int64_t world_size = 1;       // data-parallel ranks that trained it (a resume must have as many)
  uint64_t rng_seed = 0, rng_offset = 0;
};

std::filesystem::path save_checkpoint(const std::filesystem::path& run, Recipe& recipe, const CheckpointState& state,
                                      int keep = 2);

// The checkpoint folder `path` names: a checkpoint folder itself, or a run folder (its latest).
std::filesystem::path find_checkpoint(const std::filesystem::path& path);
// state.json; a folder named step-N must hold step N.
CheckpointState read_checkpoint_state(const std::filesystem::path& checkpoint);
// Loads the networks' weights only (sampling, translating), or everything (resuming). The
// recipe must be built from the checkpoint's own options (read_checkpoint_state): weights of
// another model are refused naming both.
void load_weights(const std::filesystem::path& checkpoint, Recipe& recipe);
void load_training_state(const std::filesystem::path& checkpoint, Recipe& recipe);

// The run's best checkpoint by its evaluations (`--eval-every`, gan/train/evaluate.h), in
// <run>/best_checkpoint.json: {"checkpoint": "checkpoints/step-NNNNNNNN", "step": N,
// "metric": NAME, "value": X} (written atomically). save_checkpoint never removes the
// checkpoint it names.
struct BestCheckpoint {
  int64_t step = 0;
  std::string metric;
  double value = 0;
};
void write_best_checkpoint(const std::filesystem::path& run, const BestCheckpoint& best);
// nullopt when the run has none; a CheckpointError naming the file when it is not of that form.
std::optional<BestCheckpoint> read_best_checkpoint(const std::filesystem::path& run);

// The parsers behind find_checkpoint and read_checkpoint_state, on text already read from
// `file` (which the errors name): the step that latest_checkpoint's text names, and state.json.
int64_t parse_latest_checkpoint(const std::string& text, const std::filesystem::path& file);
CheckpointState parse_checkpoint_state(const std::string& text, const std::filesystem::path& file);

}  // namespace ganforge::gan
