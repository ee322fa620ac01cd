#ifndef RIPOSTE_COMMON_TESTING_TEMP_DIR_H_
#define RIPOSTE_COMMON_TESTING_TEMP_DIR_H_

#include <string>

namespace riposte::testing {

// A fresh directory under $TEST_TMPDIR (or /tmp), removed with its contents
// when this object goes away. Not thread-safe.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace riposte::testing

#endif  // RIPOSTE_COMMON_TESTING_TEMP_DIR_H_
