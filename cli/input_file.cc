#include "cli/input_file.h"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "cli/cli_status.h"

namespace riposte::cli {
namespace {

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) {
    return UsageError(absl::StrCat("cannot read ", path, ": ", std::strerror(errno)));
  }
  if (S_ISDIR(st.st_mode)) {
    return UsageError(absl::StrCat("cannot read ", path, ": it is a directory"));
  }
  if (S_ISREG(st.st_mode) && static_cast<size_t>(st.st_size) > kMaxInputBytes) {
    return UsageError(absl::StrCat("cannot read ", path, ": larger than ",
                                   kMaxInputBytes / (1024 * 1024), " MiB"));
  }
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    return UsageError(absl::StrCat("cannot read ", path, ": ", std::strerror(errno)));
  }
  std::string text((std::istreambuf_iterator<char>(file)),
                   std::istreambuf_iterator<char>());
  if (file.bad()) {
    return UsageError(absl::StrCat("cannot read ", path, ": I/O error"));
  }
  return text;
}

}  // namespace

std::string InputName(const std::string& path) {
  return path == "-" ? "<stdin>" : path;
}

absl::StatusOr<std::string> ReadInput(const std::string& path, std::istream& in) {
  if (path != "-") return ReadFile(path);
  std::string text;
  char buf[65536];
  while (in.read(buf, sizeof(buf)) || in.gcount() > 0) {
    text.append(buf, static_cast<size_t>(in.gcount()));
    if (text.size() > kMaxInputBytes) {
      return UsageError(absl::StrCat("cannot read <stdin>: more than ",
                                     kMaxInputBytes / (1024 * 1024), " MiB"));
    }
  }
  return text;
}

absl::StatusOr<std::vector<v1::PolicySource>> ReadPolicySources(
    const std::vector<std::string>& paths) {
  std::vector<v1::PolicySource> sources;
  for (const std::string& given : paths) {
    std::string path = given;
    while (path.size() > 1 && path.back() == '/') path.pop_back();
    struct stat st {};
    if (stat(path.c_str(), &st) != 0) {
      return UsageError(
          absl::StrCat("cannot read policy ", given, ": ", std::strerror(errno)));
    }
    if (!S_ISDIR(st.st_mode)) {
      absl::StatusOr<std::string> text = ReadFile(path);
      if (!text.ok()) return text.status();
      v1::PolicySource source;
      source.set_name(path);
      source.set_yaml(*std::move(text));
      sources.push_back(std::move(source));
      continue;
    }
    DIR* dir = opendir(path.c_str());
    if (dir == nullptr) {
      return UsageError(
          absl::StrCat("cannot read policy ", given, ": ", std::strerror(errno)));
    }
    std::vector<std::string> names;
    while (struct dirent* entry = readdir(dir)) {
      const std::string name = entry->d_name;
      if (name.empty() || name[0] == '.') continue;
      if (!absl::EndsWith(name, ".yaml") && !absl::EndsWith(name, ".yml")) continue;
      const std::string full = absl::StrCat(path, "/", name);
      struct stat fst {};
      if (stat(full.c_str(), &fst) != 0 || S_ISDIR(fst.st_mode)) continue;
      names.push_back(name);
    }
    closedir(dir);
    if (names.empty()) {
      return UsageError(absl::StrCat("no policy files (*.yaml, *.yml) in ", given));
    }
    std::sort(names.begin(), names.end());
    for (const std::string& name : names) {
      const std::string full = absl::StrCat(path, "/", name);
      absl::StatusOr<std::string> text = ReadFile(full);
      if (!text.ok()) return text.status();
      v1::PolicySource source;
      source.set_name(full);
      source.set_yaml(*std::move(text));
      sources.push_back(std::move(source));
    }
  }
  return sources;
}

}  // namespace riposte::cli
