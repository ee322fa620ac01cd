#include "common/log.h"

#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <functional>
#include <initializer_list>
#include <string>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "common/json.h"

namespace riposte {
namespace log {
namespace {

std::atomic<int> g_min_level{static_cast<int>(Level::kInfo)};

// Where lines go. Never destroyed, so logging from other static destructors
// stays safe.
struct Output {
  absl::Mutex mu;
  std::function<void(absl::string_view)> sink ABSL_GUARDED_BY(mu);
  const Clock* clock ABSL_GUARDED_BY(mu) = nullptr;
};

Output& GetOutput() {
  static Output* output = new Output();
  return *output;
}

// Writes all of `line` to stderr: one write(2) unless the kernel takes only
// part of it, in which case the rest follows (still under the caller's lock).
void WriteToStderr(absl::string_view line) {
  const char* p = line.data();
  size_t left = line.size();
  while (left > 0) {
    const ssize_t n = ::write(STDERR_FILENO, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      return;  // Nowhere to report a failure to log.
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
}

// Everything after "time": `"level":...,"msg":...,<fields>}`.
std::string FormatBody(Level level, absl::string_view msg,
                       std::initializer_list<Field> fields) {
  JsonObjectWriter writer;
  writer.Add("level", LevelName(level)).Add("msg", msg);
  for (const Field& field : fields) field.AppendTo(&writer);
  std::string object = std::move(writer).Finish();
  object.erase(0, 1);  // The "{"; ComposeLine opens the object.
  return object;
}

std::string ComposeLine(absl::Time time, absl::string_view body) {
  return absl::StrCat(
      "{\"time\":\"",
      absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ", time, absl::UTCTimeZone()),
      "\",", body, "\n");
}

}  // namespace

absl::string_view LevelName(Level level) {
  switch (level) {
    case Level::kDebug:
      return "debug";
    case Level::kInfo:
      return "info";
    case Level::kWarn:
      return "warn";
    case Level::kError:
      return "error";
  }
  return "unknown";
}

absl::StatusOr<Level> ParseLevel(absl::string_view name) {
  const std::string lower = absl::AsciiStrToLower(name);
  if (lower == "debug") return Level::kDebug;
  if (lower == "info") return Level::kInfo;
  if (lower == "warn" || lower == "warning") return Level::kWarn;
  if (lower == "error") return Level::kError;
  return absl::InvalidArgumentError(
      absl::StrCat("unknown log level ", JsonQuote(name),
                   "; want debug, info, warn or error"));
}

void SetLevel(Level level) {
  g_min_level.store(static_cast<int>(level), std::memory_order_relaxed);
}

Level GetLevel() {
  return static_cast<Level>(g_min_level.load(std::memory_order_relaxed));
}

bool Enabled(Level level) {
  return static_cast<int>(level) >=
         g_min_level.load(std::memory_order_relaxed);
}

void Field::AppendTo(JsonObjectWriter* out) const {
  switch (kind_) {
    case Kind::kString:
      out->Add(key_, string_);
      return;
    case Kind::kNull:
      out->AddNull(key_);
      return;
    case Kind::kInt:
      out->AddInt(key_, int_);
      return;
    case Kind::kUint:
      out->AddUint(key_, uint_);
      return;
    case Kind::kDouble:
      out->AddDouble(key_, double_);
      return;
    case Kind::kBool:
      out->AddBool(key_, bool_);
      return;
    case Kind::kStatus:
      out->Add(key_, status_->ToString());
      return;
  }
}

std::string FormatLine(absl::Time time, Level level, absl::string_view msg,
                       std::initializer_list<Field> fields) {
  return ComposeLine(time, FormatBody(level, msg, fields));
}

void Log(Level level, absl::string_view msg,
         std::initializer_list<Field> fields) {
  if (!Enabled(level)) return;
  // Escaping happens outside the lock; only the time stamp and the write are
  // serialised, which keeps lines in time order.
  const std::string body = FormatBody(level, msg, fields);
  Output& output = GetOutput();
  absl::MutexLock lock(&output.mu);
  const Clock* clock = output.clock != nullptr ? output.clock : Clock::Real();
  const std::string line = ComposeLine(clock->Now(), body);
  if (output.sink) {
    output.sink(line);
  } else {
    WriteToStderr(line);
  }
}

void SetSinkForTest(std::function<void(absl::string_view line)> sink) {
  Output& output = GetOutput();
  absl::MutexLock lock(&output.mu);
  output.sink = std::move(sink);
}

void SetClockForTest(const Clock* clock) {
  Output& output = GetOutput();
  absl::MutexLock lock(&output.mu);
  output.clock = clock;
}

}  // namespace log
}  // namespace riposte
