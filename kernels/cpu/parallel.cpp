#include "kernels/cpu/parallel.h"

#include <atomic>
#include <cstdlib>

namespace ganforge::kernels::cpu {
namespace {

int default_threads() {
  if (const char* env = std::getenv("GANFORGE_NUM_THREADS")) {
    int n = std::atoi(env);
    if (n > 0) return n;
  }
#ifdef _OPENMP
  return omp_get_max_threads();
#else
  return 1;
#endif
}

std::atomic<int>& thread_setting() {
  static std::atomic<int> threads{default_threads()};
  return threads;
}

}  // namespace

int max_threads() { return thread_setting().load(std::memory_order_relaxed); }

void set_max_threads(int count) { thread_setting().store(std::max(1, count), std::memory_order_relaxed); }

}  // namespace ganforge::kernels::cpu
