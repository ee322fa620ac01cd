#ifndef RIPOSTE_COMMON_TESTING_FILE_SIZE_LIMIT_H_
#define RIPOSTE_COMMON_TESTING_FILE_SIZE_LIMIT_H_

#include <sys/resource.h>
#include <sys/types.h>

#include <cstdint>

namespace riposte::testing {

// While alive, no file this process writes can grow beyond `bytes`: a write
// past it fails with EFBIG, as a write to a full disk fails with ENOSPC.
// SIGXFSZ is ignored so the write fails instead of killing the process; a
// child forked meanwhile inherits both. Restores the previous limit.
//
//   ScopedFileSizeLimit full(FileSize(path));  // the store cannot grow
class ScopedFileSizeLimit {
 public:
  explicit ScopedFileSizeLimit(int64_t bytes);
  ~ScopedFileSizeLimit();
  ScopedFileSizeLimit(const ScopedFileSizeLimit&) = delete;
  ScopedFileSizeLimit& operator=(const ScopedFileSizeLimit&) = delete;

 private:
  rlimit saved_{};
};

// Sets the soft file size limit of another process of this user (e.g. a
// riposted the test started); RLIM_INFINITY lifts it. Returns success.
bool SetFileSizeLimit(pid_t pid, rlim_t bytes);

// Size of the file at `path`, 0 if it does not exist.
int64_t FileSize(const char* path);

}  // namespace riposte::testing

#endif  // RIPOSTE_COMMON_TESTING_FILE_SIZE_LIMIT_H_
