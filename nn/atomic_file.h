// Writes a file so that readers see either the old file or the whole new one, never a torn
// one: the bytes go to a temporary file beside the target, which is flushed to disk (fsync),
// renamed over the target, and the directory entry synced. Dropping an AtomicFile without
// commit() removes the temporary file and leaves the target untouched.
// read_regular_file is the reading side: what a program reads back from such files.
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

namespace ganforge::nn {

class AtomicFile {
 public:
  explicit AtomicFile(std::string path);  // throws naming the path if the folder is not writable
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  void write(const void* data, size_t bytes);
  void write(const std::string& text) { write(text.data(), text.size()); }
  void commit();

 private:
  std::string path_, temp_path_;
  int fd_ = -1;
};

// Flushes a folder's entries (a rename into it, say) to disk; errors are ignored, as some file
// systems cannot sync folders.
void sync_folder(const std::string& folder);

// The whole of `text` as the new content of `path`, atomically.
void write_file_atomically(const std::string& path, const std::string& text);

struct FileError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The content of `path`, which must be a regular file of at most `max_bytes`. A symbolic link,
// FIFO, device or folder is refused without reading it, so a file planted in a downloaded
// folder cannot make a reader block, exhaust memory, or quote another file. Errors are one
// FileError, "'<path>': <problem>".
std::string read_regular_file(const std::string& path, uint64_t max_bytes);

}  // namespace ganforge::nn
