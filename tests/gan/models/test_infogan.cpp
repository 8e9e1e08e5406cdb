// InfoGAN (docs/models.md §4): parameter counts per group, the shapes of G, the shared
// body, the D and Q heads, errors, and train/eval reaching every batch norm.
#include <gtest/gtest.h>

#include "gan/models/infogan.h"
#include "tests/core/expect_error.h"
#include "tests/gan/models/model_checks.h"

using namespace ganforge;
using namespace ganforge::gan;
using namespace ganforge::testing;

namespace {

TEST(Infogan, ParameterCountsMatchTheReference) {
  auto g = nn::make<InfoganGenerator>();
  auto d = nn::make<InfoganDiscriminator>();
  EXPECT_EQ(g->options.latent_dim(), 74);
  EXPECT_EQ(g->num_parameters(), 6'652'481);
  EXPECT_EQ(d->body->num_parameters() + d->d_head->num_parameters(), 6'559'169);
  // The reference's Q head has 133,262 parameters: its last layer is 14 wide (docs/models.md
  // §4). Ours is 12 wide (10 category logits + 2 means), without its two unused log-std outputs.
  EXPECT_EQ(d->q_head->num_parameters() + 2 * (128 + 1), 133'262);
  // The three children hold every parameter, so the trainer's two groups cover D.
  EXPECT_EQ(d->num_parameters(), 6'559'169 + 133'004);
}

TEST(Infogan, ShapesOfGeneratorBodyAndHeads) {
  manual_seed(6);
  auto g = nn::make<InfoganGenerator>();
  auto d = nn::make<InfoganDiscriminator>();
  Tensor images = (*g)(randn({3, 74}));
  EXPECT_EQ(images.shape(), (Shape{3, 1, 28, 28}));
  EXPECT_TRUE(in_unit_range(images));
  d->eval();
  Tensor features = d->features(images);
  EXPECT_EQ(features.shape(), (Shape{3, 1024}));
  EXPECT_EQ(d->d_logits(features).shape(), (Shape{3, 1}));
  const QOutput q = d->q(features);
  EXPECT_EQ(q.category_logits.shape(), (Shape{3, 10}));
  EXPECT_EQ(q.continuous_means.shape(), (Shape{3, 2}));
  EXPECT_EQ(max_abs_difference((*d)(images), d->d_logits(features)), 0);
  EXPECT_EQ(static_cast<nn::Linear&>((*d->q_head)[3]).out_features, 12);
  expect_batch_norm_options(*g, 1e-5);
  expect_batch_norm_options(*d, 1e-5);
}

TEST(Infogan, WrongInputsAreClearErrors) {
  auto g = nn::make<InfoganGenerator>();
  auto d = nn::make<InfoganDiscriminator>();
  expect_mentions(message_of<std::invalid_argument>([&] { (*g)(randn({2, 72})); }), {"latent", "[N, 74]", "[2, 72]"});
  expect_mentions(message_of<std::invalid_argument>([&] { (*d)(randn({2, 1, 32, 32})); }),
                  {"[N, 1, 28, 28]", "[2, 1, 32, 32]"});
  expect_mentions(message_of<std::invalid_argument>([&] { nn::make<InfoganGenerator>(InfoganOptions{.image_size = 30}); }),
                  {"multiple of 4", "30"});
}

TEST(Infogan, TrainAndEvalReachEveryBatchNorm) {
  auto g = nn::make<InfoganGenerator>();
  auto d = nn::make<InfoganDiscriminator>();
  Tensor latent = randn({4, 74}), images = randn({4, 1, 28, 28});
  expect_batch_norms_follow_mode(*g, 3, [&] { (*g)(latent); });
  expect_batch_norms_follow_mode(*d, 3, [&] { d->q(d->features(images)); });
}

}  // namespace
