// Training runs that never lose work, through the `ganforge` binary on a tiny data set the test
// writes: a full disk or a failed write stops training with the last good checkpoint kept; a
// second process on a run folder is refused; Ctrl-C and SIGTERM stop with a checkpoint that
// resumes bit-exactly; checkpoints come on a time interval too without changing the results; a
// diverging run stops before it writes a checkpoint of garbage; a configuration that cannot fit
// in memory is refused naming the numbers.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>

#include "core/ganforge.h"
#include "gan/data/grid.h"
#include "gan/train/append_file.h"
#include "gan/train/divergence.h"
#include "nn/safetensors.h"
#include "tests/gan/train/run_folders.h"

namespace fs = std::filesystem;
using namespace ganforge;

using ganforge::testing::Outcome;
using ganforge::testing::read_text;
using ganforge::testing::scratch_folder;
using ganforge::testing::tiny_mnist;

namespace {

using Clock = std::chrono::steady_clock;

// A small DCGAN on the tiny set: 32 / batch steps an epoch, a step in milliseconds. `more`
// adds flags or replaces the defaults' (a flag may be given only once).
std::vector<std::string> dcgan(const fs::path& run, const std::vector<std::string>& more = {}, int batch = 8) {
  std::vector<std::string> args{"train", "dcgan", "--data", tiny_mnist().string(), "--batch", std::to_string(batch), "--ngf", "8", "--ndf", "8",
                                "--workers", "2", "--log-every", "1", "--out", run.string()};
  for (size_t i = 0; i < more.size(); ++i) {
    auto given = std::find(args.begin(), args.end(), more[i]);
    if (more[i].rfind("--", 0) == 0 && i + 1 < more.size() && given != args.end() && given + 1 != args.end())
      *(given + 1) = more[++i];
    else
      args.push_back(more[i]);
  }
  return args;
}

// A ganforge process whose output (stdout and stderr together) the test reads as it comes.
class Child {
 public:
  explicit Child(const std::vector<std::string>& args, const std::function<void()>& before_exec = {}) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
    std::vector<char*> argv{const_cast<char*>(GANFORGE_CLI)};
    for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(fds[1], STDOUT_FILENO);
      ::dup2(fds[1], STDERR_FILENO);
      if (before_exec) before_exec();
      ::execv(GANFORGE_CLI, argv.data());
      ::_exit(127);
    }
    ::close(fds[1]);
    out_ = fds[0];
  }
  ~Child() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    ::close(out_);
  }

  pid_t pid() const { return pid_; }
  const std::string& output() const { return output_; }

  // Reads until the output holds `text`; false when the output ends or a minute passes first.
  bool wait_for(const std::string& text) {
    const auto deadline = Clock::now() + std::chrono::seconds(60);
    while (output_.find(text) == std::string::npos)
      if (Clock::now() > deadline || !read_some(deadline)) return false;
    return true;
  }

  void signal(int sig) const { ::kill(pid_, sig); }

  // Reads the rest of the output and returns the exit status (-signal when a signal ended it).
  // A child still running after two minutes is killed.
  int finish() {
    const auto deadline = Clock::now() + std::chrono::seconds(120);
    while (read_some(deadline)) {
    }
    if (Clock::now() > deadline) ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
  }

 private:
  bool read_some(Clock::time_point deadline) {
    pollfd p{out_, POLLIN, 0};
    const int ms = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count());
    if (ms <= 0 || ::poll(&p, 1, ms) <= 0) return false;
    char buffer[4096];
    const ssize_t n = ::read(out_, buffer, sizeof buffer);
    if (n <= 0) return false;
    output_.append(buffer, static_cast<size_t>(n));
    return true;
  }

  pid_t pid_ = -1;
  int out_ = -1;
  std::string output_;
};

Outcome ganforge(const std::vector<std::string>& args) {
  Child child(args);
  const int status = child.finish();
  return {status, child.output()};
}

