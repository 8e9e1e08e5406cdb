// The SIMT emulator's memory profiler (see kernels/simt/profile.h): the access hooks, the
// regrouping of each warp's accesses into requests, their counters, and the report.
#include "kernels/simt/profile.h"

#include <dlfcn.h>
#include <link.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <mutex>
#include <sstream>
#include <unordered_map>

#include "kernels/kernel_name.h"
#include "kernels/simt/simt.h"

namespace ganforge::simt {
namespace {

constexpr uint32_t kSectorBytes = 32;
constexpr uint32_t kBanks = 32, kBankBytes = 4;
constexpr uint32_t kWavefrontBytes = kBanks * kBankBytes;

struct Access {
  uintptr_t pc;
  uintptr_t address;
  uint32_t size;
  uint32_t allocation;  // global: the index of its device allocation in the launch's snapshot
  bool store;
  MemorySpace space;
};

struct SiteKey {
  uintptr_t pc;
  MemorySpace space;
  bool store;
  bool operator==(const SiteKey&) const = default;
};
struct SiteKeyHash {
  size_t operator()(const SiteKey& k) const { return std::hash<uintptr_t>()(k.pc * 4 + size_t(k.space) * 2 + k.store); }
};

struct KernelKey {
  const void* kernel;
  const char* file;
  int line;
  Dims block;
  size_t dynamic_shared_bytes;
  bool operator==(const KernelKey& o) const {
    return kernel == o.kernel && line == o.line && std::strcmp(file, o.file) == 0 && block.x == o.block.x &&
           block.y == o.block.y && block.z == o.block.z && dynamic_shared_bytes == o.dynamic_shared_bytes;
  }
};

struct KernelTotals {
  uint64_t launches = 0, blocks = 0, threads = 0, barriers = 0, global_bytes = 0, unique_global_bytes = 0;
  std::unordered_map<SiteKey, AccessCounts, SiteKeyHash> sites;
};

// What every OS thread's launches added up to.
struct Profile {
  std::mutex mutex;
  std::atomic<bool> running{false};
  std::vector<std::pair<KernelKey, KernelTotals>> kernels;
  std::vector<LaunchProfile> launches;
  ProfileTotals totals;
};

Profile& profile() {
  static Profile p;
  return p;
}

// One lane's accesses since the last barrier, grouped with the other lanes' into a request.
struct LaneAccess {
  unsigned lane;
  uintptr_t address;
  uint32_t size;
  uint32_t allocation;
};
struct Request {
  unsigned count = 0;
  LaneAccess lanes[32];
};

// The calling thread's address range of this module's thread_local storage, where the
// `__shared__` arrays live (simt.h makes them thread_local).
std::pair<uintptr_t, uintptr_t> module_tls_range() {
  struct Search {
    uintptr_t code;
    uintptr_t lo = 0, hi = 0;
  } search{reinterpret_cast<uintptr_t>(&module_tls_range)};
  dl_iterate_phdr(
      [](dl_phdr_info* info, size_t, void* data) {
        auto& s = *static_cast<Search*>(data);
        bool here = false;
        size_t tls_bytes = 0;
        for (int i = 0; i < info->dlpi_phnum; ++i) {
          const ElfW(Phdr)& ph = info->dlpi_phdr[i];
          const uintptr_t start = info->dlpi_addr + ph.p_vaddr;
          if (ph.p_type == PT_LOAD && s.code >= start && s.code < start + ph.p_memsz) here = true;
          if (ph.p_type == PT_TLS) tls_bytes = ph.p_memsz;
        }
        if (!here || info->dlpi_tls_data == nullptr) return 0;
        s.lo = reinterpret_cast<uintptr_t>(info->dlpi_tls_data);
        s.hi = s.lo + tls_bytes;
        return 1;
      },
      &search);
  return {search.lo, search.hi};
}

template <class T>
bool inside(uintptr_t a, const T& object) {
  const uintptr_t p = reinterpret_cast<uintptr_t>(&object);
  return a >= p && a < p + sizeof(T);
}

// The counting of one launch on the calling OS thread.
class Recorder {
 public:
  Recorder(const KernelKey& key, Dims grid, uintptr_t shared, size_t shared_bytes)
      : key_(key),
        grid_(grid),
        shared_lo_(shared),
        shared_hi_(shared + shared_bytes),
        allocations_(device_allocations()),
        touched_(allocations_.size()) {
    static thread_local const std::pair<uintptr_t, uintptr_t> tls = module_tls_range();
    tls_lo_ = tls.first;
    tls_hi_ = tls.second;
    totals_.launches = 1;
  }

