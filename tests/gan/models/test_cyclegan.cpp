// CycleGAN (docs/models.md §6): the ResNet generator's and the instance-norm PatchGAN's
// parameter counts, shapes (resnet_9blocks at 256x256 at a small width), the reference's
// names, the residual skip, size errors, and no train/eval dependence.
#include <gtest/gtest.h>

#include "gan/models/cyclegan.h"
#include "nn/init.h"
#include "tests/core/expect_error.h"
#include "tests/gan/models/model_checks.h"

using namespace ganforge;
using namespace ganforge::gan;
using namespace ganforge::testing;

namespace {

TEST(Cyclegan, ParameterCountsMatchTheReference) {
  EXPECT_EQ(nn::make<ResnetGenerator>(ResnetOptions{.blocks = 9})->num_parameters(), 11'378'179);
  EXPECT_EQ(nn::make<ResnetGenerator>(ResnetOptions{.blocks = 6})->num_parameters(), 7'837'699);
  EXPECT_EQ(nn::make<PatchGanDiscriminator>(cyclegan_patchgan())->num_parameters(), 2'764'737);
}

TEST(Cyclegan, GeneratorKeepsTheSize) {
  manual_seed(9);
  auto nine = nn::make<ResnetGenerator>(ResnetOptions{.ngf = 4, .blocks = 9});
  Tensor out = (*nine)(randn({1, 3, 256, 256}));
  EXPECT_EQ(out.shape(), (Shape{1, 3, 256, 256}));
  EXPECT_TRUE(in_unit_range(out));
  auto small = nn::make<ResnetGenerator>(ResnetOptions{.input_channels = 1, .output_channels = 3, .ngf = 8, .blocks = 2});
  EXPECT_EQ((*small)(randn({2, 1, 32, 48})).shape(), (Shape{2, 3, 32, 48}));
  auto d = nn::make<PatchGanDiscriminator>(cyclegan_patchgan());
  EXPECT_EQ((*d)(randn({1, 3, 64, 64})).shape(), (Shape{1, 1, 6, 6}));
}

TEST(Cyclegan, LayersAreNamedAsTheReference) {
  auto g = nn::make<ResnetGenerator>();
  for (const char* key : {"model.1.weight", "model.1.bias", "model.10.conv_block.1.weight", "model.10.conv_block.5.bias",
                          "model.18.conv_block.5.weight", "model.19.weight", "model.26.weight", "model.26.bias"})
    EXPECT_TRUE(has_key(*g, key)) << key;
  EXPECT_TRUE(batch_norms(*g).empty());
  int norms = 0;
  for (auto& [name, m] : g->named_modules()) {
    if (auto* in = dynamic_cast<nn::InstanceNorm2d*>(m.get())) {
      ++norms;
      EXPECT_EQ(in->options.eps, 1e-5) << name;
    }
  }
  EXPECT_EQ(norms, 3 + 2 * 9 + 2);
}

TEST(Cyclegan, ResidualBlockAddsItsInput) {
  auto block = nn::make<ResnetBlock>(4);
  for (const Tensor& p : block->parameters()) nn::init::zeros_(p);
  Tensor x = randn({2, 4, 8, 8});
  EXPECT_EQ(max_abs_difference((*block)(x), x), 0);  // a zero branch leaves only the skip
}

TEST(Cyclegan, SizesThatAreNotMultiplesOfFourAreClearErrors) {
  auto g = nn::make<ResnetGenerator>(ResnetOptions{.ngf = 2, .blocks = 1});
  for (const Shape& shape : {Shape{1, 3, 30, 32}, Shape{1, 3, 32, 34}, Shape{1, 3, 4, 4}})
    expect_mentions(message_of<std::invalid_argument>([&] { (*g)(randn(shape)); }),
                    {"ResnetGenerator", "multiples of 4", shape_str(shape)});
  expect_mentions(message_of<std::invalid_argument>([&] { (*g)(randn({1, 1, 32, 32})); }),
                  {"[N, 3, H, W]", "[1, 1, 32, 32]"});
}

TEST(Cyclegan, InstanceNormModelsBehaveTheSameInTrainAndEval) {
  auto g = nn::make<ResnetGenerator>(ResnetOptions{.ngf = 4, .blocks = 2});
  auto d = nn::make<PatchGanDiscriminator>(cyclegan_patchgan());
  Tensor x = randn({2, 3, 32, 32});
  Tensor train_g = (*g)(x), train_d = (*d)(x);
  g->eval();
  d->eval();
  EXPECT_EQ(max_abs_difference((*g)(x), train_g), 0);
  EXPECT_EQ(max_abs_difference((*d)(x), train_d), 0);
}

}  // namespace
