// Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC'11) and
// the mapping from (seed, offset, element index) to a random value. Every backend includes
// this header, so one seed gives the same numbers on reference, cpu and the CUDA kernels.
//
// Mapping (documented because it is a compatibility promise):
//  - key = (seed low 32 bits, seed high 32 bits); block j uses counter (offset + j) as a
//    64-bit number in words 0-1, words 2-3 zero. One block yields four 32-bit words.
//  - f32 uniform: element i takes word i%4 of block i/4 (24 bits).
//  - f64 uniform, i64 integers: element i takes words 2(i%2), 2(i%2)+1 of block i/2 (53/64 bits).
//  - normal (Box-Muller, computed in double): f32 element i uses the word pair (i%4)/2 of
//    block i/4; f64 element i uses both 64-bit uniforms of block i/2; even i takes the
//    cosine branch, odd i the sine branch.
#pragma once

#include <cmath>
#include <cstdint>

#include "kernels/common/host_device.h"
#include "kernels/dtype.h"

namespace ganforge::philox {

struct Block {
  uint32_t w[4];
};

GANFORGE_HOST_DEVICE uint32_t mulhilo(uint32_t a, uint32_t b, uint32_t* hi) {
  uint64_t product = static_cast<uint64_t>(a) * b;
  *hi = static_cast<uint32_t>(product >> 32);
  return static_cast<uint32_t>(product);
}

// Ten rounds of the Philox S-box over a 4-word counter with a 2-word key (Random123's
// philox4x32_R with R = 10): each round multiplies two words by constants, mixes the high
// halves with the key, and bumps the key by the Weyl constants.
GANFORGE_HOST_DEVICE Block philox4x32_10(Block ctr, uint32_t key0, uint32_t key1) {
  constexpr uint32_t kMul0 = 0xD2511F53u, kMul1 = 0xCD9E8D57u;
  constexpr uint32_t kWeyl0 = 0x9E3779B9u, kWeyl1 = 0xBB67AE85u;
  for (int round = 0; round < 10; ++round) {
    uint32_t hi0, hi1;
    uint32_t lo0 = mulhilo(kMul0, ctr.w[0], &hi0);
    uint32_t lo1 = mulhilo(kMul1, ctr.w[2], &hi1);
    ctr = Block{{hi1 ^ ctr.w[1] ^ key0, lo1, hi0 ^ ctr.w[3] ^ key1, lo0}};
    key0 += kWeyl0;
    key1 += kWeyl1;
  }
  return ctr;
}

GANFORGE_HOST_DEVICE Block block_at(uint64_t seed, uint64_t counter) {
  Block ctr{{static_cast<uint32_t>(counter), static_cast<uint32_t>(counter >> 32), 0u, 0u}};
  return philox4x32_10(ctr, static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32));
}

// [0, 1) from the top 24 bits of a word (exactly representable in float).
GANFORGE_HOST_DEVICE double unit_from_u32(uint32_t x) { return (x >> 8) * (1.0 / 16777216.0); }
// [0, 1) from the top 53 bits of two words (exactly representable in double).
GANFORGE_HOST_DEVICE double unit_from_u64(uint32_t lo, uint32_t hi) {
  uint64_t bits = (static_cast<uint64_t>(hi) << 32) | lo;
  return (bits >> 11) * (1.0 / 9007199254740992.0);
}

// Elements produced by one Philox block for a given fill.
GANFORGE_HOST_DEVICE int64_t elements_per_block(DType dtype) { return dtype == DType::F32 ? 4 : 2; }

GANFORGE_HOST_DEVICE double uniform_at(uint64_t seed, uint64_t offset, int64_t i, DType dtype) {
  if (dtype == DType::F32) {
    Block b = block_at(seed, offset + static_cast<uint64_t>(i / 4));
    return unit_from_u32(b.w[i % 4]);
  }
  Block b = block_at(seed, offset + static_cast<uint64_t>(i / 2));
  int w = 2 * static_cast<int>(i % 2);
  return unit_from_u64(b.w[w], b.w[w + 1]);
}

GANFORGE_HOST_DEVICE double normal_at(uint64_t seed, uint64_t offset, int64_t i, DType dtype) {
  double u1, u2;  // u1 in (0, 1] so that log(u1) is finite
  if (dtype == DType::F32) {
    Block b = block_at(seed, offset + static_cast<uint64_t>(i / 4));
    int pair = static_cast<int>((i % 4) / 2);
    u1 = 1.0 - unit_from_u32(b.w[2 * pair]);
    u2 = unit_from_u32(b.w[2 * pair + 1]);
  } else {
    Block b = block_at(seed, offset + static_cast<uint64_t>(i / 2));
    u1 = 1.0 - unit_from_u64(b.w[0], b.w[1]);
    u2 = unit_from_u64(b.w[2], b.w[3]);
  }
  constexpr double kTwoPi = 6.283185307179586476925286766559;
  double radius = std::sqrt(-2.0 * std::log(u1));
  return (i % 2 == 0) ? radius * std::cos(kTwoPi * u2) : radius * std::sin(kTwoPi * u2);
}

// Integer in [low, high) from 64 random bits; the modulo bias is below 2^-40 for ranges
// under 2^24 (labels, indices), which is what this is used for.
GANFORGE_HOST_DEVICE int64_t int_at(uint64_t seed, uint64_t offset, int64_t i, int64_t low, int64_t high) {
  Block b = block_at(seed, offset + static_cast<uint64_t>(i / 2));
  int w = 2 * static_cast<int>(i % 2);
  uint64_t bits = (static_cast<uint64_t>(b.w[w + 1]) << 32) | b.w[w];
  uint64_t range = static_cast<uint64_t>(high - low);
  return low + static_cast<int64_t>(bits % range);
}

}  // namespace ganforge::philox
