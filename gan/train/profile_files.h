// What `ganforge train --profile` leaves in the run folder: profile.txt, the table as printed
// (core/profiler.h's format_profile under a title line), and profile.json, its numbers for
// scripts. Both are written atomically; a failed write throws naming the file.
#pragma once

#include <filesystem>
#include <string>

#include "core/profiler.h"

namespace ganforge::gan {

// The title line, then the table.
std::string profile_text(const std::string& title, const ProfileTable& table);
void write_profile_files(const std::filesystem::path& run, const std::string& title, const ProfileTable& table);

}  // namespace ganforge::gan
