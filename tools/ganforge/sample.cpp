// `ganforge sample CKPT` and `ganforge translate CKPT IMAGE...`: a trained generator, rebuilt
// from its checkpoint, on new noise or on a user's own images.
#include <filesystem>
#include <iostream>
#include <map>

#include "core/ganforge.h"
#include "gan/data/grid.h"
#include "gan/data/image.h"
#include "gan/train/checkpoint.h"
#include "tools/ganforge/commands.h"
#include "tools/ganforge/device.h"

namespace fs = std::filesystem;

namespace ganforge::cli {
namespace {

const std::string kCheckpoint = "a run folder (its latest checkpoint) or one of its checkpoints/step-N folders";

bool translates(gan::Arch arch) { return arch == gan::Arch::Pix2pix || arch == gan::Arch::Cyclegan; }

struct Checkpoint {
  fs::path folder;
  gan::TrainOptions options;
};

// The checkpoint's options, refused with a usage error when its model does the other command's job.
Checkpoint open_checkpoint(const Args& args, bool translation) {
  Checkpoint c;
  c.folder = gan::find_checkpoint(args.positional()[0]);
  c.options = gan::read_checkpoint_state(c.folder).options;
  if (translates(c.options.arch) != translation)
    throw UsageError(args.positional()[0] + " holds a " + gan::arch_name(c.options.arch) + " model, which " +
                     (translation ? "generates images from noise; use `ganforge sample`"
                                  : "translates images; use `ganforge translate`"));
  return c;
}

Device chosen_device(const Args& args) { return select_device(args.text("device"), args.text("kernels", "")); }

std::unique_ptr<gan::Recipe> load(const Checkpoint& c, Device device) {
  std::unique_ptr<gan::Recipe> recipe = gan::make_recipe(c.options, device);
  gan::load_weights(c.folder, *recipe);
  return recipe;
}

}  // namespace

Command sample_command() {
  return {.name = "sample",
          .arguments = "CKPT",
          .arguments_help = kCheckpoint,
          .summary = "a sheet of new images from a gan, dcgan, cgan or infogan checkpoint",
          .description = "Generates --n new images with the checkpoint's generator and writes them as one sheet, "
                         "PNG or JPEG by --out's extension.",
          .min_arguments = 1,
          .max_arguments = 1,
          .sections = {{"flags",
                        {{"n", Integer{1, 4096}, "N", "how many images", "64"},
                         {"class", Integer{0}, "K", "cgan: the digit (class) to draw; infogan: the category code",
                          "cgan: the classes in turn; infogan: a random one per image"},
                         {"seed", Integer{0}, "S", "the seed of the noise", "0"},
                         {"per-row", Integer{1, 4096}, "N", "images a row", "8; cgan without --class: one row per class"},
                         {"out", Text{}, "FILE", "the sheet: PNG for .png, JPEG for .jpg or .jpeg", "samples.png"},
                         device_flag(),
                         kernels_flag()}}}};
}

int sample(const Args& args) {
  const fs::path out = args.text("out");
  if (!data::image_format(out))
    throw UsageError("--out " + out.string() + ": expected a file name ending in " + data::kImageExtensions);
  const int64_t n = args.integer("n");
  const int64_t label = args.integer("class", -1);
  const Device device = chosen_device(args);
  const Checkpoint checkpoint = open_checkpoint(args, false);
  const std::unique_ptr<gan::Recipe> recipe = load(checkpoint, device);
  Generator gen(static_cast<uint64_t>(args.integer("seed")));
  const Tensor images = as_usage_error([&] { return recipe->generate(n, label, gen); });  // refuses a --class it lacks
  const gan::TrainOptions& o = checkpoint.options;
  const int64_t per_row = args.integer("per-row", o.arch == gan::Arch::Cgan && label < 0 ? o.classes : 8);
  data::save_grid(out, images.to(Device{}), {.per_row = static_cast<int>(per_row)});
  std::cout << "wrote " << n << " samples of " << gan::arch_name(o.arch)
            << (label >= 0 ? " (class " + std::to_string(label) + ")" : "") << " to " << out.string() << "\n";
  return 0;
}

Command translate_command() {
  return {.name = "translate",
          .arguments = "CKPT IMAGE...",
          .arguments_help = kCheckpoint + " of pix2pix or cyclegan, then the images (PNG, JPEG or BMP) to translate; "
                            "pix2pix takes exactly 2^depth pixels a side, cyclegan multiples of 4",
          .summary = "a pix2pix or cyclegan checkpoint on your own images",
          .description = "Translates each IMAGE with the checkpoint's generator into --out DIR/NAME_ARCH.png (NAME: the "
                         "image's file name without its extension). Images that would get the same output name (a/x.png "
                         "and b/x.jpg) are refused before any is written: translate them into different --out folders.",
          .min_arguments = 2,
          .max_arguments = kNoLimit,
          .sections = {{"flags",
                        {{"out", Text{}, "DIR", "the folder for the translated images, created if missing", "translated"},
                         {"reverse", Switch{}, "", "cyclegan: the other generator, back the other way than it was trained"},
                         device_flag(),
                         kernels_flag()}}}};
}

int translate(const Args& args) {
  const Device device = chosen_device(args);
  const Checkpoint checkpoint = open_checkpoint(args, true);
  const gan::Arch arch = checkpoint.options.arch;
  if (args.flag("reverse") && arch != gan::Arch::Cyclegan)
    throw UsageError("--reverse: pix2pix translates one way only, the direction it was trained in");
  const fs::path out = args.text("out");
  std::vector<std::pair<fs::path, fs::path>> jobs;  // (image, where its translation goes)
  std::map<fs::path, fs::path> source;              // output file -> the image it comes from
  for (size_t i = 1; i < args.positional().size(); ++i) {
    const fs::path file = args.positional()[i];
    const fs::path target = out / (file.stem().string() + "_" + gan::arch_name(arch) + ".png");
    if (const auto [it, added] = source.emplace(target, file); !added)
      throw UsageError(it->second.string() + " and " + file.string() + " would both be written to " + target.string() +
                       "; translate them into different --out folders");
    jobs.emplace_back(file, target);
  }
  const std::unique_ptr<gan::Recipe> recipe = load(checkpoint, device);
  fs::create_directories(out);
  for (const auto& [file, target] : jobs) {
    const data::Image image = data::read_image(file);
    Tensor x = data::to_tensor(image).unsqueeze(0).to(device);
    if (checkpoint.options.channels == 1) x = x.mean({1}, true);
    Tensor y;
    try {
      y = recipe->translate(x, args.flag("reverse"));
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument(file.string() + " (" + std::to_string(image.width) + "x" + std::to_string(image.height) +
                                  "): " + e.what());
    }
    data::write_png(target, data::from_tensor(y.select(0, 0).to(Device{})));
    std::cout << file.string() << " -> " << target.string() << "\n";
  }
  return 0;
}

}  // namespace ganforge::cli
