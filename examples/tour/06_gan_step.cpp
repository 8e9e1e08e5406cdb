// Tour, chapter 6 (docs/tour/06-gan-step.md): a GAN training step written out by hand from the
// nn library: the discriminator's step (why the fakes are detached), the generator's step, and
// a few hundred of them on a toy data set of 8x8 images of one bright row, ending in a sample
// sheet. The claims printed are checked, not just shown: the program exits 1 if one fails.
#include <algorithm>
#include <filesystem>
#include <iostream>
#include <string>

#include "core/ganforge.h"
#include "gan/data/grid.h"
#include "nn/nn.h"

using namespace ganforge;
using namespace ganforge::nn;

constexpr int64_t kSide = 8, kPixels = kSide * kSide, kNoise = 16, kBatch = 64;

// Real images: -1 everywhere but one row of +1, the row drawn at random.
Tensor real_batch(Generator& gen) {
  const std::vector<float> rows = rand({kBatch}, {}, &gen, 0, kSide).to_vector<float>();
  std::vector<float> pixels(kBatch * kPixels, -1.0f);
  for (int64_t b = 0; b < kBatch; ++b)
    std::fill_n(pixels.begin() + b * kPixels + static_cast<int64_t>(rows[b]) * kSide, kSide, 1.0f);
  return from_vector(pixels, {kBatch, kPixels});
}

// How many of `images` are one bright row: exactly one row averages above 0.5, every other below 0.
int64_t single_rows(const Tensor& images) {
  const std::vector<float> p = images.to_vector<float>();
  int64_t count = 0;
  for (int64_t b = 0; b < images.size(0); ++b) {
    int bright = 0, dark = 0;
    for (int64_t r = 0; r < kSide; ++r) {
      float mean = 0;
      for (int64_t c = 0; c < kSide; ++c) mean += p[b * kPixels + r * kSide + c] / kSide;
      bright += mean > 0.5f;
      dark += mean < 0.0f;
    }
    count += bright == 1 && dark == kSide - 1;
  }
  return count;
}

bool has_gradients(Module& m) {
  for (const Tensor& p : m.parameters())
    if (p.grad().defined() && amax(abs(p.grad())).item<double>() > 0) return true;
  return false;
}

// The sample sheet goes to argv[1], or tour_06_samples.png in the current folder.
int main(int argc, char** argv) {
  const std::string sheet = argc > 1 ? argv[1] : "tour_06_samples.png";
  manual_seed(1);
  auto G = make<Sequential>(std::initializer_list<std::shared_ptr<Module>>{
      make<Linear>(kNoise, 128), make<LeakyReLU>(0.2), make<Linear>(128, kPixels), make<Tanh>()});
  auto D = make<Sequential>(std::initializer_list<std::shared_ptr<Module>>{make<Linear>(kPixels, 128),
                                                                           make<LeakyReLU>(0.2), make<Linear>(128, 1)});
  Adam g_opt(G->parameters(), {.lr = 2e-3, .beta1 = 0.5}), d_opt(D->parameters(), {.lr = 2e-3, .beta1 = 0.5});
  BCEWithLogitsLoss bce;
  const Tensor ones = full({kBatch, 1}, 1.0), zeros = full({kBatch, 1}, 0.0);
  Generator data(2);
  bool all_hold = true;
  auto claim = [&](const std::string& what, bool holds) {
    std::cout << what << ": " << (holds ? "yes" : "no") << "\n";
    all_hold = all_hold && holds;
  };

  {
    NoGradGuard no_grad;
    claim("before training, no sample of G is one bright row", single_rows(G->forward(randn({kBatch, kNoise}))) == 0);
  }

  // One step, by hand.
  const Tensor real = real_batch(data), z = randn({kBatch, kNoise});
  // D's step: real images should score 1, G's images 0. The fakes are detached: D's loss must not
  // send gradients into G, whose weights this step does not update.
  d_opt.zero_grad();
  G->zero_grad();
  const Tensor fake = G->forward(z);
  const Tensor d_loss = bce(D->forward(real), ones) + bce(D->forward(fake.detach()), zeros);
  d_loss.backward();
  claim("D's step: D's weights got gradients", has_gradients(*D));
  claim("D's step: G's weights got none (the fakes were detached)", !has_gradients(*G));
  d_opt.step();
  claim("D's step lowered D's loss on this batch",
        (bce(D->forward(real), ones) + bce(D->forward(fake.detach()), zeros)).item<double>() < d_loss.item<double>());
  // G's step: G wants D to score its images 1. Gradients flow through D into G; D's weights get
  // some too, unused (D's next step zeroes them first).
  g_opt.zero_grad();
  const Tensor g_loss = bce(D->forward(G->forward(z)), ones);
  g_loss.backward();
  claim("G's step: G's weights got gradients through D", has_gradients(*G));
  g_opt.step();
  claim("G's step lowered G's loss on this batch",
        bce(D->forward(G->forward(z)), ones).item<double>() < g_loss.item<double>());

  // The same two steps, 600 times.
  for (int step = 0; step < 600; ++step) {
    const Tensor images = real_batch(data), noise = randn({kBatch, kNoise});
    d_opt.zero_grad();
    const Tensor fakes = G->forward(noise).detach();
    (bce(D->forward(images), ones) + bce(D->forward(fakes), zeros)).backward();
    d_opt.step();
    g_opt.zero_grad();
    bce(D->forward(G->forward(noise)), ones).backward();
    g_opt.step();
  }
  const Tensor samples = [&] {
    NoGradGuard no_grad;
    return G->forward(randn({kBatch, kNoise}));
  }();
  const int64_t good = single_rows(samples);
  claim("after 600 steps, more than half of 64 samples are one bright row", good > kBatch / 2);
  data::save_grid(sheet, samples.view({kBatch, 1, kSide, kSide}), {.per_row = 8});
  std::cout << "the 64 samples, as a sheet of 8 x 8: " << std::filesystem::path(sheet).filename().string() << "\n";
  return all_hold ? 0 : 1;
}
