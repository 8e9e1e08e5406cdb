#include "gan/train/profile_files.h"

#include <nlohmann/json.hpp>

#include "core/gpu_estimate.h"
#include "core/gpu_resources.h"
#include "nn/atomic_file.h"

namespace ganforge::gan {

std::string profile_text(const std::string& title, const ProfileTable& table) { return title + "\n" + format_profile(table); }

void write_profile_files(const std::filesystem::path& run, const std::string& title, const ProfileTable& table) {
  nlohmann::ordered_json rows = nlohmann::ordered_json::array();
  for (const ProfileRow& row : table.rows)
    rows.push_back({{"name", row.name}, {"calls", row.calls}, {"seconds", row.seconds}, {"bytes", row.bytes}, {"flops", row.flops},
                    {"launches", row.launches}, {"l2_bytes", row.l2_bytes}, {"dram_bytes", row.dram_bytes}});
  const nlohmann::ordered_json json = {{"title", title}, {"seconds", table.seconds}, {"rows", rows}};
  nn::write_file_atomically((run / "profile.txt").string(), profile_text(title, table));
  nn::write_file_atomically((run / "profile.json").string(), json.dump(2) + "\n");
}

std::string write_gpu_estimate_files(const std::filesystem::path& run, const std::string& title,
                                     const ProfileTable& table, int64_t steps, MathMode math) {
  const std::string estimate = title + "\n" + format_gpu_estimate(table, steps, math);
  nn::write_file_atomically((run / "gpu_estimate.txt").string(), estimate);
  nn::write_file_atomically((run / "emulator_kernels.txt").string(),
                            title + "\n" + emulator_kernel_report() + "\n" + format_launch_occupancy());
  return estimate;
}

}  // namespace ganforge::gan
