#include "gan/train/checkpoint.h"

#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>

#include "nn/atomic_file.h"
#include "nn/safetensors.h"

namespace fs = std::filesystem;

namespace ganforge::gan {
namespace {

constexpr const char* kLatest = "latest_checkpoint";
constexpr const char* kFolders = "checkpoints";
// Caps on what is read: latest_checkpoint is one short line, state.json about 1.5 KB.
constexpr uint64_t kMaxLatestBytes = 64;
constexpr uint64_t kMaxStateBytes = 1 << 20;
// state.json is an object of objects of numbers and strings; deeper JSON is refused as it is
// parsed, before it costs memory or recursion.
constexpr int kMaxStateDepth = 2;
constexpr Arch kArchs[] = {Arch::Gan, Arch::Dcgan, Arch::Cgan, Arch::Infogan, Arch::Pix2pix, Arch::Cyclegan};

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

[[noreturn]] void refuse(const fs::path& file, const std::string& problem) {
  throw CheckpointError(file.string() + ": " + problem);
}

std::string read_text(const fs::path& path, uint64_t max_bytes) {
  try {
    return nn::read_regular_file(path.string(), max_bytes);
  } catch (const nn::FileError& e) {
    throw CheckpointError(e.what());
  }
}

// The step of a folder named "step-<digits>"; nothing for other names, or digits past int64.
std::optional<int64_t> step_of(const std::string& name) {
  if (name.size() <= 5 || name.compare(0, 5, "step-") != 0 ||
      !std::all_of(name.begin() + 5, name.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return {};
  int64_t step = 0;
  if (std::from_chars(name.data() + 5, name.data() + name.size(), step).ec != std::errc{}) return {};
  return step;
}

// A JSON value that is not what was expected: numbers as they are, anything else by its type.
std::string describe(const nlohmann::json& v) {
  if (v.is_number() || v.is_null()) return v.dump();
  return (v.is_object() || v.is_array() ? "an " : "a ") + std::string(v.type_name());
}

int64_t integer_field(const nlohmann::json& meta, const char* key, int64_t min, const fs::path& file) {
  if (!meta.contains(key)) refuse(file, std::string("has no \"") + key + "\"; expected a GANForge checkpoint state");
  const nlohmann::json& v = meta[key];
  if (!v.is_number_integer()) refuse(file, std::string("\"") + key + "\" must be an integer; got " + describe(v));
  if (v.is_number_unsigned() && v.get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
    refuse(file, std::string("\"") + key + "\" is too large: " + v.dump());
  const int64_t n = v.get<int64_t>();
  if (n < min) refuse(file, std::string("\"") + key + "\" must be at least " + std::to_string(min) + "; got " + std::to_string(n));
  return n;
}

uint64_t unsigned_field(const nlohmann::json& object, const char* key, const fs::path& file) {
  if (!object.contains(key) || !object[key].is_number_unsigned())
    refuse(file, std::string("\"rng\" must hold \"") + key + "\", a non-negative integer");
  return object[key].get<uint64_t>();
}

// options_from_json converts a number to an integer field unchecked, which a float out of
// range makes undefined: each option that options_to_json writes as an integer must be one.
void expect_integer_options(const nlohmann::json& options, const fs::path& file) {
  static const nlohmann::json defaults = nlohmann::json::parse(options_to_json(TrainOptions{}));
  for (const auto& [key, value] : options.items()) {
    const auto d = defaults.find(key);
    if (d != defaults.end() && d->is_number_integer() && !value.is_number_integer())
      refuse(file, "option \"" + key + "\" must be an integer; got " + describe(value));
  }
}

nn::SafetensorsFile read_safetensors(const fs::path& file, Arch arch) {
  nn::SafetensorsFile loaded;
  try {
    loaded = nn::load_safetensors(file.string());
  } catch (const nn::SafetensorsError& e) {
    throw CheckpointError(e.what());
  }
  // Files from before the model was recorded have no "model"; their keys are still checked.
  const auto model = loaded.metadata.find("model");
  if (model != loaded.metadata.end() && model->second != arch_name(arch)) {
    const bool known = std::any_of(std::begin(kArchs), std::end(kArchs), [&](Arch a) { return model->second == arch_name(a); });
    refuse(file, "this checkpoint holds " + (known ? "a " + model->second : std::string("a model GANForge does not know")) +
                     ", not a " + arch_name(arch) + " as its state.json says");
  }
  return loaded;
}

// Every key of a file must be taken by some part of the recipe, and every part must find its keys.
void expect_all_used(const nn::StateDict& all, const std::vector<std::string>& prefixes, const fs::path& file) {
  for (const auto& entry : all) {
    const std::string& key = entry.first;
    const bool used = std::any_of(prefixes.begin(), prefixes.end(), [&](const std::string& p) { return key.rfind(p + ".", 0) == 0; });
    if (!used) refuse(file, "unexpected key '" + key + "' (a checkpoint of another model?)");
  }
}

}  // namespace

fs::path save_checkpoint(const fs::path& run, Recipe& recipe, const CheckpointState& state, int keep) {
  const fs::path folder = run / kFolders;
  fs::create_directories(folder);
  const std::string name = step_name(state.step);
  // Temporary folders of runs that died while writing a checkpoint.
  for (const auto& entry : fs::directory_iterator(folder))
    if (entry.path().filename().string().rfind(".step-", 0) == 0 && entry.path().filename().string().find(".tmp-") != std::string::npos)
      fs::remove_all(entry.path());
  const fs::path temp = folder / ("." + name + ".tmp-" + std::to_string(::getpid()));
  fs::create_directories(temp);
  // A write that fails (a full disk) takes its partial files with it, so that the space they
  // held is free for whatever the run does next (say, its final message and log line).
  struct RemoveUnlessRenamed {
    const fs::path& path;
    ~RemoveUnlessRenamed() {
      std::error_code ignored;
      fs::remove_all(path, ignored);  // nothing there once renamed into place
    }
  } partial{temp};

  nn::StateDict weights, training;
  for (auto& [net, module] : recipe.networks()) add_under(weights, net, module->state_dict());
  for (auto& [opt, optimizer] : recipe.optimizers()) add_under(training, "optimizer." + opt, optimizer->state_dict());
  for (auto& [sched, schedule] : recipe.schedules()) add_under(training, "schedule." + sched, schedule->state_dict());
  add_under(training, "extra", recipe.extra_state());
  nn::save_safetensors((temp / "weights.safetensors").string(), weights, {{"format", "pt"}, {"model", arch_name(state.options.arch)}});
  nn::save_safetensors((temp / "training_state.safetensors").string(), training, {{"model", arch_name(state.options.arch)}});
  nlohmann::json meta;
  meta["options"] = nlohmann::json::parse(options_to_json(state.options));
  meta["step"] = state.step;
  meta["steps_per_epoch"] = state.steps_per_epoch;
  meta["world_size"] = state.world_size;
  meta["rng"] = {{"seed", state.rng_seed}, {"offset", state.rng_offset}};
  nn::write_file_atomically((temp / "state.json").string(), meta.dump(2) + "\n");

  // A checkpoint of the same step (from an interrupted earlier attempt) is moved aside, not
  // deleted, until the new one is in place and named.
  const fs::path final_path = folder / name, aside = folder / (".step-old-" + name);
  if (fs::exists(final_path)) fs::rename(final_path, aside);
  fs::rename(temp, final_path);
  nn::sync_folder(folder.string());
  nn::write_file_atomically((run / kLatest).string(), std::string(kFolders) + "/" + name + "\n");
  fs::remove_all(aside);

  // Keep this one, the newest keep - 1 before it, and the run's best.
  std::optional<BestCheckpoint> best;
  try {
    best = read_best_checkpoint(run);
  } catch (const CheckpointError&) {  // a damaged best_checkpoint.json protects nothing, and stops nothing
  }
  std::vector<fs::path> older;
  for (const auto& entry : fs::directory_iterator(folder)) {
    const std::string file = entry.path().filename().string();
    if (entry.is_directory() && file.rfind("step-", 0) == 0 && file < name && !(best && file == step_name(best->step)))
      older.push_back(entry.path());
  }
  std::sort(older.begin(), older.end());
  for (size_t i = 0; i + static_cast<size_t>(keep - 1) < older.size(); ++i) fs::remove_all(older[i]);
  return final_path;
}

constexpr const char* kBest = "best_checkpoint.json";

void write_best_checkpoint(const fs::path& run, const BestCheckpoint& best) {
  const nlohmann::json j = {{"checkpoint", std::string(kFolders) + "/" + step_name(best.step)},
                            {"step", best.step},
                            {"metric", best.metric},
                            {"value", best.value}};
  nn::write_file_atomically((run / kBest).string(), j.dump(2) + "\n");
}

std::optional<BestCheckpoint> read_best_checkpoint(const fs::path& run) {
  const fs::path file = run / kBest;
  std::error_code absent;
  if (fs::symlink_status(file, absent).type() == fs::file_type::not_found) return std::nullopt;
  const nlohmann::json j = nlohmann::json::parse(nn::read_regular_file(file.string(), 1 << 16), nullptr, false);
  const bool valid = j.is_object() && j.size() == 4 && j.contains("step") && j["step"].is_number_integer() &&
                     j["step"].get<int64_t>() >= 0 && j.contains("metric") && j["metric"].is_string() && j.contains("value") &&
                     j["value"].is_number() && std::isfinite(j["value"].get<double>()) && j.contains("checkpoint") &&
                     j["checkpoint"] == std::string(kFolders) + "/" + step_name(j["step"].get<int64_t>());
  if (!valid)
    throw CheckpointError(file.string() + ": expected {\"checkpoint\": \"checkpoints/step-NNNNNNNN\", \"step\": N, "
                          "\"metric\": NAME, \"value\": X} with the same step in both");
  return BestCheckpoint{j["step"].get<int64_t>(), j["metric"].get<std::string>(), j["value"].get<double>()};
}

int64_t parse_latest_checkpoint(const std::string& text, const fs::path& file) {
  const std::string prefix = std::string(kFolders) + "/";
  const std::string name = text.substr(0, text.size() - (!text.empty() && text.back() == '\n'));
  const std::optional<int64_t> step =
      name.compare(0, prefix.size(), prefix) == 0 ? step_of(name.substr(prefix.size())) : std::nullopt;
  // Only the name save_checkpoint writes: no other folder, no "..", no absolute path.
  if (!step || name != prefix + step_name(*step))
    refuse(file, "does not name a checkpoint; expected one line, " + prefix + "step-NNNNNNNN");
  return *step;
}

fs::path find_checkpoint(const fs::path& path) {
  if (fs::exists(path / "state.json")) return path;
  const fs::path latest = path / kLatest;
  std::error_code ec;
  if (fs::symlink_status(latest, ec).type() != fs::file_type::not_found) {
    const std::string name = step_name(parse_latest_checkpoint(read_text(latest, kMaxLatestBytes), latest));
    const fs::path checkpoint = path / kFolders / name;
    // Folders, not links to elsewhere, as save_checkpoint makes them.
    if (!fs::is_directory(fs::symlink_status(path / kFolders, ec)) || !fs::is_directory(fs::symlink_status(checkpoint, ec)) ||
        !fs::exists(fs::symlink_status(checkpoint / "state.json", ec)))
      refuse(latest, "names " + std::string(kFolders) + "/" + name + ", which is not a checkpoint folder");
    return checkpoint;
  }
  throw CheckpointError("'" + path.string() + "' is not a checkpoint: expected a run folder (with " + kLatest +
                        ") or a checkpoint folder (with state.json)");
}

CheckpointState parse_checkpoint_state(const std::string& text, const fs::path& file) {
  nlohmann::json meta;
  try {
    meta = nlohmann::json::parse(text, [&](int depth, nlohmann::json::parse_event_t, nlohmann::json&) {
      if (depth > kMaxStateDepth) refuse(file, "nests JSON deeper than a checkpoint state");
      return true;
    });
  } catch (const nlohmann::json::parse_error& e) {
    // Where, not what: the content of a file that is not JSON is not for the error message.
    refuse(file, "is not valid JSON (at byte " + std::to_string(e.byte) + "); expected a GANForge checkpoint state");
  } catch (const nlohmann::json::exception&) {  // a number past the range of a double
    refuse(file, "is not valid JSON (a number out of range); expected a GANForge checkpoint state");
  }
  if (!meta.is_object()) refuse(file, "must be a JSON object; got " + describe(meta));
  CheckpointState state;
  if (!meta.contains("options") || !meta["options"].is_object()) refuse(file, "\"options\" must be an object of training options");
  expect_integer_options(meta["options"], file);
  try {
    state.options = options_from_json(meta["options"].dump());
  } catch (const std::invalid_argument& e) {
    refuse(file, e.what());
  }
  state.step = integer_field(meta, "step", 0, file);
  state.steps_per_epoch = integer_field(meta, "steps_per_epoch", 1, file);
  state.world_size = meta.contains("world_size") ? integer_field(meta, "world_size", 1, file) : 1;  // older runs had one process
  if (!meta.contains("rng") || !meta["rng"].is_object()) refuse(file, "\"rng\" must be an object with seed and offset");
  state.rng_seed = unsigned_field(meta["rng"], "seed", file);
  state.rng_offset = unsigned_field(meta["rng"], "offset", file);
  return state;
}

CheckpointState read_checkpoint_state(const fs::path& checkpoint) {
  const fs::path file = checkpoint / "state.json";
  const CheckpointState state = parse_checkpoint_state(read_text(file, kMaxStateBytes), file);
  const fs::path folder = checkpoint.has_filename() ? checkpoint : checkpoint.parent_path();
  const std::string name = folder.filename().string();
  if (const std::optional<int64_t> named = step_of(name); named && *named != state.step)
    refuse(file, "holds step " + std::to_string(state.step) + ", but its folder is named " + name);
  return state;
}

void load_weights(const fs::path& checkpoint, Recipe& recipe) {
  const fs::path file = checkpoint / "weights.safetensors";
  const nn::StateDict weights = read_safetensors(file, read_checkpoint_state(checkpoint).options.arch).tensors;
  std::vector<std::string> prefixes;
  for (auto& [net, module] : recipe.networks()) {
    prefixes.push_back(net);
    try {
      module->load_state_dict(under(weights, net));
    } catch (const std::invalid_argument& e) {
      refuse(file, "network " + net + ": " + e.what());
    }
  }
  expect_all_used(weights, prefixes, file);
}

void load_training_state(const fs::path& checkpoint, Recipe& recipe) {
  const fs::path file = checkpoint / "training_state.safetensors";
  // Read and checked whole before the weights change.
  const nn::StateDict training = read_safetensors(file, read_checkpoint_state(checkpoint).options.arch).tensors;
  load_weights(checkpoint, recipe);
  std::vector<std::string> prefixes{"extra"};
  try {
    for (auto& [opt, optimizer] : recipe.optimizers()) {
      prefixes.push_back("optimizer." + opt);
      optimizer->load_state_dict(under(training, "optimizer." + opt));
    }
    for (auto& [sched, schedule] : recipe.schedules()) {
      prefixes.push_back("schedule." + sched);
      schedule->load_state_dict(under(training, "schedule." + sched));
    }
    recipe.load_extra_state(under(training, "extra"));
  } catch (const std::invalid_argument& e) {
    refuse(file, e.what());
  }
  expect_all_used(training, prefixes, file);
}

}  // namespace ganforge::gan
