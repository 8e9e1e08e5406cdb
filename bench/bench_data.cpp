// DataLoader throughput: an image folder of JPEGs (written once into a temporary folder),
// decoded, flipped, batched into tensors, with 0 (in the calling thread), 1 or 2 workers.
//   build/bench/ganforge_bench --benchmark_filter=loader
// args: image side (32: CIFAR-like; 256: facades-like, resized to 286 and cropped to 256), workers.
#include <benchmark/benchmark.h>
#include <stb_image_write.h>

#include <filesystem>
#include <map>
#include <string>
#include <unistd.h>

#include "gan/data/folders.h"
#include "gan/data/loader.h"

namespace ganforge::data {
namespace {

constexpr int kImages = 256;

// root/<class>/<n>.jpg, made once per image side and removed when the program exits.
struct JpegFolders {
  std::map<int, std::filesystem::path> roots;
  ~JpegFolders() {
    for (auto& [side, root] : roots) std::filesystem::remove_all(root);
  }
};

std::filesystem::path jpeg_folder(int side) {
  static JpegFolders folders;
  if (auto it = folders.roots.find(side); it != folders.roots.end()) return it->second;
  auto root = std::filesystem::temp_directory_path() /
              ("ganforge_bench_data_" + std::to_string(getpid()) + "_" + std::to_string(side));
  folders.roots[side] = root;
  std::vector<uint8_t> pixels(static_cast<size_t>(side) * side * 3);
  for (int i = 0; i < kImages; ++i) {
    auto folder = root / ("class" + std::to_string(i % 4));
    std::filesystem::create_directories(folder);
    for (size_t p = 0; p < pixels.size(); ++p) pixels[p] = static_cast<uint8_t>((p * 7 + i * 13 + (p / 97) * 31) % 256);
    stbi_write_jpg((folder / (std::to_string(i) + ".jpg")).c_str(), side, side, 3, pixels.data(), 90);
  }
  return root;
}

void BM_loader_image_folder(benchmark::State& state) {
  const int side = static_cast<int>(state.range(0));
  AugmentOptions augment{.flip = true};
  if (side > 32) augment.load_size = 286, augment.crop_size = 256;
  auto data = std::make_shared<ImageFolderDataset>(jpeg_folder(side), augment);
  DataLoader loader(data, LoaderOptions{.batch_size = 32, .seed = 1, .workers = static_cast<int>(state.range(1))});
  uint64_t epoch = 0;
  int64_t images = 0;
  for (auto _ : state) {
    auto pass = loader.epoch(epoch++);
    while (auto batch = pass.next()) {
      images += batch->images[0].size(0);
      benchmark::DoNotOptimize(batch->images[0].data_ptr());
    }
  }
  state.SetItemsProcessed(images);
  state.counters["workers"] = static_cast<double>(state.range(1));
}
BENCHMARK(BM_loader_image_folder)
    ->ArgNames({"side", "workers"})
    ->ArgsProduct({{32, 256}, {0, 1, 2}})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace
}  // namespace ganforge::data
