#include "policies/corroboration_reader.h"

#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "policies/read_util.h"
#include "policies/rule_reader.h"

namespace riposte::policies {

using yaml::DurationBounds;
using yaml::MapReader;
using yaml::Node;

void ReadCorroboration(MapReader& root, int file, PolicyFileDraft* out) {
  if (!root.Has("corroboration")) return;
  Corroboration c;
  Site site = SiteOf(root, "corroboration", file);
  c.line = site.line;
  root.OptionalMap("corroboration", [&](MapReader& m) {
    if (m.OptionalDuration("tolerance", &c.tolerance,
                           DurationBounds::NonNegative()) &&
        c.tolerance > absl::Hours(1)) {
      m.AddError("tolerance",
                 "must be at most 1h: reports further apart than that are "
                 "not the same moment");
    }
    std::vector<NameAt> keys;
    ReadNameList(m, "evidence_keys", /*required=*/false, file, &keys);
    for (NameAt& k : keys) c.evidence_keys.push_back(std::move(k.name));
    std::set<std::string> names;
    m.OptionalSequence("families", [&](const Node& item,
                                       const std::string& path) {
      MapReader::ReadMap(item, path, root.errors(), [&](MapReader& f) {
        ModelFamily family;
        family.line = f.line();
        if (f.RequiredString("name", &family.name)) {
          if (family.name.empty()) {
            f.AddError("name", "must not be empty");
          } else if (!names.insert(family.name).second) {
            f.AddError("name", absl::StrCat("family '", family.name,
                                            "' is already defined above"));
          }
        }
        std::vector<NameAt> models;
        if (ReadNameList(f, "models", /*required=*/true, file, &models) &&
            models.empty()) {
          f.AddError("models", "must list at least one model name or pattern");
        }
        for (const NameAt& model : models) {
          family.models.push_back(ClassifyModelPattern(model.name));
        }
        c.families.push_back(std::move(family));
      });
    });
  });
  out->corroboration.emplace(std::move(c), std::move(site));
}

}  // namespace riposte::policies
