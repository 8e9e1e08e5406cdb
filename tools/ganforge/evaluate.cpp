// `ganforge train-classifier DATA` and `ganforge eval RUN|CKPT`: the classifiers GANForge
// trains to judge generated images, and the metrics of a trained model (gan/eval).
#include <filesystem>
#include <iostream>

#include "gan/train/classifier.h"
#include "gan/train/evaluate.h"
#include "nn/atomic_file.h"
#include "tools/ganforge/commands.h"
#include "tools/ganforge/device.h"

namespace ganforge::cli {

Command train_classifier_command() {
  return {.name = "train-classifier",
          .arguments = "DATA",
          .arguments_help = "mnist, fashion-mnist or cifar10",
          .summary = "train (again) the classifier that `ganforge eval` judges DATA's images with",
          .description = "Trains DATA's classifier from scratch (MNIST and Fashion-MNIST: a LeNet-style network; "
                         "CIFAR-10: a small VGG-style one), prints its progress and test accuracy, and caches it under "
                         "the data cache's classifiers/ folder, replacing the cached one. `ganforge eval` trains one on "
                         "first use; this command retrains on purpose.",
          .min_arguments = 1,
          .max_arguments = 1,
          .sections = {{"flags",
                        {{"seed", Integer{0}, "S", "the seed of the initialisation and the data order", "0"},
                         {"if-missing", Switch{}, "", "train only when no usable classifier is cached (as eval would)"},
                         device_flag(),
                         kernels_flag()}}}};
}

int train_classifier(const Args& args) {
  const std::string data = args.positional()[0];
  as_usage_error([&] { return gan::classifier_spec(data); });
  const Device device = select_device(args.text("device"), args.text("kernels", ""));
  std::string why;
  if (args.flag("if-missing")) {
    if (const std::optional<gan::Classifier> cached = gan::load_classifier(data, device, &why)) {
      std::cout << "classifier for " << data << " already cached at " << cached->file.string() << " (test accuracy "
                << 100 * cached->test_accuracy << "%)\n";
      return 0;
    }
    std::cout << why << "\n";
  }
  gan::train_classifier(data, device, std::cout, static_cast<uint64_t>(args.integer("seed")));
  return 0;
}

Command eval_command() {
  return {.name = "eval",
          .arguments = "CKPT",
          .arguments_help = "a run folder (its latest checkpoint) or one of its checkpoints/step-N folders",
          .summary = "how good a checkpoint is, in numbers beside real data's (or beside baselines)",
          .description =
              "Draws --n images from the checkpoint's generator and judges them with GANForge's classifier of the run's "
              "data set (trained once on first use, then cached): Fréchet distance to the test split in the "
              "classifier's feature space, inception score, class coverage, precision / recall / density / coverage, "
              "sample spread; cGAN: label accuracy; InfoGAN: the category code's digit accuracy on generated images and "
              "through Q on the test digits. Each figure is shown beside the value of real training images (or the "
              "classifier's test accuracy). pix2pix: L1, PSNR and SSIM on the test pairs beside the input as output and "
              "the mean training target; CycleGAN: the cycle reconstruction of testA and testB and how far each "
              "translation moves. Same checkpoint, --n and --seed: the same numbers.",
          .min_arguments = 1,
          .max_arguments = 1,
          .sections = {{"flags",
                        {{"n", Integer{10, 50000}, "N", "generated images (and real ones for the real-data column)", "10000"},
                         {"seed", Integer{0}, "S", "the seed of the noise and of the real images' choice", "0"},
                         {"json", Text{}, "FILE", "also write the report as JSON to FILE (atomically)"},
                         device_flag(),
                         kernels_flag()}}}};
}

int eval(const Args& args) {
  const Device device = select_device(args.text("device"), args.text("kernels", ""));
  const gan::EvalOptions options{.n = args.integer("n"), .seed = static_cast<uint64_t>(args.integer("seed")), .device = device};
  const gan::EvalReport report =
      as_usage_error([&] { return gan::evaluate_checkpoint(args.positional()[0], options, std::cerr); });
  std::cout << gan::format_report(report);
  if (args.has("json")) {
    nn::write_file_atomically(args.text("json", ""), gan::report_json(report));
    std::cout << "wrote " << args.text("json", "") << "\n";
  }
  return 0;
}

}  // namespace ganforge::cli
