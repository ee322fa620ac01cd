#ifndef RIPOSTE_YAML_MAP_READER_H_
#define RIPOSTE_YAML_MAP_READER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "yaml/error_list.h"
#include "yaml/scalar.h"
#include "yaml/yaml_document.h"

namespace riposte::yaml {

// Reads one YAML map into typed fields, for config-like documents (server
// config, policies), and reports every problem with file, line and dotted
// field path into a shared ErrorList instead of stopping at the first.
//
// Usage: construct over a map node, call a getter for every key the map may
// hold (present or not), then Finish(), which reports the keys nobody asked
// for as unknown. Getters write to `*out` only when the key is present and
// valid, so fields keep their defaults otherwise, and return whether they
// wrote. Sub-maps are read through a callback so their Finish() cannot be
// forgotten.
//
//   yaml::ErrorList errors(filename);
//   yaml::MapReader root(doc, "", &errors);
//   root.OptionalMap("store", [&](yaml::MapReader& store) {
//     store.OptionalString("engine", &config.engine);
//   });
//   root.Finish();
//   RIPOSTE_RETURN_IF_ERROR(errors.ToStatus());
//
// A null node (an empty document, or "store:" with nothing under it) reads
// as an empty map. Any other non-map node is reported once, at construction,
// and then reads as empty.
//
// Not thread-safe. `node` and `errors` must outlive the reader.
class MapReader {
 public:
  // `path` is the dotted path of `node` ("" for the document root,
  // "store.sqlite", "tenants[0]"); keys are appended to it in messages.
  MapReader(const Node& node, std::string path, ErrorList* errors);

  MapReader(const MapReader&) = delete;
  MapReader& operator=(const MapReader&) = delete;

  // Reads `node` as a map at `path`, runs `read` on it and then Finish().
  // For maps that are not under a key, e.g. sequence items. Returns false if
  // `node` is neither a map nor null (reported as an error).
  static bool ReadMap(const Node& node, std::string path, ErrorList* errors,
                      absl::FunctionRef<void(MapReader&)> read);

  const std::string& path() const { return path_; }
  ErrorList* errors() const { return errors_; }

  // `path().key`, or `key` at the root.
  std::string PathOf(absl::string_view key) const;

  // The line of this map: its key's line when it is a map value.
  int line() const { return line_; }

  // The line of `key` if present, else line().
  int LineOf(absl::string_view key) const;

  // Declares `key` as allowed and returns its value (nullptr if absent),
  // marking it read. For fields with a shape of their own.
  const Node* Get(absl::string_view key);

  // Declares `key` as allowed; true if it is present.
  bool Has(absl::string_view key);

  // Scalars. Required* report "path.key: required key is missing" (at the
  // map's line) when absent. Wrong values are reported at the key's line.
  bool RequiredString(absl::string_view key, std::string* out);
  bool OptionalString(absl::string_view key, std::string* out);
  bool RequiredInt64(absl::string_view key, int64_t* out,
                     IntBounds bounds = IntBounds::Any());
  bool OptionalInt64(absl::string_view key, int64_t* out,
                     IntBounds bounds = IntBounds::Any());
  bool RequiredBool(absl::string_view key, bool* out);
  bool OptionalBool(absl::string_view key, bool* out);
  bool RequiredDuration(absl::string_view key, absl::Duration* out,
                        DurationBounds bounds = DurationBounds::NonNegative());
  bool OptionalDuration(absl::string_view key, absl::Duration* out,
                        DurationBounds bounds = DurationBounds::NonNegative());

  // A sequence of strings. Bad items are reported one by one
  // ("path.key[2]: ..."); `*out` receives the good ones.
  bool OptionalStringList(absl::string_view key, std::vector<std::string>* out);

  // Sub-map: runs `read` on a reader for the value, then its Finish(). A
  // null value reads as an empty map. Returns true if the key is present and
  // is a map (or null).
  bool RequiredMap(absl::string_view key,
                   absl::FunctionRef<void(MapReader&)> read);
  bool OptionalMap(absl::string_view key,
                   absl::FunctionRef<void(MapReader&)> read);

  // Sequence: runs `read` on every item with its path ("path.key[3]"). A
  // null value reads as an empty sequence. Returns true if the key is
  // present and is a sequence (or null).
  using ItemReader =
      absl::FunctionRef<void(const Node& item, const std::string& item_path)>;
  bool RequiredSequence(absl::string_view key, ItemReader read);
  bool OptionalSequence(absl::string_view key, ItemReader read);

  // Reports a problem with `key`'s value (at LineOf(key), path PathOf(key)),
  // for checks the caller makes on top of the typed getters.
  void AddError(absl::string_view key, absl::string_view message);

  // Reports a problem with the map itself (at line(), path path()).
  void AddMapError(absl::string_view message);

  // Reports every key present but never asked for:
  // "file:line: unknown key 'foo' in 'store' (allowed: a, b, c)". Returns
  // true if there were none. Call once, after all getters.
  bool Finish();

 private:
  // Declares `key`; returns its entry index in node_.entries or -1.
  int Lookup(absl::string_view key);

  // Finds `key` for a getter; reports it missing when `required`.
  const Node* Fetch(absl::string_view key, bool required);

  bool ReportIfError(absl::string_view key, const absl::Status& status);

  bool SubMap(absl::string_view key, bool required,
              absl::FunctionRef<void(MapReader&)> read);
  bool Sequence(absl::string_view key, bool required, ItemReader read);

  const Node& node_;
  std::string path_;
  ErrorList* errors_;
  int line_;
  bool is_map_;
  std::vector<bool> read_;           // parallel to node_.entries
  std::vector<std::string> allowed_;  // declared keys, first-use order
};

}  // namespace riposte::yaml

#endif  // RIPOSTE_YAML_MAP_READER_H_
