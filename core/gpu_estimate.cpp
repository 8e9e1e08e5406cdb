#include "core/gpu_estimate.h"

#include <algorithm>
#include <cstdio>

#include "kernels/emulator_counters.h"

namespace ganforge {
namespace {

struct Bound {
  double seconds;
  const char* limit;  // "compute", "memory" or "launch"
};

Bound bound(double flops, double peak_flops_per_second, double bytes, double launches, const GpuSpec& gpu) {
  const double compute = flops / peak_flops_per_second, memory = bytes / gpu.dram_bytes_per_second,
               launch = launches * kLaunchSeconds;
  if (launch >= compute && launch >= memory) return {launch, "launch"};
  return compute >= memory ? Bound{compute, "compute"} : Bound{memory, "memory"};
}

// "   123.4 m": microseconds and the first letter of what sets them.
std::string gpu_cell(double seconds, const char* limit) {
  char text[32];
  std::snprintf(text, sizeof text, " %10.1f %c", seconds * 1e6, limit[0]);
  return text;
}

std::string number(double value, const char* format) {
  char text[32];
  std::snprintf(text, sizeof text, format, value);
  return text;
}

}  // namespace

const std::vector<GpuSpec>& gpu_datasheets() {
  // Dense tensor-core figures are half the datasheets' "with sparsity" ones. The first match
  // wins, so the NVL and PCIe variants come before the SXM ones their names contain.
  static const std::vector<GpuSpec> table = {
      // NVIDIA H200 Tensor Core GPU datasheet: NVL 60 TFLOPS FP32, TF32 835 / BF16 1,671 with
      // sparsity, 4.8 TB/s; SXM 67 TFLOPS FP32, TF32 989 / BF16 1,979 with sparsity, 4.8 TB/s
      {"H200 NVL", 60e12, 417.5e12, 835.5e12, 4.8e12, "H200 NVL", "NVIDIA H200 datasheet, H200 NVL column"},
      {"H200", 67e12, 494.5e12, 989.5e12, 4.8e12, "H200", "NVIDIA H200 datasheet, H200 SXM column"},
      // NVIDIA H100 Tensor Core GPU datasheet: NVL 60 TFLOPS FP32, TF32 835 / BF16 1,671 with
      // sparsity, 3.9 TB/s; PCIe 51, 756 / 1,513, 2.0 TB/s; SXM ("NVIDIA H100 80GB HBM3") 67,
      // 989 / 1,979, 3.35 TB/s
      {"H100 NVL", 60e12, 417.5e12, 835.5e12, 3.9e12, "H100 NVL", "NVIDIA H100 datasheet, H100 NVL column"},
      {"H100 PCIe", 51e12, 378e12, 756.5e12, 2.0e12, "H100 PCIe", "NVIDIA H100 datasheet, H100 PCIe column"},
      {"H100", 67e12, 494.5e12, 989.5e12, 3.35e12, "H100", "NVIDIA H100 datasheet, H100 SXM column"},
      // NVIDIA A100 Tensor Core GPU datasheet: 19.5 TFLOPS FP32, TF32 156 / BF16 312 dense;
      // 80GB SXM 2.039 TB/s, 80GB PCIe 1.935 TB/s, 40GB (SXM and PCIe) 1.555 TB/s
      {"A100 80GB SXM", 19.5e12, 156e12, 312e12, 2.039e12, "A100-SXM4-80GB",
       "NVIDIA A100 datasheet, A100 80GB SXM column"},
      {"A100 80GB PCIe", 19.5e12, 156e12, 312e12, 1.935e12, "A100 80GB PCIe",
       "NVIDIA A100 datasheet, A100 80GB PCIe column"},
      {"A100", 19.5e12, 156e12, 312e12, 1.555e12, "A100", "NVIDIA A100 datasheet, A100 40GB columns"},
  };
  return table;
}

const GpuSpec* find_gpu(const std::string& device_name) {
  for (const GpuSpec& gpu : gpu_datasheets())
    if (device_name.find(gpu.match) != std::string::npos) return &gpu;
  return nullptr;
}

const std::vector<GpuSpec>& datacenter_gpus() {
  static const std::vector<GpuSpec> gpus = {*find_gpu("H100"), *find_gpu("H200")};
  return gpus;
}

double GpuSpec::flops_per_second(const std::string& primitive, MathMode math) const {
  const bool follows_math = primitive.starts_with("conv2d_") || primitive == "gemm";
  if (!follows_math || math == MathMode::Fp32) return fp32_flops_per_second;
  return math == MathMode::Tf32 ? tf32_flops_per_second : bf16_flops_per_second;
}

std::string emulator_kernel_report() { return kernels::emulator_kernel_report(); }

std::string format_gpu_estimate(const ProfileTable& table, int64_t steps, MathMode math) {
  const double per_step = 1.0 / static_cast<double>(std::max<int64_t>(1, steps));
  std::vector<const ProfileRow*> rows;
  for (const ProfileRow& row : table.rows)
    if (row.launches > 0) rows.push_back(&row);
  const auto& gpus = datacenter_gpus();
  // the longest first; ties by name, so the table reads the same on every machine
  std::sort(rows.begin(), rows.end(), [&](const ProfileRow* a, const ProfileRow* b) {
    const double
        ta = bound(a->flops, gpus[0].flops_per_second(a->name, math), a->dram_bytes, a->launches, gpus[0]).seconds,
        tb = bound(b->flops, gpus[0].flops_per_second(b->name, math), b->dram_bytes, b->launches, gpus[0]).seconds;
    return ta != tb ? ta > tb : a->name < b->name;
  });
  size_t width = std::string("all primitives (lower bound)").size();
  for (const ProfileRow* row : rows) width = std::max(width, row->name.size());
  const int w = static_cast<int>(width);
  std::string text = std::string("GPU estimate per step, from the emulator's counts, math ") + math_name(math) +
                     ": DRAM = distinct bytes, " + number(kLaunchSeconds * 1e6, "%.0f") + " us a launch";
  for (const GpuSpec& gpu : gpus) {
    const std::string tensor_cores = math == MathMode::Fp32
                                         ? ""
                                         : " (convolutions and GEMM " +
                                               number(gpu.flops_per_second("gemm", math) * 1e-12, "%.1f") + " " +
                                               math_name(math) + ")";
    text += "; " + gpu.name + " " + number(gpu.fp32_flops_per_second * 1e-12, "%.0f") + " TFLOP/s FP32" + tensor_cores +
            ", " + number(gpu.dram_bytes_per_second * 1e-12, "%.2f") + " TB/s";
  }
  text += "\n";
  char line[512];
  std::snprintf(line, sizeof line, "%-*s %8s %9s %9s %9s %9s %7s", w, "primitive", "launches", "GFLOP", "min MB",
                "L2 MB", "DRAM MB", "FLOP/B");
  text += line;
  for (const GpuSpec& gpu : gpus) {
    std::snprintf(line, sizeof line, " %10s  ", (gpu.name + " us").c_str());
    text += line;
  }
  text.erase(text.find_last_not_of(' ') + 1);
  text += "\n";
  double launches = 0, flops = 0, min_bytes = 0, l2 = 0, dram = 0;
  std::vector<double> estimate(gpus.size()), lower(gpus.size());
  for (const ProfileRow* row : rows) {
    const double f = row->flops * per_step, b = row->bytes * per_step, d = row->dram_bytes * per_step,
                 n = row->launches * per_step;
    std::snprintf(line, sizeof line, "%-*s %8.0f %9.3f %9.2f %9.2f %9.2f %7s", w, row->name.c_str(), n, f * 1e-9,
                  b * 1e-6, row->l2_bytes * per_step * 1e-6, d * 1e-6,
                  d > 0 && f > 0 ? number(f / d, "%.1f").c_str() : "-");
    text += line;
    for (size_t g = 0; g < gpus.size(); ++g) {
      const double peak = gpus[g].flops_per_second(row->name, math);
      const Bound e = bound(f, peak, d, n, gpus[g]);
      estimate[g] += e.seconds;
      lower[g] += bound(f, peak, b, 0, gpus[g]).seconds;
      text += gpu_cell(e.seconds, e.limit);
    }
    text += "\n";
    launches += n;
    flops += f;
    min_bytes += b;
    l2 += row->l2_bytes * per_step;
    dram += d;
  }
  std::snprintf(line, sizeof line, "%-*s %8.0f %9.3f %9.2f %9.2f %9.2f %7s", w, "all primitives", launches,
                flops * 1e-9, min_bytes * 1e-6, l2 * 1e-6, dram * 1e-6,
                dram > 0 ? number(flops / dram, "%.1f").c_str() : "-");
  text += line;
  for (double s : estimate) text += gpu_cell(s, " ");
  text.erase(text.find_last_not_of(' ') + 1);
  text += "\n";
  std::snprintf(line, sizeof line, "%-*s %8s %9s %9s %9s %9s %7s", w, "all primitives (lower bound)", "", "", "", "",
                "", "");
  text += line;
  for (double s : lower) text += gpu_cell(s, " ");
  text.erase(text.find_last_not_of(' ') + 1);
  text +=
      "\n(us: the bound, then what sets it: c compute, m memory, l launches; the lower bound moves each operand "
      "once and pays no launches)\n";
  return text;
}

}  // namespace ganforge