std::string step_name(int64_t step) {
  char name[32];
  std::snprintf(name, sizeof name, "step-%08lld", static_cast<long long>(step));
  return name;
}

int64_t latest_step(const fs::path& run) {
  const std::string latest = read_text(run / "latest_checkpoint");
  return std::stoll(latest.substr(latest.find("step-") + 5));
}

// The checkpoint latest_checkpoint names loads completely.
void expect_loadable_latest(const fs::path& run) {
  std::string latest = read_text(run / "latest_checkpoint");
  ASSERT_FALSE(latest.empty()) << run;
  latest.pop_back();
  const fs::path checkpoint = run / latest;
  EXPECT_GT(nn::load_safetensors((checkpoint / "weights.safetensors").string()).tensors.size(), 4u);
  nn::load_safetensors((checkpoint / "training_state.safetensors").string());
  EXPECT_EQ(nlohmann::json::parse(read_text(checkpoint / "state.json"))["step"].get<int64_t>(), latest_step(run));
}

void expect_same_checkpoint(const fs::path& a, const fs::path& b) {
  for (const char* file : {"weights.safetensors", "training_state.safetensors"}) {
    const std::string x = read_text(a / file), y = read_text(b / file);
    EXPECT_GT(x.size(), 1000u) << a / file;
    EXPECT_TRUE(x == y) << a / file << " and " << b / file << " differ";
  }
}

// ------------------------------------------------------------------ failed writes

TEST(RunSafety, AFailedLogWriteThrowsNamingTheFile) {
  gan::AppendFile log("/dev/full");
  try {
    log.append("{\"step\": 1}\n");
    ADD_FAILURE() << "writing to /dev/full did not fail";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("cannot write '/dev/full': No space left on device"), std::string::npos) << e.what();
  }
}

// Sample sheets and the loss curve are written atomically, through a temporary file beside the
// target, so /dev/full cannot stand for a full disk here; a file size limit does.
TEST(RunSafety, AFailedSampleSheetWriteThrowsNamingTheFileAndKeepsTheOldOne) {
  const fs::path sheet = scratch_folder("sheet") / "final.png";
  data::save_grid(sheet, zeros({1, 1, 4, 4}));
  const std::string before = read_text(sheet);
  const fs::path message = sheet.parent_path() / "message.txt";
  const pid_t pid = ::fork();
  if (pid == 0) {
    std::signal(SIGXFSZ, SIG_IGN);
    rlimit limit{};
    ::getrlimit(RLIMIT_FSIZE, &limit);
    const rlim_t hard = limit.rlim_max;
    limit.rlim_cur = 100;
    ::setrlimit(RLIMIT_FSIZE, &limit);
    std::string what;
    try {
      data::save_grid(sheet, rand({16, 3, 32, 32}));
    } catch (const std::exception& e) {
      what = e.what();
    }
    limit.rlim_cur = hard;
    ::setrlimit(RLIMIT_FSIZE, &limit);
    std::ofstream(message) << what;
    ::_exit(0);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  EXPECT_NE(read_text(message).find("cannot write '" + sheet.string() + "': File too large"), std::string::npos) << read_text(message);
  EXPECT_EQ(read_text(sheet), before) << "the sheet written before was replaced";
  for (const auto& entry : fs::directory_iterator(sheet.parent_path()))
    EXPECT_EQ(entry.path().filename().string().find(".tmp-"), std::string::npos) << "left behind: " << entry.path();
}

// Makes `dir` a small tmpfs, in a mount namespace of this process alone (as root, or in a user
// namespace where those are allowed), so that the mount ends with the process. False when
// neither works.
bool mount_private_tmpfs(const fs::path& dir, const std::string& size) {
  const uid_t uid = ::geteuid();
  const gid_t gid = ::getegid();
  if (::unshare(CLONE_NEWNS) != 0) {
    if (::unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0) return false;
    std::ofstream("/proc/self/setgroups") << "deny";
    std::ofstream("/proc/self/uid_map") << "0 " << uid << " 1";
    std::ofstream("/proc/self/gid_map") << "0 " << gid << " 1";
  }
  return ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) == 0 &&
         ::mount("tmpfs", dir.c_str(), "tmpfs", 0, ("size=" + size).c_str()) == 0;
}

