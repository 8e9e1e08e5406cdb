// Thread use of the cpu backend. Waking a second thread costs more than small ops gain on
// these 2-core machines (PyTorch runs small GAN steps slower on 2 threads than on 1), so
// work is split only when each thread gets at least kMinWorkPerThread units.
#pragma once

#include <algorithm>
#include <cstdint>

#ifdef _OPENMP
#include <omp.h>
#endif

namespace ganforge::kernels::cpu {

constexpr int64_t kMinWorkPerThread = 1 << 15;

int max_threads();              // GANFORGE_NUM_THREADS, else OpenMP's default
void set_max_threads(int count);

inline bool in_parallel_region() {
#ifdef _OPENMP
  return omp_in_parallel() != 0;
#else
  return false;
#endif
}

// Calls f(begin, end) on disjoint chunks covering [0, n); `cost` is the work of one item.
template <class F>
void parallel_for(int64_t n, int64_t cost, F&& f) {
  if (n <= 0) return;
  int64_t by_work = std::max<int64_t>(1, n * std::max<int64_t>(cost, 1) / kMinWorkPerThread);
  int threads = static_cast<int>(std::min<int64_t>({by_work, n, max_threads()}));
  if (threads <= 1) {
    f(int64_t{0}, n);
    return;
  }
#ifdef _OPENMP
#pragma omp parallel num_threads(threads)
  {
    int64_t t = omp_get_thread_num(), count = omp_get_num_threads();
    f(n * t / count, n * (t + 1) / count);
  }
#else
  f(int64_t{0}, n);
#endif
}

}  // namespace ganforge::kernels::cpu
