#include "cli/watch.h"

#include <deque>
#include <sstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace riposte::cli {
namespace {

using ::testing::ElementsAre;

// Lets the loop run `sleeps` times, recording the intervals, then
// "interrupts".
class FakeSleeper : public Sleeper {
 public:
  explicit FakeSleeper(int sleeps) : left_(sleeps) {}
  bool Sleep(absl::Duration d) override {
    slept.push_back(d);
    return left_-- > 0;
  }
  std::vector<absl::Duration> slept;

 private:
  int left_;
};

// Returns the scripted results in order, then the last one forever.
class ScriptedPoller {
 public:
  explicit ScriptedPoller(std::vector<absl::StatusOr<WatchFrame>> script)
      : script_(script.begin(), script.end()) {}
  absl::StatusOr<WatchFrame> operator()() {
    ++polls;
    absl::StatusOr<WatchFrame> next = script_.front();
    if (script_.size() > 1) script_.pop_front();
    return next;
  }
  int polls = 0;

 private:
  std::deque<absl::StatusOr<WatchFrame>> script_;
};

WatchFrame Frame(const std::string& key, const std::string& text) {
  return WatchFrame{key, text};
}

TEST(RunWatchTest, RedrawsOnlyOnChange) {
  // The text changes every poll (times move), the data only twice.
  ScriptedPoller poller({Frame("a", "A at 1\n"), Frame("a", "A at 2\n"),
                         Frame("b", "B at 3\n"), Frame("b", "B at 4\n"),
                         Frame("a", "A at 5\n")});
  FakeSleeper sleeper(4);
  std::ostringstream out, err;
  WatchOptions options;
  options.interval = absl::Seconds(2);
  absl::Status status =
      RunWatch(std::ref(poller), options, sleeper, out, err);
  EXPECT_TRUE(status.ok()) << status;
  EXPECT_EQ(poller.polls, 5);
  EXPECT_EQ(out.str(), "A at 1\n\nB at 3\n\nA at 5\n");
  EXPECT_EQ(err.str(), "");
  EXPECT_THAT(sleeper.slept, ElementsAre(absl::Seconds(2), absl::Seconds(2),
                                         absl::Seconds(2), absl::Seconds(2),
                                         absl::Seconds(2)));
}

TEST(RunWatchTest, ClearsTheScreenOnATerminal) {
  ScriptedPoller poller({Frame("a", "A\n"), Frame("b", "B\n")});
  FakeSleeper sleeper(1);
  std::ostringstream out, err;
  WatchOptions options;
  options.clear_screen = true;
  ASSERT_TRUE(RunWatch(std::ref(poller), options, sleeper, out, err).ok());
  EXPECT_EQ(out.str(), std::string(kClearScreen) + "A\n" + kClearScreen + "B\n");
}

TEST(RunWatchTest, JsonLinesHaveNoBlankLines) {
  ScriptedPoller poller({Frame("a", "{\"a\":1}\n"), Frame("b", "{\"b\":1}\n")});
  FakeSleeper sleeper(1);
  std::ostringstream out, err;
  WatchOptions options;
  options.blank_line_between = false;
  ASSERT_TRUE(RunWatch(std::ref(poller), options, sleeper, out, err).ok());
  EXPECT_EQ(out.str(), "{\"a\":1}\n{\"b\":1}\n");
}

TEST(RunWatchTest, FirstPollErrorIsReturned) {
  ScriptedPoller poller({absl::UnavailableError("connection refused")});
  FakeSleeper sleeper(5);
  std::ostringstream out, err;
  absl::Status status = RunWatch(std::ref(poller), WatchOptions{}, sleeper, out, err);
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(poller.polls, 1);
  EXPECT_TRUE(sleeper.slept.empty());
}

TEST(RunWatchTest, RidesOutAnOutageAndRedrawsAfter) {
  ScriptedPoller poller({Frame("a", "A\n"), absl::UnavailableError("down"),
                         absl::DeadlineExceededError("slow"), Frame("a", "A again\n"),
                         Frame("a", "A same\n")});
  FakeSleeper sleeper(4);
  std::ostringstream out, err;
  ASSERT_TRUE(RunWatch(std::ref(poller), WatchOptions{}, sleeper, out, err).ok());
  // One message per outage; the same data is drawn again after it.
  EXPECT_EQ(err.str(), "riposte: UNAVAILABLE: down (retrying every 2s)\n");
  EXPECT_EQ(out.str(), "A\n\nA again\n");
}

TEST(RunWatchTest, OtherErrorsEndTheLoop) {
  ScriptedPoller poller({Frame("a", "A\n"), absl::PermissionDeniedError("revoked")});
  FakeSleeper sleeper(10);
  std::ostringstream out, err;
  absl::Status status = RunWatch(std::ref(poller), WatchOptions{}, sleeper, out, err);
  EXPECT_EQ(status.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(poller.polls, 2);
}

}  // namespace
}  // namespace riposte::cli
