#include "actions/common/secret_source.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace riposte::actions::common {
namespace {

absl::Status ErrnoStatus(int err, absl::string_view what) {
  const std::string message = absl::StrCat(what, ": ", std::strerror(err));
  switch (err) {
    case ENOENT:
    case ENOTDIR:
      return absl::NotFoundError(message);
    case EACCES:
    case EPERM:
      return absl::PermissionDeniedError(message);
    default:
      return absl::InternalError(message);
  }
}

}  // namespace

SecretSource SecretSource::FromFile(std::string path) {
  return SecretSource(Kind::kFile, std::move(path));
}

SecretSource SecretSource::FromEnv(std::string variable) {
  return SecretSource(Kind::kEnv, std::move(variable));
}

std::string SecretSource::Describe() const {
  return absl::StrCat(kind_ == Kind::kFile ? "file " : "environment variable ",
                      where_);
}

absl::StatusOr<std::string> SecretSource::Read() const {
  const std::string what = absl::StrCat("secret ", Describe());
  std::string value;
  if (kind_ == Kind::kEnv) {
    if (where_.empty()) {
      return absl::InvalidArgumentError("secret environment variable name is empty");
    }
    const char* env = std::getenv(where_.c_str());
    if (env == nullptr) return absl::NotFoundError(absl::StrCat(what, " is not set"));
    value = env;
  } else {
    if (where_.empty()) {
      return absl::InvalidArgumentError("secret file path is empty");
    }
    FILE* f = std::fopen(where_.c_str(), "rb");
    if (f == nullptr) return ErrnoStatus(errno, what);
    char buffer[4096];
    size_t n = 0;
    while ((n = std::fread(buffer, 1, sizeof(buffer), f)) > 0) {
      value.append(buffer, n);
      if (value.size() > kMaxBytes) break;
    }
    const bool failed = std::ferror(f) != 0;
    const int err = errno;
    std::fclose(f);
    if (failed) return ErrnoStatus(err, what);
  }
  if (value.size() > kMaxBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, " is longer than ", kMaxBytes, " bytes"));
  }
  while (!value.empty() && (value.back() == '\n' || value.back() == '\r')) {
    value.pop_back();
  }
  if (value.empty()) return absl::InvalidArgumentError(absl::StrCat(what, " is empty"));
  if (value.find('\0') != std::string::npos) {
    return absl::InvalidArgumentError(absl::StrCat(what, " contains a NUL byte"));
  }
  return value;
}

}  // namespace riposte::actions::common
