// The SIMT emulator's runtime: fibers, the block scheduler, barriers, warp meeting points,
// the device-memory registry, the spin-wait watchdog, and the hooks of the memory profiler
// (kernels/simt/profile.h). See kernels/simt/simt.h.
//
// Scheduling: a block's threads are fibers on pooled worker stacks. The scheduler resumes
// every runnable thread in turn; a thread runs until it reaches __syncthreads, a warp
// operation that not all of its lanes have reached, or its end. When no thread can run,
// either every thread waits at the same barrier (all are released), or all have finished
// (next block), or the block is stuck, which is reported with the threads involved.
#include "kernels/simt/simt.h"
#include "kernels/simt/profile.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <boost/context/fiber.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <new>
#include <sstream>
#include <thread>
#include <vector>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/common_interface_defs.h>
#define GANFORGE_SIMT_ASAN 1
#endif

thread_local uint3 threadIdx;
thread_local uint3 blockIdx;
thread_local dim3 blockDim;
thread_local dim3 gridDim;

namespace ganforge::simt {
namespace {

namespace ctx = boost::context;

#if defined(GANFORGE_SIMT_ASAN)
constexpr size_t kStackBytes = size_t{512} << 10;  // ASan's redzones make frames much larger
#else
constexpr size_t kStackBytes = size_t{64} << 10;
#endif
constexpr size_t kMaxSharedBytes = size_t{48} << 10;  // per block, without opt-in (as on a GPU)
constexpr unsigned kMaxThreadsPerBlock = 1024;

// Thrown inside a thread's fiber to unwind it when its block is aborted; never escapes.
struct Abort {};

enum class Status : uint8_t { Runnable, AtBarrier, AtWarp, Done };

struct Arrival {  // one lane waiting at a warp operation (lives on that lane's stack)
  WarpOp op;
  unsigned mask;
  uint64_t value;
  int arg, width;
  uint64_t result = 0;
};

struct AsyncCopy {
  void* destination;
  const void* source;
  size_t bytes;
};

struct Thread {
  uint3 idx;
  unsigned linear;
  Status status = Status::Runnable;
  Site site{"", 0, ""};
  Arrival* arrival = nullptr;
  std::vector<AsyncCopy> uncommitted;               // cp.async since the last commit
  std::deque<std::vector<AsyncCopy>> committed;     // groups not yet waited for, oldest first
};

struct Block {
  std::vector<Thread> threads;
  void (*thunk)(void*) = nullptr;
  void* context = nullptr;
  std::string kernel = "?";  // the function of the first device operation seen, else the launcher
  std::string error;
  bool aborting = false;
  std::unique_ptr<unsigned char[]> shared;  // dynamic shared memory, exactly the launch's bytes
};

struct Worker {
  ctx::fiber fiber;      // resumes the worker (held by the scheduler)
  ctx::fiber scheduler;  // resumes the scheduler (held inside the worker)
  void* stack_bottom = nullptr;
  size_t stack_size = 0;
  bool quit = false;
};

// Boost.Context stack allocator: an mmap'ed stack with a PROT_NONE guard page below it, so an
// overflow faults at once. Each worker keeps its stack for its lifetime (the pool).
struct GuardedStack {
  Worker* owner;
  ctx::stack_context allocate() {
    const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    void* base = mmap(nullptr, kStackBytes + page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (base == MAP_FAILED) throw std::bad_alloc();
    mprotect(base, page, PROT_NONE);
    owner->stack_bottom = static_cast<char*>(base) + page;
    owner->stack_size = kStackBytes;
    ctx::stack_context sc;
    sc.size = kStackBytes + page;
    sc.sp = static_cast<char*>(base) + kStackBytes + page;
    return sc;
  }
  void deallocate(ctx::stack_context& sc) { munmap(static_cast<char*>(sc.sp) - sc.size, sc.size); }
};

// ---- AddressSanitizer needs to be told about each stack switch. ----
#if defined(GANFORGE_SIMT_ASAN)
void switch_start(void** fake, const void* bottom, size_t size) { __sanitizer_start_switch_fiber(fake, bottom, size); }
void switch_finish(void* fake, const void** bottom, size_t* size) { __sanitizer_finish_switch_fiber(fake, bottom, size); }
#else
void switch_start(void**, const void*, size_t) {}
void switch_finish(void*, const void**, size_t*) {}
#endif

// ---- The watchdog: a spin-wait on another thread never ends here (threads run one at a
// time), so a thread that runs for too long without yielding is reported. ----
class Watchdog {
 public:
  Watchdog() {
    if (const char* env = std::getenv("GANFORGE_SIMT_WATCHDOG_S")) seconds_ = std::max(1, std::atoi(env));
    thread_ = std::thread([this] { watch(); });
  }
  ~Watchdog() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stop_ = true;
    }
    wake_.notify_all();
    thread_.join();
  }
  void set_seconds(int s) { seconds_ = std::max(1, s); }
  void enter(const std::source_location& where) {
    launch_function_ = where.function_name();
    launch_file_ = where.file_name();
    launch_line_ = static_cast<int>(where.line());
    active_ = true;
  }
  void leave() { active_ = false; }
  void resumed(const uint3& block, const uint3& thread) {
    const unsigned ids[6] = {block.x, block.y, block.z, thread.x, thread.y, thread.z};
    for (int i = 0; i < 6; ++i) ids_[i].store(ids[i], std::memory_order_relaxed);
    progress_.fetch_add(1, std::memory_order_relaxed);
  }

