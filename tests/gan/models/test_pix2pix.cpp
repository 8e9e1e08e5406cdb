// pix2pix (docs/models.md §5): the U-Net's and the PatchGAN's parameter counts, shapes
// (the full-size configurations at small widths: shapes do not depend on ngf/ndf), the
// reference's names and bias rule, size errors, no norm on the 1x1 bottleneck, pix2pix_init,
// and train/eval reaching dropout and batch norm.
#include <gtest/gtest.h>

#include <cmath>
#include <sstream>

#include "gan/models/pix2pix.h"
#include "tests/core/expect_error.h"
#include "tests/gan/models/model_checks.h"

using namespace ganforge;
using namespace ganforge::gan;
using namespace ganforge::testing;

namespace {

size_t count_dropouts(nn::Module& model) {
  size_t n = 0;
  for (auto& [name, m] : model.named_modules()) n += dynamic_cast<nn::Dropout*>(m.get()) != nullptr;
  return n;
}

double std_of(const Tensor& t) { return std::sqrt(var(t.to(DType::F64)).item<double>()); }

TEST(Pix2pix, ParameterCountsMatchTheReference) {
  auto unet256 = nn::make<UnetGenerator>(unet_256());
  EXPECT_EQ(unet256->num_parameters(), 54'413'955);
  EXPECT_EQ(count_dropouts(*unet256), 3u);  // the decoder outputs at 4x4, 8x8 and 16x16
  auto unet128 = nn::make<UnetGenerator>(unet_128());
  EXPECT_EQ(unet128->num_parameters(), 41'828'995);
  EXPECT_EQ(count_dropouts(*unet128), 2u);
  EXPECT_EQ(nn::make<PatchGanDiscriminator>()->num_parameters(), 2'768'705);
}

TEST(Pix2pix, UnetKeepsTheSizeAt256And64) {
  manual_seed(7);
  auto full = nn::make<UnetGenerator>(UnetOptions{.depth = 8, .ngf = 4});
  Tensor out = (*full)(randn({1, 3, 256, 256}));
  EXPECT_EQ(out.shape(), (Shape{1, 3, 256, 256}));
  EXPECT_TRUE(in_unit_range(out));
  expect_batch_norm_options(*full, 1e-5);
  auto small = nn::make<UnetGenerator>(UnetOptions{.input_channels = 1, .output_channels = 2, .depth = 6, .ngf = 8});
  EXPECT_EQ((*small)(randn({2, 1, 64, 64})).shape(), (Shape{2, 2, 64, 64}));
}

TEST(Pix2pix, UnetNeverNormalisesTheOneByOneBottleneck) {
  auto unet = nn::make<UnetGenerator>(UnetOptions{.depth = 5, .ngf = 2});
  std::istringstream table(unet->summary(randn({2, 3, 32, 32})));
  int norms = 0;
  for (std::string line; std::getline(table, line);) {
    if (line.find("BatchNorm2d") == std::string::npos) continue;
    ++norms;
    EXPECT_EQ(line.find(", 1, 1]"), std::string::npos) << line;
  }
  EXPECT_EQ(norms, 2 * 5 - 3);  // down and up in each intermediate level, up in the innermost
}

TEST(Pix2pix, UnetNamesFollowTheReferenceBlocks) {
  auto unet = nn::make<UnetGenerator>(UnetOptions{.depth = 5, .ngf = 2});
  for (const char* key : {"model.model.0.weight",          // outermost down conv, no bias
                          "model.model.1.model.1.weight",  // second level: LReLU, conv, BN, inner, ...
                          "model.model.1.model.2.running_mean", "model.model.3.weight", "model.model.3.bias"})
    EXPECT_TRUE(has_key(*unet, key)) << key;
  EXPECT_FALSE(has_key(*unet, "model.model.0.bias"));
  EXPECT_FALSE(has_key(*unet, "model.model.1.model.1.bias"));
}

TEST(Pix2pix, UnetRejectsOtherSizesNamingTheNeededOne) {
  auto unet = nn::make<UnetGenerator>(UnetOptions{.depth = 6, .ngf = 2});
  expect_mentions(message_of<std::invalid_argument>([&] { (*unet)(randn({1, 3, 32, 32})); }),
                  {"UnetGenerator", "[N, 3, 64, 64]", "[1, 3, 32, 32]", "1x1"});
  expect_mentions(message_of<std::invalid_argument>([&] { (*unet)(randn({1, 3, 64, 72})); }),
                  {"[N, 3, 64, 64]", "[1, 3, 64, 72]"});
  expect_mentions(message_of<std::invalid_argument>([&] { nn::make<UnetGenerator>(UnetOptions{.depth = 1}); }),
                  {"depth", "1"});
}

TEST(Pix2pix, PatchGanGivesThirtyByThirtyLogitsAt256) {
  manual_seed(8);
  auto narrow = nn::make<PatchGanDiscriminator>(PatchGanOptions{.ndf = 4});
  EXPECT_EQ((*narrow)(randn({1, 6, 256, 256})).shape(), (Shape{1, 1, 30, 30}));
  auto d = nn::make<PatchGanDiscriminator>();
  EXPECT_EQ((*d)(randn({2, 6, 64, 64})).shape(), (Shape{2, 1, 6, 6}));
  expect_batch_norm_options(*d, 1e-5);
  expect_mentions(message_of<std::invalid_argument>([&] { (*d)(randn({1, 3, 64, 64})); }),
                  {"[N, 6, H, W]", "[1, 3, 64, 64]"});
}

TEST(Pix2pix, PatchGanBiasRuleFollowsTheNorm) {
  auto batch = nn::make<PatchGanDiscriminator>(PatchGanOptions{.norm = PatchNorm::Batch});
  auto instance = nn::make<PatchGanDiscriminator>(PatchGanOptions{.norm = PatchNorm::Instance});
  for (const char* key : {"model.0.bias", "model.11.bias"}) {
    EXPECT_TRUE(has_key(*batch, key)) << key;
    EXPECT_TRUE(has_key(*instance, key)) << key;
  }
  for (const char* key : {"model.2.bias", "model.5.bias", "model.8.bias"}) {
    EXPECT_FALSE(has_key(*batch, key)) << key;
    EXPECT_TRUE(has_key(*instance, key)) << key;
  }
  EXPECT_EQ(batch_norms(*batch).size(), 3u);
  EXPECT_EQ(batch_norms(*instance).size(), 0u);
}

TEST(Pix2pix, InitDrawsWeightsAndZeroesBiases) {
  auto d = nn::make<PatchGanDiscriminator>();
  auto mlp = nn::make<nn::Linear>(300, 200);
  Generator gen(13);
  pix2pix_init(*d, &gen);
  pix2pix_init(*mlp, &gen);
  const auto& conv = [&](size_t i) -> nn::Conv2d& { return static_cast<nn::Conv2d&>((*d->model)[i]); };
  EXPECT_NEAR(std_of(conv(5).weight), 0.02, 1e-3);
  EXPECT_NEAR(std_of(conv(11).weight), 0.02, 2e-3);
  EXPECT_NEAR(std_of(mlp->weight), 0.02, 1e-3);
  for (const Tensor& bias : {conv(0).bias, conv(11).bias, mlp->bias}) EXPECT_EQ(amax(abs(bias)).item<double>(), 0);
  for (nn::BatchNorm* bn : batch_norms(*d)) {
    EXPECT_NEAR(mean(bn->weight).item<double>(), 1, 0.01);
    EXPECT_GT(amax(abs(bn->weight - 1.0)).item<double>(), 0.01);  // drawn, not left at 1
    EXPECT_EQ(amax(abs(bn->bias)).item<double>(), 0);
  }
}

TEST(Pix2pix, TrainAndEvalReachDropoutAndBatchNorm) {
  Generator masks(17);
  auto unet = nn::make<UnetGenerator>(UnetOptions{.depth = 6, .ngf = 4}, &masks);
  auto d = nn::make<PatchGanDiscriminator>(PatchGanOptions{.ndf = 4});
  Tensor x = randn({2, 3, 64, 64});
  expect_batch_norms_follow_mode(*unet, 2 * 6 - 3, [&] { (*unet)(x); });
  expect_dropout_follows_mode(*unet, [&] { return (*unet)(x); });
  EXPECT_GT(masks.offset(), 0u);
  Tensor pair = randn({2, 6, 64, 64});
  expect_batch_norms_follow_mode(*d, 3, [&] { (*d)(pair); });
}

}  // namespace
