// Fuzzes the policy loader with arbitrary text, as an operator's policy
// files might hold. NUL bytes split the input into several files (YAML
// cannot hold NUL), so the checks across files run too. ParsePolicy must
// return a policy or InvalidArgument, never crash.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "policies/policy_loader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<riposte::policies::PolicySource> sources;
  for (absl::string_view part : absl::StrSplit(text, absl::MaxSplits('\0', 3))) {
    sources.push_back({"p" + std::to_string(sources.size()) + ".yaml",
                       std::string(part)});
  }
  auto policy = riposte::policies::ParsePolicy(sources);
  if (!policy.ok() &&
      policy.status().code() != absl::StatusCode::kInvalidArgument) {
    std::abort();
  }
  return 0;
}
