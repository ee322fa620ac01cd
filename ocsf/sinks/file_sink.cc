#include "ocsf/sinks/file_sink.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <set>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace riposte::ocsf {
namespace {

absl::Status Errno(absl::string_view what, const std::string& path) {
  return absl::UnavailableError(absl::StrCat("ocsf file sink: ", what, " ",
                                             path, ": ", std::strerror(errno)));
}

absl::Status SyncDirectory(const std::string& dir) {
  const int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Errno("cannot open", dir);
  const int rc = fsync(fd);
  close(fd);
  return rc == 0 ? absl::OkStatus() : Errno("cannot sync", dir);
}

// Creates `dir` and its missing parents with mode 0750, syncing each
// parent that gained an entry.
absl::Status MakeDirectories(const std::string& dir) {
  std::filesystem::path path(dir);
  std::vector<std::filesystem::path> missing;
  for (auto p = path; !p.empty() && !std::filesystem::exists(p);
       p = p.parent_path()) {
    missing.push_back(p);
  }
  for (auto it = missing.rbegin(); it != missing.rend(); ++it) {
    if (mkdir(it->c_str(), 0750) != 0 && errno != EEXIST) {
      return Errno("cannot create", it->string());
    }
    const std::string parent = it->parent_path().string();
    RIPOSTE_RETURN_IF_ERROR(SyncDirectory(parent.empty() ? "." : parent));
  }
  return absl::OkStatus();
}

absl::Status WriteAll(int fd, absl::string_view data, const std::string& path) {
  while (!data.empty()) {
    const ssize_t n = write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Errno("cannot write", path);
    data.remove_prefix(static_cast<size_t>(n));
  }
  return absl::OkStatus();
}

}  // namespace

FileSink::FileSink(FileSinkOptions options, Clock* clock)
    : options_(std::move(options)), clock_(clock) {}

FileSink::~FileSink() {
  for (auto& [key, f] : open_) Close(f);
}

void FileSink::Close(OpenFile& f) {
  if (f.fd >= 0) close(f.fd);
  f.fd = -1;
}

std::string FileSink::DayDirectory(absl::Time time) const {
  return absl::StrCat(options_.root, "/ext/", options_.source, "/region=",
                      options_.region, "/accountId=", options_.account_id,
                      "/eventDay=",
                      absl::FormatTime("%Y%m%d", time, absl::UTCTimeZone()));
}

absl::StatusOr<FileSink::OpenFile*> FileSink::FileFor(
    const store::OutboxRow& row) {
  const std::string dir = DayDirectory(row.time);
  OpenFile& f = open_[{row.class_uid, dir}];
  const absl::Time now = clock_->Now();
  if (f.fd >= 0 && (f.bytes >= options_.max_file_bytes ||
                    now - f.opened >= options_.max_file_age)) {
    Close(f);
  }
  if (f.fd >= 0) return &f;
  RIPOSTE_RETURN_IF_ERROR(MakeDirectories(dir));
  const std::string path =
      absl::StrCat(dir, "/", row.class_uid, "-", row.seq, ".jsonl");
  f.fd = open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  if (f.fd < 0) return Errno("cannot open", path);
  struct stat st;
  f.bytes = fstat(f.fd, &st) == 0 ? st.st_size : 0;
  f.opened = now;
  RIPOSTE_RETURN_IF_ERROR(SyncDirectory(dir));
  return &f;
}

absl::Status FileSink::Deliver(const std::vector<store::OutboxRow>& rows,
                               size_t* delivered) {
  // Nothing counts as delivered before the fdatasync below.
  *delivered = 0;
  std::set<OpenFile*> touched;
  for (const store::OutboxRow& row : rows) {
    RIPOSTE_ASSIGN_OR_RETURN(OpenFile * f, FileFor(row));
    const std::string line = absl::StrCat(row.event, "\n");
    absl::Status written = WriteAll(f->fd, line, options_.root);
    if (!written.ok()) {
      // No partial line stays behind for the retry to append to.
      if (ftruncate(f->fd, f->bytes) != 0) Close(*f);
      return written;
    }
    f->bytes += static_cast<int64_t>(line.size());
    touched.insert(f);
  }
  for (OpenFile* f : touched) {
    if (fdatasync(f->fd) != 0) {
      Close(*f);
      return Errno("cannot sync a file under", options_.root);
    }
  }
  *delivered = rows.size();
  return absl::OkStatus();
}

}  // namespace riposte::ocsf
