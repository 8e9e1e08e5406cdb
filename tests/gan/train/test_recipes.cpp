// Each model's recipe in process: one training step on a fixed batch lowers the
// discriminator's loss on that batch, every reported value is finite, sample sheets have the
// documented layout, and resolve_options fills the reference defaults.
#include <gtest/gtest.h>

#include <cmath>

#include "core/ganforge.h"
#include "gan/models/cgan.h"
#include "gan/train/recipe.h"
#include "tests/core/expect_error.h"

using namespace ganforge;
using namespace ganforge::gan;
using ganforge::testing::expect_mentions;
using ganforge::testing::message_of;

namespace {

TrainOptions small(Arch arch) {
  TrainOptions o;
  o.arch = arch;
  o.data = "synthetic";
  o.ngf = o.ndf = 8;
  o.channels = arch == Arch::Pix2pix || arch == Arch::Cyclegan ? 3 : 1;
  o.classes = 10;
  o.image_size = arch == Arch::Pix2pix || arch == Arch::Cyclegan ? 32 : arch == Arch::Cgan ? 32 : 28;
  if (arch == Arch::Cyclegan) o.blocks = 2;
  return resolve_options(o);
}

nn::Module& network(Recipe& recipe, const std::string& name) {
  for (auto& [n, m] : recipe.networks())
    if (n == name) return *m;
  throw std::invalid_argument("no network " + name);
}

// D's loss on (real, fixed fakes), BCE on logits or least squares as the recipe trains it.
double d_loss(Recipe& recipe, const TrainOptions& o, const data::Batch& batch, const Tensor& fakes) {
  NoGradGuard no_grad;
  manual_seed(99);  // the same dropout masks every time
  auto adv = [&](const Tensor& out, double target) {
    const Tensor goal = full_like(out, target);
    return (o.loss == "bce" ? binary_cross_entropy_with_logits(out, goal) : mse_loss(out, goal)).item<double>();
  };
  nn::Module& d = network(recipe, o.arch == Arch::Cyclegan ? "D_A" : "D");
  const Tensor& real = batch.images[0];
  switch (o.arch) {
    case Arch::Cgan: {
      auto& cd = dynamic_cast<CganDiscriminator&>(d);
      return adv(cd.forward(real, batch.labels), 1) + adv(cd.forward(fakes, batch.labels), 0);
    }
    case Arch::Pix2pix:
      return adv(d(cat({real, batch.images[1]}, 1)), 1) + adv(d(cat({real, fakes}, 1)), 0);
    case Arch::Cyclegan:  // D_A judges the B domain
      return adv(d(batch.images[1]), 1) + adv(d(fakes), 0);
    default:
      return adv(d(real), 1) + adv(d(fakes), 0);
  }
}

Tensor fixed_fakes(Recipe& recipe, const TrainOptions& o, const data::Batch& batch) {
  NoGradGuard no_grad;
  const int64_t n = batch.images[0].size(0);
  switch (o.arch) {
    case Arch::Pix2pix: return network(recipe, "G")(batch.images[0]);
    case Arch::Cyclegan: return network(recipe, "G_A")(batch.images[0]);
    case Arch::Cgan: return dynamic_cast<CganGenerator&>(network(recipe, "G")).forward(randn({n, 100}), batch.labels);
    case Arch::Infogan: return network(recipe, "G")(rand({n, 74}, {}, nullptr, -1, 1));
    default: return network(recipe, "G")(randn({n, 100}));
  }
}

class Recipes : public ::testing::TestWithParam<Arch> {};

TEST_P(Recipes, OneStepLowersTheDiscriminatorLossOnAFixedBatch) {
  const TrainOptions o = small(GetParam());
  manual_seed(1);
  const int64_t n = 4, side = o.image_size;
  data::Batch batch;
  batch.images.push_back(rand({n, o.channels, side, side}, {}, nullptr, -1, 1));
  if (o.arch == Arch::Pix2pix || o.arch == Arch::Cyclegan) batch.images.push_back(rand({n, o.channels, side, side}, {}, nullptr, -1, 1));
  batch.labels = from_vector(std::vector<int64_t>{3, 1, 4, 1}, {n});
  std::unique_ptr<Recipe> recipe = make_recipe(o, Device{}, batch);
  const Tensor fakes = fixed_fakes(*recipe, o, batch);
  const double before = d_loss(*recipe, o, batch, fakes);
  const StepValues values = recipe->train_step(batch);
  const double after = d_loss(*recipe, o, batch, fakes);
  EXPECT_LT(after, before) << arch_name(o.arch);
  ASSERT_FALSE(values.empty());
  for (const auto& [name, v] : values) EXPECT_TRUE(std::isfinite(v)) << name;
  const std::vector<SampleGrid> sheets = recipe->sample_grids();
  ASSERT_FALSE(sheets.empty());
  for (const SampleGrid& s : sheets) EXPECT_GT(s.image.width, 0) << s.name;
}

INSTANTIATE_TEST_SUITE_P(EveryModel, Recipes,
                         ::testing::Values(Arch::Gan, Arch::Dcgan, Arch::Cgan, Arch::Infogan, Arch::Pix2pix, Arch::Cyclegan),
                         [](const ::testing::TestParamInfo<Arch>& info) { return std::string(arch_name(info.param)); });

// Without noise a step is a function of the seed; with it, the same seed gives another step.
TEST(Recipes, InfoganInstanceNoiseEntersTheStep) {
  auto loss_d = [](double sigma) {
    TrainOptions o = small(Arch::Infogan);
    o.instance_noise = sigma;
    manual_seed(3);
    data::Batch batch;
    batch.images.push_back(rand({4, 1, 28, 28}, {}, nullptr, -1, 1));
    std::unique_ptr<Recipe> recipe = make_recipe(o, Device{}, batch);
    return recipe->train_step(batch).front().second;
  };
  EXPECT_EQ(loss_d(0), loss_d(0));
  EXPECT_NE(loss_d(0.5), loss_d(0));
}

TEST(Recipes, SheetsHaveTheDocumentedLayout) {
  // cGAN: 10 x 10, one column per class; InfoGAN: one sheet per code, 10 x 10; DCGAN 8 x 8.
  auto cells = [](const data::Image& image, int side) { return std::pair{(image.width - 2) / (side + 2), (image.height - 2) / (side + 2)}; };
  auto cgan = make_recipe(small(Arch::Cgan), Device{});
  EXPECT_EQ(cells(cgan->sample_grids()[0].image, 32), (std::pair{10, 10}));
  auto infogan = make_recipe(small(Arch::Infogan), Device{});
  const auto sheets = infogan->sample_grids();
  ASSERT_EQ(sheets.size(), 3u);
  EXPECT_EQ(sheets[0].name, "category");
  EXPECT_EQ(sheets[2].name, "continuous2");
  EXPECT_EQ(cells(sheets[1].image, 28), (std::pair{10, 10}));
  auto dcgan = make_recipe(small(Arch::Dcgan), Device{});
  EXPECT_EQ(cells(dcgan->sample_grids()[0].image, 28), (std::pair{8, 8}));
}

TEST(Recipes, GenerateHonoursTheClass) {
  auto cgan = make_recipe(small(Arch::Cgan), Device{});
  Generator gen(4);
  EXPECT_EQ(cgan->generate(5, 7, gen).shape(), (Shape{5, 1, 32, 32}));
  expect_mentions(message_of<std::invalid_argument>([&] { cgan->generate(2, 10, gen); }), {"--class", "0 to 9"});
  auto dcgan = make_recipe(small(Arch::Dcgan), Device{});
  expect_mentions(message_of<std::invalid_argument>([&] { dcgan->generate(2, 3, gen); }), {"unconditional"});
  expect_mentions(message_of<std::invalid_argument>([&] { dcgan->translate(zeros({1, 1, 28, 28}), false); }),
                  {"ganforge sample"});
}

TEST(Options, ReferenceDefaults) {
  TrainOptions dcgan;
  dcgan.arch = Arch::Dcgan;
  dcgan = resolve_options(dcgan);
  EXPECT_EQ(dcgan.data, "mnist");
  EXPECT_EQ(dcgan.image_size, 28);
  EXPECT_EQ(dcgan.batch, 64);
  EXPECT_EQ(dcgan.lr, 2e-4);
  EXPECT_EQ(dcgan.order, "d-first");
  EXPECT_EQ(dcgan.loss, "bce");
  TrainOptions cycle;
  cycle.arch = Arch::Cyclegan;
  cycle.image_size = 128;
  cycle = resolve_options(cycle);
  EXPECT_EQ(cycle.loss, "lsgan");
  EXPECT_EQ(cycle.order, "g-first");
  EXPECT_EQ(cycle.blocks, 6);
  EXPECT_EQ(cycle.decay_epochs, 100);
  TrainOptions pix;
  pix.arch = Arch::Pix2pix;
  pix = resolve_options(pix);
  EXPECT_EQ(pix.depth, 8);
  EXPECT_EQ(pix.direction, "BtoA");  // facades: label map -> photo
  pix.image_size = 100;
  pix.depth = 0;
  expect_mentions(message_of<std::invalid_argument>([&] { resolve_options(pix); }), {"power of two", "100"});
  TrainOptions odd = cycle;
  odd.image_size = 250;
  odd.blocks = 0;
  expect_mentions(message_of<std::invalid_argument>([&] { resolve_options(odd); }), {"multiple of 4", "250"});
  odd.image_size = 64;
  odd.epochs = 4;
  odd.decay_epochs = 5;
  expect_mentions(message_of<std::invalid_argument>([&] { resolve_options(odd); }), {"--decay-epochs 5", "--epochs 4"});
  TrainOptions deep;
  deep.arch = Arch::Pix2pix;
  deep.image_size = 64;
  deep.depth = 8;
  expect_mentions(message_of<std::invalid_argument>([&] { resolve_options(deep); }), {"--depth 8", "--depth 6"});
  cycle.instance_noise = 0.25;
  TrainOptions round_trip = options_from_json(options_to_json(cycle));
  EXPECT_EQ(round_trip.instance_noise, 0.25);
  EXPECT_EQ(options_to_json(round_trip), options_to_json(cycle));
  expect_mentions(message_of<std::invalid_argument>([] { options_from_json(R"({"arch": "dcgan", "bogus": 1})"); }),
                  {"unknown keys", "'bogus'"});
}

}  // namespace
