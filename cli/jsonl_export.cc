#include "cli/jsonl_export.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "cli/cli_status.h"

namespace riposte::cli {
namespace {

// Writes to a temporary file beside `path` and renames it into place on
// success, so an interrupted export never looks complete.
class AtomicFile {
 public:
  explicit AtomicFile(std::string path) : path_(std::move(path)) {}
  ~AtomicFile() {
    if (fd_ >= 0) close(fd_);
    if (!committed_ && !temp_.empty()) unlink(temp_.c_str());
  }

  absl::Status Open() {
    temp_ = absl::StrCat(path_, ".tmp-XXXXXX");
    fd_ = mkstemp(temp_.data());
    if (fd_ < 0) {
      temp_.clear();
      return UsageError(absl::StrCat("cannot write ", path_, ": ", std::strerror(errno)));
    }
    return absl::OkStatus();
  }

  absl::Status Write(absl::string_view data) {
    while (!data.empty()) {
      const ssize_t n = write(fd_, data.data(), data.size());
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        return absl::InternalError(absl::StrCat("cannot write ", path_, ": ",
                                                std::strerror(errno)));
      }
      data.remove_prefix(static_cast<size_t>(n));
    }
    return absl::OkStatus();
  }

  absl::Status Commit() {
    // Other users need not read the audit trail; keep the mode mkstemp gave.
    if (fsync(fd_) != 0 || close(fd_) != 0) {
      fd_ = -1;
      return absl::InternalError(absl::StrCat("cannot write ", path_, ": ",
                                              std::strerror(errno)));
    }
    fd_ = -1;
    if (rename(temp_.c_str(), path_.c_str()) != 0) {
      return absl::InternalError(absl::StrCat("cannot write ", path_, ": ",
                                              std::strerror(errno)));
    }
    committed_ = true;
    return absl::OkStatus();
  }

 private:
  std::string path_;
  std::string temp_;
  int fd_ = -1;
  bool committed_ = false;
};

}  // namespace

absl::Status ExportJsonLines(CommandContext& ctx, absl::string_view noun,
                             absl::FunctionRef<absl::Status(LineSink)> stream) {
  const std::optional<std::string> path = ctx.args->Get("output");
  if (path.has_value() && path->empty()) return UsageError("-o: empty path");
  const bool to_file = path.has_value() && *path != "-";
  std::optional<AtomicFile> file;
  if (to_file) {
    file.emplace(*path);
    if (absl::Status s = file->Open(); !s.ok()) return s;
  }
  int64_t lines = 0;
  absl::Status write_status;
  absl::Status status = stream([&](absl::string_view jsonl) {
    for (char c : jsonl) lines += c == '\n';
    if (to_file) {
      write_status = file->Write(jsonl);
      return write_status.ok();
    }
    *ctx.out << jsonl;
    return true;
  });
  if (!write_status.ok()) return write_status;
  if (!status.ok()) return status;
  ctx.out->flush();
  if (to_file) {
    if (absl::Status s = file->Commit(); !s.ok()) return s;
    *ctx.err << "Exported " << lines << " " << noun << " to " << *path << ".\n";
  }
  return absl::OkStatus();
}

}  // namespace riposte::cli
