#include "gan/train/append_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace ganforge::gan {

AppendFile::AppendFile(std::string path) : path_(std::move(path)) {
  fd_ = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd_ < 0) fail("cannot open");
}

AppendFile::~AppendFile() { ::close(fd_); }

void AppendFile::fail(const std::string& what) const {
  throw std::runtime_error(what + " '" + path_ + "': " + std::strerror(errno));
}

void AppendFile::append(const std::string& record) {
  const off_t end = ::lseek(fd_, 0, SEEK_END);
  const char* p = record.data();
  size_t left = record.size();
  while (left > 0) {
    const ssize_t n = ::write(fd_, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int error = n == 0 ? ENOSPC : errno;
      // Cut off the part written, so that the file still ends in a whole record (best effort:
      // a device such as /dev/full cannot be truncated).
      const bool undone = end >= 0 && ::ftruncate(fd_, end) == 0;
      (void)undone;
      errno = error;
      fail("cannot write");
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
}

void AppendFile::sync() {
  if (::fsync(fd_) != 0 && errno != EINVAL) fail("cannot flush");  // EINVAL: a file that cannot be synced (a pipe)
}

}  // namespace ganforge::gan
