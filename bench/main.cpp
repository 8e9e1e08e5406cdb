// ganforge_bench: Google Benchmark's runner plus a closing table that pairs every GANForge
// measurement with the vendor one of the same name (".../ganforge" with ".../onednn"), so
// the ratio always comes from one run on one machine.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <map>
#include <string>

#include "bench/machine_peak.h"

namespace {

// Console output as usual, and every run's items/s kept for the ratio table.
class RatioReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& run : runs) {
      if (run.run_type != Run::RT_Iteration || run.error_occurred) continue;
      auto rate = run.counters.find("GFLOP/s");
      const bool bandwidth = rate == run.counters.end();
      if (bandwidth) rate = run.counters.find("GB/s");
      std::string name = run.benchmark_name();
      const std::string real_time = "/real_time";
      if (name.size() > real_time.size() && name.compare(name.size() - real_time.size(), real_time.size(), real_time) == 0)
        name.resize(name.size() - real_time.size());
      if (rate != run.counters.end()) rates_[name] = {rate->second.value, bandwidth};
    }
    ConsoleReporter::ReportRuns(runs);
  }

  void PrintRatios() const {
    bool header = false;
    for (const auto& [name, measured] : rates_) {
      const double rate = measured.value;
      const std::string suffix = "/ganforge";
      if (name.size() < suffix.size() || name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0) continue;
      const std::string stem = name.substr(0, name.size() - suffix.size());
      auto vendor = rates_.find(stem + "/onednn");
      if (vendor == rates_.end()) continue;
      if (!header) {
        std::printf("\n%-62s %10s %10s %7s %9s\n", "layer/pass/threads (GFLOP/s or GB/s)", "ganforge", "onednn", "ratio",
                    "of peak");
        header = true;
      }
      // the roofline of a run scales with the cores it used
      const size_t at = stem.find("threads:");
      const double threads = at == std::string::npos ? 1.0 : std::stod(stem.substr(at + 8));
      const auto& peak = ganforge::bench::machine_peak();
      const double roof = threads * (measured.bandwidth ? peak.gbytes_per_s : peak.gflops);
      std::printf("%-62s %10.1f %10.1f %7.2f %8.0f%%\n", stem.c_str(), rate, vendor->second.value,
                  rate / vendor->second.value, 100 * rate / roof);
    }
  }

 private:
  struct Rate {
    double value;
    bool bandwidth;  // GB/s rather than GFLOP/s
  };
  std::map<std::string, Rate> rates_;
};

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  const auto& peak = ganforge::bench::machine_peak();
  std::printf("measured roofline: %.1f GFLOP/s f32 FMA (one core), %.1f GB/s copy (one core)\n", peak.gflops,
              peak.gbytes_per_s);
  RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  reporter.PrintRatios();
  benchmark::Shutdown();
  return 0;
}