  void note(uintptr_t address, uint32_t size, bool store, uintptr_t pc) {
    MemorySpace space;
    size_t allocation = 0;
    if (address >= shared_lo_ && address < shared_hi_) {
      space = MemorySpace::Shared;
    } else if (address >= tls_lo_ && address < tls_hi_) {
      if (inside(address, threadIdx) || inside(address, blockIdx) || inside(address, blockDim) ||
          inside(address, gridDim))
        return;  // the built-in variables are registers on a GPU
      space = MemorySpace::Shared;
    } else if (find_allocation(address, &allocation)) {
      space = MemorySpace::Global;
    } else {
      return;  // the fiber's stack: registers and local memory, not counted
    }
    lane_log_->push_back({pc, address, size, static_cast<uint32_t>(allocation), store, space});
  }

  void block_begin(size_t threads) {
    logs_.resize(threads);
    ++totals_.blocks;
    totals_.threads += threads;
  }
  void resumed(unsigned linear) { lane_log_ = &logs_[linear]; }
  void barrier() {
    flush();
    ++totals_.barriers;
  }
  void block_end() { flush(); }

  // Adds this launch to the profile.
  void finish(Profile& p) {
    totals_.unique_global_bytes = distinct_sectors_ * kSectorBytes;
    std::lock_guard<std::mutex> lock(p.mutex);
    size_t index = 0;
    while (index < p.kernels.size() && !(p.kernels[index].first == key_)) ++index;
    if (index == p.kernels.size()) p.kernels.emplace_back(key_, KernelTotals{});
    KernelTotals& k = p.kernels[index].second;
    k.launches += totals_.launches;
    k.blocks += totals_.blocks;
    k.threads += totals_.threads;
    k.barriers += totals_.barriers;
    k.global_bytes += totals_.global_bytes;
    k.unique_global_bytes += totals_.unique_global_bytes;
    for (const auto& [site, t] : totals_.sites) k.sites[site] += t;
    p.launches.push_back({index, grid_, totals_.global_bytes, totals_.unique_global_bytes, shared_wavefronts_});
    ++p.totals.launches;
    p.totals.global_bytes += totals_.global_bytes;
    p.totals.unique_global_bytes += totals_.unique_global_bytes;
    p.totals.shared_wavefronts += shared_wavefronts_;
  }

 private:
  bool find_allocation(uintptr_t a, size_t* index) const {
    auto it = std::upper_bound(allocations_.begin(), allocations_.end(), a,
                               [](uintptr_t x, const std::pair<uintptr_t, size_t>& r) { return x < r.first; });
    if (it == allocations_.begin()) return false;
    --it;
    *index = static_cast<size_t>(it - allocations_.begin());
    return a - it->first < it->second;
  }

  // Marks a sector of an allocation as touched in this launch (one bit per sector; allocations
  // start 256-byte aligned), counting it the first time.
  void touch_sector(uint32_t allocation, uintptr_t sector) {
    std::vector<uint64_t>& bits = touched_[allocation];
    const uintptr_t first = allocations_[allocation].first / kSectorBytes;
    if (bits.empty()) bits.resize((allocations_[allocation].second / kSectorBytes + 64) / 64);
    const uintptr_t i = sector - first;
    const uint64_t bit = uint64_t{1} << (i % 64);
    if (!(bits[i / 64] & bit)) {
      bits[i / 64] |= bit;
      ++distinct_sectors_;
    }
  }

  // Every thread of the block is at a barrier or done: regroup each warp's accesses.
  void flush() {
    for (size_t base = 0; base < logs_.size(); base += 32) {
      const size_t lanes = std::min<size_t>(32, logs_.size() - base);
      if (same_accesses(base, lanes))
        group_by_position(base, lanes);
      else
        group_by_occurrence(base, lanes);
      for (size_t lane = 0; lane < lanes; ++lane) logs_[base + lane].clear();
    }
  }