 private:
  void watch() {
    uint64_t last = 0;
    auto since = std::chrono::steady_clock::now();
    std::unique_lock<std::mutex> lock(mutex_);
    while (!wake_.wait_for(lock, std::chrono::milliseconds(200), [this] { return stop_; })) {
      const uint64_t now_progress = progress_.load(std::memory_order_relaxed);
      const auto now = std::chrono::steady_clock::now();
      if (!active_ || now_progress != last) {
        last = now_progress;
        since = now;
        continue;
      }
      if (now - since < std::chrono::seconds(seconds_.load())) continue;
      unsigned id[6];
      for (int i = 0; i < 6; ++i) id[i] = ids_[i].load(std::memory_order_relaxed);
      std::fprintf(stderr,
                   "simt watchdog: a thread of the kernel launched in %s at %s:%d ran for %d s without reaching a "
                   "barrier, a warp operation or its end: block (%u,%u,%u) thread (%u,%u,%u). The emulator runs one "
                   "thread at a time, so a spin-wait on another thread never ends; use a barrier or a warp "
                   "operation.\n",
                   launch_function_.load(), launch_file_.load(), launch_line_.load(), seconds_.load(), id[0], id[1],
                   id[2], id[3], id[4], id[5]);
      std::fflush(stderr);
      std::abort();
    }
  }

  std::atomic<int> seconds_{60};
  std::atomic<bool> active_{false};
  std::atomic<uint64_t> progress_{0};
  std::atomic<const char*> launch_function_{""}, launch_file_{""};
  std::atomic<int> launch_line_{0};
  std::atomic<unsigned> ids_[6] = {};  // block x, y, z and thread x, y, z of the running thread
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread thread_;
};

Watchdog& watchdog() {
  static Watchdog w;
  return w;
}

// ---- Per OS thread: the worker pool and the block being run. ----
class Executor {
 public:
  ~Executor() {
    for (auto& w : workers_) {  // let each worker return from its loop so its stack unwinds
      w->quit = true;
      resume(*w);
    }
  }

  void ensure_workers(size_t n) {
    while (workers_.size() < n) {
      auto w = std::make_unique<Worker>();
      Worker* raw = w.get();
      w->fiber = ctx::fiber(std::allocator_arg, GuardedStack{raw}, [this, raw](ctx::fiber&& scheduler) {
        raw->scheduler = std::move(scheduler);
        switch_finish(nullptr, &scheduler_bottom_, &scheduler_size_);
        while (!raw->quit) {
          run_thread();
          yield(*raw);
        }
        switch_start(nullptr, scheduler_bottom_, scheduler_size_);
        return std::move(raw->scheduler);
      });
      workers_.push_back(std::move(w));
    }
  }

  // Runs one thread of the current block until it blocks or ends.
  void resume(Thread& t, size_t worker) {
    current_thread = &t;
    current_worker = workers_[worker].get();
    threadIdx = t.idx;
    watchdog().resumed(blockIdx, t.idx);
    profile_thread_resumed(t.linear);
    resume(*current_worker);
  }

  // Inside a thread: hands control back to the scheduler; throws Abort if the block died.
  void yield_to_scheduler() {
    yield(*current_worker);
    if (block->aborting) throw Abort{};
  }

  Block* block = nullptr;
  Thread* current_thread = nullptr;
  Worker* current_worker = nullptr;
  bool in_launch = false;

 private:
  void resume(Worker& w) {
    void* fake = nullptr;
    switch_start(&fake, w.stack_bottom, w.stack_size);
    w.fiber = std::move(w.fiber).resume();
    switch_finish(fake, nullptr, nullptr);
  }

  void yield(Worker& w) {
    void* fake = nullptr;
    switch_start(&fake, scheduler_bottom_, scheduler_size_);
    w.scheduler = std::move(w.scheduler).resume();
    switch_finish(fake, &scheduler_bottom_, &scheduler_size_);
  }

