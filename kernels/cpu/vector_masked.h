// 64-byte SIMD values with masked partial loads and stores. The convolutions move rows of
// 4 to 32 elements (DCGAN's 4x4 to 32x32 maps) and the small GEMM's last tile of a row is
// partial; masked accesses cover those with no scalar tail loop and no library call. Under
// AVX-512 a value is one zmm register and the masks are k registers; without it the partial
// accesses fall back to memcpy (portable, slower).
#pragma once

#include <cstdint>
#include <cstring>
#include <type_traits>

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

namespace ganforge::kernels::cpu {

// A GCC vector-extension value of float, double or (for GEMM) int64_t: kept in registers,
// split correctly on narrower SIMD.
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
template <>
struct Vector64Of<int64_t> {
  typedef int64_t type __attribute__((vector_size(64)));
};
template <class T>
using Vector64 = typename Vector64Of<T>::type;

template <class T>
constexpr int64_t kVectorLanes = 64 / sizeof(T);

// The helpers take vectors by reference: passed by value, a 64-byte vector has no fixed
// ABI without AVX-512 (g++ -Wpsabi).

// v = the first `count` (0..lanes) elements at p, the rest 0. Reads nothing past them.
template <class T>
inline void load_first(Vector64<T>& v, const T* p, int64_t count) {
#if defined(__AVX512F__)
  if constexpr (std::is_same_v<T, float>)
    v = (Vector64<T>)_mm512_maskz_loadu_ps(static_cast<__mmask16>((1u << count) - 1), p);
  else
    v = (Vector64<T>)_mm512_maskz_loadu_pd(static_cast<__mmask8>((1u << count) - 1), p);
#else
  v = Vector64<T>{};
  std::memcpy(&v, p, static_cast<size_t>(count) * sizeof(T));
#endif
}

// sum's lanes [lo, hi) (0 <= lo <= hi <= lanes) += p[0, hi - lo).
template <class T>
inline void add_lanes(Vector64<T>& sum, const T* p, int64_t lo, int64_t hi) {
#if defined(__AVX512F__)
  // the masked-off lanes below lo are not read, so the base address may lie before p's array
  const T* base = reinterpret_cast<const T*>(reinterpret_cast<uintptr_t>(p) - static_cast<uintptr_t>(lo) * sizeof(T));
  const unsigned mask = ((1u << hi) - 1) & ~((1u << lo) - 1);
  if constexpr (std::is_same_v<T, float>)
    sum += (Vector64<T>)_mm512_maskz_loadu_ps(static_cast<__mmask16>(mask), base);
  else
    sum += (Vector64<T>)_mm512_maskz_loadu_pd(static_cast<__mmask8>(mask), base);
#else
  Vector64<T> v = {};
  std::memcpy(reinterpret_cast<T*>(&v) + lo, p, static_cast<size_t>(hi - lo) * sizeof(T));
  sum += v;
#endif
}

// Stores the first `count` (0..lanes) elements of v at p.
template <class T>
inline void store_first(T* p, const Vector64<T>& v, int64_t count) {
#if defined(__AVX512F__)
  if constexpr (std::is_same_v<T, float>)
    _mm512_mask_storeu_ps(p, static_cast<__mmask16>((1u << count) - 1), (__m512)v);
  else
    _mm512_mask_storeu_pd(p, static_cast<__mmask8>((1u << count) - 1), (__m512d)v);
#else
  std::memcpy(p, &v, static_cast<size_t>(count) * sizeof(T));
#endif
}

// Stores lanes [lo, hi) (0 <= lo <= hi <= lanes) of v at p + lo, .., p + hi - 1.
template <class T>
inline void store_lanes(T* p, const Vector64<T>& v, int64_t lo, int64_t hi) {
#if defined(__AVX512F__)
  const unsigned mask = ((1u << hi) - 1) & ~((1u << lo) - 1);
  if constexpr (std::is_same_v<T, float>)
    _mm512_mask_storeu_ps(p, static_cast<__mmask16>(mask), (__m512)v);
  else
    _mm512_mask_storeu_pd(p, static_cast<__mmask8>(mask), (__m512d)v);
#else
  std::memcpy(p + lo, reinterpret_cast<const T*>(&v) + lo, static_cast<size_t>(hi - lo) * sizeof(T));
#endif
}

}  // namespace ganforge::kernels::cpu