  // Whether every lane made the same accesses (instruction, space, kind) in the same order: the
  // warp did not diverge, and request k is each lane's k-th access (no lookups needed).
  bool same_accesses(size_t base, size_t lanes) const {
    const std::vector<Access>& first = logs_[base];
    for (size_t lane = 1; lane < lanes; ++lane) {
      const std::vector<Access>& log = logs_[base + lane];
      if (log.size() != first.size()) return false;
      for (size_t i = 0; i < log.size(); ++i)
        if (log[i].pc != first[i].pc || log[i].space != first[i].space || log[i].store != first[i].store) return false;
    }
    return true;
  }

  void group_by_position(size_t base, size_t lanes) {
    Request r;
    for (size_t i = 0; i < logs_[base].size(); ++i) {
      r.count = 0;
      for (size_t lane = 0; lane < lanes; ++lane) {
        const Access& a = logs_[base + lane][i];
        r.lanes[r.count++] = {static_cast<unsigned>(lane), a.address, a.size, a.allocation};
      }
      const Access& a = logs_[base][i];
      count(SiteKey{a.pc, a.space, a.store}, r);
    }
  }

  // A diverged warp: the k-th access of each lane from one instruction makes request k.
  void group_by_occurrence(size_t base, size_t lanes) {
    pending_.clear();
    for (size_t lane = 0; lane < lanes; ++lane) {
      occurrences_.clear();
      for (const Access& a : logs_[base + lane]) {
        const SiteKey key{a.pc, a.space, a.store};
        const uint32_t k = occurrences_[key]++;
        std::vector<Request>& requests = pending_[key];
        if (requests.size() <= k) requests.resize(k + 1);
        Request& r = requests[k];
        r.lanes[r.count++] = {static_cast<unsigned>(lane), a.address, a.size, a.allocation};
      }
    }
    for (const auto& [key, requests] : pending_)
      for (const Request& r : requests) count(key, r);
  }

  // The distinct bytes the lanes asked for.
  uint64_t distinct_bytes(const Request& r) {
    intervals_.clear();
    for (unsigned i = 0; i < r.count; ++i)
      intervals_.emplace_back(r.lanes[i].address, r.lanes[i].address + r.lanes[i].size);
    if (!std::is_sorted(intervals_.begin(), intervals_.end())) std::sort(intervals_.begin(), intervals_.end());
    uint64_t bytes = 0;
    uintptr_t covered = 0;
    for (const auto& [lo, hi] : intervals_) {
      const uintptr_t from = std::max(lo, covered);
      if (hi > from) bytes += hi - from;
      covered = std::max(covered, hi);
    }
    return bytes;
  }

  void count(const SiteKey& key, const Request& r) {
    AccessCounts& s = totals_.sites[key];
    ++s.requests;
    s.active_lanes += r.count;
    for (unsigned i = 0; i < r.count; ++i) s.bytes_requested += r.lanes[i].size;
    const uint64_t distinct = distinct_bytes(r);
    if (key.space == MemorySpace::Global) {
      scratch_.clear();
      for (unsigned i = 0; i < r.count; ++i)
        for (uintptr_t sector = r.lanes[i].address / kSectorBytes;
             sector <= (r.lanes[i].address + r.lanes[i].size - 1) / kSectorBytes; ++sector) {
          scratch_.push_back(sector);
          touch_sector(r.lanes[i].allocation, sector);
        }
      if (!std::is_sorted(scratch_.begin(), scratch_.end())) std::sort(scratch_.begin(), scratch_.end());
      scratch_.erase(std::unique(scratch_.begin(), scratch_.end()), scratch_.end());
      s.sectors += scratch_.size();
      s.ideal_sectors += (distinct + kSectorBytes - 1) / kSectorBytes;
      totals_.global_bytes += scratch_.size() * kSectorBytes;
      return;
    }
    // Shared: lanes are served in passes of 128 bytes' worth of lanes (32 lanes of 4 bytes, 16
    // of 8, 8 of 16); in each pass a bank serves one distinct 4-byte word at a time.
    const uint32_t width = std::clamp<uint32_t>(r.lanes[0].size, kBankBytes, 16);
    const unsigned lanes_per_pass = kWavefrontBytes / width;
    uint64_t wavefronts = 0;
    for (unsigned pass = 0; pass < 32 / lanes_per_pass; ++pass) {
      scratch_.clear();
      for (unsigned i = 0; i < r.count; ++i) {
        if (r.lanes[i].lane / lanes_per_pass != pass) continue;
        for (uintptr_t word = r.lanes[i].address / kBankBytes;
             word <= (r.lanes[i].address + r.lanes[i].size - 1) / kBankBytes; ++word)
          scratch_.push_back(word);
      }
      if (scratch_.empty()) continue;
      if (!std::is_sorted(scratch_.begin(), scratch_.end())) std::sort(scratch_.begin(), scratch_.end());
      scratch_.erase(std::unique(scratch_.begin(), scratch_.end()), scratch_.end());
      uint32_t per_bank[kBanks] = {};
      for (uintptr_t word : scratch_) ++per_bank[word % kBanks];
      wavefronts += *std::max_element(per_bank, per_bank + kBanks);
    }
    s.wavefronts += wavefronts;
    s.ideal_wavefronts += std::max<uint64_t>(1, (distinct + kWavefrontBytes - 1) / kWavefrontBytes);
    shared_wavefronts_ += wavefronts;
  }