  void run_thread();

  std::vector<std::unique_ptr<Worker>> workers_;
  const void* scheduler_bottom_ = nullptr;
  size_t scheduler_size_ = 0;
};

Executor& executor() {
  thread_local Executor e;
  return e;
}

std::string thread_name(const uint3& t) {
  char text[48];
  std::snprintf(text, sizeof text, "(%u,%u,%u)", t.x, t.y, t.z);
  return text;
}

// "(0,0,0)-(15,0,0), (32,0,0)": the threads for which `pick` holds, as runs of linear ids.
template <class Pick>
std::string thread_list(const Block& b, Pick pick) {
  std::string out;
  const size_t n = b.threads.size();
  for (size_t i = 0; i < n;) {
    if (!pick(b.threads[i])) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j + 1 < n && pick(b.threads[j + 1])) ++j;
    out += out.empty() ? "" : ", ";
    out += thread_name(b.threads[i].idx);
    if (j > i) out += "-" + thread_name(b.threads[j].idx);
    i = j + 1;
  }
  return out.empty() ? "none" : out;
}

std::string where(const Site& s) { return std::string(s.file) + ":" + std::to_string(s.line); }

bool same_site(const Site& a, const Site& b) { return a.line == b.line && std::strcmp(a.file, b.file) == 0; }

const char* op_name(WarpOp op) {
  switch (op) {
    case WarpOp::Sync: return "__syncwarp";
    case WarpOp::Shfl: return "__shfl_sync";
    case WarpOp::ShflUp: return "__shfl_up_sync";
    case WarpOp::ShflDown: return "__shfl_down_sync";
    case WarpOp::ShflXor: return "__shfl_xor_sync";
    case WarpOp::Ballot: return "__ballot_sync";
    case WarpOp::Any: return "__any_sync";
    case WarpOp::All: return "__all_sync";
    case WarpOp::MmaTf32: return "mma.sync.m16n8k8.tf32";
    case WarpOp::MmaBf16: return "mma.sync.m16n8k16.bf16";
    case WarpOp::LdMatrix: return "ldmatrix.sync";
  }
  return "?";
}

std::string hex(unsigned v) {
  char text[16];
  std::snprintf(text, sizeof text, "0x%08x", v);
  return text;
}

// Inside a thread: records the block's first fault and unwinds this thread.
[[noreturn]] void fail(const Site& site, const std::string& what) {
  Executor& ex = executor();
  Block& b = *ex.block;
  if (b.error.empty())
    b.error = "simt: kernel " + std::string(site.function) + " at " + where(site) + ", block " + thread_name(blockIdx) +
              " thread " + thread_name(threadIdx) + ": " + what;
  throw Abort{};
}

void note_kernel(const Site& site) {
  Block& b = *executor().block;
  if (b.kernel == "?") b.kernel = site.function;
}

void Executor::run_thread() {
  Block& b = *block;
  if (!b.aborting) {
    try {
      b.thunk(b.context);
    } catch (const Abort&) {
    } catch (const std::exception& e) {
      if (b.error.empty()) b.error = "simt: kernel " + b.kernel + ", thread " + thread_name(threadIdx) + ": " + e.what();
    }
  }
  current_thread->status = Status::Done;
}

// The lanes of the warp containing thread `linear`, as a bit mask (a last warp may be partial).
unsigned present_lanes(const Block& b, unsigned warp_base) {
  const size_t left = b.threads.size() - warp_base;
  return left >= 32 ? 0xffffffffu : (1u << left) - 1;
}

// Every lane of the group has arrived: compute each one's result.
float from_tf32_register(uint32_t r) { return from_bits<float>(r & ~0x1fffu); }  // the top 19 bits
float from_bf16(uint32_t half) { return from_bits<float>(half << 16); }

