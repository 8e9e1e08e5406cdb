// ganforge_bench: Google Benchmark's runner, with the rooflines it measures or looks up
// printed first and kept in the JSON output's context. Names and counters: bench/measure.h;
// bench/report.py turns --benchmark_out JSON into the tables of bench/RESULTS.md.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <string>

#include "bench/gpu.h"
#include "bench/machine_peak.h"

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  const auto& cpu = ganforge::bench::machine_peak();
  std::printf("measured roofline: %.1f GFLOP/s f32 FMA (one core), %.1f GB/s copy (one core)\n", cpu.gflops, cpu.gbytes_per_s);
  benchmark::AddCustomContext("cpu_core_peak_gflops", std::to_string(cpu.gflops));
  benchmark::AddCustomContext("cpu_core_peak_gbytes_per_s", std::to_string(cpu.gbytes_per_s));
  const auto& gpu = ganforge::bench::gpu_peak();
  if (!gpu.device.empty()) {
    if (gpu.gflops > 0)
      std::printf("%s roofline: %.0f GFLOP/s f32, %.0f GB/s (%s)\n", gpu.device.c_str(), gpu.gflops, gpu.gbytes_per_s, gpu.source.c_str());
    else
      std::printf("%s is not in bench/gpu.cpp's table: GPU benchmarks get no roofline fraction\n", gpu.device.c_str());
    benchmark::AddCustomContext("gpu", gpu.device);
    benchmark::AddCustomContext("gpu_peak_gflops", std::to_string(gpu.gflops));
    benchmark::AddCustomContext("gpu_peak_gbytes_per_s", std::to_string(gpu.gbytes_per_s));
    benchmark::AddCustomContext("gpu_peak_source", gpu.source);
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
