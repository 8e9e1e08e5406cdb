// The roofline of this machine, measured at start-up rather than assumed: single-core
// FMA throughput (f32) and memory bandwidth of a large copy.
#pragma once

namespace ganforge::bench {

struct MachinePeak {
  double gflops = 0;           // f32, one core
  double gbytes_per_s = 0;     // read + write of a 256 MiB copy, one core
};

const MachinePeak& machine_peak();

}  // namespace ganforge::bench
