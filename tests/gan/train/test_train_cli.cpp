// `ganforge train` end to end on tiny data sets the test writes: every model trains a few
// steps through the command line and leaves valid sample sheets, logs, a loss curve and a
// checkpoint that `sample` / `translate` can use; a run stopped halfway and resumed ends
// bit for bit where an uninterrupted run ends; bad flags are one clear error.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "core/ganforge.h"
#include "gan/data/image.h"
#include "core/gpu_resources.h"
#include "kernels/emulator_counters.h"
#include "nn/safetensors.h"
#include "tests/gan/train/run_folders.h"

namespace fs = std::filesystem;
using namespace ganforge;

using ganforge::testing::Outcome;
using ganforge::testing::read_text;
using ganforge::testing::run_ganforge;
using ganforge::testing::scratch_folder;
using ganforge::testing::tiny_mnist;

namespace {

std::string numbered(const char* prefix, int i) {
  char name[64];
  std::snprintf(name, sizeof name, "%s%d.png", prefix, i);
  return name;
}

data::Image pattern(int width, int height, int seed) {
  data::Image image(width, height, 3);
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x)
      for (int c = 0; c < 3; ++c) image.at(y, x, c) = static_cast<uint8_t>((x * 7 + y * 3 + c * 50 + seed * 31) % 256);
  return image;
}

// Side-by-side A|B pairs (pix2pix) and trainA/trainB folders (CycleGAN), 8 images each.
fs::path tiny_pairs() {
  const fs::path dir = scratch_folder("pairs");
  for (int i = 0; i < 8; ++i) data::write_png(dir / numbered("p", i), pattern(68, 34, i));
  return dir;
}

fs::path tiny_unpaired() {
  const fs::path dir = scratch_folder("unpaired");
  for (const char* side : {"trainA", "trainB"}) {
    fs::create_directories(dir / side);
    for (int i = 0; i < 8; ++i) data::write_png(dir / side / numbered("u", i), pattern(34, 34, i + side[5]));
  }
  return dir;
}

// Everything a run folder must hold after `steps` steps.
void expect_valid_run(const fs::path& run, int64_t steps) {
  ASSERT_TRUE(fs::exists(run / "latest_checkpoint")) << run;
  const fs::path checkpoint = run / "checkpoints" / [&] {
    char name[32];
    std::snprintf(name, sizeof name, "step-%08lld", static_cast<long long>(steps));
    return std::string(name);
  }();
  for (const char* file : {"weights.safetensors", "training_state.safetensors", "state.json"})
    EXPECT_TRUE(fs::exists(checkpoint / file)) << checkpoint / file;
  EXPECT_GT(nn::load_safetensors((checkpoint / "weights.safetensors").string()).tensors.size(), 4u);
  nn::load_safetensors((checkpoint / "training_state.safetensors").string());
  EXPECT_EQ(nlohmann::json::parse(read_text(checkpoint / "state.json"))["step"].get<int64_t>(), steps);
  // The log: one JSON object a line, with finite losses.
  std::ifstream log(run / "log.jsonl");
  std::string line;
  int lines = 0;
  while (std::getline(log, line)) {
    const nlohmann::json entry = nlohmann::json::parse(line);
    for (const auto& [key, value] : entry.items()) {
      if (key.rfind("loss", 0) == 0) {
        EXPECT_TRUE(std::isfinite(value.get<double>())) << line;
      }
    }
    ++lines;
  }
  EXPECT_GE(lines, 1);
  std::vector<fs::path> pngs{run / "loss_curve.png"};
  for (const auto& entry : fs::directory_iterator(run / "samples"))
    if (entry.path().filename().string().rfind("final", 0) == 0) pngs.push_back(entry.path());
  EXPECT_GE(pngs.size(), 2u) << "no samples/final*.png in " << run;
  for (const fs::path& png : pngs) {
    ASSERT_TRUE(fs::exists(png)) << png << " is missing";
    EXPECT_GT(data::read_image(png).width, 16) << png;
  }
  EXPECT_TRUE(fs::exists(run / "options.json"));
  int checkpoints = 0;
  for ([[maybe_unused]] const auto& entry : fs::directory_iterator(run / "checkpoints")) ++checkpoints;
  EXPECT_LE(checkpoints, 2) << "a checkpoint and the one before it are kept";
}

struct ModelRun {
  const char* arch;
  std::string data, flags;
};

class TrainCli : public ::testing::TestWithParam<int> {};

