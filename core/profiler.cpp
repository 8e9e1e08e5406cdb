#include "core/profiler.h"

#include <algorithm>
#include <cstdio>
#include <stdexcept>

#include "core/dispatch.h"
#include "kernels/emulator_counters.h"

namespace ganforge {
namespace {

using Clock = std::chrono::steady_clock;

thread_local const Profiler* t_running = nullptr;

std::string rate(const ProfileRow& row) {
  char text[32];
  if (row.seconds <= 0 || (row.flops <= 0 && row.bytes <= 0)) return "-";
  if (row.flops > 0)
    std::snprintf(text, sizeof text, "%.2f GFLOP/s", row.flops / row.seconds * 1e-9);
  else
    std::snprintf(text, sizeof text, "%.2f GB/s", row.bytes / row.seconds * 1e-9);
  return text;
}

std::string share(double seconds, double of) {
  if (of <= 0) return "-";
  char text[16];
  std::snprintf(text, sizeof text, "%.1f%%", 100 * seconds / of);
  return text;
}

}  // namespace

double ProfileTable::primitive_seconds() const {
  double total = 0;
  for (const ProfileRow& row : rows) total += row.seconds;
  return total;
}

Profiler::Profiler(bool count_emulator) : count_emulator_(count_emulator && kernels::emulator_counters_available()) {
  if (count_emulator_) kernels::clear_emulator_counters();
}

Profiler::~Profiler() {
  if (running_) stop();
}

void Profiler::start() {
  if (t_running != nullptr)
    throw std::logic_error(t_running == this ? "Profiler::start: already running"
                                             : "Profiler::start: another profiler runs on this thread; stop it first");
  route_through_profiler(true);
  kernels::count_primitives_on_this_thread(&counts_);
  t_running = this;
  running_ = true;
  if (count_emulator_) kernels::start_emulator_counters();
  started_ = Clock::now();
}

void Profiler::stop() {
  if (!running_) return;
  if (t_running != this) throw std::logic_error("Profiler::stop: stop a profiler on the thread that started it");
  seconds_ += std::chrono::duration<double>(Clock::now() - started_).count();
  if (count_emulator_) kernels::stop_emulator_counters();
  kernels::count_primitives_on_this_thread(nullptr);
  route_through_profiler(false);
  t_running = nullptr;
  running_ = false;
}

ProfileTable Profiler::table() const {
  ProfileTable table;
  for (const auto& [name, totals] : counts_.called()) table.rows.push_back({totals, name});
  std::stable_sort(table.rows.begin(), table.rows.end(),
                   [](const ProfileRow& a, const ProfileRow& b) { return a.seconds > b.seconds; });
  table.seconds = seconds_ + (running_ ? std::chrono::duration<double>(Clock::now() - started_).count() : 0);
  return table;
}

std::string format_profile(const ProfileTable& table) {
  size_t width = std::string("outside primitives").size();
  for (const ProfileRow& row : table.rows) width = std::max(width, row.name.size());
  const int w = static_cast<int>(width);
  std::string text;
  char line[256];
  std::snprintf(line, sizeof line, "%-*s %8s %11s %7s %10s %16s\n", w, "primitive", "calls", "total ms", "share", "ms/call", "rate");
  text += line;
  int64_t calls = 0;
  for (const ProfileRow& row : table.rows) {
    std::snprintf(line, sizeof line, "%-*s %8lld %11.3f %7s %10.4f %16s\n", w, row.name.c_str(), static_cast<long long>(row.calls),
                  row.seconds * 1e3, share(row.seconds, table.seconds).c_str(), row.seconds * 1e3 / static_cast<double>(row.calls),
                  rate(row).c_str());
    text += line;
    calls += row.calls;
  }
  const double primitives = table.primitive_seconds(), outside = std::max(0.0, table.seconds - primitives);
  std::snprintf(line, sizeof line, "%-*s %8lld %11.3f %7s\n", w, "all primitives", static_cast<long long>(calls), primitives * 1e3,
                share(primitives, table.seconds).c_str());
  text += line;
  std::snprintf(line, sizeof line, "%-*s %8s %11.3f %7s\n", w, "outside primitives", "", outside * 1e3,
                share(outside, table.seconds).c_str());
  text += line;
  std::snprintf(line, sizeof line, "%-*s %8s %11.3f\n", w, "profiled", "", table.seconds * 1e3);
  return text + line;
}

}  // namespace ganforge
