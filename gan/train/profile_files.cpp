#include "gan/train/profile_files.h"

#include <nlohmann/json.hpp>

#include "nn/atomic_file.h"

namespace ganforge::gan {

std::string profile_text(const std::string& title, const ProfileTable& table) { return title + "\n" + format_profile(table); }

void write_profile_files(const std::filesystem::path& run, const std::string& title, const ProfileTable& table) {
  nlohmann::ordered_json rows = nlohmann::ordered_json::array();
  for (const ProfileRow& row : table.rows)
    rows.push_back({{"name", row.name}, {"calls", row.calls}, {"seconds", row.seconds}, {"bytes", row.bytes}, {"flops", row.flops}});
  const nlohmann::ordered_json json = {{"title", title}, {"seconds", table.seconds}, {"rows", rows}};
  nn::write_file_atomically((run / "profile.txt").string(), profile_text(title, table));
  nn::write_file_atomically((run / "profile.json").string(), json.dump(2) + "\n");
}

}  // namespace ganforge::gan
