#include "yaml/error_list.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace riposte::yaml {

void ErrorList::Add(int line, absl::string_view path,
                    absl::string_view message) {
  std::string text = filename_;
  if (line > 0) absl::StrAppend(&text, ":", line);
  absl::StrAppend(&text, ": ");
  if (!path.empty()) absl::StrAppend(&text, path, ": ");
  absl::StrAppend(&text, message);
  errors_.push_back(Entry{line, std::move(text)});
}

std::vector<std::string> ErrorList::Messages() const {
  std::vector<Entry> sorted = errors_;
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const Entry& a, const Entry& b) { return a.line < b.line; });
  std::vector<std::string> out;
  out.reserve(sorted.size());
  for (Entry& e : sorted) out.push_back(std::move(e.text));
  return out;
}

absl::Status ErrorList::ToStatus() const {
  if (errors_.empty()) return absl::OkStatus();
  std::vector<std::string> messages = Messages();
  if (messages.size() > kMaxReported) {
    size_t more = messages.size() - kMaxReported;
    messages.resize(kMaxReported);
    messages.push_back(
        absl::StrCat(filename_, ": ... and ", more, " more errors"));
  }
  return absl::InvalidArgumentError(absl::StrJoin(messages, "\n"));
}

}  // namespace riposte::yaml