// One warp's mma.sync: gathers A, B and C from every lane's fragments (the layouts of simt.h),
// computes D = A·B + C (exact products, each sum rounded to f32 once) and hands back each lane's
// part of D.
void complete_mma(Block& b, unsigned warp_base, WarpOp op) {
  const int k = op == WarpOp::MmaTf32 ? 8 : 16;
  double A[16][16], B[16][8], C[16][8];  // every element the sums read is written below: no zeroing
  auto lane_fragments = [&](unsigned lane) { return from_bits<const MmaFragments*>(b.threads[warp_base + lane].arrival->value); };
  for (unsigned lane = 0; lane < 32; ++lane) {
    const MmaFragments& f = *lane_fragments(lane);
    const unsigned g = lane / 4, t = lane % 4;
    if (op == WarpOp::MmaTf32) {
      A[g][t] = from_tf32_register(f.a[0]);
      A[g + 8][t] = from_tf32_register(f.a[1]);
      A[g][t + 4] = from_tf32_register(f.a[2]);
      A[g + 8][t + 4] = from_tf32_register(f.a[3]);
      B[t][g] = from_tf32_register(f.b[0]);
      B[t + 4][g] = from_tf32_register(f.b[1]);
    } else {
      for (unsigned half = 0; half < 2; ++half) {
        const unsigned shift = 16 * half;
        A[g][2 * t + half] = from_bf16(f.a[0] >> shift & 0xffffu);
        A[g + 8][2 * t + half] = from_bf16(f.a[1] >> shift & 0xffffu);
        A[g][2 * t + 8 + half] = from_bf16(f.a[2] >> shift & 0xffffu);
        A[g + 8][2 * t + 8 + half] = from_bf16(f.a[3] >> shift & 0xffffu);
        B[2 * t + half][g] = from_bf16(f.b[0] >> shift & 0xffffu);
        B[2 * t + 8 + half][g] = from_bf16(f.b[1] >> shift & 0xffffu);
      }
    }
    C[g][2 * t] = f.c[0];
    C[g][2 * t + 1] = f.c[1];
    C[g + 8][2 * t] = f.c[2];
    C[g + 8][2 * t + 1] = f.c[3];
  }
  for (unsigned lane = 0; lane < 32; ++lane) {
    const MmaFragments& f = *lane_fragments(lane);
    const unsigned g = lane / 4, t = lane % 4;
    const unsigned rows[4] = {g, g, g + 8, g + 8}, cols[4] = {2 * t, 2 * t + 1, 2 * t, 2 * t + 1};
    for (int i = 0; i < 4; ++i) {
      double sum = C[rows[i]][cols[i]];
      for (int kk = 0; kk < k; ++kk) sum += A[rows[i]][kk] * B[kk][cols[i]];
      f.d[i] = static_cast<float>(sum);
    }
  }
}

// One warp's ldmatrix: every lane's registers from the rows lanes 8i..8i+7 name (simt.h).
void complete_ldmatrix(Block& b, unsigned warp_base, Site site) {
  auto request = [&](unsigned lane) { return from_bits<const LdMatrixRequest*>(b.threads[warp_base + lane].arrival->value); };
  const LdMatrixRequest& first = *request(0);
  for (unsigned lane = 0; lane < 32; ++lane) {
    const LdMatrixRequest& r = *request(lane);
    std::string problem;
    if (r.matrices != first.matrices || r.transpose != first.transpose)
      problem = "lane " + std::to_string(lane) + " asks for another shape (.x" + std::to_string(r.matrices) +
                (r.transpose ? ".trans" : "") + ") than lane 0 (.x" + std::to_string(first.matrices) +
                (first.transpose ? ".trans" : "") + ")";
    else if (lane < 8u * static_cast<unsigned>(first.matrices) && reinterpret_cast<uintptr_t>(r.row) % 16 != 0)
      problem = "the row address of lane " + std::to_string(lane) + " is not 16-byte aligned";
    if (!problem.empty()) {
      if (b.error.empty())
        b.error = "simt: kernel " + std::string(site.function) + " at " + where(site) + ", block " +
                  thread_name(blockIdx) + ": ldmatrix.sync: " + problem;
      return;
    }
  }
  auto element = [&](int matrix, unsigned row, unsigned col) -> uint32_t {
    uint16_t v;
    std::memcpy(&v, static_cast<const char*>(request(8 * matrix + row)->row) + 2 * col, 2);
    return v;
  };
  for (unsigned lane = 0; lane < 32; ++lane) {
    const unsigned group = lane / 4, pair = 2 * (lane % 4);
    for (int i = 0; i < first.matrices; ++i)
      request(lane)->out[i] = first.transpose ? element(i, pair, group) | element(i, pair + 1, group) << 16
                                              : element(i, group, pair) | element(i, group, pair + 1) << 16;
  }
}

