// 64-byte SIMD values with masked partial loads and stores, and the short contiguous copies
// and adds built from them. The convolutions move rows of 4 to 32 elements (DCGAN's 4x4 to
// 32x32 maps); a full vector plus one masked one covers such a row with no scalar tail loop
// and no library call. Under AVX-512 a value is one zmm register and the masks are k
// registers; without it the partial accesses fall back to memcpy (portable, slower).
#pragma once

#include <cstdint>
#include <cstring>
#include <type_traits>

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

namespace ganforge::kernels::cpu {

// A GCC vector-extension value of float or double: kept in registers, split correctly on
// narrower SIMD.
template <class T>
struct Vector64Of;
template <>
struct Vector64Of<float> {
  typedef float type __attribute__((vector_size(64)));
};
template <>
struct Vector64Of<double> {
  typedef double type __attribute__((vector_size(64)));
};
template <class T>
using Vector64 = typename Vector64Of<T>::type;

template <class T>
constexpr int64_t kVectorLanes = 64 / sizeof(T);

// The first `count` (0..lanes) elements at p; the rest 0. Reads nothing past them.
template <class T>
inline Vector64<T> load_first(const T* p, int64_t count) {
#if defined(__AVX512F__)
  if constexpr (std::is_same_v<T, float>)
    return (Vector64<T>)_mm512_maskz_loadu_ps(static_cast<__mmask16>((1u << count) - 1), p);
  else
    return (Vector64<T>)_mm512_maskz_loadu_pd(static_cast<__mmask8>((1u << count) - 1), p);
#else
  Vector64<T> v = {};
  std::memcpy(&v, p, static_cast<size_t>(count) * sizeof(T));
  return v;
#endif
}

// Lanes [lo, hi) (0 <= lo <= hi <= lanes) loaded from p[0, hi - lo); the other lanes 0.
template <class T>
inline Vector64<T> load_lanes(const T* p, int64_t lo, int64_t hi) {
#if defined(__AVX512F__)
  // the masked-off lanes below lo are not read, so the base address may lie before p's array
  const T* base = reinterpret_cast<const T*>(reinterpret_cast<uintptr_t>(p) - static_cast<uintptr_t>(lo) * sizeof(T));
  const unsigned mask = ((1u << hi) - 1) & ~((1u << lo) - 1);
  if constexpr (std::is_same_v<T, float>)
    return (Vector64<T>)_mm512_maskz_loadu_ps(static_cast<__mmask16>(mask), base);
  else
    return (Vector64<T>)_mm512_maskz_loadu_pd(static_cast<__mmask8>(mask), base);
#else
  Vector64<T> v = {};
  std::memcpy(reinterpret_cast<char*>(&v) + lo * static_cast<int64_t>(sizeof(T)), p, static_cast<size_t>(hi - lo) * sizeof(T));
  return v;
#endif
}

// Stores the first `count` (0..lanes) elements of v at p.
template <class T>
inline void store_first(T* p, Vector64<T> v, int64_t count) {
#if defined(__AVX512F__)
  if constexpr (std::is_same_v<T, float>)
    _mm512_mask_storeu_ps(p, static_cast<__mmask16>((1u << count) - 1), (__m512)v);
  else
    _mm512_mask_storeu_pd(p, static_cast<__mmask8>((1u << count) - 1), (__m512d)v);
#else
  std::memcpy(p, &v, static_cast<size_t>(count) * sizeof(T));
#endif
}

// Calls f(offset, count) over [0, n) in vector-sized pieces, the last one partial.
template <class T, class F>
inline void for_each_piece(int64_t n, F&& f) {
  for (int64_t k = 0; k < n; k += kVectorLanes<T>) f(k, n - k < kVectorLanes<T> ? n - k : kVectorLanes<T>);
}

// dst[0, n) = src[0, n)
template <class T>
inline void copy_short(T* dst, const T* src, int64_t n) {
  for_each_piece<T>(n, [&](int64_t k, int64_t count) { store_first(dst + k, load_first(src + k, count), count); });
}

// dst[0, n) = 0
template <class T>
inline void zero_short(T* dst, int64_t n) {
  for_each_piece<T>(n, [&](int64_t k, int64_t count) { store_first(dst + k, Vector64<T>{}, count); });
}

}  // namespace ganforge::kernels::cpu
