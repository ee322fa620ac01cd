#ifndef RIPOSTE_CLI_WATCH_H_
#define RIPOSTE_CLI_WATCH_H_

// The --watch loop: poll, redraw when the data changed, sleep, repeat until
// the user interrupts. Time passes only through the Sleeper, so tests run
// the loop with a fake and no real sleeps.

#include <functional>
#include <ostream>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace riposte::cli {

class Sleeper {
 public:
  virtual ~Sleeper() = default;
  // Waits `d`. Returns false if the user interrupted (stop watching).
  virtual bool Sleep(absl::Duration d) = 0;
};

// Sleeps for real, waking early on SIGINT/SIGTERM (see interrupt.h).
class InterruptibleSleeper final : public Sleeper {
 public:
  bool Sleep(absl::Duration d) override;
};

// One poll's result.
struct WatchFrame {
  // Identifies the data shown. Redraws happen only when it changes, so it
  // must not include anything that moves by itself, such as "3m ago".
  std::string key;
  // What to print (rendered against the current time).
  std::string text;
};

struct WatchOptions {
  absl::Duration interval = absl::Seconds(2);
  // Clear the screen before each redraw (stdout is a terminal); otherwise
  // frames are appended, each after the previous one.
  bool clear_screen = false;
  // Without clear_screen: a blank line between frames (off for JSON lines).
  bool blank_line_between = true;
};

// ANSI: cursor home, clear screen.
inline constexpr char kClearScreen[] = "\x1b[H\x1b[2J";

// Runs the loop. The first poll's error is returned as is. Later
// UNAVAILABLE or DEADLINE_EXCEEDED errors are reported on `err` once per
// outage ("riposte: UNAVAILABLE: ... (retrying every 2s)") and polling goes
// on; the next good poll redraws. Other errors end the loop and are
// returned. An interrupt ends it with OK.
absl::Status RunWatch(const std::function<absl::StatusOr<WatchFrame>()>& poll,
                      const WatchOptions& options, Sleeper& sleeper,
                      std::ostream& out, std::ostream& err);

}  // namespace riposte::cli

#endif  // RIPOSTE_CLI_WATCH_H_