  KernelKey key_;
  Dims grid_;
  uintptr_t shared_lo_, shared_hi_, tls_lo_ = 0, tls_hi_ = 0;
  std::vector<std::pair<uintptr_t, size_t>> allocations_;
  std::vector<std::vector<Access>> logs_;  // per thread of the block
  std::vector<Access>* lane_log_ = nullptr;
  KernelTotals totals_;
  uint64_t shared_wavefronts_ = 0;
  std::vector<std::vector<uint64_t>> touched_;  // per allocation, a bit per sector touched
  uint64_t distinct_sectors_ = 0;
  // scratch of flush() and count(), kept for their capacity
  std::unordered_map<SiteKey, std::vector<Request>, SiteKeyHash> pending_;
  std::unordered_map<SiteKey, uint32_t, SiteKeyHash> occurrences_;
  std::vector<std::pair<uintptr_t, uintptr_t>> intervals_;
  std::vector<uintptr_t> scratch_;
};

thread_local Recorder* recorder = nullptr;

// ---- Source lines, from the module's line tables through addr2line. ----
struct SourcePlace {
  std::string function = "?";  // outermost function: the kernel, for an access inlined into it
  std::string file = "?";
  int line = 0;
};

// "kernels/cuda/conv.cu" for any spelling of a path inside the repository.
std::string repository_path(const std::string& path) {
  const std::string normal = std::filesystem::path(path).lexically_normal().string();
  for (const char* top : {"/kernels/", "/tests/", "/core/", "/nn/", "/gan/", "/tools/", "/bench/"}) {
    const size_t at = normal.rfind(top);
    if (at != std::string::npos) return normal.substr(at + 1);
  }
  return normal;
}

std::string shell_quoted(const std::string& text) {
  std::string quoted = "'";
  for (char c : text) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

// addr2line -a -f -i's output: per address "0x<offset>", then function and file:line pairs,
// innermost inlined function first. The place of an access is its innermost line; its function
// is the outermost (the kernel, for an access inlined into it).
void read_addr2line(FILE* pipe, const std::unordered_map<uintptr_t, uintptr_t>& by_offset,
                    std::unordered_map<uintptr_t, SourcePlace>& places) {
  SourcePlace* place = nullptr;
  bool innermost = false, function_line = true;
  std::string function;
  char buffer[4096];
  while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) {
    std::string line(buffer);
    if (!line.empty() && line.back() == '\n') line.pop_back();
    if (line.rfind("0x", 0) == 0) {
      const auto it = by_offset.find(std::strtoull(line.c_str(), nullptr, 16));
      place = it == by_offset.end() ? nullptr : &places[it->second];
      innermost = true;
      function_line = true;
      continue;
    }
    if (place == nullptr) continue;
    if (function_line) {
      function = line;
    } else {
      place->function = kernels::short_kernel_name(function);
      if (innermost) {
        const size_t colon = line.rfind(':');
        place->file = repository_path(line.substr(0, colon));
        place->line = colon == std::string::npos ? 0 : std::atoi(line.c_str() + colon + 1);
        innermost = false;
      }
    }
    function_line = !function_line;
  }
}

// Resolves code addresses of this process (return addresses point after the call).
std::unordered_map<uintptr_t, SourcePlace> resolve(const std::vector<uintptr_t>& addresses) {
  std::unordered_map<uintptr_t, SourcePlace> places;
  std::map<std::string, std::vector<std::pair<uintptr_t, uintptr_t>>> by_module;  // file -> (address, offset)
  for (uintptr_t a : addresses) {
    places[a] = {};
    Dl_info info{};
    if (dladdr(reinterpret_cast<void*>(a), &info) == 0 || info.dli_fname == nullptr) continue;
    std::string file = info.dli_fname;
    if (file.empty()) file = "/proc/self/exe";
    const auto* header = static_cast<const ElfW(Ehdr)*>(info.dli_fbase);
    const uintptr_t base = header->e_type == ET_DYN ? reinterpret_cast<uintptr_t>(info.dli_fbase) : 0;
    by_module[file].emplace_back(a, a - base);
  }
  // addr2line reads its addresses from the command line, a batch at a time (no temporary file).
  constexpr size_t kBatch = 512;
  for (const auto& [module, list] : by_module) {
    std::unordered_map<uintptr_t, uintptr_t> by_offset;
    for (const auto& [address, offset] : list) by_offset[offset] = address;
    for (size_t first = 0; first < list.size(); first += kBatch) {
      std::string command = "addr2line -a -f -C -i -e " + shell_quoted(module);
      for (size_t i = first; i < std::min(list.size(), first + kBatch); ++i) {
        char offset[24];
        std::snprintf(offset, sizeof offset, " 0x%zx", static_cast<size_t>(list[i].second));
        command += offset;
      }
      if (FILE* pipe = popen((command + " 2>/dev/null").c_str(), "r")) {
        read_addr2line(pipe, by_offset, places);
        pclose(pipe);
      }
    }
  }
  return places;
}

// The accesses of instruction twins (profile_twin_access) have no code address in the kernel:
// each call site gets a made-up one above every real address, which resolved() maps back to it.
// Like a return address, it is one past the place it stands for.
constexpr uintptr_t kTwinSitesBase = uintptr_t{1} << 62;
struct TwinSites {
  std::mutex mutex;
  std::map<std::pair<const char*, int>, uintptr_t> pcs;  // by __builtin_FILE()'s pointer and the line
  std::unordered_map<uintptr_t, SourcePlace> places;    // by pc - 1
};
TwinSites& twin_sites() {
  static TwinSites* sites = new TwinSites;
  return *sites;
}
uintptr_t twin_site_pc(const char* file, int line) {
  TwinSites& s = twin_sites();
  std::lock_guard<std::mutex> lock(s.mutex);
  auto [it, added] = s.pcs.try_emplace({file, line}, kTwinSitesBase + 2 * s.pcs.size() + 1);
  if (added) s.places[it->second - 1] = SourcePlace{"?", repository_path(file), line};
  return it->second;
}

// resolve() once per code address for the life of the process (a report and the occupancy
// table after it ask for the same ones).
std::unordered_map<uintptr_t, SourcePlace> resolved(const std::vector<uintptr_t>& addresses) {
  static std::mutex mutex;
  static std::unordered_map<uintptr_t, SourcePlace> known;
  std::lock_guard<std::mutex> lock(mutex);
  std::vector<uintptr_t> missing;
  for (uintptr_t a : addresses) {
    if (known.count(a)) continue;
    if (a >= kTwinSitesBase) {
      TwinSites& s = twin_sites();
      std::lock_guard<std::mutex> twin_lock(s.mutex);
      known[a] = s.places.at(a);
    } else {
      missing.push_back(a);
    }
  }
  if (!missing.empty()) known.merge(resolve(missing));
  return known;
}

std::string dims(Dims d) {
  std::ostringstream out;
  out << d.x;
  if (d.y != 1 || d.z != 1) out << "x" << d.y;
  if (d.z != 1) out << "x" << d.z;
  return out.str();
}

// GANFORGE_SIMT_PROFILE=1 (report on stderr at exit) or =PATH (report written there).
struct EnvironmentProfile {
  EnvironmentProfile() {
    const char* env = std::getenv("GANFORGE_SIMT_PROFILE");
    if (env == nullptr || *env == '\0' || std::strcmp(env, "0") == 0) return;
    profile_start();
    std::atexit([] {
      const char* target = std::getenv("GANFORGE_SIMT_PROFILE");
      const std::string report = profile_report();
      if (std::strcmp(target, "1") == 0) {
        std::fputs(report.c_str(), stderr);
      } else if (FILE* f = std::fopen(target, "w")) {
        const bool ok = std::fwrite(report.data(), 1, report.size(), f) == report.size();
        if (std::fclose(f) != 0 || !ok) std::fprintf(stderr, "simt profile: could not write %s\n", target);
      } else {
        std::fprintf(stderr, "simt profile: could not open %s for writing\n", target);
      }
    });
  }
} environment_profile;

}  // namespace

AccessCounts& AccessCounts::operator+=(const AccessCounts& o) {
  requests += o.requests;
  active_lanes += o.active_lanes;
  bytes_requested += o.bytes_requested;
  sectors += o.sectors;
  ideal_sectors += o.ideal_sectors;
  wavefronts += o.wavefronts;
  ideal_wavefronts += o.ideal_wavefronts;
  return *this;
}

bool profile_instrumented() {
#if defined(GANFORGE_SIMT_INSTRUMENTED)
  return true;
#else
  return false;
#endif
}

void profile_start() { profile().running = true; }

void profile_clear() {
  Profile& p = profile();
  std::lock_guard<std::mutex> lock(p.mutex);
  p.kernels.clear();
  p.launches.clear();
  p.totals = {};
}

void profile_stop() { profile().running = false; }
bool profile_running() { return profile().running; }

std::vector<KernelProfile> profile_kernels() {
  Profile& p = profile();
  std::vector<std::pair<KernelKey, KernelTotals>> kernels;
  {
    std::lock_guard<std::mutex> lock(p.mutex);
    kernels = p.kernels;
  }
  std::vector<uintptr_t> addresses;
  for (const auto& [key, totals] : kernels) {
    addresses.push_back(reinterpret_cast<uintptr_t>(key.kernel));
    for (const auto& [site, t] : totals.sites) addresses.push_back(site.pc - 1);
  }
  const auto places = resolved(addresses);
  std::vector<KernelProfile> out;
  for (const auto& [key, totals] : kernels) {
    KernelProfile k;
    k.name = places.at(reinterpret_cast<uintptr_t>(key.kernel)).function;
    k.launched_at = repository_path(key.file) + ":" + std::to_string(key.line);
    k.block = key.block;
    k.dynamic_shared_bytes = key.dynamic_shared_bytes;
    k.launches = totals.launches;
    k.blocks = totals.blocks;
    k.threads = totals.threads;
    k.barriers = totals.barriers;
    k.global_bytes = totals.global_bytes;
    k.unique_global_bytes = totals.unique_global_bytes;
    // Instructions of one source line (an unrolled loop's copies) are one site.
    std::map<std::tuple<std::string, int, MemorySpace, bool>, AccessSite> sites;
    for (const auto& [site, t] : totals.sites) {
      const SourcePlace& place = places.at(site.pc - 1);
      AccessSite& s = sites[{place.file, place.line, site.space, site.store}];
      s.file = place.file;
      s.line = place.line;
      s.space = site.space;
      s.store = site.store;
      s += t;
    }
    for (auto& [place, s] : sites) k.sites.push_back(std::move(s));
    out.push_back(std::move(k));
  }
  return out;
}

std::vector<LaunchProfile> profile_launches() {
  Profile& p = profile();
  std::lock_guard<std::mutex> lock(p.mutex);
  return p.launches;
}

ProfileTotals profile_totals() {
  Profile& p = profile();
  std::lock_guard<std::mutex> lock(p.mutex);
  return p.totals;
}

std::string profile_report() {
  std::ostringstream out;
  if (!profile_instrumented()) {
    out << "simt profile: this build's kernels are not instrumented (a sanitizer build, or not g++); no counters\n";
    return out.str();
  }
  const std::vector<KernelProfile> kernels = profile_kernels();
  out << "simt memory profile: per kernel (launch site, block, launches), then per access site:\n"
         "  global: sectors/request (ideal), shared: wavefronts/request (ideal), active lanes/request\n";
  char line[512];
  for (const KernelProfile& k : kernels) {
    std::snprintf(line, sizeof line,
                  "\n%s  launched at %s  block %s  shared %zu B  launches %llu  blocks %llu  barriers %llu  "
                  "L2 traffic %.3g MB  distinct %.3g MB\n",
                  k.name.c_str(), k.launched_at.c_str(), dims(k.block).c_str(), k.dynamic_shared_bytes,
                  (unsigned long long)k.launches, (unsigned long long)k.blocks, (unsigned long long)k.barriers,
                  k.global_bytes / 1e6, k.unique_global_bytes / 1e6);
    out << line;
    for (const AccessSite& s : k.sites) {
      const double requests = std::max<double>(1, s.requests);
      const bool global = s.space == MemorySpace::Global;
      std::snprintf(line, sizeof line, "  %-32s %-6s %-5s requests %10llu  %s %6.2f (ideal %5.2f)  lanes %5.2f\n",
                    (s.file + ":" + std::to_string(s.line)).c_str(), global ? "global" : "shared",
                    s.store ? "store" : "load", (unsigned long long)s.requests,
                    global ? "sectors/req   " : "wavefronts/req", (global ? s.sectors : s.wavefronts) / requests,
                    (global ? s.ideal_sectors : s.ideal_wavefronts) / requests, s.active_lanes / requests);
      out << line;
    }
  }
  return out.str();
}

// ---- The runtime's hooks ----
void profile_launch_begin(const void* kernel, const char* launched_file, int launched_line, Dims grid, Dims block,
                          const void* dynamic_shared, size_t dynamic_shared_bytes) {
  if (!profile().running || !profile_instrumented()) return;
  recorder = new Recorder(KernelKey{kernel, launched_file, launched_line, block, dynamic_shared_bytes}, grid,
                          reinterpret_cast<uintptr_t>(dynamic_shared), dynamic_shared_bytes);
}
void profile_block_begin() {
  if (recorder != nullptr) recorder->block_begin(size_t{blockDim.x} * blockDim.y * blockDim.z);
}
void profile_thread_resumed(unsigned linear_thread) {
  if (recorder != nullptr) recorder->resumed(linear_thread);
}
void profile_barrier() {
  if (recorder != nullptr) recorder->barrier();
}
void profile_block_end() {
  if (recorder != nullptr) recorder->block_end();
}
void profile_launch_end() {
  if (recorder == nullptr) return;
  recorder->finish(profile());
  delete recorder;
  recorder = nullptr;
}
void profile_twin_access(const void* address, size_t bytes, bool store, const char* file, int line) {
  if (recorder != nullptr)
    recorder->note(reinterpret_cast<uintptr_t>(address), static_cast<uint32_t>(bytes), store, twin_site_pc(file, line));
}

}  // namespace ganforge::simt