// The disk fills up after the first checkpoint: training stops with an error naming the file
// it could not write, and latest_checkpoint names a checkpoint that loads and resumes. The run
// trains on a tmpfs of its own (in a child's mount namespace, gone when the child ends), and
// is copied out for the checks.
TEST(RunSafety, AFullDiskStopsTrainingAndKeepsTheLastGoodCheckpoint) {
  const fs::path scratch = scratch_folder("full"), disk = scratch / "disk", copy = scratch / "copy";
  fs::create_directories(disk);
  const fs::path run = disk / "run";
  const std::vector<std::string> args = dcgan(run, {"--steps", "100000"});
  const pid_t pid = ::fork();
  if (pid == 0) {
    if (!mount_private_tmpfs(disk, "4m")) ::_exit(77);
    std::ofstream result(scratch / "result.txt");
    Child child(args);
    const bool checkpointed = child.wait_for("step 5/");  // after the checkpoint at step 4
    {
      std::ofstream filler(disk / "filler", std::ios::binary);
      const std::string block(1 << 16, 'x');
      while (filler.write(block.data(), block.size())) {
      }
    }
    const int status = child.finish();
    result << checkpointed << " " << status << "\n" << child.output();
    result.close();
    fs::copy(run, copy, fs::copy_options::recursive);
    ::_exit(0);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (WIFEXITED(status) && WEXITSTATUS(status) == 77) GTEST_SKIP() << "no tmpfs can be mounted here (not root, no user namespaces)";
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  std::ifstream result(scratch / "result.txt");
  bool checkpointed = false;
  int exit_status = 0;
  result >> checkpointed >> exit_status;
  const std::string output((std::istreambuf_iterator<char>(result)), std::istreambuf_iterator<char>());
  ASSERT_TRUE(checkpointed) << output;
  EXPECT_EQ(exit_status, 1) << output;
  EXPECT_NE(output.find("cannot write '" + run.string() + "/"), std::string::npos) << output;
  EXPECT_NE(output.find("No space left on device; training stopped; the last good checkpoint is " + run.string()),
            std::string::npos)
      << output;
  expect_loadable_latest(copy);
  for (const auto& entry : fs::directory_iterator(copy / "checkpoints"))  // no partial checkpoint left holding the disk
    EXPECT_EQ(entry.path().filename().string().find(".tmp-"), std::string::npos) << entry.path();
  std::ifstream log(copy / "log.jsonl");
  for (std::string line; std::getline(log, line);) EXPECT_FALSE(nlohmann::json::parse(line, nullptr, false).is_discarded()) << line;
  const Outcome resumed =
      ganforge({"train", "dcgan", "--resume", "--steps", std::to_string(latest_step(copy) + 1), "--out", copy.string()});
  EXPECT_EQ(resumed.status, 0) << resumed.output;
}

// ------------------------------------------------------------------ one process per run folder

TEST(RunSafety, ASecondProcessOnTheSameRunFolderIsRefused) {
  const fs::path run = scratch_folder("shared");
  Child first(dcgan(run, {"--steps", "100000"}));
  ASSERT_TRUE(first.wait_for("step 5/")) << first.output();  // after the checkpoint at step 4
  const std::string refusal = run.string() + " is in use by another ganforge process (pid " + std::to_string(first.pid()) + ")";
  Outcome second = ganforge(dcgan(run, {"--steps", "10"}));
  EXPECT_EQ(second.status, 1);
  EXPECT_NE(second.output.find(refusal), std::string::npos) << second.output;
  second = ganforge({"train", "dcgan", "--resume", "--steps", "100000", "--out", run.string()});
  EXPECT_EQ(second.status, 1);
  EXPECT_NE(second.output.find(refusal), std::string::npos) << second.output;
  // A process that is killed holds the folder no longer.
  first.signal(SIGKILL);
  ASSERT_EQ(first.finish(), -SIGKILL);
  const Outcome resumed =
      ganforge({"train", "dcgan", "--resume", "--steps", std::to_string(latest_step(run) + 1), "--out", run.string()});
  EXPECT_EQ(resumed.status, 0) << resumed.output;
}

// A resumed run reads its log.jsonl back like every file of a run folder: a link planted there
// (in a downloaded run, say) is refused unread, not followed and not written through.
TEST(RunSafety, ALogThatIsALinkIsRefusedOnResume) {
  const fs::path run = scratch_folder("planted");
  ASSERT_EQ(ganforge(dcgan(run, {"--steps", "2"})).status, 0);
  const fs::path secret = scratch_folder("planted-secret") / "secret.txt";
  std::ofstream(secret) << "SECRET\n";
  fs::remove(run / "log.jsonl");
  fs::create_symlink(secret, run / "log.jsonl");
  const Outcome resumed = ganforge({"train", "dcgan", "--resume", "--steps", "3", "--out", run.string()});
  EXPECT_EQ(resumed.status, 1) << resumed.output;
  EXPECT_NE(resumed.output.find("log.jsonl': is a symbolic link"), std::string::npos) << resumed.output;
  EXPECT_EQ(resumed.output.find("SECRET"), std::string::npos) << resumed.output;
  std::ifstream in(secret);
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), {}), "SECRET\n");
}

