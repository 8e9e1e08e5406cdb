// `ganforge train ARCH`: the flags map one to one onto gan::TrainOptions.
#include <filesystem>
#include <functional>
#include <iostream>

#include "dist/process_group.h"
#include "gan/train/checkpoint.h"
#include "gan/train/run_lock.h"
#include "gan/train/trainer.h"
#include "tools/ganforge/commands.h"
#include "tools/ganforge/device.h"

namespace fs = std::filesystem;

namespace ganforge::cli {
namespace {

constexpr int64_t kMaxEpochs = 1000000;
constexpr int64_t kMaxProfileSteps = 1000000;

// The flags that may change between the parts of one run.
std::vector<Flag> run_flags() {
  const gan::TrainOptions d;
  return {
      {"data", Text{}, "NAME|FOLDER", "the data set: mnist, fashion-mnist, cifar10, facades, horse2zebra, or a folder of images",
       "mnist; pix2pix: facades; cyclegan: horse2zebra"},
      {"epochs", Integer{1, kMaxEpochs}, "N", "epochs to train; on --resume, the run's new total",
       "the recipe's, in docs/models.md"},
      {"steps", Integer{1}, "N", "stop after N steps in total (before the epochs end); on --resume, the run's new total",
       "all the epochs' steps"},
      device_flag(),
      kernels_flag(),
      math_flag(),
      {"out", Text{}, "DIR", "the run folder: new, empty, or a run to --resume", d.out},
      {"resume", Switch{}, "", "continue the run in --out DIR where its latest checkpoint left it"},
      {"sample-every", Integer{0}, "STEPS", "steps between sample sheets; 0: only at each epoch's end",
       std::to_string(d.sample_every)},
      {"checkpoint-every", Integer{0}, "STEPS", "steps between checkpoints; 0: only at each epoch's end and at the end",
       std::to_string(d.checkpoint_every)},
      {"checkpoint-minutes", Number{0, 1e6}, "M", "minutes between checkpoints as well (0: off)",
       format_number(d.checkpoint_minutes)},
      {"log-every", Integer{1}, "STEPS", "steps between log lines", std::to_string(d.log_every)},
      {"eval-every", Integer{0}, "STEPS",
       "steps between evaluations (and at the end): `ganforge eval`'s metrics into log.jsonl and the loss curve, the "
       "best checkpoint kept and named in best_checkpoint.json; 0: none",
       std::to_string(d.eval_every)},
      {"eval-n", Integer{10, 50000}, "N", "images each evaluation generates", std::to_string(d.eval_n)},
      {"workers", Integer{0, 64}, "N", "data loader threads; 0: load on the training thread", std::to_string(d.workers)},
      {"profile", Integer{1, kMaxProfileSteps}, "STEPS",
       "train one warm-up step and STEPS profiled ones, then stop as after --steps: print each primitive's calls, time, "
       "share and GFLOP/s or GB/s, and keep the table in --out's profile.txt and profile.json; not with --steps or --epochs",
       "", "5"},
  };
}

// The flags that shape the model or its recipe: fixed once a run has started.
std::vector<Flag> model_flags() {
  const gan::TrainOptions d;
  const std::string recipe = "the recipe's";
  return {
      {"batch", Integer{1}, "N", "images a step", recipe},
      {"lr", Number{.min = 0, .above = true}, "RATE", "Adam's learning rate; InfoGAN's G uses 5 times it", "2e-4"},
      {"image-size", Integer{2, 16384}, "PIXELS", "the side of the square images trained on", recipe},
      {"seed", Integer{0}, "S", "the seed of every random choice", std::to_string(d.seed)},
      {"limit", Integer{0}, "N", "use only the first N examples of the data set; 0: all", std::to_string(d.limit)},
      {"loss", Choice{{"bce", "lsgan"}}, "", "the adversarial loss", "lsgan for cgan and cyclegan, else bce"},
      {"order", Choice{{"d-first", "g-first"}}, "", "which network steps first", recipe},
      {"label-smoothing", Number{0, 0.5}, "X", "real labels are 1 - X", format_number(d.label_smoothing)},
      {"ngf", Integer{1, 4096}, "N", "the generator's width", "64"},
      {"ndf", Integer{1, 4096}, "N", "the discriminator's width", "64"},
      {"depth", Integer{2, 14}, "N", "pix2pix: the U-Net's downsamplings, down to 1x1", "log2 of --image-size"},
      {"blocks", Integer{1, 64}, "N", "cyclegan: the generator's residual blocks", "9 at 256 pixels and above, else 6"},
      {"direction", Choice{{"AtoB", "BtoA"}}, "", "pix2pix and cyclegan: which side is translated into which",
       "BtoA for facades, else AtoB"},
      {"lambda-l1", Number{0, 1e6}, "X", "pix2pix: the L1 loss's weight", format_number(d.lambda_l1)},
      {"lambda-cycle", Number{0, 1e6}, "X", "cyclegan: the cycle loss's weight", format_number(d.lambda_cycle)},
      {"lambda-identity", Number{0, 1e6}, "X", "cyclegan: the identity loss's weight, relative to --lambda-cycle",
       format_number(d.lambda_identity)},
      {"lambda-info", Number{0, 1e6}, "X", "infogan: the mutual information loss's weight", format_number(d.lambda_info)},
      {"instance-noise", Number{0, 2}, "SIGMA",
       "infogan: Gaussian noise of std SIGMA on every image D and Q see, so G cannot hide its codes in invisible detail",
       format_number(d.instance_noise)},
      {"pool-size", Integer{0, 100000}, "N", "cyclegan: generated images kept to show the discriminators; 0: none",
       std::to_string(d.pool_size)},
      {"sync-bn", Switch{}, "",
       "data-parallel runs (mpirun): batch norm over all the ranks' batches together, as one process would over the "
       "global batch; without it each rank normalises its own batch"},
      {"decay-epochs", Integer{0, kMaxEpochs}, "N",
       "pix2pix and cyclegan: the last epochs, over which the learning rate falls to 0", "half of --epochs"},
  };
}

void apply_run_flags(const Args& args, gan::TrainOptions& o) {
  o.epochs = args.integer("epochs", o.epochs);
  o.steps = args.integer("steps", o.steps);
  o.device = args.text("device", o.device);
  o.kernels = args.text("kernels", o.kernels);
  o.math = args.text("math", o.math);
  o.out = args.text("out", o.out);
  o.data = args.text("data", o.data);
  o.sample_every = args.integer("sample-every", o.sample_every);
  o.checkpoint_every = args.integer("checkpoint-every", o.checkpoint_every);
  o.checkpoint_minutes = args.number("checkpoint-minutes", o.checkpoint_minutes);
  o.log_every = args.integer("log-every", o.log_every);
  o.eval_every = args.integer("eval-every", o.eval_every);
  o.eval_n = args.integer("eval-n", o.eval_n);
  o.workers = static_cast<int>(args.integer("workers", o.workers));
}

void apply_model_flags(const Args& args, gan::TrainOptions& o) {
  o.batch = args.integer("batch", o.batch);
  o.lr = args.number("lr", o.lr);
  o.image_size = args.integer("image-size", o.image_size);
  o.seed = static_cast<uint64_t>(args.integer("seed", static_cast<int64_t>(o.seed)));
  o.limit = args.integer("limit", o.limit);
  o.loss = args.text("loss", o.loss);
  o.order = args.text("order", o.order);
  o.label_smoothing = args.number("label-smoothing", o.label_smoothing);
  o.ngf = args.integer("ngf", o.ngf);
  o.ndf = args.integer("ndf", o.ndf);
  o.depth = args.integer("depth", o.depth);
  o.blocks = args.integer("blocks", o.blocks);
  o.direction = args.text("direction", o.direction);
  o.lambda_l1 = args.number("lambda-l1", o.lambda_l1);
  o.lambda_cycle = args.number("lambda-cycle", o.lambda_cycle);
  o.lambda_identity = args.number("lambda-identity", o.lambda_identity);
  o.lambda_info = args.number("lambda-info", o.lambda_info);
  o.instance_noise = args.number("instance-noise", o.instance_noise);
  o.pool_size = args.integer("pool-size", o.pool_size);
  o.decay_epochs = args.integer("decay-epochs", o.decay_epochs);
  if (args.flag("sync-bn")) o.sync_bn = true;
}

// --profile=STEPS: the steps to profile after one warm-up step (0 without --profile), which
// --steps and --epochs would contradict.
int64_t profile_steps(const Args& args) {
  if (!args.has("profile")) return 0;
  for (const char* total : {"steps", "epochs"})
    if (args.has(total))
      throw UsageError(std::string("--profile trains one warm-up step and STEPS profiled ones; leave out --") + total);
  return args.integer("profile", 0);
}

// A fresh run writes into --out: it may be new, empty, or a run (the trainer refuses a finished
// one), but never a folder of someone's other files.
void check_out_folder(const fs::path& out) {
  if (!fs::exists(out)) return;
  if (!fs::is_directory(out)) throw std::runtime_error("--out " + out.string() + " is a file; expected a folder for the run");
  if (fs::exists(out / "options.json") || fs::exists(out / "latest_checkpoint")) return;
  std::string names;
  int count = 0;
  for (const fs::directory_entry& entry : fs::directory_iterator(out)) {
    if (entry.path().filename() == gan::kRunLockFile) continue;  // left by a run that stopped before writing anything
    if (++count <= 3) names += (names.empty() ? "" : ", ") + entry.path().filename().string() + (entry.is_directory() ? "/" : "");
  }
  if (count == 0) return;
  throw std::runtime_error("--out " + out.string() + " holds files that are not a GANForge run (" + names +
                           (count > 3 ? " and " + std::to_string(count - 3) + " more" : "") +
                           "); train into a new or empty folder, or move them away");
}

// On --resume, --steps / --epochs (or the run's own) must reach past the checkpoint's step.
void check_resume_total(const Args& args, const gan::TrainOptions& o, const gan::CheckpointState& state) {
  const int64_t total = o.steps > 0 ? o.steps : o.epochs * state.steps_per_epoch;
  if (total > state.step) return;
  const std::string done = "the run in " + o.out + " has done " + std::to_string(state.step) + " steps";
  if (args.has("steps"))
    throw UsageError("--steps " + std::to_string(o.steps) + " is the run's new total, but " + done + "; give more than " +
                     std::to_string(state.step));
  if (args.has("epochs"))
    throw UsageError("--epochs " + std::to_string(o.epochs) + " (" + std::to_string(total) +
                     " steps) is the run's new total, but " + done + "; give more than " +
                     std::to_string(state.step / state.steps_per_epoch) + " epochs");
  throw UsageError(done + ", all it was asked for; give a larger total with --steps or --epochs");
}

// Under mpirun, one rank's error must end every rank (the others would wait for it in their next
// all-reduce forever): it is printed naming the rank, and the job is aborted. The run folder keeps
// its last good checkpoint, since every file in it is replaced atomically.
int ending_every_rank_on_error(const std::function<int()>& run) {
  dist::ProcessGroup& group = dist::world_group();
  if (group.world() == 1) return run();
  const std::string rank = "rank " + std::to_string(group.rank()) + " of " + std::to_string(group.world());
  try {
    return run();
  } catch (const UsageError& e) {
    std::cerr << "ganforge train: " << rank << ": " << e.what() << "\n";
    group.abort(2);
  } catch (const std::exception& e) {
    std::cerr << "ganforge train: " << rank << ": error: " << e.what() << "\n";
    group.abort(1);
  }
}

int train_in_process(const Args& args) {
  const gan::Arch arch = as_usage_error([&] { return gan::parse_arch(args.positional()[0]); });
  if (!args.flag("resume")) {
    gan::TrainOptions options;
    options.arch = arch;
    apply_model_flags(args, options);
    apply_run_flags(args, options);
    const int64_t profile = profile_steps(args);
    if (profile > 0) options.steps = 1 + profile;
    options = as_usage_error([&] { return gan::resolve_options(options); });
    select_device(options.device, options.kernels);
    if (dist::world_group().rank() == 0) check_out_folder(options.out);  // before rank 0 writes into it
    return gan::train(options, std::cout, std::nullopt, profile).exit_status;
  }
  if (!args.has("out")) throw UsageError("--resume needs --out DIR, the folder of the run to continue");
  for (const Flag& flag : model_flags())
    if (args.has(flag.name))
      throw UsageError("--" + flag.name + " cannot change when resuming: it is fixed by the run's checkpoint");
  const fs::path run = args.text("out", "");
  if (!fs::exists(run / "latest_checkpoint"))
    throw UsageError("--resume --out " + run.string() + ": expected the folder of a run (one that holds latest_checkpoint)");
  const fs::path checkpoint = gan::find_checkpoint(run);
  const gan::CheckpointState state = gan::read_checkpoint_state(checkpoint);
  gan::TrainOptions options = state.options;
  if (options.arch != arch)
    throw UsageError("the run in " + run.string() + " trains " + gan::arch_name(options.arch) + ", not " + gan::arch_name(arch));
  if (args.has("epochs") && !args.has("steps")) options.steps = 0;  // a new epoch count replaces a step count
  if (args.has("device") && !args.has("kernels")) options.kernels.clear();  // the new device's own
  apply_run_flags(args, options);
  const int64_t profile = profile_steps(args);
  if (profile > 0) options.steps = state.step + 1 + profile;
  check_resume_total(args, options, state);
  select_device(options.device, options.kernels);
  return gan::train(options, std::cout, checkpoint, profile).exit_status;
}

}  // namespace

Command train_command() {
  return {.name = "train",
          .arguments = "ARCH",
          .arguments_help = "the model, one of " + alternatives(gan::arch_names()),
          .summary = "train a GAN with its reference recipe",
          .description = "Trains ARCH with the reference recipe of docs/models.md, showing a live progress line (plain lines "
                         "every --log-every steps when stdout is not a terminal or under mpirun), and leaves "
                         "options.json, log.jsonl, loss_curve.png, samples/ and checkpoints/ in --out DIR. Started by "
                         "mpirun (mpirun -np N ganforge train ...), each rank trains a replica on its share of every "
                         "global batch of N x --batch images, the gradients averaged over the ranks; rank 0 writes the "
                         "run folder.",
          .min_arguments = 1,
          .max_arguments = 1,
          .sections = {{"the run (these may change on --resume)", run_flags()},
                       {"the model and its recipe (fixed once the run has started)", model_flags()}}};
}

int train(const Args& args) {
  return ending_every_rank_on_error([&] { return train_in_process(args); });
}

}  // namespace ganforge::cli
