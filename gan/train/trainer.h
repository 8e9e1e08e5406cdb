// The training loop shared by every model: data loading, the recipe's steps, a live progress
// line, JSON-lines logs and a loss curve, sample sheets, and checkpoints that resume exactly.
//
// A run folder holds: options.json, log.jsonl (one JSON object per logged step),
// loss_curve.png, samples/*.png, checkpoints/ and latest_checkpoint (see checkpoint.h), and
// after a profiled run profile.txt and profile.json.
#pragma once

#include <filesystem>
#include <iosfwd>
#include <optional>
#include <stdexcept>

#include "gan/train/options.h"
#include "gan/train/recipe.h"

namespace ganforge::gan {

// A loss became NaN or infinite: training stopped, the last good checkpoint is kept.
struct TrainingDiverged : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct TrainResult {
  int64_t steps = 0;
  std::filesystem::path checkpoint;  // the final one
  StepValues last;                   // the last step's values
  int exit_status = 0;               // 0, or 128 + the signal that stopped training early (130: SIGINT, 143: SIGTERM)
};

// Trains from scratch, or continues from `resume` (a checkpoint folder: its state, with the
// given options, which may extend the run). Progress goes to `out`: a line redrawn in place
// when it is a terminal, plain lines every log_every steps otherwise. Under mpirun (dist/), rank
// 0 alone prints (plain lines) and writes the run folder; every rank trains its replica.
// While it runs, the run folder is locked (run_lock.h), and SIGINT or SIGTERM stops training
// after the current step with a checkpoint (stop_signals.h). Any error during training (a
// failed write, a full disk) stops it with a message naming the step and the last good
// checkpoint, which is never replaced by a failed or diverged one (divergence.h).
// With `profile_steps`, the training steps (recipe.train_step) after the first of this call, up
// to that many, are profiled (core/profiler.h); the table goes to `out`, profile.txt and
// profile.json once training ends (profile_files.h).
TrainResult train(const TrainOptions& options, std::ostream& out,
                  const std::optional<std::filesystem::path>& resume = std::nullopt, int64_t profile_steps = 0);

}  // namespace ganforge::gan
