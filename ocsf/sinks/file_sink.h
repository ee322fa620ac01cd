#ifndef RIPOSTE_OCSF_SINKS_FILE_SINK_H_
#define RIPOSTE_OCSF_SINKS_FILE_SINK_H_

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "ocsf/sinks/sink.h"

namespace riposte::ocsf {

struct FileSinkOptions {
  std::string root;                  // the directory the layout starts in
  std::string source = "riposte";    // the custom source's name
  std::string region = "us-east-1";  // region=
  std::string account_id = "000000000000";  // accountId=
  // A file is closed and a new one started past either bound.
  int64_t max_file_bytes = 64 << 20;
  absl::Duration max_file_age = absl::Minutes(5);
};

// JSON lines in Amazon Security Lake's custom-source layout:
//
//   <root>/ext/<source>/region=<region>/accountId=<account>/
//       eventDay=<yyyymmdd>/<class_uid>-<first seq>.jsonl
//
// one OCSF class per file (a Security Lake custom source holds one
// class), the day from the event's time in UTC. A file is named after the
// first outbox seq written to it, so names sort in delivery order and a
// new file never overwrites an old one; a redelivery after a crash
// appends to the file it started (a consumer drops the repeats by uid).
// Every Deliver writes and fdatasyncs before returning, and a new file's
// directory is synced too. Files are 0640, directories 0750.
// Not thread-safe (one SinkWorker).
class FileSink : public Sink {
 public:
  FileSink(FileSinkOptions options, Clock* clock);
  ~FileSink() override;
  FileSink(const FileSink&) = delete;
  FileSink& operator=(const FileSink&) = delete;

  absl::Status Deliver(const std::vector<store::OutboxRow>& rows,
                       size_t* delivered) override;

  // The directory an event of `time` goes to.
  std::string DayDirectory(absl::Time time) const;

 private:
  struct OpenFile {
    int fd = -1;
    int64_t bytes = 0;
    absl::Time opened;
  };
  // The file for (class, day), opened or rotated as needed.
  absl::StatusOr<OpenFile*> FileFor(const store::OutboxRow& row);
  void Close(OpenFile& f);

  const FileSinkOptions options_;
  Clock* const clock_;
  std::map<std::pair<int64_t, std::string>, OpenFile> open_;
};

}  // namespace riposte::ocsf

#endif  // RIPOSTE_OCSF_SINKS_FILE_SINK_H_
