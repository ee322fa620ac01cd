#ifndef RIPOSTE_COMMON_LOG_H_
#define RIPOSTE_COMMON_LOG_H_

// Structured logging: one JSON object per line on stderr, e.g.
//
//   {"time":"2026-11-28T07:10:03.123456Z","level":"info",
//    "msg":"breach accepted","detector":"dt-1","score":87}
//
// (shown wrapped; a real line has no newline inside). Usage:
//
//   log::Info("breach accepted", {{"detector", id}, {"score", 87}});
//   log::Error("graph call failed", {{"action", "disable_user"},
//                                    {"status", status}});
//
// "time" is UTC with microseconds, "level" and "msg" always come next, then
// the fields in the order given. Strings are escaped by JsonQuote, so a line
// is valid JSON whatever the message and values hold. Field keys are not
// checked for clashes with "time", "level" and "msg".
//
// All functions are thread-safe. Lines from different threads never
// interleave: each is written whole, with one write(2), under a lock, so
// lines also appear in timestamp order.

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <string>
#include <type_traits>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "common/json.h"

namespace riposte {
namespace log {

enum class Level { kDebug, kInfo, kWarn, kError };

// "debug", "info", "warn" or "error".
absl::string_view LevelName(Level level);

// Parses a level name as spelled by LevelName, ignoring case; "warning" is
// accepted for "warn". InvalidArgument for anything else.
absl::StatusOr<Level> ParseLevel(absl::string_view name);

// Lines below `level` are dropped. The default is kInfo.
void SetLevel(Level level);
Level GetLevel();

// Whether a line at `level` would be written. Lets callers skip computing
// expensive fields.
bool Enabled(Level level);

// One key/value member of a log line.
//
// A Field is a view: it refers to the key, string value or Status it was
// built from without copying them. That is safe in the intended use, an
// argument list of a logging call, where every temporary lives until the
// call returns; do not keep Fields beyond that.
class Field {
 public:
  Field(absl::string_view key, absl::string_view value)
      : key_(key), kind_(Kind::kString), string_(value) {}
  // A null pointer is logged as null.
  Field(absl::string_view key, const char* value)
      : key_(key),
        kind_(value == nullptr ? Kind::kNull : Kind::kString),
        string_(value == nullptr ? absl::string_view() : value) {}
  // Any integer type except bool; signed ones as int64, unsigned as uint64.
  template <typename Int,
            typename std::enable_if<std::is_integral<Int>::value &&
                                        !std::is_same<Int, bool>::value,
                                    int>::type = 0>
  Field(absl::string_view key, Int value) : key_(key) {
    if (std::is_signed<Int>::value) {
      kind_ = Kind::kInt;
      int_ = static_cast<int64_t>(value);
    } else {
      kind_ = Kind::kUint;
      uint_ = static_cast<uint64_t>(value);
    }
  }
  // NaN and infinities are logged as null.
  Field(absl::string_view key, double value)
      : key_(key), kind_(Kind::kDouble), double_(value) {}
  Field(absl::string_view key, bool value)
      : key_(key), kind_(Kind::kBool), bool_(value) {}
  // Logged as a string, absl::Status::ToString() ("OK" when ok).
  Field(absl::string_view key, const absl::Status& status)
      : key_(key), kind_(Kind::kStatus), status_(&status) {}

  absl::string_view key() const { return key_; }

  // Adds this field as a member of `out`.
  void AppendTo(JsonObjectWriter* out) const;

 private:
  enum class Kind { kString, kNull, kInt, kUint, kDouble, kBool, kStatus };

  absl::string_view key_;
  Kind kind_ = Kind::kNull;
  absl::string_view string_;
  int64_t int_ = 0;
  uint64_t uint_ = 0;
  double double_ = 0;
  bool bool_ = false;
  const absl::Status* status_ = nullptr;
};

// Writes one line at `level` if Enabled(level).
void Log(Level level, absl::string_view msg,
         std::initializer_list<Field> fields = {});

inline void Debug(absl::string_view msg,
                  std::initializer_list<Field> fields = {}) {
  Log(Level::kDebug, msg, fields);
}
inline void Info(absl::string_view msg,
                 std::initializer_list<Field> fields = {}) {
  Log(Level::kInfo, msg, fields);
}
inline void Warn(absl::string_view msg,
                 std::initializer_list<Field> fields = {}) {
  Log(Level::kWarn, msg, fields);
}
inline void Error(absl::string_view msg,
                  std::initializer_list<Field> fields = {}) {
  Log(Level::kError, msg, fields);
}

// Returns the line Log would write (with the trailing "\n") for a message
// logged at `time`, whatever the current level. Exposed for tests and for
// tools that re-emit records.
std::string FormatLine(absl::Time time, Level level, absl::string_view msg,
                       std::initializer_list<Field> fields);

// Sends every line (with its trailing "\n") to `sink` instead of stderr;
// nullptr restores stderr. The sink is called under the logging lock, one
// line at a time, so it needs no locking of its own but must not log.
void SetSinkForTest(std::function<void(absl::string_view line)> sink);

// Takes line times from `clock` (not owned; must outlive its use) instead of
// the real clock; nullptr restores the real clock.
void SetClockForTest(const Clock* clock);

}  // namespace log
}  // namespace riposte

#endif  // RIPOSTE_COMMON_LOG_H_
