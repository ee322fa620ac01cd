#include "audit/checkpoint_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace riposte::audit {
namespace {

absl::Status IoError(const std::string& path, absl::string_view what, int err) {
  const std::string message =
      absl::StrCat("checkpoint file ", path, ": cannot ", what, ": ",
                   std::strerror(err));
  if (err == ENOENT) return absl::NotFoundError(message);
  if (err == EACCES || err == EPERM) return absl::PermissionDeniedError(message);
  return absl::UnavailableError(message);
}

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) close(fd_);
  }
  int get() const { return fd_; }
  int release() {
    const int fd = fd_;
    fd_ = -1;
    return fd;
  }

 private:
  int fd_;
};

}  // namespace

absl::StatusOr<std::string> ReadCheckpointFile(const std::string& path) {
  Fd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return IoError(path, "open", errno);
  struct stat st;
  if (fstat(fd.get(), &st) != 0) return IoError(path, "stat", errno);
  if (!S_ISREG(st.st_mode)) {
    return absl::FailedPreconditionError(
        absl::StrCat("checkpoint file ", path, ": not a regular file"));
  }
  std::string text;
  char buf[65536];
  while (true) {
    const ssize_t n = read(fd.get(), buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return IoError(path, "read", errno);
    if (n == 0) break;
    text.append(buf, static_cast<size_t>(n));
  }
  return text;
}

absl::Status AppendCheckpoint(const std::string& path, absl::string_view note) {
  Fd fd(open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644));
  if (fd.get() < 0) return IoError(path, "open", errno);
  // One write: O_APPEND places it whole at the end, so a reader tailing the
  // file never sees two notes interleaved.
  const std::string data = absl::StrCat(note, "\n");
  absl::string_view rest = data;
  while (!rest.empty()) {
    const ssize_t n = write(fd.get(), rest.data(), rest.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return IoError(path, "append", errno);
    rest.remove_prefix(static_cast<size_t>(n));
  }
  if (fsync(fd.get()) != 0) return IoError(path, "sync", errno);
  if (close(fd.release()) != 0) return IoError(path, "close", errno);
  return absl::OkStatus();
}

}  // namespace riposte::audit
