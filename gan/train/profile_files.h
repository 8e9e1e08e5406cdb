// What `ganforge train --profile` leaves in the run folder: profile.txt, the table as printed
// (core/profiler.h's format_profile under a title line), and profile.json, its numbers for
// scripts; on cuda-sim also gpu_estimate.txt (core/gpu_estimate.h's table) and
// emulator_kernels.txt (each kernel's memory counters, and its occupancy at its launch
// configuration: core/gpu_resources.h). All are written atomically; a failed
// write throws naming the file.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "core/dispatch.h"
#include "core/profiler.h"

namespace ganforge::gan {

// The title line, then the table.
std::string profile_text(const std::string& title, const ProfileTable& table);
void write_profile_files(const std::filesystem::path& run, const std::string& title, const ProfileTable& table);
// Writes gpu_estimate.txt and emulator_kernels.txt for `steps` profiled steps of a run in math
// mode `math`; returns the estimate as written (the title line, then the table).
std::string write_gpu_estimate_files(const std::filesystem::path& run, const std::string& title,
                                     const ProfileTable& table, int64_t steps, MathMode math);

}  // namespace ganforge::gan
