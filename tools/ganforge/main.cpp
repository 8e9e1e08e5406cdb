// ganforge: the command-line program. One binary: inspect the build, train, sample.
#include <cstdio>
#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include "core/ganforge.h"
#include "tools/ganforge/args.h"
#include "tools/ganforge/commands.h"

namespace {

const char* kUsage = R"(usage: ganforge <command> [flags]

commands:
  train ARCH   train a GAN: gan, dcgan, cgan, infogan, pix2pix or cyclegan
               --data mnist|fashion-mnist|cifar10|facades|horse2zebra|FOLDER   (default: the model's)
               --epochs N | --steps N      how long (default: the reference recipe's epochs)
               --batch N --lr RATE --image-size PIXELS --seed S   (defaults: the reference recipe's)
               --device cpu|cuda|cuda-sim --kernels NAME          which backend runs the ops
               --out DIR                   run folder: samples/, log.jsonl, loss_curve.png, checkpoints/
               --resume                    continue the run in --out DIR exactly where it stopped
               --sample-every N --checkpoint-every N --log-every N --workers N --limit N
               variants: --loss bce|lsgan --order d-first|g-first --label-smoothing X --ngf N --ndf N
                         --depth N (pix2pix U-Net) --blocks N (CycleGAN) --direction AtoB|BtoA
                         --lambda-l1 X --lambda-cycle X --lambda-identity X --lambda-info X
                         --pool-size N --decay-epochs N
  sample CKPT  a grid of generated images from a run folder or checkpoint
               --n N (64) --class K (cGAN digit / InfoGAN category) --seed S --per-row N --out FILE.png
  translate CKPT IMAGE...
               pix2pix or CycleGAN on your own images (sizes the model accepts)
               --out DIR (translated/) --reverse (CycleGAN: the other way than it was trained)
  info         version, build type, SIMD level, compiled-in backends and visible devices
  demo         train a small MLP with the engine on a synthetic 3-class spiral problem
               --steps N (600) --seed S (0) --kernels cpu|reference
  help         this text
)";

int info() {
  using namespace ganforge;
  std::cout << "GANForge " << version() << "\n"
            << "build type:  " << build_type() << "\n"
            << "SIMD:        " << simd_level() << "\n"
            << "backends:\n";
  for (const BackendStatus& s : backend_statuses())
    std::cout << "  " << s.name << std::string(11 - s.name.size(), ' ') << (s.compiled ? "yes" : "no ")
              << (s.note.empty() ? "" : "  (" + s.note + ")") << "\n";
  std::cout << "devices:\n";
  for (const std::string& d : visible_devices()) std::cout << "  " << d << "\n";
  std::cout << "kernels in use on cpu: " << current_kernels(DeviceType::CPU) << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "help" || args[0] == "--help" || args[0] == "-h") {
    std::cout << kUsage;
    return args.empty() ? 2 : 0;
  }
  const std::string command = args[0];
  args.erase(args.begin());
  try {
    if (command == "info") {
      ganforge::cli::Args parsed(args, ganforge::cli::ArgSpec{});
      return info();
    }
    if (command == "demo") return ganforge::cli::demo_mlp(args);
    if (command == "train") return ganforge::cli::train(args);
    if (command == "sample") return ganforge::cli::sample(args);
    if (command == "translate") return ganforge::cli::translate(args);
    std::cerr << "ganforge: unknown command '" << command << "'\n\n" << kUsage;
    return 2;
  } catch (const ganforge::cli::UsageError& e) {
    std::cerr << "ganforge " << command << ": " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "ganforge " << command << ": error: " << e.what() << "\n";
    return 1;
  }
}
