#include "cli/watch.h"

#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "cli/cli_status.h"
#include "cli/interrupt.h"
#include "cli/time_format.h"

namespace riposte::cli {
namespace {

bool IsTransient(const absl::Status& status) {
  return status.code() == absl::StatusCode::kUnavailable ||
         status.code() == absl::StatusCode::kDeadlineExceeded;
}

}  // namespace

bool InterruptibleSleeper::Sleep(absl::Duration d) { return !WaitForInterrupt(d); }

absl::Status RunWatch(const std::function<absl::StatusOr<WatchFrame>()>& poll,
                      const WatchOptions& options, Sleeper& sleeper,
                      std::ostream& out, std::ostream& err) {
  std::optional<std::string> shown_key;
  bool in_outage = false;
  bool first = true;
  while (true) {
    absl::StatusOr<WatchFrame> frame = poll();
    if (!frame.ok()) {
      if (first || !IsTransient(frame.status())) return frame.status();
      if (!in_outage) {
        err << FormatError(frame.status()) << " (retrying every "
            << CompactDuration(options.interval) << ")\n";
        err.flush();
        in_outage = true;
      }
    } else {
      // After an outage, draw again even if nothing changed: the error
      // message sits where the frame was.
      if (in_outage || !shown_key.has_value() || *shown_key != frame->key) {
        if (options.clear_screen) {
          out << kClearScreen;
        } else if (shown_key.has_value() && options.blank_line_between) {
          out << "\n";
        }
        out << frame->text;
        out.flush();
        shown_key = frame->key;
      }
      in_outage = false;
    }
    first = false;
    if (!sleeper.Sleep(options.interval)) return absl::OkStatus();
  }
}

}  // namespace riposte::cli
