// A file that grows by whole records (log.jsonl's lines): every write is checked, and one that
// fails (a full disk) is undone, so the file never ends in half a record, and throws naming
// the file.
#pragma once

#include <string>

namespace ganforge::gan {

class AppendFile {
 public:
  explicit AppendFile(std::string path);  // created if missing; throws naming it
  ~AppendFile();
  AppendFile(const AppendFile&) = delete;
  AppendFile& operator=(const AppendFile&) = delete;

  void append(const std::string& record);
  // Flushes what was appended to disk (fsync).
  void sync();

 private:
  [[noreturn]] void fail(const std::string& what) const;

  std::string path_;
  int fd_ = -1;
};

}  // namespace ganforge::gan
