// oneDNN's batch normalisation (training forward, or backward with dgamma and dbeta) on an
// NCHW f32 tensor: the yardstick for the cpu backend's batch norm.
#pragma once

#include <cstdint>
#include <memory>

namespace ganforge::bench {

class OnednnBatchNorm {
 public:
  OnednnBatchNorm(int64_t n, int64_t c, int64_t h, int64_t w, bool backward);
  ~OnednnBatchNorm();
  void run();  // one execution, waited for

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace ganforge::bench
