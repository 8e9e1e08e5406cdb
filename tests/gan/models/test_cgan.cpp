// The conditional GAN (docs/models.md §3): parameter counts, shapes, that the labels
// condition both networks, label errors, and train/eval reaching dropout and batch norm.
#include <gtest/gtest.h>

#include "gan/models/cgan.h"
#include "tests/core/expect_error.h"
#include "tests/gan/models/model_checks.h"

using namespace ganforge;
using namespace ganforge::gan;
using namespace ganforge::testing;

namespace {

Tensor labels_of(std::vector<int64_t> values) {
  const auto n = static_cast<int64_t>(values.size());
  return from_vector(values, {n});
}

TEST(Cgan, ParameterCountsMatchTheReference) {
  EXPECT_EQ(nn::make<CganGenerator>()->num_parameters(), 1'757'412);
  EXPECT_EQ(nn::make<CganDiscriminator>()->num_parameters(), 1'055'845);
}

TEST(Cgan, ShapesNamesAndConditioning) {
  manual_seed(5);
  auto g = nn::make<CganGenerator>();
  auto d = nn::make<CganDiscriminator>();
  g->eval();
  d->eval();
  Tensor z = randn({4, 100});
  Tensor images = g->forward(z, labels_of({0, 1, 2, 3}));
  EXPECT_EQ(images.shape(), (Shape{4, 1, 32, 32}));
  EXPECT_TRUE(in_unit_range(images));
  Tensor logits = d->forward(images, labels_of({0, 1, 2, 3}));
  EXPECT_EQ(logits.shape(), (Shape{4, 1}));
  // Same noise and images, other labels: other outputs.
  EXPECT_GT(max_abs_difference(g->forward(z, labels_of({9, 8, 7, 6})), images), 1e-4);
  EXPECT_GT(max_abs_difference(d->forward(images, labels_of({9, 8, 7, 6})), logits), 1e-6);
  for (const char* key : {"label_emb.weight", "model.0.weight", "model.3.running_mean", "model.11.weight"})
    EXPECT_TRUE(has_key(*g, key)) << key;
  for (const char* key : {"label_embedding.weight", "model.0.weight", "model.8.bias"}) EXPECT_TRUE(has_key(*d, key)) << key;
  EXPECT_EQ(g->label_emb->weight.shape(), (Shape{10, 10}));
  EXPECT_EQ(static_cast<nn::Dropout&>((*d->model)[3]).p, 0.4);
  expect_batch_norm_options(*g, 0.8);
}

TEST(Cgan, WrongLabelsAreClearErrors) {
  auto g = nn::make<CganGenerator>();
  auto d = nn::make<CganDiscriminator>();
  Tensor z = randn({3, 100});
  expect_mentions(message_of<std::invalid_argument>([&] { g->forward(z, labels_of({1, 2})); }),
                  {"CganGenerator", "labels", "[3]", "[2]"});
  expect_mentions(message_of<std::invalid_argument>([&] { g->forward(z, randn({3})); }), {"labels", "i64", "non-i64"});
  expect_mentions(message_of<std::invalid_argument>([&] { d->forward(randn({3, 1, 32, 32}), labels_of({1, 2, 3, 4})); }),
                  {"CganDiscriminator", "labels", "[3]", "[4]"});
  expect_mentions(message_of<std::invalid_argument>([&] { d->forward(randn({3, 1, 28, 28}), labels_of({1, 2, 3})); }),
                  {"[N, 1, 32, 32]", "[3, 1, 28, 28]"});
  // The one-tensor call is the base's, which says the model needs more.
  expect_mentions(message_of<std::logic_error>([&] { (*g)(z); }), {"CganGenerator"});
}

TEST(Cgan, TrainAndEvalReachDropoutAndBatchNorm) {
  auto g = nn::make<CganGenerator>();
  Generator masks(21);
  auto d = nn::make<CganDiscriminator>(CganOptions{}, &masks);
  Tensor z = randn({4, 100}), images = randn({4, 1, 32, 32});
  Tensor labels = labels_of({0, 5, 5, 9});
  expect_batch_norms_follow_mode(*g, 3, [&] { g->forward(z, labels); });
  expect_dropout_follows_mode(*d, [&] { return d->forward(images, labels); });
  EXPECT_GT(masks.offset(), 0u);  // the masks came from the given generator
}

}  // namespace
