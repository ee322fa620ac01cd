// Runs a fuzz target's LLVMFuzzerTestOneInput over saved inputs, so the
// corpus (seeds and every crash fuzzing once found) is checked in each
// normal test run without libFuzzer. Arguments are files or directories
// (searched recursively). Fails if nothing was run, so a corpus that went
// missing is noticed. A crash shows as the test crashing; the input being
// run is printed first.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

bool RunFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "cannot read %s\n", path.c_str());
    return false;
  }
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)),
                          std::istreambuf_iterator<char>());
  std::fprintf(stderr, "running %s (%zu bytes)\n", path.c_str(), bytes.size());
  std::fflush(stderr);
  // A copy of exactly `size` bytes, so reading past the end is caught.
  std::vector<uint8_t> data(bytes.begin(), bytes.end());
  LLVMFuzzerTestOneInput(data.empty() ? nullptr : data.data(), data.size());
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  size_t ran = 0;
  bool ok = true;
  for (int i = 1; i < argc; ++i) {
    const std::filesystem::path arg(argv[i]);
    std::error_code error;
    if (std::filesystem::is_directory(arg, error)) {
      std::vector<std::filesystem::path> files;
      for (const auto& entry :
           std::filesystem::recursive_directory_iterator(arg, error)) {
        if (entry.is_regular_file()) files.push_back(entry.path());
      }
      std::sort(files.begin(), files.end());
      for (const auto& file : files) {
        if (RunFile(file)) ++ran; else ok = false;
      }
    } else if (std::filesystem::is_regular_file(arg, error)) {
      if (RunFile(arg)) ++ran; else ok = false;
    } else {
      std::fprintf(stderr, "no such file or directory: %s\n", argv[i]);
      ok = false;
    }
  }
  std::fprintf(stderr, "%zu inputs ran\n", ran);
  if (ran == 0) {
    std::fprintf(stderr, "no inputs: is the corpus directory missing?\n");
    return 1;
  }
  return ok ? 0 : 1;
}
