#include "config/secret.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace riposte::config {
namespace {

// Closes a descriptor on every return path.
class FdCloser {
 public:
  explicit FdCloser(int fd) : fd_(fd) {}
  ~FdCloser() { ::close(fd_); }
  FdCloser(const FdCloser&) = delete;
  FdCloser& operator=(const FdCloser&) = delete;

 private:
  int fd_;
};

absl::Status ErrnoStatus(int err, absl::string_view what) {
  std::string message = absl::StrCat(what, ": ", std::strerror(err));
  if (err == ENOENT || err == ENOTDIR) return absl::NotFoundError(message);
  if (err == EACCES || err == EPERM) {
    return absl::PermissionDeniedError(message);
  }
  if (err == EISDIR) return absl::FailedPreconditionError(message);
  return absl::UnavailableError(message);
}

absl::StatusOr<std::string> ReadSecretFile(const std::string& path) {
  const std::string name = absl::StrCat("secret file '", path, "'");
  // O_NONBLOCK: opening a FIFO must not wait for a writer; it changes
  // nothing for regular files.
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) return ErrnoStatus(errno, absl::StrCat("cannot open ", name));
  FdCloser closer(fd);
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    return ErrnoStatus(errno, absl::StrCat("cannot stat ", name));
  }
  if (!S_ISREG(st.st_mode)) {
    return absl::FailedPreconditionError(
        absl::StrCat(name, " is not a regular file"));
  }
  if (st.st_size > static_cast<off_t>(kMaxSecretFileBytes)) {
    return absl::FailedPreconditionError(
        absl::StrCat(name, " is too large (", st.st_size, " bytes, limit ",
                     kMaxSecretFileBytes, "); is it the right file?"));
  }
  std::string value;
  char buffer[4096];
  while (true) {
    ssize_t n = ::read(fd, buffer, sizeof(buffer));
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus(errno, absl::StrCat("cannot read ", name));
    }
    if (n == 0) break;
    value.append(buffer, static_cast<size_t>(n));
    // The file may have grown since fstat.
    if (value.size() > kMaxSecretFileBytes) {
      return absl::FailedPreconditionError(
          absl::StrCat(name, " is too large (limit ", kMaxSecretFileBytes,
                       " bytes); is it the right file?"));
    }
  }
  // Editors and `echo` end files with a newline that is not the secret's.
  if (absl::EndsWith(value, "\r\n")) {
    value.resize(value.size() - 2);
  } else if (absl::EndsWith(value, "\n")) {
    value.resize(value.size() - 1);
  }
  if (value.empty()) {
    return absl::FailedPreconditionError(absl::StrCat(name, " is empty"));
  }
  return value;
}

absl::StatusOr<std::string> ReadSecretEnv(const std::string& variable) {
  const char* value = std::getenv(variable.c_str());
  if (value == nullptr) {
    return absl::NotFoundError(
        absl::StrCat("secret environment variable '", variable,
                     "' is not set"));
  }
  if (*value == '\0') {
    return absl::FailedPreconditionError(absl::StrCat(
        "secret environment variable '", variable, "' is empty"));
  }
  return std::string(value);
}

}  // namespace

std::string DescribeSecretSource(const SecretRef& ref) {
  if (!ref.file.empty() && !ref.env.empty()) {
    return absl::StrCat("file '", ref.file, "' and environment variable '",
                        ref.env, "'");
  }
  if (!ref.file.empty()) return absl::StrCat("file '", ref.file, "'");
  if (!ref.env.empty()) {
    return absl::StrCat("environment variable '", ref.env, "'");
  }
  return "no secret";
}

absl::StatusOr<std::string> ReadSecret(const SecretRef& ref) {
  if (!ref.file.empty() && !ref.env.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("a secret comes from a file or an environment variable, "
                     "not both (", DescribeSecretSource(ref), ")"));
  }
  if (!ref.file.empty()) return ReadSecretFile(ref.file);
  if (!ref.env.empty()) return ReadSecretEnv(ref.env);
  return absl::InvalidArgumentError(
      "no secret configured: name a file or an environment variable");
}

}  // namespace riposte::config
