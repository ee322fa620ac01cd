// The ocsf: section: the sinks OCSF events are delivered to.

#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "config/internal/readers.h"

namespace riposte::config::internal {
namespace {

// A sink's name is part of a settings key and a metrics label.
bool IsSinkName(absl::string_view name) {
  if (name.empty() || name.size() > 40) return false;
  for (char c : name) {
    if (!absl::ascii_islower(c) && !absl::ascii_isdigit(c) && c != '-' &&
        c != '_') {
      return false;
    }
  }
  return true;
}

// Security Lake's account ids are 12 digits; a region is lower-case
// letters, digits and dashes (eu-west-1).
bool IsAccountId(absl::string_view id) {
  if (id.size() != 12) return false;
  for (char c : id) {
    if (!absl::ascii_isdigit(c)) return false;
  }
  return true;
}

bool IsPathPart(absl::string_view part) {
  if (part.empty() || part.size() > 64) return false;
  for (char c : part) {
    if (!absl::ascii_isalnum(c) && c != '-' && c != '_') return false;
  }
  return true;
}

void ReadFileSink(MapReader& file, OcsfFileSinkConfig* out) {
  if (file.RequiredString("dir", &out->dir) && out->dir.empty()) {
    file.AddError("dir", "must not be empty");
  }
  if (file.OptionalString("source", &out->source) && !IsPathPart(out->source)) {
    file.AddError("source",
                  "must be 1-64 letters, digits, '-' or '_' (a directory name)");
  }
  if (file.OptionalString("region", &out->region) && !IsPathPart(out->region)) {
    file.AddError("region", "must be a region name such as eu-west-1");
  }
  if (file.OptionalString("account_id", &out->account_id) &&
      !IsAccountId(out->account_id)) {
    file.AddError("account_id", "must be 12 digits (an AWS account id)");
  }
  ReadLimit(file, "max_file_bytes", &out->max_file_bytes,
            IntBounds{4096, int64_t{1} << 32});
  file.OptionalDuration("max_file_age", &out->max_file_age,
                        DurationBounds::Positive());
}

}  // namespace

void ReadOcsf(MapReader& reader, OcsfConfig* ocsf) {
  std::set<std::string> names;
  reader.OptionalSequence(
      "sinks", [&](const yaml::Node& item, const std::string& path) {
        MapReader::ReadMap(item, path, reader.errors(), [&](MapReader& sink) {
          OcsfSinkConfig s;
          if (sink.RequiredString("name", &s.name)) {
            if (!IsSinkName(s.name)) {
              sink.AddError("name",
                            "must be 1-40 lower-case letters, digits, '-' or "
                            "'_'");
            } else if (!names.insert(s.name).second) {
              sink.AddError("name", absl::StrCat("\"", s.name,
                                                 "\" names another sink too"));
            }
          }
          if (!sink.RequiredMap("file", [&](MapReader& file) {
                ReadFileSink(file, &s.file);
              })) {
            return;
          }
          ocsf->sinks.push_back(std::move(s));
        });
      });
}

}  // namespace riposte::config::internal