std::vector<ModelRun> model_runs() {
  static const fs::path mnist = tiny_mnist(), pairs = tiny_pairs(), unpaired = tiny_unpaired();
  const std::string small = " --steps 3 --batch 8 --log-every 1 --sample-every 2 --workers 1";
  return {{"gan", mnist.string(), small},
          {"dcgan", mnist.string(), small + " --ngf 8 --ndf 8"},
          {"cgan", mnist.string(), small},
          {"infogan", mnist.string(), small},
          {"pix2pix", pairs.string(), " --steps 3 --batch 1 --image-size 32 --ngf 4 --ndf 4 --log-every 1 --workers 0"},
          {"cyclegan", unpaired.string(), " --steps 3 --batch 1 --image-size 32 --ngf 4 --ndf 4 --blocks 1 --log-every 1"}};
}

TEST_P(TrainCli, TrainsAndLeavesEveryOutputFile) {
  const ModelRun m = model_runs()[static_cast<size_t>(GetParam())];
  const fs::path run = scratch_folder(std::string("run_") + m.arch);
  const Outcome trained = run_ganforge(std::string("train ") + m.arch + " --data " + m.data + " --out " + run.string() + m.flags);
  ASSERT_EQ(trained.status, 0) << trained.output;
  EXPECT_NE(trained.output.find("step 3/3"), std::string::npos) << trained.output;
  expect_valid_run(run, 3);
  const std::string arch = m.arch;
  if (arch == "pix2pix" || arch == "cyclegan") {
    const fs::path image = scratch_folder(std::string("in_") + m.arch) / "mine.png";
    data::write_png(image, pattern(32, 32, 5));
    const fs::path out = run / "translated";
    const Outcome translated = run_ganforge("translate " + run.string() + " " + image.string() + " --out " + out.string());
    ASSERT_EQ(translated.status, 0) << translated.output;
    EXPECT_EQ(data::read_image(out / ("mine_" + arch + ".png")).width, 32);
    data::write_png(image, pattern(42, 30, 5));
    const Outcome refused = run_ganforge("translate " + run.string() + " " + image.string() + " --out " + out.string());
    EXPECT_EQ(refused.status, 1);
    EXPECT_NE(refused.output.find("mine.png (42x30)"), std::string::npos) << refused.output;
  } else {
    const fs::path sheet = run / "sampled.png";
    const std::string label = arch == "cgan" || arch == "infogan" ? " --class 3" : "";
    const Outcome sampled = run_ganforge("sample " + run.string() + " --n 6 --per-row 3 --out " + sheet.string() + label);
    ASSERT_EQ(sampled.status, 0) << sampled.output;
    EXPECT_EQ(data::read_image(sheet).width, 2 + 3 * (arch == "cgan" ? 34 : 30));
  }
}

INSTANTIATE_TEST_SUITE_P(EveryModel, TrainCli, ::testing::Range(0, 6), [](const ::testing::TestParamInfo<int>& info) {
  return std::string(model_runs()[static_cast<size_t>(info.param)].arch);
});

// N steps in one run equal N/2 steps, a resume, and N/2 more, bit for bit: weights, optimizer
// moments, schedules, image pools and the random generator all come back.
void expect_resume_is_exact(const std::string& arch, const std::string& data, const std::string& flags, int64_t half) {
  const fs::path whole = scratch_folder("whole_" + arch), split = scratch_folder("split_" + arch);
  const std::string total = std::to_string(2 * half), part = std::to_string(half);
  ASSERT_EQ(run_ganforge("train " + arch + " --data " + data + flags + " --steps " + total + " --out " + whole.string()).status, 0);
  ASSERT_EQ(run_ganforge("train " + arch + " --data " + data + flags + " --steps " + part + " --out " + split.string()).status, 0);
  const Outcome resumed = run_ganforge("train " + arch + " --resume --steps " + total + " --out " + split.string());
  ASSERT_EQ(resumed.status, 0) << resumed.output;
  EXPECT_NE(resumed.output.find("from step " + part), std::string::npos) << resumed.output;
  char name[32];
  std::snprintf(name, sizeof name, "step-%08lld", static_cast<long long>(2 * half));
  for (const char* file : {"weights.safetensors", "training_state.safetensors"}) {
    const std::string a = read_text(whole / "checkpoints" / name / file), b = read_text(split / "checkpoints" / name / file);
    EXPECT_GT(a.size(), 1000u) << whole / "checkpoints" / name / file;
    EXPECT_TRUE(a == b) << arch << " " << file << " differs between the whole and the resumed run";
  }
}

TEST(TrainCli, ResumeContinuesBitExactly) {
  // DCGAN: 4 batches an epoch, so the resume lands mid-epoch; two loader threads.
  expect_resume_is_exact("dcgan", tiny_mnist().string(), " --batch 8 --ngf 8 --ndf 8 --workers 2 --log-every 1", 3);
  // CycleGAN: schedules, image pools and dropout-free generators across an epoch boundary.
  expect_resume_is_exact("cyclegan", tiny_unpaired().string(),
                         " --batch 1 --image-size 32 --ngf 4 --ndf 4 --blocks 1 --epochs 4 --pool-size 3", 8);
  // InfoGAN: the instance noise comes from the run's generator too.
  expect_resume_is_exact("infogan", tiny_mnist().string(), " --batch 8 --instance-noise 0.1", 2);
}