void complete_warp_op(Block& b, unsigned warp_base, unsigned mask, Site site) {
  const WarpOp first = b.threads[warp_base + static_cast<unsigned>(__builtin_ctz(mask))].arrival->op;
  if (first == WarpOp::MmaTf32 || first == WarpOp::MmaBf16) return complete_mma(b, warp_base, first);
  if (first == WarpOp::LdMatrix) return complete_ldmatrix(b, warp_base, site);
  for (unsigned lane = 0; lane < 32; ++lane) {
    if (!(mask >> lane & 1)) continue;
    Arrival& a = *b.threads[warp_base + lane].arrival;
    const int width = a.width;
    const unsigned segment = lane & ~static_cast<unsigned>(width - 1);
    const unsigned in_segment = lane - segment;
    long src = lane;
    switch (a.op) {
      case WarpOp::Sync: break;
      case WarpOp::Shfl: src = segment + (static_cast<unsigned>(a.arg) & static_cast<unsigned>(width - 1)); break;
      case WarpOp::ShflUp: src = in_segment >= static_cast<unsigned>(a.arg) ? long(lane) - a.arg : lane; break;
      case WarpOp::ShflDown: src = in_segment + a.arg < static_cast<unsigned>(width) ? long(lane) + a.arg : lane; break;
      case WarpOp::ShflXor: {
        const long x = long(lane ^ static_cast<unsigned>(a.arg));
        src = x < long(segment) + width && x < 32 ? x : lane;
        break;
      }
      case WarpOp::MmaTf32:
      case WarpOp::MmaBf16:
      case WarpOp::LdMatrix: return;  // complete_mma's and complete_ldmatrix's, above
      case WarpOp::Ballot:
      case WarpOp::Any:
      case WarpOp::All: {
        unsigned votes = 0;
        for (unsigned l = 0; l < 32; ++l)
          if ((mask >> l & 1) && b.threads[warp_base + l].arrival->value != 0) votes |= 1u << l;
        a.result = a.op == WarpOp::Ballot ? votes : a.op == WarpOp::Any ? votes != 0 : votes == mask;
        continue;
      }
    }
    if (!(mask >> src & 1)) {
      if (b.error.empty())
        b.error = "simt: kernel " + std::string(site.function) + " at " + where(site) + ", block " +
                  thread_name(blockIdx) + ": " + op_name(a.op) + " in lane " + std::to_string(lane) + " reads lane " +
                  std::to_string(src) + ", which is not in the mask " + hex(mask);
      return;
    }
    a.result = b.threads[warp_base + static_cast<unsigned>(src)].arrival->value;
  }
}

// Why the block cannot go on, once no thread can run and not all have finished.
std::string stall_report(const Block& b) {
  const Thread* barrier = nullptr;
  const Thread* warp = nullptr;
  for (const Thread& t : b.threads) {
    if (t.status == Status::AtBarrier && barrier == nullptr) barrier = &t;
    if (t.status == Status::AtWarp && warp == nullptr) warp = &t;
  }
  auto done = [](const Thread& t) { return t.status == Status::Done; };
  std::string head = "simt: kernel " + b.kernel + ", block " + thread_name(blockIdx) + ": ";
  if (barrier != nullptr) {
    const Site s = barrier->site;
    auto here = [&](const Thread& t) { return t.status == Status::AtBarrier && same_site(t.site, s); };
    auto elsewhere = [&](const Thread& t) { return t.status == Status::AtBarrier && !same_site(t.site, s); };
    auto at_warp = [](const Thread& t) { return t.status == Status::AtWarp; };
    std::string report = head + "__syncthreads() at " + where(s) + " in " + s.function +
                         " is not reached by every thread of the block (divergent barrier). Waiting there: threads " +
                         thread_list(b, here) + ".";
    if (std::any_of(b.threads.begin(), b.threads.end(), done))
      report += " Exited without reaching it: threads " + thread_list(b, done) + ".";
    for (const Thread& t : b.threads)
      if (elsewhere(t)) {
        report += " Waiting at another barrier (" + where(t.site) + "): threads " + thread_list(b, elsewhere) + ".";
        break;
      }
    if (warp != nullptr) report += " Waiting at a warp operation: threads " + thread_list(b, at_warp) + ".";
    return report;
  }
  return head + op_name(warp->arrival->op) + " at " + where(warp->site) + " in " + warp->site.function +
         " never completes: lanes named in its mask " + hex(warp->arrival->mask) +
         " exited without reaching it (waiting: threads " +
         thread_list(b, [](const Thread& t) { return t.status == Status::AtWarp; }) + ")";
}

void run_block(Executor& ex, Block& b) {
  const size_t n = b.threads.size();
  for (;;) {
    bool ran = false;
    for (size_t i = 0; i < n && b.error.empty(); ++i)
      if (b.threads[i].status == Status::Runnable) {
        ex.resume(b.threads[i], i);
        ran = true;
      }
    if (b.error.empty() && ran) continue;
    if (b.error.empty()) {
      size_t done = 0, at_barrier = 0;
      for (const Thread& t : b.threads) {
        done += t.status == Status::Done;
        at_barrier += t.status == Status::AtBarrier;
      }
      if (done == n) {
        profile_block_end();
        return;
      }
      const Site first = b.threads[0].site;
      bool together = at_barrier == n;
      for (size_t i = 0; together && i < n; ++i) together = same_site(b.threads[i].site, first);
      if (together) {
        profile_barrier();
        for (Thread& t : b.threads) t.status = Status::Runnable;
        continue;
      }
      b.error = stall_report(b);
    }
    // A fault: unwind every thread still inside the kernel, then report.
    b.aborting = true;
    for (size_t i = 0; i < n; ++i)
      if (b.threads[i].status != Status::Done) ex.resume(b.threads[i], i);
    throw KernelError(b.error);
  }
}

