#include "metrics/exporter/build_info.h"

#include <unistd.h>

#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "common/json.h"
#include "common/status_macros.h"

namespace riposte {
namespace metrics {
namespace {

#ifdef RIPOSTE_VERSION
constexpr char kVersion[] = RIPOSTE_VERSION;
#else
constexpr char kVersion[] = "dev";
#endif

#ifdef RIPOSTE_COMMIT
constexpr char kCommit[] = RIPOSTE_COMMIT;
#else
constexpr char kCommit[] = "unknown";
#endif

std::string ReadWholeFile(const char* path) {
  std::ifstream in(path);
  std::stringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

// The kernel's boot time ("btime" in /proc/stat) plus this process' start
// ("starttime", field 22 of /proc/self/stat, in clock ticks after boot).
absl::StatusOr<absl::Time> StartTimeFromProc() {
  const std::string stat = ReadWholeFile("/proc/self/stat");
  // Field 2, the command name, is in parentheses and may hold spaces or
  // parentheses itself: count fields after the last ')'.
  const size_t close = stat.rfind(')');
  if (close == std::string::npos) {
    return absl::UnavailableError("cannot read /proc/self/stat");
  }
  // After ')' come field 3 (state) onwards; starttime is field 22.
  std::vector<absl::string_view> fields = absl::StrSplit(
      absl::string_view(stat).substr(close + 1), ' ', absl::SkipEmpty());
  constexpr size_t kStartTimeIndex = 22 - 3;
  uint64_t start_ticks = 0;
  if (fields.size() <= kStartTimeIndex ||
      !absl::SimpleAtoi(fields[kStartTimeIndex], &start_ticks)) {
    return absl::UnavailableError("no starttime in /proc/self/stat");
  }
  int64_t boot_seconds = -1;
  for (absl::string_view line :
       absl::StrSplit(ReadWholeFile("/proc/stat"), '\n')) {
    if (absl::ConsumePrefix(&line, "btime ") &&
        absl::SimpleAtoi(line, &boot_seconds)) {
      break;
    }
  }
  const long ticks_per_second = sysconf(_SC_CLK_TCK);
  if (boot_seconds < 0 || ticks_per_second <= 0) {
    return absl::UnavailableError("no btime in /proc/stat");
  }
  return absl::FromUnixSeconds(boot_seconds) +
         absl::Seconds(static_cast<double>(start_ticks) / ticks_per_second);
}

}  // namespace

BuildInfo CompiledBuildInfo() { return BuildInfo{kVersion, kCommit}; }

absl::Time ProcessStartTime() {
  static const absl::Time start = [] {
    absl::StatusOr<absl::Time> from_proc = StartTimeFromProc();
    return from_proc.ok() ? *from_proc : absl::Now();
  }();
  return start;
}

absl::Status RegisterBuildInfo(Registry& registry, const BuildInfo& info,
                               absl::Time process_start) {
  // Checked first so that a bad label leaves the registry untouched.
  if (!IsValidUtf8(info.version)) {
    return absl::InvalidArgumentError(
        "riposte_build_info: version is not valid UTF-8");
  }
  if (!IsValidUtf8(info.commit)) {
    return absl::InvalidArgumentError(
        "riposte_build_info: commit is not valid UTF-8");
  }
  RIPOSTE_ASSIGN_OR_RETURN(
      GaugeFamily * build,
      registry.AddGauge(
          "riposte_build_info",
          "Always 1; the labels say which version and commit of Riposte runs.",
          {"version", "commit"}));
  RIPOSTE_ASSIGN_OR_RETURN(Gauge * build_series,
                           build->WithLabels({info.version, info.commit}));
  build_series->Set(1);

  RIPOSTE_ASSIGN_OR_RETURN(
      GaugeFamily * start,
      registry.AddGauge(
          "riposte_process_start_time_seconds",
          "When this process started, in seconds since the Unix epoch.", {}));
  RIPOSTE_ASSIGN_OR_RETURN(Gauge * start_series, start->WithLabels({}));
  start_series->Set(absl::ToUnixMicros(process_start) / 1e6);
  return absl::OkStatus();
}

absl::Status RegisterBuildInfo(Registry& registry) {
  return RegisterBuildInfo(registry, CompiledBuildInfo(), ProcessStartTime());
}

}  // namespace metrics
}  // namespace riposte