// ------------------------------------------------------------------ signals

// Ctrl-C mid-run: the step finishes, a checkpoint is written, the command to resume is
// printed, the exit status is 130; resuming then ends bit for bit where an uninterrupted run
// ends (mid-epoch, two loader threads, --checkpoint-minutes changed on resume).
TEST(RunSafety, CtrlCSavesACheckpointThatResumesBitExactly) {
  const int64_t total = 160;  // 10 epochs of 16 steps
  const fs::path whole = scratch_folder("whole"), split = scratch_folder("split");
  ASSERT_EQ(ganforge(dcgan(whole, {"--steps", std::to_string(total)}, 2)).status, 0);

  Child interrupted(dcgan(split, {"--steps", std::to_string(total)}, 2));
  ASSERT_TRUE(interrupted.wait_for("step 3/")) << interrupted.output();
  interrupted.signal(SIGINT);
  ASSERT_EQ(interrupted.finish(), 130) << interrupted.output();
  const int64_t stopped = latest_step(split);
  ASSERT_LT(stopped, total) << "the run ended before the signal came";
  EXPECT_NE(interrupted.output().find("SIGINT: stopped at step " + std::to_string(stopped) + "; checkpoint " +
                                      (split / "checkpoints" / step_name(stopped)).string()),
            std::string::npos)
      << interrupted.output();
  EXPECT_NE(interrupted.output().find("continue with: ganforge train dcgan --resume --out " + split.string()), std::string::npos)
      << interrupted.output();
  // The log holds every step up to the checkpoint, each line whole.
  std::ifstream log(split / "log.jsonl");
  int64_t lines = 0;
  for (std::string line; std::getline(log, line); ++lines) EXPECT_EQ(nlohmann::json::parse(line)["step"], lines + 1);
  EXPECT_EQ(lines, stopped);

  const Outcome resumed = ganforge({"train", "dcgan", "--resume", "--steps", std::to_string(total), "--checkpoint-minutes", "5",
                                    "--out", split.string()});
  ASSERT_EQ(resumed.status, 0) << resumed.output;
  EXPECT_NE(resumed.output.find("from step " + std::to_string(stopped)), std::string::npos) << resumed.output;
  expect_same_checkpoint(whole / "checkpoints" / step_name(total), split / "checkpoints" / step_name(total));
}

