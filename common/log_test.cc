#include "common/log.h"

#include <fcntl.h>
#include <unistd.h>

#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "common/json.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace riposte {
namespace log {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

// A strict RFC 8259 checker, enough to prove a log line is one valid JSON
// object. Returns true if [pos, end) starts with a value; advances pos.
class JsonChecker {
 public:
  static bool IsObjectLine(absl::string_view line) {
    if (line.empty() || line.back() != '\n') return false;
    line.remove_suffix(1);
    if (line.empty() || line.front() != '{') return false;
    JsonChecker checker(line);
    return checker.Value() && checker.pos_ == line.size();
  }

 private:
  explicit JsonChecker(absl::string_view s) : s_(s) {}

  bool Value() {
    if (pos_ >= s_.size()) return false;
    switch (s_[pos_]) {
      case '{':
        return Object();
      case '[':
        return Array();
      case '"':
        return String();
      case 't':
        return Literal("true");
      case 'f':
        return Literal("false");
      case 'n':
        return Literal("null");
      default:
        return Number();
    }
  }
  bool Object() {
    ++pos_;
    if (Peek('}')) return ++pos_, true;
    while (true) {
      if (!String() || !Peek(':')) return false;
      ++pos_;
      if (!Value()) return false;
      if (Peek('}')) return ++pos_, true;
      if (!Peek(',')) return false;
      ++pos_;
    }
  }
  bool Array() {
    ++pos_;
    if (Peek(']')) return ++pos_, true;
    while (true) {
      if (!Value()) return false;
      if (Peek(']')) return ++pos_, true;
      if (!Peek(',')) return false;
      ++pos_;
    }
  }
  bool String() {
    if (!Peek('"')) return false;
    const size_t start = pos_++;
    while (pos_ < s_.size()) {
      const unsigned char c = static_cast<unsigned char>(s_[pos_]);
      if (c < 0x20) return false;
      if (c == '"') {
        ++pos_;
        return IsValidUtf8(s_.substr(start, pos_ - start));
      }
      if (c == '\\') {
        if (++pos_ >= s_.size()) return false;
        const char e = s_[pos_];
        if (e == 'u') {
          for (int k = 0; k < 4; ++k) {
            if (++pos_ >= s_.size() ||
                !std::isxdigit(static_cast<unsigned char>(s_[pos_]))) {
              return false;
            }
          }
        } else if (absl::string_view("\"\\/bfnrt").find(e) ==
                   absl::string_view::npos) {
          return false;
        }
      }
      ++pos_;
    }
    return false;
  }
  bool Number() {
    const size_t start = pos_;
    if (Peek('-')) ++pos_;
    if (Peek('0')) {
      ++pos_;
    } else if (!Digits()) {
      return false;
    }
    if (Peek('.')) {
      ++pos_;
      if (!Digits()) return false;
    }
    if (Peek('e') || Peek('E')) {
      ++pos_;
      if (Peek('+') || Peek('-')) ++pos_;
      if (!Digits()) return false;
    }
    return pos_ > start;
  }
  bool Digits() {
    const size_t start = pos_;
    while (pos_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[pos_]))) {
      ++pos_;
    }
    return pos_ > start;
  }
  bool Literal(absl::string_view word) {
    if (s_.substr(pos_, word.size()) != word) return false;
    pos_ += word.size();
    return true;
  }
  bool Peek(char c) const { return pos_ < s_.size() && s_[pos_] == c; }

  absl::string_view s_;
  size_t pos_ = 0;
};

TEST(JsonCheckerTest, SelfCheck) {
  EXPECT_TRUE(JsonChecker::IsObjectLine("{}\n"));
  EXPECT_TRUE(JsonChecker::IsObjectLine(R"({"a":[1,-2.5e3,"x\n"],"b":null})"
                                        "\n"));
  EXPECT_FALSE(JsonChecker::IsObjectLine("{}"));
  EXPECT_FALSE(JsonChecker::IsObjectLine("{\"a\":\"x\ny\"}\n"));
  EXPECT_FALSE(JsonChecker::IsObjectLine("{\"a\":1,}\n"));
  EXPECT_FALSE(JsonChecker::IsObjectLine("{\"a\":01}\n"));
  EXPECT_FALSE(JsonChecker::IsObjectLine("{\"a\":\"\\x\"}\n"));
}

