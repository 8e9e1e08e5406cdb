// The ganforge command line never surprises: every command explains itself with --help (from
// the same table its parser checks, and in agreement with the README), a usage error is one
// line and exit status 2, ranges read as people write them, --steps / --epochs mean one thing
// also on --resume, --kernels fit --device, --out's extension picks the format, and nothing
// the user had is overwritten silently.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>

#include "core/ganforge.h"
#include "gan/data/image.h"
#include "tests/gan/train/run_folders.h"

namespace fs = std::filesystem;
using namespace ganforge;

using ganforge::testing::Outcome;
using ganforge::testing::read_text;
using ganforge::testing::run_ganforge;
using ganforge::testing::scratch_folder;
using ganforge::testing::tiny_mnist;
using ganforge::testing::write_text;

namespace {

bool has(const Outcome& o, const std::string& text) { return o.output.find(text) != std::string::npos; }

// Help text with its line breaks and indents as single spaces, to find phrases wherever they wrap.
Outcome unwrapped(const Outcome& help) {
  return {help.status, std::regex_replace(help.output, std::regex("\\s+"), " ")};
}

// A finished `gan` run of `steps` steps on the tiny set.
fs::path gan_run(int steps) {
  const fs::path run = scratch_folder("gan_run") / "run";
  const Outcome o = run_ganforge("train gan --data " + tiny_mnist().string() + " --batch 8 --workers 0 --steps " +
                             std::to_string(steps) + " --out " + run.string());
  EXPECT_EQ(o.status, 0) << o.output;
  return run;
}

// A finished pix2pix run on eight 64x32 side-by-side pairs.
fs::path pix2pix_run() {
  const fs::path pairs = scratch_folder("pairs"), run = scratch_folder("pix2pix_run") / "run";
  for (int i = 0; i < 8; ++i) {
    data::Image image(64, 32, 3);
    for (size_t p = 0; p < image.pixels.size(); ++p) image.pixels[p] = static_cast<uint8_t>(p * 5 + i);
    data::write_png(pairs / (std::string(1, static_cast<char>('a' + i)) + ".png"), image);
  }
  const Outcome o = run_ganforge("train pix2pix --data " + pairs.string() +
                             " --steps 1 --batch 1 --image-size 32 --ngf 4 --ndf 4 --workers 0 --out " + run.string());
  EXPECT_EQ(o.status, 0) << o.output;
  return run;
}

bool one_line(const Outcome& o) { return o.output.find('\n') == o.output.size() - 1; }

// The flags a --help text lists, in order.
std::vector<std::string> listed_flags(const std::string& help) {
  std::vector<std::string> flags;
  const std::regex flag_line("(^|\n)  (--[a-z0-9-]+)");
  for (std::sregex_iterator it(help.begin(), help.end(), flag_line), end; it != end; ++it)
    flags.push_back((*it)[2]);
  return flags;
}

const char* const kCommands[] = {"train", "sample", "translate", "info", "demo"};

TEST(CliFlags, EveryCommandHasItsOwnHelp) {
  for (const std::string command : kCommands) {
    const Outcome help = run_ganforge(command + " --help");
    EXPECT_EQ(help.status, 0) << command << ": " << help.output;
    EXPECT_EQ(help.output.rfind("usage: ganforge " + command, 0), 0u) << help.output;
    EXPECT_EQ(run_ganforge(command + " -h").output, help.output) << command;
    EXPECT_EQ(run_ganforge("help " + command).output, help.output) << command;
  }
  const Outcome version = run_ganforge("--version");
  EXPECT_EQ(version.status, 0);
  EXPECT_EQ(version.output, "ganforge " + ganforge::version() + "\n");
  const Outcome overview = run_ganforge("help");
  EXPECT_EQ(overview.status, 0);
  for (const std::string command : kCommands) EXPECT_TRUE(has(overview, "\n  " + command)) << overview.output;
  EXPECT_EQ(run_ganforge("help wgan").status, 2);
}

TEST(CliFlags, HelpShowsDefaultsAndRanges) {
  const Outcome sample = unwrapped(run_ganforge("sample --help"));
  for (const char* flag :
       {"--n N", "--class K", "--seed S", "--per-row N", "--out FILE", "--device cpu|cuda|cuda-sim", "--kernels"})
    EXPECT_TRUE(has(sample, std::string(" ") + flag + " ")) << flag << " missing from\n" << sample.output;
  EXPECT_TRUE(has(sample, "default: samples.png")) << sample.output;
  EXPECT_TRUE(has(sample, "1 to 4096; default: 64")) << sample.output;
  const Outcome translate = unwrapped(run_ganforge("translate --help"));
  for (const char* flag : {"--out DIR", "--reverse", "--device", "--kernels"})
    EXPECT_TRUE(has(translate, std::string(" ") + flag + " ")) << flag << " missing from\n" << translate.output;
  EXPECT_TRUE(has(translate, "default: translated")) << translate.output;
  const Outcome train = unwrapped(run_ganforge("train --help"));
  EXPECT_TRUE(has(train, "0 to 1e6; default: 100")) << train.output;  // --lambda-l1
  EXPECT_TRUE(has(train, "above 0; default: 2e-4")) << train.output;  // --lr
  EXPECT_TRUE(has(train, "default: runs/run")) << train.output;
  EXPECT_TRUE(has(train, " --profile[=STEPS] ")) << train.output;  // a value that may be left out
  EXPECT_TRUE(has(train, "1 to 1000000; --profile alone: 5)")) << train.output;
  EXPECT_FALSE(has(train, ".000000")) << train.output;
}

// Help and parser are one table: every flag the help lists is one the parser knows.
TEST(CliFlags, EveryFlagInTheHelpIsAccepted) {
  for (const std::string command : kCommands) {
    const std::vector<std::string> flags = listed_flags(run_ganforge(command + " --help").output);
    if (command != "info") {
      EXPECT_GE(flags.size(), 3u) << command;
    }
    for (const std::string& flag : flags) {
      const Outcome o = run_ganforge(command + " " + flag);
      EXPECT_FALSE(has(o, "unknown flag")) << command << " " << flag << ": " << o.output;
    }
  }
}

// README's section "The ganforge program" names every flag of every command.
TEST(CliFlags, TheReadmeNamesEveryFlag) {
  const std::string readme = read_text(fs::path(GANFORGE_SOURCE_DIR) / "README.md");
  const size_t start = readme.find("## The `ganforge` program"), end = readme.find("\n## ", start + 1);
  ASSERT_NE(start, std::string::npos);
  const std::string section = readme.substr(start, end - start);
  for (const std::string command : kCommands) {
    EXPECT_NE(section.find("`ganforge " + command), std::string::npos) << command;
    for (const std::string& flag : listed_flags(run_ganforge(command + " --help").output))
      EXPECT_TRUE(std::regex_search(section, std::regex(flag + "([^a-z-]|$)")))
          << "README does not name " << command << " " << flag;
  }
}

TEST(CliFlags, AUsageErrorIsOneLineAndExitStatus2) {
  const std::string mnist = " --data " + tiny_mnist().string();
  const struct {
    std::string arguments, message;
  } cases[] = {
      {"train wgan", "unknown model 'wgan'; expected one of gan, dcgan"},
      {"train dcgan --stepz 3", "unknown flag --stepz (did you mean --steps?)"},
      {"train dcgan -n 3", "unknown flag -n"},
      {"train dcgan --lambda-l1 -1", "--lambda-l1 expects a number from 0 to 1e6; got '-1'"},
      {"train dcgan --lr 0", "--lr expects a number above 0; got '0'"},
      {"train dcgan --lr nan", "--lr expects a number above 0; got 'nan'"},
      {"train dcgan --batch 0", "--batch expects an integer, at least 1; got '0'"},
      {"train dcgan --label-smoothing 0.7", "--label-smoothing expects a number from 0 to 0.5; got '0.7'"},
      {"train infogan --instance-noise 3", "--instance-noise expects a number from 0 to 2; got '3'"},
      {"train dcgan --loss hinge", "--loss expects bce or lsgan; got 'hinge'"},
      {"train dcgan --steps 3 --steps 4", "--steps is given twice"},
      {"train dcgan --batch", "--batch needs a value: an integer, at least 1"},
      {"train dcgan --resume=yes", "--resume takes no value"},
      {"train gan --profile=0", "--profile expects an integer from 1 to 1000000; got '0'"},
      {"train gan --profile --steps 3", "--profile trains one warm-up step and STEPS profiled ones; leave out --steps"},
      {"train gan --epochs 2 --profile=3", "--profile trains one warm-up step and STEPS profiled ones; leave out --epochs"},
      {"train", "missing ARCH (the model, one of gan, dcgan, cgan, infogan, pix2pix or cyclegan)"},
      {"train pix2pix --image-size 30" + mnist, "needs images of at least 32x32; got --image-size 30"},
      {"train cyclegan --epochs 4 --decay-epochs 5" + mnist, "--decay-epochs 5 exceeds --epochs 4"},
      {"sample", "missing CKPT"},
      {"sample a b", "unexpected argument 'b'; expected CKPT"},
      {"sample run --n 0", "--n expects an integer from 1 to 4096; got '0'"},
      {"info extra", "unexpected argument 'extra'; this command takes only flags"},
  };
  for (const auto& c : cases) {
    const Outcome o = run_ganforge(c.arguments);
    EXPECT_EQ(o.status, 2) << c.arguments << ": " << o.output;
    EXPECT_TRUE(has(o, c.message)) << c.arguments << ": " << o.output;
    EXPECT_TRUE(one_line(o)) << c.arguments << ": " << o.output;
  }
  // A runtime error exits with 1.
  const Outcome missing = run_ganforge("train dcgan --data /nonexistent/folder --out " + (scratch_folder("missing") / "run").string());
  EXPECT_EQ(missing.status, 1) << missing.output;
  EXPECT_EQ(run_ganforge("sample /nonexistent/run").status, 1);
  // A checkpoint's model decides which of its flags fit: still usage errors.
  const fs::path run = gan_run(1);
  const Outcome classless = run_ganforge("sample " + run.string() + " --class 3 --out " + (run / "s.png").string());
  EXPECT_EQ(classless.status, 2) << classless.output;
  EXPECT_TRUE(has(classless, "unconditional")) << classless.output;
  const Outcome wrong_command = run_ganforge("translate " + run.string() + " x.png");
  EXPECT_EQ(wrong_command.status, 2) << wrong_command.output;
  EXPECT_TRUE(has(wrong_command, "use `ganforge sample`")) << wrong_command.output;
}

TEST(CliFlags, ZeroStepsOrEpochsIsRefused) {
  const std::string mnist = " --data " + tiny_mnist().string() + " --out " + (scratch_folder("zero") / "run").string();
  for (const char* flags : {" --steps 0", " --epochs 0", " --steps 0 --epochs 0"}) {
    const Outcome o = run_ganforge("train gan" + mnist + flags);
    EXPECT_EQ(o.status, 2) << flags << ": " << o.output;
    EXPECT_TRUE(has(o, "expects an integer")) << o.output;
  }
}

TEST(CliFlags, OnResumeStepsAndEpochsAreTheNewTotal) {
  const fs::path run = gan_run(4);  // 4 steps: one epoch
  Outcome o = run_ganforge("train gan --resume --steps 2 --out " + run.string());
  EXPECT_EQ(o.status, 2) << o.output;
  EXPECT_TRUE(has(o, "--steps 2 is the run's new total, but the run in " + run.string() + " has done 4 steps")) << o.output;
  o = run_ganforge("train gan --resume --steps 4 --out " + run.string());
  EXPECT_EQ(o.status, 2) << o.output;
  o = run_ganforge("train gan --resume --epochs 1 --out " + run.string());
  EXPECT_EQ(o.status, 2) << o.output;
  EXPECT_TRUE(has(o, "--epochs 1 (4 steps) is the run's new total")) << o.output;
  o = run_ganforge("train gan --resume --out " + run.string());
  EXPECT_EQ(o.status, 2) << o.output;
  EXPECT_TRUE(has(o, "has done 4 steps, all it was asked for; give a larger total with --steps or --epochs")) << o.output;
  o = run_ganforge("train gan --resume --steps 6 --workers 0 --out " + run.string());
  EXPECT_EQ(o.status, 0) << o.output;
  EXPECT_TRUE(has(o, "6 steps (from step 4)")) << o.output;
  o = run_ganforge("train gan --resume --epochs 2 --workers 0 --out " + run.string());
  EXPECT_EQ(o.status, 0) << o.output;
  EXPECT_TRUE(has(o, "8 steps (from step 6)")) << o.output;
}

TEST(CliFlags, KernelsMustFitTheDevice) {
  std::set<std::string> compiled;
  for (const BackendStatus& b : backend_statuses())
    if (b.compiled) compiled.insert(b.name);
  const std::string mnist = " --data " + tiny_mnist().string() + " --out " + (scratch_folder("kernels") / "run").string();
  Outcome o = run_ganforge("train gan --kernels bogus" + mnist);
  EXPECT_EQ(o.status, 2) << o.output;
  EXPECT_TRUE(has(o, "--kernels expects reference, cpu")) << o.output;
  if (!compiled.count("cuda-sim")) GTEST_SKIP() << "no cuda-sim kernels in this build to mismatch";
  o = run_ganforge("train gan --device cpu --kernels cuda-sim" + mnist);
  EXPECT_EQ(o.status, 2) << o.output;
  EXPECT_TRUE(has(o, "--kernels cuda-sim run on --device cuda-sim, not cpu")) << o.output;
  o = run_ganforge("train gan --device cuda-sim --kernels reference" + mnist);
  EXPECT_EQ(o.status, 2) << o.output;
  EXPECT_TRUE(has(o, "--kernels reference run on --device cpu, not cuda-sim")) << o.output;
  const fs::path run = gan_run(1);
  o = run_ganforge("sample " + run.string() + " --kernels cuda-sim --out " + (run / "s.png").string());
  EXPECT_EQ(o.status, 2) << o.output;
  EXPECT_TRUE(has(o, "--kernels cuda-sim run on --device cuda-sim, not cpu")) << o.output;
  // Resumed on another device, a run takes that device's own kernels, not the ones it had.
  const fs::path sim = scratch_folder("sim") / "run";
  o = run_ganforge("train gan --data " + tiny_mnist().string() + " --batch 8 --steps 1 --workers 0 --device cuda-sim " +
               "--kernels cuda-sim --out " + sim.string());
  ASSERT_EQ(o.status, 0) << o.output;
  o = run_ganforge("train gan --resume --device cpu --steps 2 --workers 0 --out " + sim.string());
  EXPECT_EQ(o.status, 0) << o.output;
  EXPECT_TRUE(has(o, "device cpu with 'cpu' kernels")) << o.output;
}

// The start line says how the CPU kernels honour a math mode other than fp32: cpu rounds the
// operands as tensor cores do (kernels/cpu/operand_rounding.h), onednn computes in fp32.
std::string math_run_args(const std::string& folder) {
  return " --data " + tiny_mnist().string() + " --batch 8 --steps 1 --workers 0 --out " +
         (scratch_folder(folder) / "run").string();
}

TEST(CliFlags, TheStartLineSaysTheCpuKernelsRoundTheOperands) {
  const Outcome o = run_ganforge("train gan --math tf32" + math_run_args("math-cpu"));
  ASSERT_EQ(o.status, 0) << o.output;
  EXPECT_TRUE(has(o, "'cpu' kernels, math tf32 (operands rounded as tensor cores do, FP32 sums)")) << o.output;
}

TEST(CliFlags, TheStartLineSaysOnednnComputesInFp32) {
  bool onednn = false;
  for (const BackendStatus& b : backend_statuses()) onednn |= b.name == "onednn" && b.compiled;
  if (!onednn) GTEST_SKIP() << "this build has no onednn kernels (`ganforge info` says why)";
  const Outcome o = run_ganforge("train gan --math bf16 --kernels onednn" + math_run_args("math-onednn"));
  ASSERT_EQ(o.status, 0) << o.output;
  EXPECT_TRUE(has(o, "'onednn' kernels, math bf16 (the onednn kernels compute in fp32 in every mode)")) << o.output;
}

TEST(CliFlags, SampleWritesTheFormatItsExtensionNames) {
  const fs::path run = gan_run(1);
  for (const char* name : {"s.jpg", "s.JPEG"}) {
    const Outcome o = run_ganforge("sample " + run.string() + " --n 4 --out " + (run / name).string());
    ASSERT_EQ(o.status, 0) << o.output;
    EXPECT_EQ(read_text(run / name).substr(0, 3), "\xFF\xD8\xFF") << name << " is not a JPEG";
    EXPECT_EQ(data::read_image(run / name).width, 2 + 4 * 30);
  }
  ASSERT_EQ(run_ganforge("sample " + run.string() + " --n 4 --out " + (run / "s.png").string()).status, 0);
  EXPECT_EQ(read_text(run / "s.png").substr(1, 3), "PNG");
  for (const char* name : {"s.gif", "s"}) {
    const Outcome o = run_ganforge("sample " + run.string() + " --out " + (run / name).string());
    EXPECT_EQ(o.status, 2) << o.output;
    EXPECT_TRUE(has(o, "expected a file name ending in .png, .jpg or .jpeg")) << o.output;
    EXPECT_FALSE(fs::exists(run / name));
  }
}

TEST(CliFlags, TranslateRefusesTwoImagesForOneOutputFile) {
  const fs::path run = pix2pix_run(), in = scratch_folder("inputs"), out = scratch_folder("translated") / "out";
  fs::create_directories(in / "a");
  fs::create_directories(in / "b");
  data::write_png(in / "a" / "x.png", data::Image(32, 32, 3));
  data::write_png(in / "b" / "x.png", data::Image(32, 32, 3));
  Outcome o = run_ganforge("translate " + run.string() + " " + (in / "a" / "x.png").string() + " " + (in / "b" / "x.png").string() +
                       " --out " + out.string());
  EXPECT_EQ(o.status, 2) << o.output;
  EXPECT_TRUE(has(o, (in / "a" / "x.png").string() + " and " + (in / "b" / "x.png").string() + " would both be written to " +
                         (out / "x_pix2pix.png").string()))
      << o.output;
  EXPECT_FALSE(fs::exists(out)) << "nothing is written when the outputs collide";
  o = run_ganforge("translate " + run.string() + " " + (in / "a" / "x.png").string() + " --reverse --out " + out.string());
  EXPECT_EQ(o.status, 2) << o.output;
  o = run_ganforge("translate " + run.string() + " " + (in / "a" / "x.png").string() + " --out " + out.string());
  EXPECT_EQ(o.status, 0) << o.output;
  EXPECT_TRUE(fs::exists(out / "x_pix2pix.png"));
}

TEST(CliFlags, TrainNeverOverwritesAFolderOfOtherFiles) {
  const std::string mnist = " --data " + tiny_mnist().string() + " --batch 8 --steps 1 --workers 0";
  const fs::path mine = scratch_folder("mine");
  write_text(mine / "thesis.tex", "my work");
  fs::create_directories(mine / "samples");
  Outcome o = run_ganforge("train gan" + mnist + " --out " + mine.string());
  EXPECT_EQ(o.status, 1) << o.output;
  EXPECT_TRUE(has(o, "--out " + mine.string() + " holds files that are not a GANForge run")) << o.output;
  EXPECT_TRUE(has(o, "thesis.tex")) << o.output;
  EXPECT_TRUE(has(o, "train into a new or empty folder, or move them away")) << o.output;
  EXPECT_EQ(read_text(mine / "thesis.tex"), "my work");
  EXPECT_TRUE(fs::is_empty(mine / "samples"));
  o = run_ganforge("train gan" + mnist + " --out " + (mine / "thesis.tex").string());
  EXPECT_EQ(o.status, 1) << o.output;
  EXPECT_TRUE(has(o, "is a file; expected a folder")) << o.output;
  const fs::path empty = scratch_folder("empty");
  o = run_ganforge("train gan" + mnist + " --out " + empty.string());
  EXPECT_EQ(o.status, 0) << o.output;
  EXPECT_TRUE(fs::exists(empty / "latest_checkpoint"));
}

}  // namespace