TEST(RunSafety, SigtermStopsTheSameWayWithStatus143) {
  const fs::path run = scratch_folder("term");
  Child child(dcgan(run, {"--steps", "100000"}));
  ASSERT_TRUE(child.wait_for("step 2/")) << child.output();
  child.signal(SIGTERM);
  ASSERT_EQ(child.finish(), 143) << child.output();
  EXPECT_NE(child.output().find("SIGTERM: stopped at step " + std::to_string(latest_step(run))), std::string::npos)
      << child.output();
  expect_loadable_latest(run);
}

// A second signal ends the process at once. The child is stopped while both arrive, so that
// the second is handled before the training loop can act on the first.
TEST(RunSafety, ASecondSignalStopsAtOnce) {
  const fs::path run = scratch_folder("twice");
  Child child(dcgan(run, {"--steps", "100000"}));
  ASSERT_TRUE(child.wait_for("step 2/")) << child.output();
  child.signal(SIGSTOP);
  child.signal(SIGINT);
  child.signal(SIGTERM);
  child.signal(SIGCONT);
  const int status = child.finish();
  EXPECT_TRUE(status == 130 || status == 143) << status << "\n" << child.output();
  EXPECT_NE(child.output().find("stopped at once"), std::string::npos) << child.output();
  EXPECT_EQ(child.output().find("stopped at step"), std::string::npos) << child.output();
}

// ------------------------------------------------------------------ checkpoints on a timer

TEST(RunSafety, CheckpointsOnATimeIntervalDoNotChangeTheResults) {
  // Batch 1: 32 steps an epoch, so 20 steps reach no epoch end and write one checkpoint, at the end.
  const fs::path plain = scratch_folder("untimed"), timed = scratch_folder("timed");
  ASSERT_EQ(ganforge(dcgan(plain, {"--steps", "20"}, 1)).status, 0);
  ASSERT_EQ(ganforge(dcgan(timed, {"--steps", "20", "--checkpoint-minutes", "0.0001"}, 1)).status, 0);  // 6 ms
  std::vector<std::string> checkpoints;
  for (const auto& entry : fs::directory_iterator(timed / "checkpoints")) checkpoints.push_back(entry.path().filename());
  std::sort(checkpoints.begin(), checkpoints.end());
  ASSERT_EQ(checkpoints.size(), 2u) << "the newest two are kept";
  EXPECT_LT(checkpoints[0], step_name(20)) << "no checkpoint came from the timer";
  EXPECT_EQ(checkpoints[1], step_name(20));
  EXPECT_FALSE(fs::exists(plain / "checkpoints" / checkpoints[0]));
  expect_same_checkpoint(plain / "checkpoints" / step_name(20), timed / "checkpoints" / step_name(20));
  EXPECT_EQ(nlohmann::json::parse(read_text(timed / "options.json"))["checkpoint_minutes"].get<double>(), 0.0001);
  EXPECT_EQ(nlohmann::json::parse(read_text(plain / "options.json"))["checkpoint_minutes"].get<double>(), 10) << "the default";
}

// ------------------------------------------------------------------ divergence

TEST(RunSafety, AnExplodingLossStopsTrainingBeforeItsCheckpoint) {
  const fs::path run = scratch_folder("exploding");
  const Outcome o = ganforge(dcgan(run, {"--lr", "1e6", "--steps", "30", "--checkpoint-every", "1"}));
  EXPECT_EQ(o.status, 1) << o.output;
  EXPECT_NE(o.output.find("more than 10000 times its value at step 1"), std::string::npos) << o.output;
  const int64_t kept = latest_step(run);
  EXPECT_NE(o.output.find("step " + std::to_string(kept + 1) + ": "), std::string::npos) << o.output;
  EXPECT_NE(o.output.find("training stopped; the last good checkpoint is " + (run / "checkpoints" / step_name(kept)).string()),
            std::string::npos)
      << o.output;
  EXPECT_FALSE(fs::exists(run / "checkpoints" / step_name(kept + 1)));
}

