#ifndef RIPOSTE_YAML_YAML_DOCUMENT_H_
#define RIPOSTE_YAML_YAML_DOCUMENT_H_

// Riposte's own YAML tree, and the only place that talks to yaml-cpp.
//
// yaml-cpp throws; nothing outside this target includes its headers, so its
// exceptions never cross a module boundary. Everything else (config, policy)
// reads the plain `Node` tree below, which keeps every node's position so
// later errors can name file and line.

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace riposte::yaml {

// One YAML node. Tags are ignored: every scalar is kept as its text, and
// typed interpretation (integers, durations...) is left to the reader (see
// map_reader.h), which can then say exactly what was wrong and where.
//
// Aliases are expanded: an alias becomes a copy of the anchored node, with
// the positions of the anchored node (where the content is written).
struct Node {
  enum class Kind { kNull, kScalar, kSequence, kMap };

  Kind kind = Kind::kNull;
  std::string scalar;                                 // for kScalar
  std::vector<Node> items;                            // for kSequence
  std::vector<std::pair<std::string, Node>> entries;  // for kMap, file order
  int line = 0;    // 1-based; 0 if unknown
  int column = 0;  // 1-based; 0 if unknown
  // For a value inside a map: where its key is (1-based), 0 otherwise. Errors
  // about a map entry read best at the key ("store:" rather than the first
  // line of the nested map). A null map value ("key:" with nothing after it)
  // has line/column equal to its key's.
  int key_line = 0;
  int key_column = 0;

  bool IsNull() const { return kind == Kind::kNull; }
  bool IsScalar() const { return kind == Kind::kScalar; }
  bool IsSequence() const { return kind == Kind::kSequence; }
  bool IsMap() const { return kind == Kind::kMap; }

  // The value under `key` in a map, or nullptr if absent or not a map. Keys
  // are unique (Parse rejects duplicates).
  const Node* Find(absl::string_view key) const;

  // The line to blame for this node: its key's line if it is a map value,
  // else its own line.
  int BlameLine() const { return key_line > 0 ? key_line : line; }

  // "null", "scalar", "sequence" or "map", for error messages.
  absl::string_view KindName() const;
};

// Returns "null", "scalar", "sequence" or "map".
absl::string_view KindName(Node::Kind kind);

// Parses one YAML document. `filename` is only used in error messages.
// Empty input (or only comments) gives a kNull node at line 1.
//
// Returns InvalidArgument with one line per problem, each
// "filename:line:column: message", for: YAML syntax errors; duplicate keys in
// a map (naming both lines); map keys that are not scalars; more than one
// document in the text; undefined or recursive aliases; alias expansion past
// an internal node limit (a "billion laughs" guard).
absl::StatusOr<Node> Parse(absl::string_view text, absl::string_view filename);

// Reads `path` and parses it, naming `path` in messages.
// Returns NotFound if the file does not exist, PermissionDenied if it cannot
// be read for lack of permission, InvalidArgument if it is a directory, too
// large (over 16 MiB) or not valid YAML (see Parse), Unavailable for other
// I/O errors. Every message names the path.
absl::StatusOr<Node> ParseFile(const std::string& path);

}  // namespace riposte::yaml

#endif  // RIPOSTE_YAML_YAML_DOCUMENT_H_