const absl::Time kStart =
    absl::FromCivil(absl::CivilSecond(2026, 11, 28, 7, 10, 3),
                    absl::UTCTimeZone()) +
    absl::Microseconds(123456);
constexpr char kTime[] = R"({"time":"2026-11-28T07:10:03.123456Z",)";

class LogTest : public ::testing::Test {
 protected:
  LogTest() : clock_(kStart) {}

  void SetUp() override {
    SetLevel(Level::kInfo);
    SetClockForTest(&clock_);
    SetSinkForTest([this](absl::string_view line) {
      absl::MutexLock lock(&mu_);
      lines_.emplace_back(line);
    });
  }
  void TearDown() override {
    SetSinkForTest(nullptr);
    SetClockForTest(nullptr);
    SetLevel(Level::kInfo);
  }

  std::vector<std::string> Lines() {
    absl::MutexLock lock(&mu_);
    return lines_;
  }

  FakeClock clock_;
  absl::Mutex mu_;
  std::vector<std::string> lines_ ABSL_GUARDED_BY(mu_);
};

TEST_F(LogTest, GoldenLine) {
  Info("breach accepted", {{"detector", "dt-1"}, {"score", 87}});
  EXPECT_THAT(Lines(), ElementsAre(absl::StrCat(
                           kTime,
                           R"("level":"info","msg":"breach accepted",)"
                           R"("detector":"dt-1","score":87})"
                           "\n")));
}

TEST_F(LogTest, NoFields) {
  Warn("paused");
  EXPECT_THAT(Lines(), ElementsAre(absl::StrCat(
                           kTime, R"("level":"warn","msg":"paused"})", "\n")));
}

TEST_F(LogTest, TimeComesFromClockInUtcWithMicroseconds) {
  clock_.Set(absl::FromUnixMicros(1));
  Error("x");
  ASSERT_THAT(Lines(), SizeIs(1));
  EXPECT_THAT(Lines()[0],
              HasSubstr(R"({"time":"1970-01-01T00:00:00.000001Z",)"));
}

TEST_F(LogTest, FieldsKeepTheirOrderAndKinds) {
  const std::string owned = "owned";
  const char* null_text = nullptr;
  const absl::Status status = absl::UnavailableError("graph 503");
  Info("kinds", {{"z", owned},
                 {"y", absl::string_view("view")},
                 {"x", null_text},
                 {"w", -5},
                 {"v", int64_t{-9000000000}},
                 {"u", std::numeric_limits<uint64_t>::max()},
                 {"t", 2.5},
                 {"s", std::numeric_limits<double>::infinity()},
                 {"r", true},
                 {"q", status},
                 {"p", absl::OkStatus()}});
  ASSERT_THAT(Lines(), SizeIs(1));
  EXPECT_EQ(Lines()[0],
            absl::StrCat(kTime, R"("level":"info","msg":"kinds",)",
                         R"("z":"owned","y":"view","x":null,"w":-5,)",
                         R"("v":-9000000000,"u":18446744073709551615,)",
                         R"("t":2.5,"s":null,"r":true,)",
                         R"("q":"UNAVAILABLE: graph 503","p":"OK"})", "\n"));
}

TEST_F(LogTest, EscapesMessageAndValues) {
  Error("quote \" backslash \\ newline \n tab \t bell \a",
        {{"key\"with\nnewline", "value\r\x01\x1f"},
         {"bad_utf8", "\xff\xfe"}});
  ASSERT_THAT(Lines(), SizeIs(1));
  const std::string line = Lines()[0];
  EXPECT_TRUE(JsonChecker::IsObjectLine(line)) << line;
  EXPECT_EQ(line,
            absl::StrCat(
                kTime, R"("level":"error",)",
                R"("msg":"quote \" backslash \\ newline \n tab \t bell \u0007",)",
                R"("key\"with\nnewline":"value\r\u0001\u001f",)",
                R"("bad_utf8":"\ufffd\ufffd"})", "\n"));
  // Exactly one newline: the terminator.
  EXPECT_EQ(line.find('\n'), line.size() - 1);
}