// A recipe of one linear layer, to drive the parameter-norm rule directly.
struct OneLayer : gan::Recipe {
  std::shared_ptr<nn::Linear> layer = std::make_shared<nn::Linear>(4, 4);
  std::vector<std::pair<std::string, nn::Module*>> networks() override { return {{"G", layer.get()}}; }
  std::vector<std::pair<std::string, nn::Optimizer*>> optimizers() override { return {}; }
  gan::StepValues train_step(const data::Batch&) override { return {}; }
  std::vector<gan::SampleGrid> sample_grids() override { return {}; }
};

TEST(RunSafety, ExplodingWeightsAreDivergenceEvenWhenTheLossesLookFine) {
  OneLayer recipe;
  gan::DivergenceCheck check(recipe);
  const gan::StepValues values{{"loss_G", 0.7}, {"D(x)", 0.5}};
  EXPECT_FALSE(check.after_step(11, values, false));  // the first step: the references
  {
    NoGradGuard no_grad;
    recipe.layer->weight.mul_(100);
  }
  EXPECT_FALSE(check.after_step(12, values, true)) << "100 times the norm is not divergence";
  {
    NoGradGuard no_grad;
    recipe.layer->weight.mul_(1000);
  }
  EXPECT_FALSE(check.after_step(13, values, false)) << "the norms are checked only when asked";
  const std::optional<std::string> problem = check.after_step(14, values, true);
  ASSERT_TRUE(problem);
  EXPECT_NE(problem->find("the parameter norm of G is "), std::string::npos) << *problem;
  EXPECT_NE(problem->find("more than 10000 times its value at step 11"), std::string::npos) << *problem;
  EXPECT_EQ(check.after_step(15, {{"loss_G", 0.7}, {"D(x)", NAN}}, false), "D(x) is nan");
}

// ------------------------------------------------------------------ memory

TEST(RunSafety, ARunThatCannotFitInMemoryIsRefusedWithTheEstimate) {
  // 64 pairs of 16384 x 16384 RGB images a batch: terabytes of activations.
  const fs::path pairs = scratch_folder("pairs");
  data::Image image(68, 34, 3);
  for (int i = 0; i < 2; ++i) data::write_png(pairs / ("p" + std::to_string(i) + ".png"), image);
  const Outcome o = ganforge({"train", "pix2pix", "--data", pairs.string(), "--image-size", "16384", "--batch", "64",
                              "--steps", "1", "--out", (scratch_folder("huge") / "run").string()});
  EXPECT_EQ(o.status, 1);
  EXPECT_NE(o.output.find("this run needs at least"), std::string::npos) << o.output;
  EXPECT_NE(o.output.find("activations at least"), std::string::npos) << o.output;
  EXPECT_NE(o.output.find("GiB is available"), std::string::npos) << o.output;
}

// Networks too wide to build: the allocation that fails names the tensor (refused up front
// where the memory is not there, or failing under the address-space limit set here).
TEST(RunSafety, ANetworkTooLargeToBuildNamesTheTensor) {
  Child child(dcgan(scratch_folder("wide") / "run", {"--ngf", "4096", "--steps", "1"}), [] {
    const rlimit limit{rlim_t{4} << 30, rlim_t{4} << 30};  // a small run needs less than 2 GiB of address space
    ::setrlimit(RLIMIT_AS, &limit);
  });
  EXPECT_EQ(child.finish(), 1) << child.output();
  EXPECT_NE(child.output().find("for a f32 tensor of shape [16384, 8192, 3, 3] on cpu"), std::string::npos) << child.output();
}

}  // namespace
