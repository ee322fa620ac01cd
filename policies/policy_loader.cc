#include "policies/policy_loader.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/sha256.h"
#include "common/status_macros.h"
#include "policies/policy_draft.h"
#include "policies/policy_merge.h"
#include "policies/policy_reader.h"
#include "yaml/error_list.h"
#include "yaml/yaml_document.h"

namespace riposte::policies {
namespace {

constexpr off_t kMaxFileBytes = 16 * 1024 * 1024;

absl::Status ErrnoStatus(int err, absl::string_view what,
                         absl::string_view path) {
  std::string message = absl::StrCat("policy: cannot ", what, " '", path,
                                     "': ", std::strerror(err));
  if (err == ENOENT || err == ENOTDIR) return absl::NotFoundError(message);
  if (err == EACCES || err == EPERM) {
    return absl::PermissionDeniedError(message);
  }
  return absl::UnavailableError(message);
}

absl::StatusOr<std::string> ReadWholeFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus(errno, "open", path);
  std::string text;
  char buffer[8192];
  while (true) {
    ssize_t n = ::read(fd, buffer, sizeof(buffer));
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      return ErrnoStatus(err, "read", path);
    }
    if (n == 0) break;
    text.append(buffer, static_cast<size_t>(n));
    if (text.size() > static_cast<size_t>(kMaxFileBytes)) {
      ::close(fd);
      return absl::InvalidArgumentError(
          absl::StrCat("policy: '", path, "' is too large (limit ",
                       kMaxFileBytes, " bytes)"));
    }
  }
  ::close(fd);
  return text;
}

bool IsPolicyFileName(absl::string_view name) {
  return !absl::StartsWith(name, ".") &&
         (absl::EndsWith(name, ".yaml") || absl::EndsWith(name, ".yml"));
}

// The policy files of directory `dir`, sorted by name.
absl::StatusOr<std::vector<std::string>> ListPolicyFiles(
    const std::string& dir) {
  DIR* handle = ::opendir(dir.c_str());
  if (handle == nullptr) return ErrnoStatus(errno, "open directory", dir);
  std::string prefix = absl::EndsWith(dir, "/") ? dir : absl::StrCat(dir, "/");
  std::vector<std::string> paths;
  while (true) {
    errno = 0;
    struct dirent* entry = ::readdir(handle);
    if (entry == nullptr) break;
    if (!IsPolicyFileName(entry->d_name)) continue;
    std::string path = absl::StrCat(prefix, entry->d_name);
    struct stat st;
    // Follows symbolic links: Kubernetes mounts ConfigMap keys as links.
    if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) continue;
    paths.push_back(std::move(path));
  }
  int err = errno;
  ::closedir(handle);
  if (err != 0) return ErrnoStatus(err, "list directory", dir);
  if (paths.empty()) {
    return absl::NotFoundError(absl::StrCat(
        "policy: directory '", dir, "' holds no *.yaml or *.yml file"));
  }
  std::sort(paths.begin(), paths.end());
  return paths;
}

}  // namespace

absl::string_view RootRelativeName(absl::string_view name) {
  size_t slash = name.rfind('/');
  return slash == absl::string_view::npos ? name : name.substr(slash + 1);
}

std::string PolicyVersion(const std::vector<PolicySource>& sources) {
  std::string canonical;
  for (const PolicySource& source : sources) {
    absl::string_view name = RootRelativeName(source.name);
    absl::StrAppend(&canonical, name.size(), ":", name, "\n",
                    source.text.size(), ":", source.text, "\n");
  }
  return Sha256Hex(canonical);
}

absl::StatusOr<std::shared_ptr<const Policy>> ParsePolicy(
    const std::vector<PolicySource>& sources) {
  std::vector<yaml::ErrorList> errors;
  std::vector<std::string> file_names;
  std::vector<std::string> syntax_errors(sources.size());
  std::vector<PolicyFileDraft> drafts(sources.size());
  errors.reserve(sources.size());
  bool all_parsed = true;
  for (size_t i = 0; i < sources.size(); ++i) {
    const PolicySource& source = sources[i];
    errors.emplace_back(source.name);
    file_names.push_back(source.name);
    absl::StatusOr<yaml::Node> doc = yaml::Parse(source.text, source.name);
    if (!doc.ok()) {
      syntax_errors[i] = std::string(doc.status().message());
      all_parsed = false;
      continue;
    }
    ReadPolicyFile(*doc, static_cast<int>(i), source.name, &errors[i],
                   &drafts[i]);
  }

  auto policy = std::make_shared<Policy>();
  policy->version = PolicyVersion(sources);
  policy->sources = file_names;
  for (const PolicySource& source : sources) {
    policy->source_texts.emplace_back(source.name, source.text);
  }
  if (all_parsed) {
    MergeDrafts(std::move(drafts), file_names, &errors, policy.get());
  }

  std::vector<std::string> report;
  for (size_t i = 0; i < sources.size(); ++i) {
    if (!syntax_errors[i].empty()) {
      report.push_back(syntax_errors[i]);
    } else if (!errors[i].empty()) {
      report.push_back(std::string(errors[i].ToStatus().message()));
    }
  }
  if (!report.empty()) {
    return absl::InvalidArgumentError(absl::StrJoin(report, "\n"));
  }
  policy->BuildIndex();
  return std::shared_ptr<const Policy>(std::move(policy));
}

absl::StatusOr<std::shared_ptr<const Policy>> LoadPolicy(
    const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    int err = errno;
    if (err == ENOENT || err == ENOTDIR) {
      return absl::NotFoundError(
          absl::StrCat("policy: '", path, "' does not exist"));
    }
    return ErrnoStatus(err, "stat", path);
  }
  std::vector<std::string> paths;
  if (S_ISDIR(st.st_mode)) {
    RIPOSTE_ASSIGN_OR_RETURN(paths, ListPolicyFiles(path));
  } else {
    paths.push_back(path);
  }
  std::vector<PolicySource> sources;
  for (std::string& file : paths) {
    RIPOSTE_ASSIGN_OR_RETURN(std::string text, ReadWholeFile(file));
    sources.push_back(PolicySource{std::move(file), std::move(text)});
  }
  return ParsePolicy(sources);
}

}  // namespace riposte::policies
