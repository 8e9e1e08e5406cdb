// An exclusive lock on a run folder, so that two processes never train into the same one: an
// flock on <run>/run.lock, held while the RunLock lives. The kernel drops it when the process
// ends, however it ends, so a killed run never leaves its folder locked. The file holds the
// owner's pid, for the error that a second process gets.
#pragma once

#include <filesystem>

namespace ganforge::gan {

// The lock file's name inside a run folder (a folder holding only it is still an empty one).
inline constexpr const char* kRunLockFile = "run.lock";

class RunLock {
 public:
  // Creates the folder if needed. Throws, naming the folder and the other process's pid,
  // when another process holds the lock.
  explicit RunLock(const std::filesystem::path& run);
  ~RunLock();
  RunLock(const RunLock&) = delete;
  RunLock& operator=(const RunLock&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace ganforge::gan
