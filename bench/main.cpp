// ganforge_bench: Google Benchmark's runner, with the rooflines it measures or looks up
// printed first and kept in the JSON output's context. Names and counters: bench/measure.h;
// bench/report.py turns --benchmark_out JSON into the tables of bench/RESULTS.md.
// --math=fp32|tf32|bf16 (ours; the others are Google Benchmark's) sets the math mode of the
// convolutions and GEMMs for the whole run (kernels/math_mode.h; a backend that refuses the mode
// skips its benchmarks saying why); the default is fp32.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string>

#include "bench/gpu.h"
#include "bench/machine_peak.h"
#include "kernels/math_mode.h"

namespace {

// Takes --math=MODE out of argv (Google Benchmark rejects flags it does not know) and sets it.
void apply_math_flag(int& argc, char** argv) {
  constexpr const char* prefix = "--math=";
  int kept = 1;
  for (int i = 1; i < argc; ++i)
    if (std::strncmp(argv[i], prefix, std::strlen(prefix)) == 0)
      ganforge::kernels::set_math(ganforge::kernels::parse_math(argv[i] + std::strlen(prefix)));
    else
      argv[kept++] = argv[i];
  argc = kept;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    apply_math_flag(argc, argv);
  } catch (const std::invalid_argument& e) {
    std::fprintf(stderr, "ganforge_bench: --math: %s\n", e.what());
    return 1;
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  const auto& cpu = ganforge::bench::machine_peak();
  std::printf("measured roofline: %.1f GFLOP/s f32 FMA (one core), %.1f GB/s copy (one core)\n", cpu.gflops, cpu.gbytes_per_s);
  benchmark::AddCustomContext("cpu_core_peak_gflops", std::to_string(cpu.gflops));
  benchmark::AddCustomContext("cpu_core_peak_gbytes_per_s", std::to_string(cpu.gbytes_per_s));
  const ganforge::kernels::MathMode math = ganforge::kernels::current_math();
  std::printf("math mode of the GPU convolutions and GEMMs: %s\n", ganforge::kernels::math_name(math));
  benchmark::AddCustomContext("math", ganforge::kernels::math_name(math));
  const auto& gpu = ganforge::bench::gpu_peak();
  if (!gpu.device.empty()) {
    if (gpu.gflops > 0)
      std::printf("%s roofline: %.0f GFLOP/s %s, %.0f GB/s (%s)\n", gpu.device.c_str(),
                  ganforge::bench::gpu_peak_gflops(gpu, math), ganforge::kernels::math_name(math), gpu.gbytes_per_s,
                  gpu.source.c_str());
    else
      std::printf("%s is not in bench/gpu.cpp's table: GPU benchmarks get no roofline fraction\n", gpu.device.c_str());
    benchmark::AddCustomContext("gpu", gpu.device);
    benchmark::AddCustomContext("gpu_peak_gflops", std::to_string(ganforge::bench::gpu_peak_gflops(gpu, math)));
    benchmark::AddCustomContext("gpu_peak_gbytes_per_s", std::to_string(gpu.gbytes_per_s));
    benchmark::AddCustomContext("gpu_peak_source", gpu.source);
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
