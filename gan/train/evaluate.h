// `ganforge eval`: how good a trained image generator is, in numbers, each beside the value that
// real data reaches (the ceiling). Images are judged by GANForge's own classifier of the data
// set (classifier.h), on the scale it was trained on: generated and real images alike are
// rounded to 8-bit pixels, real ones loaded at the model's training size, and both resized to
// the classifier's (MNIST at 32 px for cGAN back to 28).
//
// Unconditional models (GAN, DCGAN), and cGAN and InfoGAN with their codes drawn at random:
//   Fréchet distance of N generated against the real test split in the classifier's feature
//   space; the classifier's inception score; class coverage; precision, recall, density and
//   coverage (metrics.h of gan/eval); sample spread. The ceiling: N real training images in
//   place of the generated ones.
// cGAN: label accuracy, the share of images drawn for class k that the classifier puts in k.
// InfoGAN: code accuracy, the classifier's classes of images drawn per category code after
//   the best code -> class matching, and the same for Q's categories of the real test images.
//   The ceiling of both: the classifier's test accuracy.
// pix2pix, on the data set's test pairs (loaded at the model's size, no crop or flip): L1, PSNR
//   and SSIM of the output against the target, beside two baselines: the input as output
//   (identity) and the mean training target for every input (mean target).
// CycleGAN, on testA and testB: the cycle reconstruction A -> B -> A and B -> A -> B (L1, PSNR,
//   SSIM against the input), and how far each translation moves from its input (L1; 0 would be
//   a generator that copies its input, which would also reconstruct perfectly).
// Deterministic: the noise comes from --seed, the real subset from a seeded shuffle.
#pragma once

#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/ganforge.h"
#include "gan/train/options.h"
#include "gan/train/recipe.h"

namespace ganforge::gan {

struct EvalOptions {
  int64_t n = 10000;  // generated images, and real ones for the ceiling
  uint64_t seed = 0;
  Device device;
};

struct Metric {
  std::string name;   // "frechet_distance", "inception_score", ...
  double value = 0;
  std::optional<double> ceiling;  // real data's value, where there is one
  bool higher_is_better = true;
  std::string what;   // one line for the table
  std::vector<std::pair<std::string, double>> baselines = {};  // translation: ("identity", ...), ("mean target", ...)
};

struct EvalReport {
  std::string arch, data, checkpoint;
  int64_t step = 0, n = 0;
  std::string classifier;  // "lenet-bn-v1, test accuracy 99.33%"
  std::vector<Metric> metrics;
  std::vector<int64_t> class_histogram;  // of the generated images, as the classifier sees them
  std::vector<double> label_accuracy_per_class;  // cGAN
  std::vector<int> class_of_code;                // InfoGAN: the matched class of each category code
  double seconds = 0;

  const Metric* find(const std::string& name) const;
};

// Evaluates one run's generator again and again (`--eval-every`): the classifier, the real
// images and their outputs (or the translation models' test images and baselines) are made
// once, at construction; progress, and a classifier's training when none is cached, go to `out`.
class Evaluator {
 public:
  Evaluator(const TrainOptions& options, const EvalOptions& eval, std::ostream& out);
  ~Evaluator();
  Evaluator(const Evaluator&) = delete;
  Evaluator& operator=(const Evaluator&) = delete;
  // The recipe's generator as it is now; changes no state of the recipe or of the default
  // random generator.
  EvalReport evaluate(Recipe& recipe, int64_t step);
  // The lower-is-better metric that picks a run's best checkpoint: frechet_distance for the
  // image models, l1 for pix2pix, cycle_l1 for CycleGAN.
  static std::string primary_metric(Arch arch);

 private:
  struct Reference;
  void evaluate_generator(Recipe& recipe, EvalReport& report) const;
  std::unique_ptr<Reference> reference_;
  TrainOptions options_;
  EvalOptions eval_;
};

// Evaluates a checkpoint (or a run folder's latest); progress, and a classifier's training
// when none is cached, go to `out`.
EvalReport evaluate_checkpoint(const std::filesystem::path& checkpoint, const EvalOptions& options, std::ostream& out);

// The report as a readable table, and as JSON.
std::string format_report(const EvalReport& report);
std::string report_json(const EvalReport& report);

}  // namespace ganforge::gan