TEST(TrainCli, ANonFiniteLossStopsTrainingAndKeepsTheLastGoodCheckpoint) {
  // An absurd learning rate: after the first update the weights overflow and the losses are NaN.
  const fs::path run = scratch_folder("diverged");
  const Outcome o = run_ganforge("train gan --data " + tiny_mnist().string() + " --batch 8 --lr 1e30 --steps 30 --log-every 1 " +
                             "--checkpoint-every 1 --out " + run.string());
  EXPECT_EQ(o.status, 1) << o.output;
  EXPECT_NE(o.output.find("step 2: loss_D is"), std::string::npos) << o.output;
  EXPECT_NE(o.output.find("the last good checkpoint is " + (run / "checkpoints" / "step-00000001").string()), std::string::npos)
      << o.output;
  EXPECT_EQ(read_text(run / "latest_checkpoint"), "checkpoints/step-00000001\n");
}

// --profile=2: one warm-up step and two profiled ones, the table printed and kept in the run
// folder, and a run that ends there like one of --steps 3.
TEST(TrainCli, ProfilePrintsAndKeepsAPrimitiveTable) {
  const fs::path run = scratch_folder("profiled");
  const Outcome o = run_ganforge("train dcgan --data " + tiny_mnist().string() +
                                 " --batch 8 --ngf 8 --ndf 8 --workers 1 --profile=2 --out " + run.string());
  ASSERT_EQ(o.status, 0) << o.output;
  const std::string title = "profile of steps 2 to 3 (after one warm-up step): dcgan on " + tiny_mnist().string() +
                            ", device cpu with 'cpu' kernels, math fp32, batch 8\n";
  const std::string text = read_text(run / "profile.txt");
  EXPECT_EQ(text.rfind(title + "primitive ", 0), 0u) << text;
  EXPECT_NE(o.output.find(text), std::string::npos) << "the table printed is the one kept\n" << o.output;
  for (const char* row : {"\nconv2d_fprop ", "\nconv2d_dgrad ", "\nconv2d_wgrad ", "\nbatch_norm_act_backward ",
                          "\nactivation_forward.leaky_relu ", "\nloss_forward.bce_with_logits ", "\nadam_step_multi ",
                          "\nall primitives ", "\noutside primitives ", "\nprofiled "})
    EXPECT_NE(text.find(row), std::string::npos) << row << " missing from\n" << text;
  EXPECT_NE(text.find(" GFLOP/s\n"), std::string::npos) << text;

  const nlohmann::json json = nlohmann::json::parse(read_text(run / "profile.json"));
  EXPECT_EQ(json["title"], title.substr(0, title.size() - 1));
  std::map<std::string, nlohmann::json> rows;
  for (const nlohmann::json& row : json["rows"]) rows[row["name"].get<std::string>()] = row;
  ASSERT_TRUE(rows.count("adam_step_multi")) << json.dump(2);
  EXPECT_EQ(rows["adam_step_multi"]["calls"], 4) << "G's and D's optimizer, in each of the two profiled steps";
  EXPECT_GT(rows["conv2d_fprop"]["flops"].get<double>(), 0);
  EXPECT_GT(json["seconds"].get<double>(), 0);
  expect_valid_run(run, 3);
  // Resumed, it profiles the given steps after one more warm-up step.
  const Outcome resumed = run_ganforge("train dcgan --resume --workers 1 --profile=1 --out " + run.string());
  ASSERT_EQ(resumed.status, 0) << resumed.output;
  EXPECT_EQ(read_text(run / "profile.txt").rfind("profile of steps 5 to 5 (after one warm-up step)", 0), 0u)
      << read_text(run / "profile.txt");
  expect_valid_run(run, 5);
}

