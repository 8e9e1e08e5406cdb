// Philox4x32-10 against the known-answer vectors of the Random123 distribution
// (kat_vectors, "philox4x32 10" lines), and the promise built on it: one seed gives the
// same numbers on every backend.
#include <gtest/gtest.h>

#include <cmath>

#include "core/ganforge.h"
#include "kernels/registry.h"
#include "kernels/philox.h"

using namespace ganforge;

namespace {

struct KnownAnswer {
  uint32_t counter[4];
  uint32_t key[2];
  uint32_t expected[4];
};

// Random123 kat_vectors: counter (4 words), key (2 words) -> output (4 words).
const KnownAnswer kVectors[] = {
    {{0x00000000, 0x00000000, 0x00000000, 0x00000000}, {0x00000000, 0x00000000},
     {0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}},
    {{0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff}, {0xffffffff, 0xffffffff},
     {0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}},
    {{0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344}, {0xa4093822, 0x299f31d0},
     {0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}},
};

TEST(Philox, MatchesRandom123KnownAnswers) {
  for (const KnownAnswer& v : kVectors) {
    philox::Block ctr{{v.counter[0], v.counter[1], v.counter[2], v.counter[3]}};
    philox::Block out = philox::philox4x32_10(ctr, v.key[0], v.key[1]);
    for (int w = 0; w < 4; ++w) EXPECT_EQ(out.w[w], v.expected[w]) << "word " << w;
  }
}

TEST(Philox, UniformStaysInRangeWithTheRightMoments) {
  Generator gen(7);
  for (DType dtype : {DType::F32, DType::F64}) {
    std::vector<double> u = rand({100000}, TensorOptions{}.with_dtype(dtype), &gen).to_vector<double>();
    double sum = 0, squares = 0;
    for (double x : u) {
      ASSERT_GE(x, 0.0);
      ASSERT_LT(x, 1.0);
      sum += x;
      squares += x * x;
    }
    const double n = static_cast<double>(u.size()), mean = sum / n, var = squares / n - mean * mean;
    // U(0,1): mean 1/2 (std error 0.29/sqrt(n) = 9e-4), variance 1/12; 5 standard errors
    EXPECT_NEAR(mean, 0.5, 5 * 0.29 / std::sqrt(n));
    EXPECT_NEAR(var, 1.0 / 12, 5 * 0.075 / std::sqrt(n));
  }
}

TEST(Philox, NormalHasUnitMomentsAndNoInfinities) {
  Generator gen(11);
  for (DType dtype : {DType::F32, DType::F64}) {
    std::vector<double> z = randn({100000}, TensorOptions{}.with_dtype(dtype), &gen).to_vector<double>();
    double sum = 0, squares = 0;
    for (double x : z) {
      ASSERT_TRUE(std::isfinite(x));
      sum += x;
      squares += x * x;
    }
    const double n = static_cast<double>(z.size());
    // N(0,1): std error of the mean 1/sqrt(n), of the second moment sqrt(2/n); 5 standard errors
    EXPECT_NEAR(sum / n, 0.0, 5 / std::sqrt(n));
    EXPECT_NEAR(squares / n, 1.0, 5 * std::sqrt(2 / n));
  }
}

TEST(Philox, IntegersCoverTheRangeAndStayInIt) {
  Generator gen(3);
  std::vector<int64_t> v = randint(-3, 4, {7000}, TensorOptions{}.with_dtype(DType::I64), &gen).to_vector<int64_t>();
  std::vector<int> histogram(7, 0);
  for (int64_t x : v) {
    ASSERT_GE(x, -3);
    ASSERT_LT(x, 4);
    ++histogram[x + 3];
  }
  for (int count : histogram) EXPECT_GT(count, 800);  // expected 1000 each; 800 is > 6 standard deviations below
}

TEST(Philox, SameSeedGivesSameNumbersOnEveryBackend) {
  for (DType dtype : {DType::F32, DType::F64}) {
    std::vector<std::vector<double>> uniform, normal;
    for (kernels::Backend* backend : kernels::all_backends()) {
      if (!backend->available() || backend->device_type() != DeviceType::CPU) continue;
      KernelsGuard guard(backend->name());
      Generator gen(42);
      // a non-contiguous 3-D shape with odd sizes exercises the element numbering
      uniform.push_back(rand({3, 5, 7}, TensorOptions{}.with_dtype(dtype), &gen).to_vector<double>());
      normal.push_back(randn({3, 5, 7}, TensorOptions{}.with_dtype(dtype), &gen).to_vector<double>());
    }
    ASSERT_GE(uniform.size(), 2u);
    for (size_t b = 1; b < uniform.size(); ++b) {
      EXPECT_EQ(uniform[b], uniform[0]);
      EXPECT_EQ(normal[b], normal[0]);
    }
  }
}

TEST(Philox, GeneratorAdvancesSoConsecutiveDrawsDiffer) {
  Generator gen(5);
  std::vector<float> first = rand({8}, {}, &gen).to_vector<float>();
  std::vector<float> second = rand({8}, {}, &gen).to_vector<float>();
  EXPECT_NE(first, second);
  EXPECT_EQ(gen.offset(), 4u);  // 8 f32 values take 2 Philox blocks each time

  Generator replay(5);
  EXPECT_EQ(rand({8}, {}, &replay).to_vector<float>(), first);
  manual_seed(5);
  EXPECT_EQ(rand({8}).to_vector<float>(), first);
}

TEST(Philox, ElementNumberingIsDocumentedMapping) {
  // f32 element i takes word i%4 of block i/4: element 5 is word 1 of counter 1.
  Generator gen(99);
  std::vector<float> u = rand({6}, {}, &gen).to_vector<float>();
  philox::Block block = philox::block_at(99, 1);
  EXPECT_EQ(static_cast<double>(u[5]), philox::unit_from_u32(block.w[1]));
}

}  // namespace