thread_local cudaError_t last_error = cudaSuccess;

// ---- The device-memory registry ----
struct Registry {
  std::mutex mutex;
  std::map<uintptr_t, size_t> allocations;  // start -> bytes
};

Registry& registry() {
  static Registry r;
  return r;
}

constexpr std::align_val_t kDeviceAlignment{256};  // cudaMalloc's guarantee

}  // namespace

void syncthreads(Site site) {
  Executor& ex = executor();
  note_kernel(site);
  ex.current_thread->status = Status::AtBarrier;
  ex.current_thread->site = site;
  ex.yield_to_scheduler();
}

uint64_t warp_exchange(WarpOp op, unsigned mask, uint64_t value, int arg, int width, Site site) {
  Executor& ex = executor();
  note_kernel(site);
  Block& b = *ex.block;
  Thread& self = *ex.current_thread;
  const unsigned lane = self.linear % 32, warp_base = self.linear - lane;
  const unsigned present = present_lanes(b, warp_base);
  if (!(mask >> lane & 1))
    fail(site, std::string(op_name(op)) + " with mask " + hex(mask) + ", which does not name the calling lane " +
                   std::to_string(lane));
  if (mask & ~present)
    fail(site, std::string(op_name(op)) + " with mask " + hex(mask) + " names lanes that do not exist: warp " +
                   std::to_string(self.linear / 32) + " of a " + std::to_string(b.threads.size()) +
                   "-thread block has the lanes " + hex(present));
  if (width < 1 || width > 32 || (width & (width - 1)) != 0)
    fail(site, std::string(op_name(op)) + " with width " + std::to_string(width) + " (must be a power of 2 up to 32)");
  if (op == WarpOp::LdMatrix) {  // the hardware reads the rows lanes 0 .. 8·matrices - 1 name
    const auto& request = *from_bits<const LdMatrixRequest*>(value);
    if (lane < 8u * static_cast<unsigned>(request.matrices))
      profile_twin_access(request.row, 16, false, site.file, site.line);
  }
  Arrival arrival{op, mask, value, arg, width};
  self.arrival = &arrival;
  self.status = Status::AtWarp;
  self.site = site;
  bool complete = true;
  for (unsigned l = 0; l < 32; ++l) {
    if (!(mask >> l & 1) || l == lane) continue;
    const Thread& other = b.threads[warp_base + l];
    if (other.status == Status::Done)
      fail(site, std::string(op_name(op)) + " with mask " + hex(mask) + " names lane " + std::to_string(l) +
                     ", which has exited");
    if (other.status != Status::AtWarp) {
      complete = false;
      continue;
    }
    if (other.arrival->mask != mask || other.arrival->op != op)
      fail(site, std::string(op_name(op)) + " with mask " + hex(mask) + " meets lane " + std::to_string(l) + " at " +
                     op_name(other.arrival->op) + " (" + where(other.site) + ") with mask " +
                     hex(other.arrival->mask) + ": the lanes of a mask must call the same operation with the same mask");
  }
  if (complete) {
    complete_warp_op(b, warp_base, mask, site);
    if (!b.error.empty()) throw Abort{};
    for (unsigned l = 0; l < 32; ++l)
      if (mask >> l & 1) b.threads[warp_base + l].status = Status::Runnable;
  } else {
    ex.yield_to_scheduler();
  }
  self.arrival = nullptr;
  return arrival.result;
}

void* dynamic_shared_memory() { return executor().block->shared.get(); }

void cp_async(void* shared_destination, const void* global_source, size_t bytes, Site site) {
  if (bytes != 4 && bytes != 8 && bytes != 16)
    fail(site, "cp.async copies 4, 8 or 16 bytes, not " + std::to_string(bytes));
  if (reinterpret_cast<uintptr_t>(shared_destination) % bytes != 0 || reinterpret_cast<uintptr_t>(global_source) % bytes != 0)
    fail(site, "cp.async of " + std::to_string(bytes) + " bytes needs both addresses aligned to " + std::to_string(bytes));
  check_device_range(global_source, bytes, "cp.async source");
  executor().current_thread->uncommitted.push_back({shared_destination, global_source, bytes});
  profile_twin_access(global_source, bytes, false, site.file, site.line);
  profile_twin_access(shared_destination, bytes, true, site.file, site.line);
}

