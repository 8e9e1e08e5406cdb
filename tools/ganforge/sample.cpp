// `ganforge sample CKPT` and `ganforge translate CKPT IMAGE...`: a trained generator, rebuilt
// from its checkpoint, on new noise or on a user's own images.
#include <filesystem>
#include <iostream>

#include "core/ganforge.h"
#include "gan/data/grid.h"
#include "gan/data/image.h"
#include "gan/train/checkpoint.h"
#include "tools/ganforge/args.h"
#include "tools/ganforge/commands.h"

namespace fs = std::filesystem;

namespace ganforge::cli {
namespace {

struct Loaded {
  gan::TrainOptions options;
  std::unique_ptr<gan::Recipe> recipe;
};

Loaded load(const Args& args) {
  const fs::path checkpoint = gan::find_checkpoint(args.positional()[0]);
  Loaded loaded;
  loaded.options = gan::read_checkpoint_state(checkpoint).options;
  if (args.has("kernels")) set_kernels(args.text("kernels", ""));
  const Device device = parse_device(args.choice("device", "cpu", {"cpu", "cuda", "cuda-sim"}));
  loaded.recipe = gan::make_recipe(loaded.options, device);
  gan::load_weights(checkpoint, *loaded.recipe);
  return loaded;
}

}  // namespace

int sample(const std::vector<std::string>& argv) {
  const Args args(argv, {.flags = {{"n", "N"},
                                   {"class", "K"},
                                   {"seed", "S"},
                                   {"per-row", "N"},
                                   {"out", "FILE.png"},
                                   {"device", "cpu|cuda|cuda-sim"},
                                   {"kernels", "NAME"}},
                         .min_positional = 1,
                         .max_positional = 1,
                         .positional = "CKPT: a run folder or one of its checkpoint folders"});
  const int64_t n = args.integer("n", 64, 1, 4096);
  const int64_t label = args.integer("class", -1, 0, 1 << 20);
  Loaded loaded = load(args);
  Generator gen(static_cast<uint64_t>(args.integer("seed", 0, 0, INT64_MAX)));
  const Tensor images = loaded.recipe->generate(n, label, gen);
  const int default_per_row = loaded.options.arch == gan::Arch::Cgan && label < 0 ? static_cast<int>(loaded.options.classes) : 8;
  const std::string out = args.text("out", "samples.png");
  data::save_grid(out, images.to(Device{}), {.per_row = static_cast<int>(args.integer("per-row", default_per_row, 1, 4096))});
  std::cout << "wrote " << n << " samples of " << gan::arch_name(loaded.options.arch)
            << (label >= 0 ? " (class " + std::to_string(label) + ")" : "") << " to " << out << "\n";
  return 0;
}

int translate(const std::vector<std::string>& argv) {
  const Args args(argv, {.flags = {{"out", "DIR"}, {"device", "cpu|cuda|cuda-sim"}, {"kernels", "NAME"}},
                         .switches = {"reverse"},
                         .min_positional = 2,
                         .max_positional = 1 << 20,
                         .positional = "CKPT IMAGE...: a checkpoint and the images to translate"});
  Loaded loaded = load(args);
  const fs::path out = args.text("out", "translated");
  fs::create_directories(out);
  const Device device = parse_device(args.choice("device", "cpu", {"cpu", "cuda", "cuda-sim"}));
  for (size_t i = 1; i < args.positional().size(); ++i) {
    const fs::path file = args.positional()[i];
    const data::Image image = data::read_image(file);
    Tensor x = data::to_tensor(image).unsqueeze(0).to(device);
    if (loaded.options.channels == 1) x = x.mean({1}, true);
    Tensor y;
    try {
      y = loaded.recipe->translate(x, args.flag("reverse"));
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument(file.string() + " (" + std::to_string(image.width) + "x" + std::to_string(image.height) +
                                  "): " + e.what());
    }
    const fs::path target = out / (file.stem().string() + "_" + gan::arch_name(loaded.options.arch) + ".png");
    data::write_png(target, data::from_tensor(y.select(0, 0).to(Device{})));
    std::cout << file.string() << " -> " << target.string() << "\n";
  }
  return 0;
}

}  // namespace ganforge::cli
