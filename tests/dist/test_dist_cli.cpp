// `mpirun -np 2 ganforge train` end to end on the tiny MNIST of tests/gan/train: two ranks leave
// one valid run folder written by rank 0, resume bit for bit, refuse another number of ranks,
// match one process training on the whole global batch, and one rank's error ends the job.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>

#include "nn/safetensors.h"
#include "tests/gan/train/run_folders.h"

namespace fs = std::filesystem;
using namespace ganforge;
using ganforge::testing::Outcome;
using ganforge::testing::read_text;
using ganforge::testing::run_ganforge;
using ganforge::testing::run_ganforge_with;
using ganforge::testing::scratch_folder;
using ganforge::testing::tiny_mnist;

namespace {

// The mpirun command. OpenMPI refuses to start as root (CI's containers run as root) unless both
// variables are set; one thread a rank, as on a machine of one core a rank. Set here, for these
// tests only.
std::string mpirun() {
  setenv("OMPI_ALLOW_RUN_AS_ROOT", "1", 1);
  setenv("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1", 1);
  setenv("OMP_NUM_THREADS", "1", 1);
  return GANFORGE_MPIRUN;
}

// `ganforge ARGUMENTS` on `ranks` ranks; the output of every rank together.
Outcome on_ranks(int ranks, const std::string& arguments) {
  return run_ganforge_with(mpirun() + " -np " + std::to_string(ranks) + " " + GANFORGE_CLI, arguments);
}

std::string checkpoint(const fs::path& run, int step) {
  char name[32];
  std::snprintf(name, sizeof name, "step-%08d", step);
  return (run / "checkpoints" / name).string();
}

// Every file's path in the run folder, relative to it.
std::set<std::string> files_of(const fs::path& run) {
  std::set<std::string> files;
  for (const auto& entry : fs::recursive_directory_iterator(run))
    if (entry.is_regular_file()) files.insert(fs::relative(entry.path(), run).string());
  return files;
}

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// The MLP GAN at batch 4 a rank; one process trains the same global batch with --batch 8.
const std::string kMlpGanOptions = "train gan --data " + tiny_mnist().string() + " --workers 1 --log-every 1 ";
const std::string kMlpGan = kMlpGanOptions + "--batch 4 ";

TEST(TwoRanks, LeaveOneValidRunFolderWrittenByRankZero) {
  const fs::path two = scratch_folder("two_ranks"), one = scratch_folder("one_rank");
  const Outcome run = on_ranks(2, kMlpGan + "--steps 4 --out " + two.string());
  ASSERT_EQ(run.status, 0) << run.output;
  EXPECT_EQ(count(run.output, "training gan"), 1u) << run.output;  // only rank 0 prints
  EXPECT_EQ(run.output.find('\r'), std::string::npos) << "plain progress lines under mpirun";
  EXPECT_NE(run.output.find("batch 4 on each of 2 ranks"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("global batch 8"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("gradient all-reduce over 2 ranks"), std::string::npos) << run.output;
  const auto state = nlohmann::json::parse(read_text(fs::path(checkpoint(two, 4)) / "state.json"));
  EXPECT_EQ(state["world_size"], 2);
  EXPECT_EQ(state["steps_per_epoch"], 4);  // 32 images in global batches of 8
  // The same files as one process leaves, and no other.
  ASSERT_EQ(run_ganforge(kMlpGanOptions + "--steps 4 --batch 8 --out " + one.string()).status, 0);
  EXPECT_EQ(files_of(two), files_of(one));
}

TEST(TwoRanks, ResumeContinuesBitExactly) {
  // DCGAN with each rank's own batch norm: the resume lands mid-epoch (4 steps an epoch).
  const fs::path whole = scratch_folder("whole"), split = scratch_folder("split");
  const std::string dcgan = "train dcgan --data " + tiny_mnist().string() + " --batch 4 --ngf 8 --ndf 8 --workers 2 ";
  ASSERT_EQ(on_ranks(2, dcgan + "--steps 6 --out " + whole.string()).status, 0);
  ASSERT_EQ(on_ranks(2, dcgan + "--steps 3 --out " + split.string()).status, 0);
  const Outcome resumed = on_ranks(2, "train dcgan --resume --steps 6 --out " + split.string());
  ASSERT_EQ(resumed.status, 0) << resumed.output;
  EXPECT_NE(resumed.output.find("from step 3"), std::string::npos) << resumed.output;
  for (const char* file : {"weights.safetensors", "training_state.safetensors"})
    EXPECT_TRUE(read_text(fs::path(checkpoint(whole, 6)) / file) == read_text(fs::path(checkpoint(split, 6)) / file))
        << file << " differs between the whole and the resumed run";
}

TEST(TwoRanks, ResumingOnAnotherNumberOfRanksIsRefused) {
  const fs::path run = scratch_folder("refused");
  ASSERT_EQ(on_ranks(2, kMlpGan + "--steps 2 --out " + run.string()).status, 0);
  const Outcome alone = run_ganforge("train gan --resume --steps 4 --out " + run.string());
  EXPECT_EQ(alone.status, 1);
  EXPECT_NE(alone.output.find("trained on 2 ranks and this job has 1: resume it on as many (mpirun -np 2)"),
            std::string::npos)
      << alone.output;
  EXPECT_EQ(read_text(run / "latest_checkpoint"), "checkpoints/step-00000002\n");
}

TEST(TwoRanks, MatchOneProcessTrainingOnTheGlobalBatch) {
  // The MLP GAN with batch norm over both ranks (--sync-bn): the same batches, the same noise
  // (each rank draws its half of the one-process draw) and the same statistics; only the order of
  // the sums differs. Adam divides each gradient by its own size, so a gradient that is all
  // rounding (the biases of the linear layers before batch norm, whose true gradient is 0) moves
  // its weight by a good part of lr either way. Measured over 40 steps on MNIST (2 ranks of batch
  // 32 against one process of 64): those biases differed by 0.018-0.053 lr on average, every
  // other tensor by 2e-5 lr at most.
  const fs::path two = scratch_folder("sync_two"), one = scratch_folder("sync_one");
  ASSERT_EQ(on_ranks(2, kMlpGan + "--sync-bn --steps 4 --out " + two.string()).status, 0);
  ASSERT_EQ(run_ganforge(kMlpGanOptions + "--sync-bn --steps 4 --batch 8 --out " + one.string()).status, 0);
  const nn::SafetensorsFile a = nn::load_safetensors(checkpoint(two, 4) + "/weights.safetensors");
  const nn::SafetensorsFile b = nn::load_safetensors(checkpoint(one, 4) + "/weights.safetensors");
  ASSERT_EQ(a.tensors.size(), b.tensors.size());
  const double lr = 2e-4, steps = 4;
  for (const auto& [name, tensor] : a.tensors) {
    const std::vector<float> x = tensor.to(DType::F32).to_vector<float>(),
                             y = b.tensors.at(name).to(DType::F32).to_vector<float>();
    ASSERT_EQ(x.size(), y.size()) << name;
    double total = 0, largest = 0;
    for (size_t i = 0; i < x.size(); ++i) {
      total += std::abs(x[i] - y[i]);
      largest = std::max(largest, static_cast<double>(std::abs(x[i] - y[i])));
    }
    EXPECT_LE(largest, 2 * lr * steps + 1e-6) << name;  // no weight moved further than all its updates
    EXPECT_LE(total / static_cast<double>(x.size()), 0.1 * lr) << name;
  }
}

TEST(TwoRanks, AFailingRankEndsTheJobNamingIt) {
  const fs::path run = scratch_folder("failing"), missing = scratch_folder("empty") / "no-such-data";
  const std::string flags = " --batch 4 --steps 4 --workers 0 --out " + run.string();
  const Outcome job = run_ganforge_with(mpirun() + " -np 1 " + GANFORGE_CLI + " train gan --data " +
                                            tiny_mnist().string() + flags + " : -np 1 " + GANFORGE_CLI,
                                        "train gan --data " + missing.string() + flags);
  EXPECT_NE(job.status, 0);
  EXPECT_NE(job.output.find("rank 1 of 2: error"), std::string::npos) << job.output;
  EXPECT_NE(job.output.find("no-such-data"), std::string::npos) << job.output;
  EXPECT_FALSE(fs::exists(run / "latest_checkpoint"));
}

}  // namespace
