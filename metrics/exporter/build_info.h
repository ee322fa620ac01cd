#ifndef RIPOSTE_METRICS_EXPORTER_BUILD_INFO_H_
#define RIPOSTE_METRICS_EXPORTER_BUILD_INFO_H_

#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "metrics/registry.h"

namespace riposte {
namespace metrics {

// What was built: the version and source commit, for riposte_build_info.
struct BuildInfo {
  std::string version;
  std::string commit;
};

// The version and commit compiled into build_info.cc from the string
// defines RIPOSTE_VERSION and RIPOSTE_COMMIT, or "dev" and "unknown"
// without them. A release build passes them for this one file, e.g. with
// these two Bazel flags:
//
//   --per_file_copt='metrics/exporter/build_info\.cc@-DRIPOSTE_VERSION="1.4.0"'
//   --per_file_copt='metrics/exporter/build_info\.cc@-DRIPOSTE_COMMIT="3f2c1ab"'
BuildInfo CompiledBuildInfo();

// When this process started: from /proc (as Prometheus' own clients compute
// process_start_time_seconds, to the second), or the time of the first call
// if /proc cannot be read. Thread-safe.
absl::Time ProcessStartTime();

// Registers, as gauges,
//   riposte_build_info{version="<version>",commit="<commit>"} 1
//   riposte_process_start_time_seconds <unix seconds>
// so dashboards can tell which build runs and when it (re)started. Returns
//  - AlreadyExists if either name is registered already;
//  - InvalidArgument if version or commit is not valid UTF-8.
// Thread-safe (as the Registry).
absl::Status RegisterBuildInfo(Registry& registry, const BuildInfo& info,
                               absl::Time process_start);

// RegisterBuildInfo(registry, CompiledBuildInfo(), ProcessStartTime()).
absl::Status RegisterBuildInfo(Registry& registry);

}  // namespace metrics
}  // namespace riposte

#endif  // RIPOSTE_METRICS_EXPORTER_BUILD_INFO_H_
