// The MLP GAN (docs/models.md §1): parameter counts, shapes, the reference's names and
// BN eps, input errors, and train/eval reaching its batch norms.
#include <gtest/gtest.h>

#include "gan/models/mlp_gan.h"
#include "tests/core/expect_error.h"
#include "tests/gan/models/model_checks.h"

using namespace ganforge;
using namespace ganforge::gan;
using namespace ganforge::testing;

namespace {

TEST(MlpGan, ParameterCountsMatchTheReference) {
  EXPECT_EQ(nn::make<MlpGanGenerator>()->num_parameters(), 1'510'032);
  EXPECT_EQ(nn::make<MlpGanDiscriminator>()->num_parameters(), 533'505);
}

TEST(MlpGan, ShapesNamesAndEps) {
  manual_seed(3);
  auto g = nn::make<MlpGanGenerator>();
  auto d = nn::make<MlpGanDiscriminator>();
  Tensor images = (*g)(randn({3, 100}));
  EXPECT_EQ(images.shape(), (Shape{3, 1, 28, 28}));
  EXPECT_TRUE(in_unit_range(images));
  EXPECT_EQ((*d)(images).shape(), (Shape{3, 1}));
  for (const char* key : {"model.0.weight", "model.3.running_mean", "model.11.weight"}) EXPECT_TRUE(has_key(*g, key)) << key;
  EXPECT_TRUE(has_key(*d, "model.4.bias"));
  EXPECT_FALSE(has_key(*d, "model.5.weight"));  // logits: no sigmoid, nothing after model.4
  expect_batch_norm_options(*g, 0.8);
  auto rgb = nn::make<MlpGanGenerator>(MlpGanOptions{.channels = 3, .image_size = 16});
  EXPECT_EQ((*rgb)(randn({2, 100})).shape(), (Shape{2, 3, 16, 16}));
}

TEST(MlpGan, WrongInputsNameTheExpectedShape) {
  auto g = nn::make<MlpGanGenerator>();
  auto d = nn::make<MlpGanDiscriminator>();
  expect_mentions(message_of<std::invalid_argument>([&] { (*g)(randn({3, 99})); }),
                  {"MlpGanGenerator", "[N, 100]", "[3, 99]"});
  expect_mentions(message_of<std::invalid_argument>([&] { (*d)(randn({3, 1, 32, 32})); }),
                  {"MlpGanDiscriminator", "[N, 1, 28, 28]", "[3, 1, 32, 32]"});
}

TEST(MlpGan, TrainAndEvalReachEveryBatchNorm) {
  auto g = nn::make<MlpGanGenerator>();
  Tensor z = randn({4, 100});
  expect_batch_norms_follow_mode(*g, 3, [&] { (*g)(z); });
}

}  // namespace
