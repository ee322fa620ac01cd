#include "yaml/map_reader.h"

#include <algorithm>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace riposte::yaml {
namespace {

// Converts `node` with `convert` into `*out`, or reports why not.
template <typename T, typename Convert>
bool ConvertInto(MapReader& reader, absl::string_view key, const Node* node,
                 T* out, Convert convert) {
  if (node == nullptr) return false;
  absl::StatusOr<T> value = convert(*node);
  if (!value.ok()) {
    reader.AddError(key, value.status().message());
    return false;
  }
  *out = *std::move(value);
  return true;
}

}  // namespace

MapReader::MapReader(const Node& node, std::string path, ErrorList* errors)
    : node_(node),
      path_(std::move(path)),
      errors_(errors),
      line_(node.BlameLine() > 0 ? node.BlameLine() : 1),
      is_map_(node.IsMap()),
      read_(node.IsMap() ? node.entries.size() : 0, false) {
  if (!node.IsMap() && !node.IsNull()) {
    AddMapError(absl::StrCat(path_.empty() ? "the document" : "value",
                             " must be a map of keys, got a ",
                             node.KindName()));
  }
}

bool MapReader::ReadMap(const Node& node, std::string path, ErrorList* errors,
                        absl::FunctionRef<void(MapReader&)> read) {
  MapReader reader(node, std::move(path), errors);
  if (!node.IsMap() && !node.IsNull()) return false;
  read(reader);
  reader.Finish();
  return true;
}

std::string MapReader::PathOf(absl::string_view key) const {
  if (path_.empty()) return std::string(key);
  return absl::StrCat(path_, ".", key);
}

int MapReader::LineOf(absl::string_view key) const {
  const Node* value = node_.IsMap() ? node_.Find(key) : nullptr;
  if (value == nullptr || value->BlameLine() <= 0) return line_;
  return value->BlameLine();
}

int MapReader::Lookup(absl::string_view key) {
  if (std::find(allowed_.begin(), allowed_.end(), key) == allowed_.end()) {
    allowed_.emplace_back(key);
  }
  if (!is_map_) return -1;
  for (size_t i = 0; i < node_.entries.size(); ++i) {
    if (node_.entries[i].first == key) {
      read_[i] = true;
      return static_cast<int>(i);
    }
  }
  return -1;
}

const Node* MapReader::Get(absl::string_view key) {
  int index = Lookup(key);
  return index < 0 ? nullptr : &node_.entries[index].second;
}

bool MapReader::Has(absl::string_view key) { return Get(key) != nullptr; }

const Node* MapReader::Fetch(absl::string_view key, bool required) {
  const Node* value = Get(key);
  if (value == nullptr && required) {
    errors_->Add(line_, PathOf(key), "required key is missing");
  }
  return value;
}

bool MapReader::RequiredString(absl::string_view key, std::string* out) {
  return ConvertInto(*this, key, Fetch(key, true), out, ReadString);
}

bool MapReader::OptionalString(absl::string_view key, std::string* out) {
  return ConvertInto(*this, key, Fetch(key, false), out, ReadString);
}

bool MapReader::RequiredInt64(absl::string_view key, int64_t* out,
                              IntBounds bounds) {
  return ConvertInto(*this, key, Fetch(key, true), out,
                     [&](const Node& n) { return ReadInt64(n, bounds); });
}

bool MapReader::OptionalInt64(absl::string_view key, int64_t* out,
                              IntBounds bounds) {
  return ConvertInto(*this, key, Fetch(key, false), out,
                     [&](const Node& n) { return ReadInt64(n, bounds); });
}

bool MapReader::RequiredBool(absl::string_view key, bool* out) {
  return ConvertInto(*this, key, Fetch(key, true), out, ReadBool);
}

bool MapReader::OptionalBool(absl::string_view key, bool* out) {
  return ConvertInto(*this, key, Fetch(key, false), out, ReadBool);
}

bool MapReader::RequiredDuration(absl::string_view key, absl::Duration* out,
                                 DurationBounds bounds) {
  return ConvertInto(*this, key, Fetch(key, true), out,
                     [&](const Node& n) { return ReadDuration(n, bounds); });
}

bool MapReader::OptionalDuration(absl::string_view key, absl::Duration* out,
                                 DurationBounds bounds) {
  return ConvertInto(*this, key, Fetch(key, false), out,
                     [&](const Node& n) { return ReadDuration(n, bounds); });
}

bool MapReader::OptionalStringList(absl::string_view key,
                                   std::vector<std::string>* out) {
  std::vector<std::string> values;
  bool all_good = true;
  bool present = Sequence(key, /*required=*/false,
                          [&](const Node& item, const std::string& item_path) {
                            absl::StatusOr<std::string> s = ReadString(item);
                            if (s.ok()) {
                              values.push_back(*std::move(s));
                            } else {
                              all_good = false;
                              errors_->Add(item.line > 0 ? item.line : line_,
                                           item_path, s.status().message());
                            }
                          });
  if (!present) return false;
  *out = std::move(values);
  return all_good;
}

bool MapReader::SubMap(absl::string_view key, bool required,
                       absl::FunctionRef<void(MapReader&)> read) {
  const Node* value = Fetch(key, required);
  if (value == nullptr) return false;
  if (!value->IsMap() && !value->IsNull()) {
    AddError(key, absl::StrCat("expected a map of keys, got a ",
                               value->KindName()));
    return false;
  }
  MapReader child(*value, PathOf(key), errors_);
  read(child);
  child.Finish();
  return true;
}

bool MapReader::RequiredMap(absl::string_view key,
                            absl::FunctionRef<void(MapReader&)> read) {
  return SubMap(key, true, read);
}

bool MapReader::OptionalMap(absl::string_view key,
                            absl::FunctionRef<void(MapReader&)> read) {
  return SubMap(key, false, read);
}

bool MapReader::Sequence(absl::string_view key, bool required,
                         ItemReader read) {
  const Node* value = Fetch(key, required);
  if (value == nullptr) return false;
  if (value->IsNull()) return true;
  if (!value->IsSequence()) {
    AddError(key, absl::StrCat("expected a sequence (a list of '- ' items), "
                               "got a ",
                               value->KindName()));
    return false;
  }
  std::string base = PathOf(key);
  for (size_t i = 0; i < value->items.size(); ++i) {
    read(value->items[i], absl::StrCat(base, "[", i, "]"));
  }
  return true;
}

bool MapReader::RequiredSequence(absl::string_view key, ItemReader read) {
  return Sequence(key, true, read);
}

bool MapReader::OptionalSequence(absl::string_view key, ItemReader read) {
  return Sequence(key, false, read);
}

void MapReader::AddError(absl::string_view key, absl::string_view message) {
  errors_->Add(LineOf(key), PathOf(key), message);
}

void MapReader::AddMapError(absl::string_view message) {
  errors_->Add(line_, path_, message);
}

bool MapReader::Finish() {
  if (!is_map_) return true;
  bool clean = true;
  for (size_t i = 0; i < node_.entries.size(); ++i) {
    if (read_[i]) continue;
    clean = false;
    const auto& [key, value] = node_.entries[i];
    std::string where =
        path_.empty() ? "at the top level" : absl::StrCat("in '", path_, "'");
    std::string allowed =
        allowed_.empty()
            ? "no keys are allowed here"
            : absl::StrCat("allowed: ", absl::StrJoin(allowed_, ", "));
    errors_->Add(value.BlameLine() > 0 ? value.BlameLine() : line_, "",
                 absl::StrCat("unknown key '", key, "' ", where, " (",
                              allowed, ")"));
  }
  return clean;
}

}  // namespace riposte::yaml
