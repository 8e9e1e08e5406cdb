#include "gan/train/stop_signals.h"

#include <unistd.h>

#include <atomic>
#include <csignal>
#include <iterator>
#include <mutex>

namespace ganforge::gan {
namespace {

constexpr int kSignals[] = {SIGINT, SIGTERM};

// Set by the first signal. The handler may run on any thread (the data loader's workers
// included), so it only touches this lock-free atomic and calls write and _exit.
std::atomic<int> requested_signal{0};
std::atomic<bool> announce_signals{true};
static_assert(std::atomic<int>::is_always_lock_free && std::atomic<bool>::is_always_lock_free);

// Trainings running at once in one process share the handlers: the first installs them, the
// last restores what was there before.
std::mutex users_mutex;
int users = 0;
struct sigaction previous[std::size(kSignals)];

void say(const char* text, size_t length) {
  if (!announce_signals.load()) return;
  const ssize_t ignored = ::write(STDERR_FILENO, text, length);
  (void)ignored;
}

extern "C" void on_stop_signal(int signal) {
  int none = 0;
  if (requested_signal.compare_exchange_strong(none, signal)) {
    static constexpr char kFirst[] = "\nstopping after this step to save a checkpoint (signal again to stop at once)\n";
    say(kFirst, sizeof kFirst - 1);
    return;
  }
  static constexpr char kSecond[] = "\nstopped at once; the run continues from its last checkpoint with --resume\n";
  say(kSecond, sizeof kSecond - 1);
  ::_exit(128 + signal);
}

}  // namespace

StopSignals::StopSignals(bool announce) {
  const std::lock_guard<std::mutex> lock(users_mutex);
  if (users++ > 0) return;
  requested_signal = 0;
  announce_signals = announce;
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);  // a second, different signal may interrupt the first's handler
  action.sa_flags = SA_RESTART;  // the loader's threads and file writes carry on through a signal
  for (size_t i = 0; i < std::size(kSignals); ++i) {
    sigaction(kSignals[i], nullptr, &previous[i]);
    if (previous[i].sa_handler != SIG_IGN) sigaction(kSignals[i], &action, nullptr);
  }
}

StopSignals::~StopSignals() {
  const std::lock_guard<std::mutex> lock(users_mutex);
  if (--users > 0) return;
  for (size_t i = 0; i < std::size(kSignals); ++i) sigaction(kSignals[i], &previous[i], nullptr);
}

int StopSignals::requested() const { return requested_signal.load(); }

}  // namespace ganforge::gan