// On cuda-sim, --profile also counts the kernels' memory traffic in the emulator: a GPU
// estimate per primitive and a per-kernel report, both kept in the run folder.
TEST(TrainCli, ProfileOnCudaSimEstimatesTheStepOnGpus) {
  if (!kernels::emulator_counters_available()) GTEST_SKIP() << "no instrumented cuda-sim backend in this build";
  const fs::path run = scratch_folder("profiled-cuda-sim");
  const Outcome o = run_ganforge("train dcgan --data " + tiny_mnist().string() +
                                 " --device cuda-sim --batch 2 --ngf 4 --ndf 4 --workers 0 --profile=1 --out " +
                                 run.string());
  ASSERT_EQ(o.status, 0) << o.output;
  const std::string estimate = read_text(run / "gpu_estimate.txt");
  EXPECT_NE(o.output.find(estimate), std::string::npos) << "the estimate printed is the one kept\n" << o.output;
  for (const char* part : {"GPU estimate per step", "H100 us", "H200 us", "\nconv2d_fprop ", "\nadam_step_multi ",
                           "\nall primitives ", "\nall primitives (lower bound) "})
    EXPECT_NE(estimate.find(part), std::string::npos) << part << " missing from\n" << estimate;
  const std::string kernels = read_text(run / "emulator_kernels.txt");
  EXPECT_NE(kernels.find("conv2d_fprop_implicit_gemm"), std::string::npos) << kernels;
  EXPECT_NE(kernels.find("kernels/cuda/conv.cu:"), std::string::npos) << kernels;
  // each kernel's occupancy at its launch, from ptxas's table (in a build with nvcc)
  EXPECT_NE(kernels.find("occupancy at each launch configuration"), std::string::npos) << kernels;
  if (!compiled_kernels().empty()) {
    EXPECT_EQ(kernels.find("not in the table"), std::string::npos) << "every kernel run has a ptxas row\n" << kernels;
  }
  const nlohmann::json json = nlohmann::json::parse(read_text(run / "profile.json"));
  for (const nlohmann::json& row : json["rows"])
    if (row["name"] == "conv2d_fprop") {
      EXPECT_GT(row["launches"].get<double>(), 0);
      EXPECT_GT(row["dram_bytes"].get<double>(), 0);
      EXPECT_GE(row["l2_bytes"].get<double>(), row["dram_bytes"].get<double>());
    }
  expect_valid_run(run, 2);
}

TEST(TrainCli, BadInputIsOneClearError) {
  Outcome o = run_ganforge("train dcgan --stepz 3");
  EXPECT_EQ(o.status, 2);
  EXPECT_NE(o.output.find("unknown flag --stepz"), std::string::npos) << o.output;
  o = run_ganforge("train wgan");
  EXPECT_EQ(o.status, 2);  // a usage error
  EXPECT_NE(o.output.find("unknown model 'wgan'"), std::string::npos) << o.output;
  // a run that stops before training leaves its folder fit for the next attempt
  const std::string out = " --out " + (scratch_folder("bad-input") / "run").string();
  o = run_ganforge("train dcgan --data /nonexistent/folder" + out);
  EXPECT_EQ(o.status, 1);
  EXPECT_NE(o.output.find("/nonexistent/folder"), std::string::npos) << o.output;
  o = run_ganforge("train dcgan --data /nonexistent/folder" + out);
  EXPECT_EQ(o.status, 1);
  EXPECT_NE(o.output.find("/nonexistent/folder"), std::string::npos) << o.output;
  o = run_ganforge("train dcgan --batch zero");
  EXPECT_EQ(o.status, 2);
  EXPECT_NE(o.output.find("--batch expects an integer"), std::string::npos) << o.output;
  o = run_ganforge("train dcgan --resume");
  EXPECT_EQ(o.status, 2);
  EXPECT_NE(o.output.find("--resume needs --out"), std::string::npos) << o.output;
  o = run_ganforge("train dcgan --resume --out /nonexistent/run");
  EXPECT_EQ(o.status, 2);
  EXPECT_NE(o.output.find("/nonexistent/run: expected the folder of a run"), std::string::npos) << o.output;
  // A finished run is neither overwritten by a fresh one nor resumed through one of its checkpoint folders.
  const fs::path run = scratch_folder("occupied");
  ASSERT_EQ(run_ganforge("train gan --data " + tiny_mnist().string() + " --batch 8 --steps 1 --out " + run.string()).status, 0);
  o = run_ganforge("train gan --data " + tiny_mnist().string() + " --batch 8 --steps 1 --out " + run.string());
  EXPECT_EQ(o.status, 1);
  EXPECT_NE(o.output.find("already holds a training run"), std::string::npos) << o.output;
  o = run_ganforge("train gan --resume --steps 2 --out " + (run / "checkpoints" / "step-00000001").string());
  EXPECT_EQ(o.status, 2);
  EXPECT_NE(o.output.find("expected the folder of a run"), std::string::npos) << o.output;
  o = run_ganforge("sample /nonexistent/run");
  EXPECT_EQ(o.status, 1);
  EXPECT_NE(o.output.find("/nonexistent/run"), std::string::npos) << o.output;
  o = run_ganforge("train dcgan --data " + tiny_mnist().string() + " --batch 64 --out " + scratch_folder("too_big").string());
  EXPECT_EQ(o.status, 1);
  EXPECT_NE(o.output.find("fewer than one batch of 64"), std::string::npos) << o.output;
}

}  // namespace
