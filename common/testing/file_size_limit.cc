#include "common/testing/file_size_limit.h"

#include <signal.h>
#include <sys/stat.h>

namespace riposte::testing {

ScopedFileSizeLimit::ScopedFileSizeLimit(int64_t bytes) {
  signal(SIGXFSZ, SIG_IGN);
  getrlimit(RLIMIT_FSIZE, &saved_);
  rlimit limit = saved_;
  limit.rlim_cur = static_cast<rlim_t>(bytes);
  setrlimit(RLIMIT_FSIZE, &limit);
}

ScopedFileSizeLimit::~ScopedFileSizeLimit() { setrlimit(RLIMIT_FSIZE, &saved_); }

bool SetFileSizeLimit(pid_t pid, rlim_t bytes) {
  rlimit limit{};
  if (prlimit(pid, RLIMIT_FSIZE, nullptr, &limit) != 0) return false;
  limit.rlim_cur = bytes;
  return prlimit(pid, RLIMIT_FSIZE, &limit, nullptr) == 0;
}

int64_t FileSize(const char* path) {
  struct stat st {};
  if (stat(path, &st) != 0) return 0;
  return static_cast<int64_t>(st.st_size);
}

}  // namespace riposte::testing
