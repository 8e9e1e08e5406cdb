// Everything that defines a training run: the model, its data, the recipe's settings and the
// run's bookkeeping. `ganforge train` fills it from flags; a checkpoint stores it as JSON, so
// `--resume` and `ganforge sample` rebuild exactly the same model.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ganforge::gan {

enum class Arch { Gan, Dcgan, Cgan, Infogan, Pix2pix, Cyclegan };
const char* arch_name(Arch arch);
std::vector<std::string> arch_names();  // every model's, in the order of Arch
Arch parse_arch(const std::string& name);  // "gan", "dcgan", ...; a clear error lists them
// The adversarial loss: BCE on logits (the original GAN's) or least squares (LSGAN).
enum class AdversarialLoss { Bce, LeastSquares };
AdversarialLoss parse_loss(const std::string& name);  // "bce" or "lsgan"

struct TrainOptions {
  Arch arch = Arch::Dcgan;
  std::string data;          // a data set name (mnist, fashion-mnist, cifar10, facades, horse2zebra) or a folder
  int64_t epochs = 0;        // 0: the recipe's default, unless steps is given
  int64_t steps = 0;         // 0: run the epochs; otherwise stop after this many steps in total (resumed runs too)
  int64_t batch = 0;         // 0: the recipe's default
  double lr = 0;             // 0: the recipe's default (InfoGAN: D's lr; G's keeps its 5x ratio)
  int64_t image_size = 0;    // 0: the recipe's default
  std::string device = "cpu";
  std::string kernels;       // empty: the device's default backend
  std::string math = "fp32";  // f32 convolutions and GEMMs on the GPU: fp32, tf32 or bf16 (core/dispatch.h)
  uint64_t seed = 0;
  std::string out = "runs/run";
  int64_t sample_every = 0;      // steps between sample grids (0: only at each epoch's end)
  int64_t checkpoint_every = 0;  // steps between checkpoints (0: only at each epoch's end and at the end)
  double checkpoint_minutes = 10;  // also a checkpoint once this long has passed since the last one (0: off)
  int64_t log_every = 10;        // steps between JSON log lines / plain progress lines
  int64_t eval_every = 0;        // steps between evaluations (gan/train/evaluate.h; 0: none)
  int64_t eval_n = 2000;         // images each evaluation generates
  int workers = 2;               // data loader threads
  bool sync_bn = false;          // data-parallel runs: batch norm over every rank's batch (default: each rank's own)
  int64_t limit = 0;             // use only the first N examples of the data set (0: all)
  int64_t channels = 0;          // image channels, and classes (0: none): found from the data set
  int64_t classes = 0;

  // Recipe variants (defaults: docs/models.md).
  std::string loss;              // bce or lsgan (empty: the reference's; cGAN and CycleGAN use lsgan)
  std::string order;             // d-first or g-first: which network steps first (empty: the reference's)
  double label_smoothing = 0;    // real labels are 1 - label_smoothing
  int64_t ngf = 0, ndf = 0;      // 0: the model's default widths
  int64_t depth = 0;             // pix2pix U-Net downsamplings (0: from the image size)
  int64_t blocks = 0;            // CycleGAN residual blocks (0: 9 at >= 256 px, else 6)
  std::string direction;         // pix2pix / CycleGAN: AtoB or BtoA (empty: BtoA for facades, label map -> photo; else AtoB)
  double lambda_l1 = 100;        // pix2pix
  double lambda_cycle = 10, lambda_identity = 0.5;  // CycleGAN (identity weight relative to cycle)
  double lambda_info = 1;        // InfoGAN
  double instance_noise = 0;     // InfoGAN: std of the Gaussian noise added to every image D sees (0: none, the reference)
  int64_t pool_size = 50;        // CycleGAN's history of fakes
  int64_t decay_epochs = -1;     // pix2pix/CycleGAN: epochs of linear decay after the constant ones (-1: as many)
};

// JSON text of the options, and back (unknown keys are an error naming them).
std::string options_to_json(const TrainOptions& options);
TrainOptions options_from_json(const std::string& json);

}  // namespace ganforge::gan
