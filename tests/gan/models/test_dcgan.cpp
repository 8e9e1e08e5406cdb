// DCGAN (docs/models.md §2) at 64, 32 and 28 pixels: parameter counts, shapes, the
// reference's names, size errors, dcgan_init, and train/eval reaching its batch norms.
#include <gtest/gtest.h>

#include <cmath>

#include "gan/models/dcgan.h"
#include "tests/core/expect_error.h"
#include "tests/gan/models/model_checks.h"

using namespace ganforge;
using namespace ganforge::gan;
using namespace ganforge::testing;

namespace {

double std_of(const Tensor& t) { return std::sqrt(var(t.to(DType::F64)).item<double>()); }

int64_t count(int64_t size, int64_t channels, bool generator) {
  const DcganOptions o{.image_size = size, .channels = channels};
  if (generator) return nn::make<DcganGenerator>(o)->num_parameters();
  return nn::make<DcganDiscriminator>(o)->num_parameters();
}

TEST(Dcgan, ParameterCountsMatchTheReference) {
  EXPECT_EQ(count(64, 3, true), 3'576'704);
  EXPECT_EQ(count(64, 3, false), 2'765'568);
  EXPECT_EQ(count(64, 1, true), 3'574'656);
  EXPECT_EQ(count(64, 1, false), 2'763'520);
  EXPECT_EQ(count(28, 1, true), 837'504);
  EXPECT_EQ(count(28, 1, false), 659'456);
  EXPECT_EQ(count(32, 3, true), 1'068'928);
  EXPECT_EQ(count(32, 3, false), 663'296);
}

TEST(Dcgan, EverySizeMapsNoiseToImagesToLogits) {
  manual_seed(4);
  for (int64_t size : {28, 32, 64}) {
    const DcganOptions o{.image_size = size, .channels = size == 28 ? 1 : 3};
    auto g = nn::make<DcganGenerator>(o);
    auto d = nn::make<DcganDiscriminator>(o);
    Tensor images = (*g)(randn({2, 100}));
    EXPECT_EQ(images.shape(), (Shape{2, o.channels, size, size})) << size;
    EXPECT_TRUE(in_unit_range(images));
    EXPECT_EQ((*d)(images).shape(), (Shape{2, 1})) << size;
    expect_batch_norm_options(*g, 1e-5);
    expect_batch_norm_options(*d, 1e-5);
  }
  auto g = nn::make<DcganGenerator>(DcganOptions{.image_size = 32, .ngf = 8});
  EXPECT_EQ((*g)(randn({2, 100, 1, 1})).shape(), (Shape{2, 3, 32, 32}));  // PyTorch's noise layout too
}

TEST(Dcgan, LayersAreNamedAsTheReference) {
  auto g = nn::make<DcganGenerator>();
  auto d = nn::make<DcganDiscriminator>();
  for (const char* key : {"main.0.weight", "main.1.running_var", "main.12.weight"}) EXPECT_TRUE(has_key(*g, key)) << key;
  for (const char* key : {"main.0.weight", "main.3.weight", "main.11.weight"}) EXPECT_TRUE(has_key(*d, key)) << key;
  EXPECT_FALSE(has_key(*g, "main.0.bias"));  // no conv biases
  EXPECT_FALSE(has_key(*d, "main.11.bias"));
}

TEST(Dcgan, WrongSizesAreClearErrors) {
  for (int64_t size : {0, 48, 128}) {
    const DcganOptions o{.image_size = size};
    expect_mentions(message_of<std::invalid_argument>([&] { nn::make<DcganGenerator>(o); }),
                    {"28, 32 or 64", std::to_string(size)});
    expect_mentions(message_of<std::invalid_argument>([&] { nn::make<DcganDiscriminator>(o); }),
                    {"28, 32 or 64", std::to_string(size)});
  }
  const DcganOptions mnist{.image_size = 28, .channels = 1};
  auto g = nn::make<DcganGenerator>(mnist);
  auto d = nn::make<DcganDiscriminator>(mnist);
  expect_mentions(message_of<std::invalid_argument>([&] { (*g)(randn({2, 64})); }),
                  {"DcganGenerator", "[N, 100]", "[2, 64]"});
  expect_mentions(message_of<std::invalid_argument>([&] { (*d)(randn({2, 1, 32, 32})); }),
                  {"DcganDiscriminator", "[N, 1, 28, 28]", "[2, 1, 32, 32]"});
}

TEST(Dcgan, InitDrawsConvWeightsAndBatchNormScalesAroundTheirCentres) {
  auto g = nn::make<DcganGenerator>();
  Generator gen(11);
  dcgan_init(*g, &gen);
  const Tensor w = static_cast<nn::ConvTranspose2d&>((*g->main)[0]).weight;
  EXPECT_NEAR(mean(w).item<double>(), 0, 1e-3);
  EXPECT_NEAR(std_of(w), 0.02, 1e-3);
  for (nn::BatchNorm* bn : batch_norms(*g)) {
    EXPECT_NEAR(mean(bn->weight).item<double>(), 1, 0.01);
    EXPECT_NEAR(std_of(bn->weight), 0.02, 0.005);
    EXPECT_EQ(amax(abs(bn->bias)).item<double>(), 0);
  }
  // The same generator state gives the same weights.
  auto again = nn::make<DcganGenerator>();
  Generator gen2(11);
  dcgan_init(*again, &gen2);
  EXPECT_EQ(max_abs_difference(static_cast<nn::ConvTranspose2d&>((*again->main)[0]).weight, w), 0);
}

TEST(Dcgan, TrainAndEvalReachEveryBatchNorm) {
  auto g = nn::make<DcganGenerator>(DcganOptions{.image_size = 32, .ngf = 8});
  auto d = nn::make<DcganDiscriminator>(DcganOptions{.image_size = 32, .ndf = 8});
  Tensor z = randn({2, 100});
  Tensor images = randn({2, 3, 32, 32});
  expect_batch_norms_follow_mode(*g, 3, [&] { (*g)(z); });
  expect_batch_norms_follow_mode(*d, 2, [&] { (*d)(images); });
}

}  // namespace
