#include "nn/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace ganforge::nn {
namespace {

[[noreturn]] void fail(const std::string& what, const std::string& path) {
  throw std::runtime_error(what + " '" + path + "': " + std::strerror(errno));
}

[[noreturn]] void refuse(const std::string& path, const std::string& problem) {
  throw FileError("'" + path + "': " + problem);
}

// What a file that is not a regular file is, in words.
std::string kind_of(mode_t mode) {
  if (S_ISLNK(mode)) return "a symbolic link";
  if (S_ISDIR(mode)) return "a folder";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISCHR(mode) || S_ISBLK(mode)) return "a device";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

void expect_regular(const std::string& path, const struct stat& info, uint64_t max_bytes) {
  if (!S_ISREG(info.st_mode)) refuse(path, "is " + kind_of(info.st_mode) + "; expected a regular file");
  if (static_cast<uint64_t>(info.st_size) > max_bytes)
    refuse(path, "is " + std::to_string(info.st_size) + " bytes; expected at most " + std::to_string(max_bytes));
}

std::string folder_of(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
}

}  // namespace

AtomicFile::AtomicFile(std::string path) : path_(std::move(path)) {
  static std::atomic<unsigned> counter{0};
  temp_path_ = path_ + ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
  fd_ = ::open(temp_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd_ < 0) fail("cannot create the temporary file", temp_path_);
}

AtomicFile::~AtomicFile() {
  if (fd_ >= 0) {
    ::close(fd_);
    ::unlink(temp_path_.c_str());
  }
}

void AtomicFile::write(const void* data, size_t bytes) {
  if (fd_ < 0) throw std::logic_error("AtomicFile: write after commit of '" + path_ + "'");
  const char* p = static_cast<const char*>(data);
  while (bytes > 0) {
    const ssize_t n = ::write(fd_, p, bytes);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail("cannot write", path_);
    p += n;
    bytes -= static_cast<size_t>(n);
  }
}

void AtomicFile::commit() {
  if (fd_ < 0) throw std::logic_error("AtomicFile: commit twice of '" + path_ + "'");
  if (::fsync(fd_) != 0) fail("cannot write", path_);
  const int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) {
    const int saved = errno;
    ::unlink(temp_path_.c_str());
    errno = saved;
    fail("cannot write", path_);
  }
  if (::rename(temp_path_.c_str(), path_.c_str()) != 0) {
    const int saved = errno;
    ::unlink(temp_path_.c_str());
    errno = saved;
    fail("cannot rename the temporary file onto", path_);
  }
  // The rename is durable only once the folder's entry is on disk too.
  sync_folder(folder_of(path_));
}

void sync_folder(const std::string& folder) {
  const int dir = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
}

void write_file_atomically(const std::string& path, const std::string& text) {
  AtomicFile file(path);
  file.write(text);
  file.commit();
}

std::string read_regular_file(const std::string& path, uint64_t max_bytes) {
  // lstat first, so that a device is never opened; then O_NOFOLLOW | O_NONBLOCK and fstat, so
  // that a file swapped in between cannot be a link, and opening a FIFO cannot block.
  struct stat info {};
  if (::lstat(path.c_str(), &info) != 0) refuse(path, std::string("cannot open it: ") + std::strerror(errno));
  expect_regular(path, info, max_bytes);
  struct Descriptor {
    int fd;
    ~Descriptor() {
      if (fd >= 0) ::close(fd);
    }
  } file{::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)};
  if (file.fd < 0) refuse(path, std::string("cannot open it: ") + std::strerror(errno));
  if (::fstat(file.fd, &info) != 0) refuse(path, std::string("cannot read it: ") + std::strerror(errno));
  expect_regular(path, info, max_bytes);
  std::string content(static_cast<size_t>(info.st_size), '\0');
  size_t done = 0;
  // To the end of the file, which may have grown since fstat, but never past max_bytes + 1.
  while (true) {
    if (done == content.size()) {
      if (done > max_bytes) refuse(path, "grew past " + std::to_string(max_bytes) + " bytes while being read");
      content.resize(std::min<uint64_t>(max_bytes + 1, std::max<uint64_t>(2 * done, 4096)));
    }
    const ssize_t n = ::read(file.fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) refuse(path, std::string("read error: ") + std::strerror(errno));
    if (n == 0) break;
    done += static_cast<size_t>(n);
  }
  content.resize(done);
  return content;
}

}  // namespace ganforge::nn
