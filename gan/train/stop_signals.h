// Ctrl-C (SIGINT) and SIGTERM while training: the first asks the training loop to stop after
// the current step, save a checkpoint and say how to resume; a second one ends the process at
// once (exit status 128 + the signal). The handlers are installed while a StopSignals lives
// and the previous ones restored after; a signal that was ignored (a background job's SIGINT)
// stays ignored.
#pragma once

namespace ganforge::gan {

class StopSignals {
 public:
  // `announce`: say so on stderr when a signal arrives (only rank 0 of a data-parallel job does).
  explicit StopSignals(bool announce = true);
  ~StopSignals();
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

  // The signal that asked training to stop (SIGINT, SIGTERM), or 0.
  int requested() const;
};

}  // namespace ganforge::gan
