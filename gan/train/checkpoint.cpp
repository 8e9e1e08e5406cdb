#include "gan/train/checkpoint.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace fs = std::filesystem;

namespace ganforge::gan {
namespace {

constexpr const char* kLatest = "latest_checkpoint";

std::string step_name(int64_t step) {
  char name[32];
  std::snprintf(name, sizeof name, "step-%08lld", static_cast<long long>(step));
  return name;
}

// The part of `all` under "<prefix>." with the prefix removed.
nn::StateDict under(const nn::StateDict& all, const std::string& prefix) {
  nn::StateDict out;
  for (const auto& [key, t] : all)
    if (key.size() > prefix.size() && key.compare(0, prefix.size() + 1, prefix + ".") == 0) out[key.substr(prefix.size() + 1)] = t;
  return out;
}

void add_under(nn::StateDict& all, const std::string& prefix, const nn::StateDict& part) {
  for (const auto& [key, t] : part) all[prefix + "." + key] = t;
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// Every key of a file must be taken by some part of the recipe, and every part must find its keys.
void expect_all_used(const nn::StateDict& all, const std::vector<std::string>& prefixes, const fs::path& file) {
  for (const auto& entry : all) {
    const std::string& key = entry.first;
    const bool used = std::any_of(prefixes.begin(), prefixes.end(), [&](const std::string& p) { return key.rfind(p + ".", 0) == 0; });
    if (!used) throw std::invalid_argument(file.string() + ": unexpected key '" + key + "' (a checkpoint of another model?)");
  }
}

}  // namespace

fs::path save_checkpoint(const fs::path& run, Recipe& recipe, const CheckpointState& state, int keep) {
  const fs::path folder = run / "checkpoints";
  fs::create_directories(folder);
  const std::string name = step_name(state.step);
  // Temporary folders of runs that died while writing a checkpoint.
  for (const auto& entry : fs::directory_iterator(folder))
    if (entry.path().filename().string().rfind(".step-", 0) == 0 && entry.path().filename().string().find(".tmp-") != std::string::npos)
      fs::remove_all(entry.path());
  const fs::path temp = folder / ("." + name + ".tmp-" + std::to_string(::getpid()));
  fs::create_directories(temp);

  nn::StateDict weights, training;
  for (auto& [net, module] : recipe.networks()) add_under(weights, net, module->state_dict());
  for (auto& [opt, optimizer] : recipe.optimizers()) add_under(training, "optimizer." + opt, optimizer->state_dict());
  for (auto& [sched, schedule] : recipe.schedules()) add_under(training, "schedule." + sched, schedule->state_dict());
  add_under(training, "extra", recipe.extra_state());
  nn::save_safetensors((temp / "weights.safetensors").string(), weights, {{"format", "pt"}, {"model", arch_name(state.options.arch)}});
  nn::save_safetensors((temp / "training_state.safetensors").string(), training);
  nlohmann::json meta;
  meta["options"] = nlohmann::json::parse(options_to_json(state.options));
  meta["step"] = state.step;
  meta["steps_per_epoch"] = state.steps_per_epoch;
  meta["rng"] = {{"seed", state.rng_seed}, {"offset", state.rng_offset}};
  nn::write_file_atomically((temp / "state.json").string(), meta.dump(2) + "\n");

  // A checkpoint of the same step (from an interrupted earlier attempt) is moved aside, not
  // deleted, until the new one is in place and named.
  const fs::path final_path = folder / name, aside = folder / (".step-old-" + name);
  if (fs::exists(final_path)) fs::rename(final_path, aside);
  fs::rename(temp, final_path);
  nn::sync_folder(folder.string());
  nn::write_file_atomically((run / kLatest).string(), "checkpoints/" + name + "\n");
  fs::remove_all(aside);

  // Keep this one and the newest keep - 1 before it.
  std::vector<fs::path> older;
  for (const auto& entry : fs::directory_iterator(folder)) {
    const std::string file = entry.path().filename().string();
    if (entry.is_directory() && file.rfind("step-", 0) == 0 && file < name) older.push_back(entry.path());
  }
  std::sort(older.begin(), older.end());
  for (size_t i = 0; i + static_cast<size_t>(keep - 1) < older.size(); ++i) fs::remove_all(older[i]);
  return final_path;
}

fs::path find_checkpoint(const fs::path& path) {
  if (fs::exists(path / "state.json")) return path;
  if (fs::exists(path / kLatest)) {
    std::string relative = read_text(path / kLatest);
    relative.erase(relative.find_last_not_of(" \n\r\t") + 1);
    const fs::path checkpoint = path / relative;
    if (!fs::exists(checkpoint / "state.json"))
      throw std::invalid_argument(path.string() + "/" + kLatest + " names " + checkpoint.string() + ", which is not a checkpoint");
    return checkpoint;
  }
  throw std::invalid_argument("'" + path.string() + "' is not a checkpoint: expected a run folder (with " + kLatest +
                              ") or a checkpoint folder (with state.json)");
}

CheckpointState read_checkpoint_state(const fs::path& checkpoint) {
  const fs::path file = checkpoint / "state.json";
  try {
    const nlohmann::json meta = nlohmann::json::parse(read_text(file));
    CheckpointState state;
    state.options = options_from_json(meta.at("options").dump());
    state.step = meta.at("step").get<int64_t>();
    state.steps_per_epoch = meta.at("steps_per_epoch").get<int64_t>();
    state.rng_seed = meta.at("rng").at("seed").get<uint64_t>();
    state.rng_offset = meta.at("rng").at("offset").get<uint64_t>();
    return state;
  } catch (const nlohmann::json::exception& e) {
    throw std::invalid_argument(file.string() + ": not a GANForge checkpoint state: " + e.what());
  }
}

void load_weights(const fs::path& checkpoint, Recipe& recipe) {
  const fs::path file = checkpoint / "weights.safetensors";
  const nn::StateDict weights = nn::load_safetensors(file.string()).tensors;
  std::vector<std::string> prefixes;
  for (auto& [net, module] : recipe.networks()) {
    prefixes.push_back(net);
    try {
      module->load_state_dict(under(weights, net));
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument(file.string() + ", network " + net + ": " + e.what());
    }
  }
  expect_all_used(weights, prefixes, file);
}

void load_training_state(const fs::path& checkpoint, Recipe& recipe) {
  load_weights(checkpoint, recipe);
  const fs::path file = checkpoint / "training_state.safetensors";
  const nn::StateDict training = nn::load_safetensors(file.string()).tensors;
  std::vector<std::string> prefixes{"extra"};
  for (auto& [opt, optimizer] : recipe.optimizers()) {
    prefixes.push_back("optimizer." + opt);
    optimizer->load_state_dict(under(training, "optimizer." + opt));
  }
  for (auto& [sched, schedule] : recipe.schedules()) {
    prefixes.push_back("schedule." + sched);
    schedule->load_state_dict(under(training, "schedule." + sched));
  }
  recipe.load_extra_state(under(training, "extra"));
  expect_all_used(training, prefixes, file);
}

}  // namespace ganforge::gan