TEST_F(LogTest, LevelFiltering) {
  SetLevel(Level::kWarn);
  EXPECT_EQ(GetLevel(), Level::kWarn);
  EXPECT_FALSE(Enabled(Level::kDebug));
  EXPECT_FALSE(Enabled(Level::kInfo));
  EXPECT_TRUE(Enabled(Level::kWarn));
  EXPECT_TRUE(Enabled(Level::kError));
  Debug("d");
  Info("i");
  Warn("w");
  Error("e");
  Log(Level::kInfo, "i2");
  Log(Level::kError, "e2");
  std::vector<std::string> levels;
  for (const std::string& line : Lines()) {
    const size_t at = line.find(R"("level":")");
    ASSERT_NE(at, std::string::npos);
    levels.push_back(line.substr(at, line.find(',', at) - at));
  }
  EXPECT_THAT(levels, ElementsAre(R"("level":"warn")", R"("level":"error")",
                                  R"("level":"error")"));
}

TEST_F(LogTest, DebugNeedsDebugLevel) {
  Debug("hidden");
  EXPECT_THAT(Lines(), IsEmpty());
  SetLevel(Level::kDebug);
  Debug("shown");
  EXPECT_THAT(Lines(), SizeIs(1));
}

TEST_F(LogTest, ConcurrentLinesStayWhole) {
  constexpr int kThreads = 8;
  constexpr int kLinesPerThread = 500;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([t] {
      for (int i = 0; i < kLinesPerThread; ++i) {
        Info("tick", {{"thread", t}, {"i", i}, {"pad", std::string(100, 'x')}});
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  const std::vector<std::string> lines = Lines();
  ASSERT_THAT(lines, SizeIs(kThreads * kLinesPerThread));
  for (const std::string& line : lines) {
    ASSERT_TRUE(JsonChecker::IsObjectLine(line)) << line;
  }
}

TEST(LevelTest, ParseAndName) {
  for (Level level :
       {Level::kDebug, Level::kInfo, Level::kWarn, Level::kError}) {
    absl::StatusOr<Level> parsed = ParseLevel(LevelName(level));
    ASSERT_TRUE(parsed.ok()) << parsed.status();
    EXPECT_EQ(*parsed, level);
  }
  EXPECT_EQ(ParseLevel("WARNING").value(), Level::kWarn);
  EXPECT_EQ(ParseLevel("Error").value(), Level::kError);
  absl::StatusOr<Level> bad = ParseLevel("verbose");
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(bad.status().message(), HasSubstr("verbose"));
  EXPECT_EQ(ParseLevel("").status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(FormatLineTest, IgnoresLevelSetting) {
  SetLevel(Level::kError);
  EXPECT_EQ(FormatLine(kStart, Level::kDebug, "m", {{"k", false}}),
            absl::StrCat(kTime, R"("level":"debug","msg":"m","k":false})",
                         "\n"));
  SetLevel(Level::kInfo);
}

// The default sink: stderr, redirected here to a file. Many threads write
// long lines at once; every line must come out whole.
TEST(StderrTest, LinesFromManyThreadsDoNotInterleave) {
  const char* tmpdir = std::getenv("TEST_TMPDIR");
  const std::string path =
      absl::StrCat(tmpdir != nullptr ? tmpdir : "/tmp", "/log_test_stderr");
  const int file = ::open(path.c_str(), O_CREAT | O_TRUNC | O_WRONLY, 0600);
  ASSERT_GE(file, 0);
  const int saved_stderr = ::dup(STDERR_FILENO);
  ASSERT_GE(saved_stderr, 0);
  ASSERT_GE(::dup2(file, STDERR_FILENO), 0);

  constexpr int kThreads = 6;
  constexpr int kLinesPerThread = 300;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([t] {
      for (int i = 0; i < kLinesPerThread; ++i) {
        Warn("to stderr", {{"thread", t}, {"pad", std::string(5000, 'a' + t)}});
      }
    });
  }
  for (std::thread& thread : threads) thread.join();

  ::dup2(saved_stderr, STDERR_FILENO);
  ::close(saved_stderr);
  ::close(file);

  std::ifstream in(path);
  std::stringstream contents;
  contents << in.rdbuf();
  const std::string text = contents.str();
  ASSERT_FALSE(text.empty());
  ASSERT_EQ(text.back(), '\n');
  std::vector<absl::string_view> lines =
      absl::StrSplit(absl::string_view(text).substr(0, text.size() - 1), '\n');
  ASSERT_THAT(lines, SizeIs(kThreads * kLinesPerThread));
  for (absl::string_view line : lines) {
    ASSERT_TRUE(JsonChecker::IsObjectLine(absl::StrCat(line, "\n")))
        << line.substr(0, 200);
  }
}

}  // namespace
}  // namespace log
}  // namespace riposte