// The calls g++'s -fsanitize=kernel-address (call mode) makes before each load and store of the
// instrumented kernels. Outside a profiled launch they return at once. A sanitizer build links
// AddressSanitizer's own definitions, so there are none here (and no instrumentation).
#if defined(GANFORGE_SIMT_INSTRUMENTED)
namespace {
inline void note_access(uintptr_t address, uint32_t size, bool store, void* pc) {
  if (ganforge::simt::recorder != nullptr)
    ganforge::simt::recorder->note(address, size, store, reinterpret_cast<uintptr_t>(pc));
}
}  // namespace
extern "C" {
#define GANFORGE_SIMT_ACCESS_HOOKS(bytes)                                                                       \
  void __asan_load##bytes##_noabort(uintptr_t a) { note_access(a, bytes, false, __builtin_return_address(0)); } \
  void __asan_store##bytes##_noabort(uintptr_t a) { note_access(a, bytes, true, __builtin_return_address(0)); }
GANFORGE_SIMT_ACCESS_HOOKS(1)
GANFORGE_SIMT_ACCESS_HOOKS(2)
GANFORGE_SIMT_ACCESS_HOOKS(4)
GANFORGE_SIMT_ACCESS_HOOKS(8)
GANFORGE_SIMT_ACCESS_HOOKS(16)
#undef GANFORGE_SIMT_ACCESS_HOOKS
void __asan_loadN_noabort(uintptr_t a, size_t n) {
  note_access(a, static_cast<uint32_t>(n), false, __builtin_return_address(0));
}
void __asan_storeN_noabort(uintptr_t a, size_t n) {
  note_access(a, static_cast<uint32_t>(n), true, __builtin_return_address(0));
}
// Called around dynamic initialisation and before a throw; there is no shadow memory to keep.
void __asan_before_dynamic_init(const char*) {}
void __asan_after_dynamic_init() {}
void __asan_handle_no_return() {}
}
#endif
