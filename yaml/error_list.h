#ifndef RIPOSTE_YAML_ERROR_LIST_H_
#define RIPOSTE_YAML_ERROR_LIST_H_

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace riposte::yaml {

// Collects every problem found while reading one document, so that a user
// fixing a config file sees all of its mistakes at once rather than one per
// run. Each message is "file:line: path: message".
//
// Not thread-safe; one list belongs to one reading pass.
class ErrorList {
 public:
  // `filename` is what every message starts with.
  explicit ErrorList(std::string filename) : filename_(std::move(filename)) {}

  const std::string& filename() const { return filename_; }

  // Adds "file:line: path: message". An empty `path` is left out, and so is
  // the line when it is 0 or less ("file: message").
  void Add(int line, absl::string_view path, absl::string_view message);

  bool empty() const { return errors_.empty(); }
  size_t size() const { return errors_.size(); }

  // The formatted messages, ordered by line (stable for equal lines).
  std::vector<std::string> Messages() const;

  // OK if empty; otherwise InvalidArgument with the messages ordered by line
  // and joined by newlines. Past kMaxReported messages, the rest are counted
  // rather than listed.
  absl::Status ToStatus() const;

  static constexpr size_t kMaxReported = 100;

 private:
  struct Entry {
    int line;
    std::string text;
  };

  std::string filename_;
  std::vector<Entry> errors_;
};

}  // namespace riposte::yaml

#endif  // RIPOSTE_YAML_ERROR_LIST_H_