void cp_async_commit_group(Site) {
  Thread& t = *executor().current_thread;
  t.committed.push_back(std::move(t.uncommitted));
  t.uncommitted.clear();
}

void cp_async_wait_group(int pending, Site site) {
  if (pending < 0) fail(site, "cp.async.wait_group " + std::to_string(pending) + ": the count of groups left pending is at least 0");
  Thread& t = *executor().current_thread;
  while (t.committed.size() > static_cast<size_t>(pending)) {
    for (const AsyncCopy& c : t.committed.front()) std::memcpy(c.destination, c.source, c.bytes);
    t.committed.pop_front();
  }
}

[[noreturn]] void not_emulated(const char* what, Site site) {
  fail(site, std::string(what) + " is not emulated (inline PTX, wmma and TMA need a GPU); this path needs a "
                                 "SIMT twin that the emulator takes instead");
}

void run_grid(const void* kernel, dim3 grid, dim3 block, size_t shared_bytes, void (*thunk)(void*), void* context,
              const std::source_location& where) {
  const uint64_t threads = uint64_t{block.x} * block.y * block.z;
  if (threads == 0 || threads > kMaxThreadsPerBlock || block.z > 64 || grid.y > 65535 || grid.z > 65535) {
    last_error = cudaErrorInvalidConfiguration;
    return;
  }
  if (shared_bytes > kMaxSharedBytes) {
    last_error = cudaErrorInvalidValue;
    return;
  }
  Executor& ex = executor();
  if (ex.in_launch) throw KernelError("simt: a kernel launched another kernel (dynamic parallelism is not emulated)");
  ex.ensure_workers(threads);
  Block b;
  b.thunk = thunk;
  b.context = context;
  b.threads.resize(threads);
  if (shared_bytes > 0) b.shared.reset(new unsigned char[shared_bytes]);
  ex.block = &b;
  ex.in_launch = true;
  gridDim = grid;
  blockDim = block;
  Watchdog& dog = watchdog();
  dog.enter(where);
  profile_launch_begin(kernel, where.file_name(), static_cast<int>(where.line()), {grid.x, grid.y, grid.z},
                       {block.x, block.y, block.z}, b.shared.get(), shared_bytes);
  struct Leave {
    Executor& ex;
    Watchdog& dog;
    ~Leave() {
      profile_launch_end();
      ex.in_launch = false;
      ex.block = nullptr;
      dog.leave();
    }
  } leave{ex, dog};
  for (unsigned bz = 0; bz < grid.z; ++bz)
    for (unsigned by = 0; by < grid.y; ++by)
      for (unsigned bx = 0; bx < grid.x; ++bx) {
        blockIdx = uint3{bx, by, bz};
        unsigned linear = 0;
        for (unsigned z = 0; z < block.z; ++z)
          for (unsigned y = 0; y < block.y; ++y)
            for (unsigned x = 0; x < block.x; ++x, ++linear) {
              Thread& t = b.threads[linear];
              t = Thread{};
              t.idx = uint3{x, y, z};
              t.linear = linear;
            }
        // All-ones bytes: unwritten shared memory reads as NaN in f32 and f64 (and -1 as an integer).
        if (shared_bytes > 0) std::memset(b.shared.get(), 0xff, shared_bytes);
        profile_block_begin();
        run_block(ex, b);
      }
}

void set_watchdog_seconds(int seconds) { watchdog().set_seconds(seconds); }

void set_last_error(cudaError_t error) { last_error = error; }

std::vector<std::pair<uintptr_t, size_t>> device_allocations() {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  return {r.allocations.begin(), r.allocations.end()};
}

void check_device_range(const void* ptr, size_t bytes, const char* what) {
  if (bytes == 0) return;
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  const uintptr_t p = reinterpret_cast<uintptr_t>(ptr);
  auto it = r.allocations.upper_bound(p);
  if (it != r.allocations.begin()) {
    --it;
    if (p >= it->first && p - it->first + bytes <= it->second) return;
  }
  std::ostringstream why;
  why << "simt: " << what << ": " << bytes << " bytes at " << ptr << " are not inside one device allocation";
  if (it != r.allocations.end() && p >= it->first)
    why << " (the allocation at " << reinterpret_cast<void*>(it->first) << " has " << it->second << " bytes)";
  throw KernelError(why.str());
}

}  // namespace ganforge::simt

// ---- The runtime API (C++ linkage; see simt.h) ----
using ganforge::simt::check_device_range;
using ganforge::simt::last_error;
using ganforge::simt::registry;

