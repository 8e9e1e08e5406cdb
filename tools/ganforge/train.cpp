// `ganforge train ARCH`: the flags map one to one onto gan::TrainOptions.
#include <iostream>

#include "gan/train/checkpoint.h"
#include "gan/train/trainer.h"
#include "tools/ganforge/args.h"
#include "tools/ganforge/commands.h"

namespace ganforge::cli {
namespace {

// Flags that shape the model or its recipe: fixed once a run has started.
const std::vector<std::string> kModelFlags = {"batch", "lr", "image-size", "seed", "limit", "loss", "order", "label-smoothing",
                                              "ngf", "ndf", "depth", "blocks", "direction", "lambda-l1", "lambda-cycle",
                                              "lambda-identity", "lambda-info", "pool-size", "decay-epochs"};

ArgSpec train_spec() {
  return {.flags = {{"data", "mnist|fashion-mnist|cifar10|facades|horse2zebra|FOLDER"},
                    {"epochs", "N"},
                    {"steps", "N"},
                    {"batch", "N"},
                    {"lr", "RATE"},
                    {"image-size", "PIXELS"},
                    {"device", "cpu|cuda|cuda-sim"},
                    {"kernels", "reference|cpu|cuda|cuda-sim|..."},
                    {"seed", "S"},
                    {"out", "DIR"},
                    {"sample-every", "STEPS"},
                    {"checkpoint-every", "STEPS"},
                    {"checkpoint-minutes", "M"},
                    {"log-every", "STEPS"},
                    {"workers", "N"},
                    {"limit", "N"},
                    {"loss", "bce|lsgan"},
                    {"order", "d-first|g-first"},
                    {"label-smoothing", "X"},
                    {"ngf", "N"},
                    {"ndf", "N"},
                    {"depth", "N"},
                    {"blocks", "N"},
                    {"direction", "AtoB|BtoA"},
                    {"lambda-l1", "X"},
                    {"lambda-cycle", "X"},
                    {"lambda-identity", "X"},
                    {"lambda-info", "X"},
                    {"pool-size", "N"},
                    {"decay-epochs", "N"}},
          .switches = {"resume"},
          .min_positional = 1,
          .max_positional = 1,
          .positional = "the model: gan, dcgan, cgan, infogan, pix2pix or cyclegan"};
}

constexpr int64_t kMax = int64_t{1} << 40;

// The flags that may change between the parts of one run.
void apply_run_flags(const Args& args, gan::TrainOptions& o) {
  o.epochs = args.integer("epochs", o.epochs, 0, kMax);
  o.steps = args.integer("steps", o.steps, 0, kMax);
  o.device = args.choice("device", o.device, {"cpu", "cuda", "cuda-sim"});
  o.kernels = args.text("kernels", o.kernels);
  o.out = args.text("out", o.out);
  o.data = args.text("data", o.data);
  o.sample_every = args.integer("sample-every", o.sample_every, 0, kMax);
  o.checkpoint_every = args.integer("checkpoint-every", o.checkpoint_every, 0, kMax);
  o.checkpoint_minutes = args.number("checkpoint-minutes", o.checkpoint_minutes, 0, 1e6);
  o.log_every = args.integer("log-every", o.log_every, 1, kMax);
  o.workers = static_cast<int>(args.integer("workers", o.workers, 0, 64));
}

void apply_model_flags(const Args& args, gan::TrainOptions& o) {
  o.batch = args.integer("batch", 0, 1, 1 << 20);
  o.lr = args.number("lr", 0, 1e-12, 1e38);
  o.image_size = args.integer("image-size", 0, 2, 1 << 14);
  o.seed = static_cast<uint64_t>(args.integer("seed", 0, 0, INT64_MAX));
  o.limit = args.integer("limit", 0, 0, kMax);
  o.loss = args.has("loss") ? args.choice("loss", "", {"bce", "lsgan"}) : "";
  o.order = args.has("order") ? args.choice("order", "", {"d-first", "g-first"}) : "";
  o.label_smoothing = args.number("label-smoothing", 0, 0, 0.5);
  o.ngf = args.integer("ngf", 0, 1, 4096);
  o.ndf = args.integer("ndf", 0, 1, 4096);
  o.depth = args.integer("depth", 0, 2, 14);
  o.blocks = args.integer("blocks", 0, 0, 64);
  o.direction = args.has("direction") ? args.choice("direction", "", {"AtoB", "BtoA"}) : "";
  o.lambda_l1 = args.number("lambda-l1", o.lambda_l1, 0, 1e6);
  o.lambda_cycle = args.number("lambda-cycle", o.lambda_cycle, 0, 1e6);
  o.lambda_identity = args.number("lambda-identity", o.lambda_identity, 0, 1e6);
  o.lambda_info = args.number("lambda-info", o.lambda_info, 0, 1e6);
  o.pool_size = args.integer("pool-size", o.pool_size, 0, 100000);
  o.decay_epochs = args.integer("decay-epochs", -1, 0, kMax);
}

}  // namespace

int train(const std::vector<std::string>& argv) {
  const Args args(argv, train_spec());
  const gan::Arch arch = gan::parse_arch(args.positional()[0]);
  if (!args.flag("resume")) {
    gan::TrainOptions options;
    options.arch = arch;
    apply_model_flags(args, options);
    apply_run_flags(args, options);
    return gan::train(options, std::cout).exit_status;
  }
  if (!args.has("out")) throw UsageError("--resume needs --out DIR, the folder of the run to continue");
  for (const std::string& flag : kModelFlags)
    if (args.has(flag)) throw UsageError("--" + flag + " cannot change when resuming: it is fixed by the run's checkpoint");
  const std::filesystem::path run = args.text("out", "");
  if (!std::filesystem::exists(run / "latest_checkpoint"))
    throw UsageError("--resume --out " + run.string() + ": expected the folder of a run (one that holds latest_checkpoint)");
  const std::filesystem::path checkpoint = gan::find_checkpoint(run);
  gan::TrainOptions options = gan::read_checkpoint_state(checkpoint).options;
  if (options.arch != arch)
    throw UsageError(std::string("the run in ") + args.text("out", "") + " trains " + gan::arch_name(options.arch) + ", not " +
                     gan::arch_name(arch));
  if (args.has("epochs") && !args.has("steps")) options.steps = 0;  // a new epoch count replaces a step count
  apply_run_flags(args, options);
  return gan::train(options, std::cout, checkpoint).exit_status;
}

}  // namespace ganforge::cli
