// Checkpoints are downloaded, so nothing a run folder holds is trusted: latest_checkpoint
// names only a folder of checkpoints/, only regular files of bounded size are read (no link,
// FIFO or device), a changed byte in the tensors is found, another model's weights are named
// as such, a state.json that does not fit the run is refused, and every error names the file.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>

#include "core/ganforge.h"
#include "gan/train/checkpoint.h"
#include "tests/core/expect_error.h"
#include "tests/gan/train/run_folders.h"

namespace fs = std::filesystem;
using namespace ganforge;
using namespace ganforge::gan;
using ganforge::testing::expect_mentions;
using ganforge::testing::message_of;

using ganforge::testing::read_text;
using ganforge::testing::scratch_folder;
using ganforge::testing::write_text;

namespace {

TrainOptions small(Arch arch) {
  TrainOptions o;
  o.arch = arch;
  o.data = "synthetic";
  o.ngf = o.ndf = 8;
  o.channels = 1;
  o.classes = 10;
  o.image_size = arch == Arch::Cgan ? 32 : 28;
  return resolve_options(o);
}

// A run folder with one checkpoint of a small model at `step`.
fs::path saved_run(const std::string& name, Arch arch = Arch::Dcgan, int64_t step = 3) {
  const fs::path run = scratch_folder(name);
  const TrainOptions o = small(arch);
  manual_seed(1);
  auto recipe = make_recipe(o, Device{});
  save_checkpoint(run, *recipe, {o, step, 10, 1, 2});
  return run;
}

// As `ganforge sample` (weights) and `--resume` (everything) load a checkpoint.
void load(const fs::path& checkpoint, bool everything) {
  auto recipe = make_recipe(read_checkpoint_state(checkpoint).options, Device{});
  everything ? load_training_state(checkpoint, *recipe) : load_weights(checkpoint, *recipe);
}

std::string load_error(const fs::path& checkpoint, bool everything) {
  return message_of<CheckpointError>([&] { load(checkpoint, everything); });
}

std::string find_error(const fs::path& run) {
  return message_of<CheckpointError>([&] { find_checkpoint(run); });
}

TEST(CheckpointTrust, LatestCheckpointNamesOnlyAFolderOfCheckpoints) {
  const fs::path run = saved_run("latest");
  const fs::path latest = run / "latest_checkpoint";
  EXPECT_EQ(find_checkpoint(run), run / "checkpoints" / "step-00000003");
  // A checkpoint outside the run, which the names below reach.
  const fs::path outside = saved_run("outside");
  fs::copy(outside / "checkpoints" / "step-00000003", run / "elsewhere", fs::copy_options::recursive);
  for (const std::string& name :
       {"../" + outside.filename().string() + "/checkpoints/step-00000003", (outside / "checkpoints/step-00000003").string(),
        std::string("elsewhere"), std::string("checkpoints/../elsewhere"), std::string("checkpoints/step-3"),
        std::string("checkpoints/step-00000003/"), std::string("checkpoints//step-00000003"), std::string("./checkpoints/step-00000003"),
        std::string("checkpoints/step-00000003\n\n"), std::string("checkpoints/step-00000003 "), std::string("checkpoints/step--0000003"),
        std::string("checkpoints/step-+0000003"), std::string(""), std::string("checkpoints/step-99999999999999999999")}) {
    write_text(latest, name);
    expect_mentions(find_error(run), {latest.string(), "does not name a checkpoint; expected one line, checkpoints/step-NNNNNNNN"});
  }
  write_text(latest, "checkpoints/step-00000007\n");
  expect_mentions(find_error(run), {latest.string(), "names checkpoints/step-00000007, which is not a checkpoint folder"});
  write_text(latest, "checkpoints/step-00000003");  // no newline: as a hand edit leaves it
  EXPECT_EQ(find_checkpoint(run), run / "checkpoints" / "step-00000003");
}

TEST(CheckpointTrust, ParseLatestCheckpointTakesWhatSaveWrites) {
  EXPECT_EQ(parse_latest_checkpoint("checkpoints/step-00000937\n", "latest"), 937);
  EXPECT_EQ(parse_latest_checkpoint("checkpoints/step-123456789\n", "latest"), 123456789);
  EXPECT_EQ(parse_latest_checkpoint("checkpoints/step-9223372036854775807\n", "latest"), INT64_MAX);
  EXPECT_THROW(parse_latest_checkpoint("checkpoints/step-0123456789\n", "latest"), CheckpointError);
}

TEST(CheckpointTrust, LinksFifosAndHugeFilesAreRefusedUnreadAndUnquoted) {
  const fs::path run = saved_run("kinds");
  const fs::path latest = run / "latest_checkpoint", checkpoint = run / "checkpoints" / "step-00000003";
  const fs::path secret = scratch_folder("secret") / "passwd";
  write_text(secret, "root:x:0:0:SECRET-CONTENT\n");
  fs::remove(latest);
  fs::create_symlink(secret, latest);
  std::string message = find_error(run);
  expect_mentions(message, {latest.string(), "is a symbolic link; expected a regular file"});
  EXPECT_EQ(message.find("SECRET"), std::string::npos) << message;
  fs::remove(latest);
  fs::create_symlink("/dev/zero", latest);
  expect_mentions(find_error(run), {"is a symbolic link"});
  fs::remove(latest);
  ASSERT_EQ(::mkfifo(latest.c_str(), 0600), 0);
  expect_mentions(find_error(run), {latest.string(), "is a FIFO"});  // at once: opening it waits for no writer
  fs::remove(latest);
  write_text(latest, "checkpoints/step-00000003\n");

  // The checkpoint's folders and files, each replaced by a link to a good copy elsewhere.
  const fs::path copy = scratch_folder("copy");
  fs::copy(run / "checkpoints", copy / "checkpoints", fs::copy_options::recursive);
  fs::rename(run / "checkpoints", run / "moved");
  fs::create_directory_symlink(copy / "checkpoints", run / "checkpoints");
  expect_mentions(find_error(run), {"which is not a checkpoint folder"});
  fs::remove(run / "checkpoints");
  fs::rename(run / "moved", run / "checkpoints");
  for (const std::string file : {"state.json", "weights.safetensors", "training_state.safetensors"}) {
    fs::rename(checkpoint / file, checkpoint / (file + ".moved"));
    fs::create_symlink(copy / "checkpoints" / "step-00000003" / file, checkpoint / file);
    message = file == "state.json" ? message_of<CheckpointError>([&] { read_checkpoint_state(checkpoint); })
                                   : load_error(checkpoint, true);
    expect_mentions(message, {(checkpoint / file).string(), "is a symbolic link"});
    fs::remove(checkpoint / file);
    fs::rename(checkpoint / (file + ".moved"), checkpoint / file);
  }
  fs::resize_file(checkpoint / "state.json", 2 << 20);  // sparse
  expect_mentions(message_of<CheckpointError>([&] { read_checkpoint_state(checkpoint); }),
                  {(checkpoint / "state.json").string(), "is 2097152 bytes; expected at most 1048576"});
}

TEST(CheckpointTrust, DamagedFilesAreNamed) {
  const fs::path run = saved_run("damaged");
  const fs::path checkpoint = run / "checkpoints" / "step-00000003";
  ASSERT_NO_THROW(load(checkpoint, true));
  for (const std::string file : {"weights.safetensors", "training_state.safetensors"}) {
    const std::string good = read_text(checkpoint / file);
    std::string bad = good;
    bad[bad.size() - 5] ^= 1;  // a flipped bit in the last tensor's data
    write_text(checkpoint / file, bad);
    expect_mentions(load_error(checkpoint, true), {(checkpoint / file).string(), "do not match their xxh3-128 digest"});
    write_text(checkpoint / file, good.substr(0, good.size() / 2));
    expect_mentions(load_error(checkpoint, true), {"safetensors file '" + (checkpoint / file).string() + "'"});
    write_text(checkpoint / file, good);
  }
  // Well-formed, but not what this model's optimizers hold.
  const fs::path training = checkpoint / "training_state.safetensors";
  nn::SafetensorsFile state = nn::load_safetensors(training.string());
  state.tensors.erase(state.tensors.begin());
  nn::save_safetensors(training.string(), state.tensors, state.metadata);
  expect_mentions(load_error(checkpoint, true), {training.string()});
  write_text(checkpoint / "state.json", read_text(checkpoint / "state.json").substr(0, 40));
  expect_mentions(message_of<CheckpointError>([&] { read_checkpoint_state(checkpoint); }),
                  {(checkpoint / "state.json").string(), "is not valid JSON", "expected a GANForge checkpoint state"});
}

TEST(CheckpointTrust, AnotherModelsFilesAreNamedAsSuch) {
  const fs::path dcgan = saved_run("dcgan") / "checkpoints" / "step-00000003";
  const fs::path cgan = saved_run("cgan", Arch::Cgan) / "checkpoints" / "step-00000003";
  for (const std::string file : {"weights.safetensors", "training_state.safetensors"}) {
    const std::string own = read_text(dcgan / file);
    fs::copy_file(cgan / file, dcgan / file, fs::copy_options::overwrite_existing);
    const std::string message = load_error(dcgan, true);
    expect_mentions(message, {(dcgan / file).string(), "this checkpoint holds a cgan, not a dcgan as its state.json says"});
    EXPECT_EQ(message.find("unexpected key"), std::string::npos) << message;
    write_text(dcgan / file, own);
  }
}

// Checkpoints of earlier builds have no digests and no "model" in training_state: they load.
TEST(CheckpointTrust, CheckpointsWithoutDigestsStillLoad) {
  const fs::path checkpoint = saved_run("old") / "checkpoints" / "step-00000003";
  for (const std::string file : {"weights.safetensors", "training_state.safetensors"}) {
    const std::string bytes = read_text(checkpoint / file);
    uint64_t length = 0;
    std::memcpy(&length, bytes.data(), 8);
    nlohmann::json header = nlohmann::json::parse(bytes.substr(8, length));
    header["__metadata__"] = file == "weights.safetensors" ? nlohmann::json{{"format", "pt"}, {"model", "dcgan"}} : nlohmann::json::object();
    const std::string text = header.dump();
    std::string old(8, '\0');
    const uint64_t n = text.size();
    std::memcpy(old.data(), &n, 8);
    write_text(checkpoint / file, old + text + bytes.substr(8 + length));
    EXPECT_FALSE(nn::load_safetensors((checkpoint / file).string()).verified);
  }
  EXPECT_NO_THROW(load(checkpoint, true));
}

TEST(CheckpointTrust, AStateThatDoesNotFitTheRunIsRefused) {
  const fs::path run = saved_run("state", Arch::Dcgan, 12);
  const fs::path checkpoint = run / "checkpoints" / "step-00000012", file = checkpoint / "state.json";
  const nlohmann::json good = nlohmann::json::parse(read_text(file));
  EXPECT_EQ(read_checkpoint_state(checkpoint).step, 12);
  const auto refused = [&](const std::function<void(nlohmann::json&)>& edit, const std::string& expected) {
    nlohmann::json changed = good;
    edit(changed);
    write_text(file, changed.dump());
    expect_mentions(message_of<CheckpointError>([&] { read_checkpoint_state(checkpoint); }), {file.string(), expected});
  };
  refused([](nlohmann::json& j) { j["step"] = -1; }, "\"step\" must be at least 0; got -1");
  refused([](nlohmann::json& j) { j["step"] = 12.5; }, "\"step\" must be an integer; got 12.5");
  refused([](nlohmann::json& j) { j["step"] = "12"; }, "\"step\" must be an integer; got a string");
  refused([](nlohmann::json& j) { j["step"] = UINT64_MAX; }, "\"step\" is too large");
  refused([](nlohmann::json& j) { j["step"] = 13; }, "holds step 13, but its folder is named step-00000012");
  refused([](nlohmann::json& j) { j["steps_per_epoch"] = 0; }, "\"steps_per_epoch\" must be at least 1; got 0");
  refused([](nlohmann::json& j) { j["steps_per_epoch"] = -5; }, "\"steps_per_epoch\" must be at least 1");
  refused([](nlohmann::json& j) { j.erase("steps_per_epoch"); }, "has no \"steps_per_epoch\"");
  refused([](nlohmann::json& j) { j["rng"]["seed"] = -1; }, "\"rng\" must hold \"seed\", a non-negative integer");
  refused([](nlohmann::json& j) { j["options"]["batch"] = 1e300; }, "option \"batch\" must be an integer; got 1e+300");
  refused([](nlohmann::json& j) { j["options"]["arch"] = "wgan"; }, "unknown model 'wgan'");
  refused([](nlohmann::json& j) { j["options"] = nlohmann::json::array(); }, "\"options\" must be an object");
  refused([](nlohmann::json& j) { j["rng"] = {{"seed", {{"deeper", 1}}}}; }, "nests JSON deeper than a checkpoint state");
  write_text(file, good.dump());
  // A checkpoint folder renamed by its user is not held to a step.
  fs::rename(checkpoint, run / "mine");
  EXPECT_EQ(read_checkpoint_state(run / "mine").step, 12);
}

}  // namespace