cudaError_t cudaMalloc(void** ptr, size_t bytes) {
  *ptr = nullptr;
  if (bytes == 0) return cudaSuccess;
  void* p = ::operator new(bytes, ganforge::simt::kDeviceAlignment, std::nothrow);
  if (p == nullptr) return last_error = cudaErrorMemoryAllocation;
  auto& r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  r.allocations[reinterpret_cast<uintptr_t>(p)] = bytes;
  *ptr = p;
  return cudaSuccess;
}

cudaError_t cudaFree(void* ptr) {
  if (ptr == nullptr) return cudaSuccess;
  auto& r = registry();
  {
    std::lock_guard<std::mutex> lock(r.mutex);
    auto it = r.allocations.find(reinterpret_cast<uintptr_t>(ptr));
    if (it == r.allocations.end()) return last_error = cudaErrorInvalidValue;  // not from cudaMalloc, or freed twice
    r.allocations.erase(it);
  }
  ::operator delete(ptr, ganforge::simt::kDeviceAlignment);
  return cudaSuccess;
}

cudaError_t cudaMemcpy(void* dst, const void* src, size_t bytes, cudaMemcpyKind kind) {
  if (kind == cudaMemcpyHostToDevice || kind == cudaMemcpyDeviceToDevice) check_device_range(dst, bytes, "cudaMemcpy destination");
  if (kind == cudaMemcpyDeviceToHost || kind == cudaMemcpyDeviceToDevice) check_device_range(src, bytes, "cudaMemcpy source");
  if (bytes > 0) std::memcpy(dst, src, bytes);
  return cudaSuccess;
}

cudaError_t cudaMemcpyAsync(void* dst, const void* src, size_t bytes, cudaMemcpyKind kind, cudaStream_t) {
  return cudaMemcpy(dst, src, bytes, kind);  // launches are synchronous here, so copies may be too
}

cudaError_t cudaMemset(void* ptr, int value, size_t bytes) {
  check_device_range(ptr, bytes, "cudaMemset");
  if (bytes > 0) std::memset(ptr, value, bytes);
  return cudaSuccess;
}

cudaError_t cudaMemsetAsync(void* ptr, int value, size_t bytes, cudaStream_t) { return cudaMemset(ptr, value, bytes); }

cudaError_t cudaDeviceSynchronize() { return cudaSuccess; }
cudaError_t cudaStreamSynchronize(cudaStream_t) { return cudaSuccess; }

cudaError_t cudaGetLastError() {
  cudaError_t e = last_error;
  last_error = cudaSuccess;
  return e;
}

cudaError_t cudaPeekAtLastError() { return last_error; }

const char* cudaGetErrorString(cudaError_t error) {
  switch (error) {
    case cudaSuccess: return "no error";
    case cudaErrorInvalidValue: return "invalid argument";
    case cudaErrorMemoryAllocation: return "out of memory";
    case cudaErrorInvalidConfiguration: return "invalid configuration argument";
    case cudaErrorInvalidDevice: return "invalid device ordinal";
    default: return "unrecognized error code (SIMT emulator)";
  }
}

cudaError_t cudaGetDeviceCount(int* count) {
  *count = 1;
  return cudaSuccess;
}

cudaError_t cudaGetDevice(int* device) {
  *device = 0;
  return cudaSuccess;
}

cudaError_t cudaSetDevice(int device) { return device == 0 ? cudaSuccess : (last_error = cudaErrorInvalidDevice); }

cudaError_t cudaGetDeviceProperties(cudaDeviceProp* prop, int device) {
  if (device != 0) return last_error = cudaErrorInvalidDevice;
  *prop = cudaDeviceProp{};
  std::snprintf(prop->name, sizeof prop->name, "GANForge SIMT emulator (CPU)");
  prop->totalGlobalMem = static_cast<size_t>(sysconf(_SC_PHYS_PAGES)) * static_cast<size_t>(sysconf(_SC_PAGESIZE));
  prop->sharedMemPerBlock = ganforge::simt::kMaxSharedBytes;
  prop->warpSize = warpSize;
  prop->maxThreadsPerBlock = static_cast<int>(ganforge::simt::kMaxThreadsPerBlock);
  prop->maxThreadsDim[0] = prop->maxThreadsDim[1] = 1024;
  prop->maxThreadsDim[2] = 64;
  prop->maxGridSize[0] = std::numeric_limits<int>::max();
  prop->maxGridSize[1] = prop->maxGridSize[2] = 65535;
  prop->multiProcessorCount = 1;  // blocks run one after another
  prop->major = 0;  // no compute capability: code choosing tensor-core paths at run time must not
  prop->minor = 0;
  return cudaSuccess;
}
