#include "gan/train/run_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

namespace ganforge::gan {

RunLock::RunLock(const std::filesystem::path& run) {
  std::filesystem::create_directories(run);
  const std::string file = (run / kRunLockFile).string();
  fd_ = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) throw std::runtime_error("cannot open the lock file '" + file + "': " + std::strerror(errno));
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    const int error = errno;
    char pid[32] = {};
    const ssize_t n = ::pread(fd_, pid, sizeof pid - 1, 0);
    ::close(fd_);
    if (error != EWOULDBLOCK) throw std::runtime_error("cannot lock '" + file + "': " + std::strerror(error));
    std::string owner = n > 0 ? std::string(pid, static_cast<size_t>(n)) : "";
    owner.erase(owner.find_last_not_of(" \n") + 1);
    throw std::runtime_error(run.string() + " is in use by another ganforge process" +
                             (owner.empty() ? "" : " (pid " + owner + ")") +
                             "; wait for it to end or stop it, or train into another --out");
  }
  const std::string text = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd_, 0) != 0 || ::pwrite(fd_, text.data(), text.size(), 0) != static_cast<ssize_t>(text.size())) {
    const int error = errno;
    ::close(fd_);
    throw std::runtime_error("cannot write '" + file + "': " + std::strerror(error));
  }
}

RunLock::~RunLock() { ::close(fd_); }

}  // namespace ganforge::gan
