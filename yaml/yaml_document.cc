#include "yaml/yaml_document.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <exception>
#include <map>
#include <sstream>
#include <unordered_map>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "yaml-cpp/eventhandler.h"
#include "yaml-cpp/exceptions.h"
#include "yaml-cpp/mark.h"
#include "yaml-cpp/parser.h"

namespace riposte::yaml {
namespace {

// Guards against alias bombs ("billion laughs"): a few hundred bytes of
// anchors can otherwise expand into gigabytes of tree.
constexpr size_t kMaxNodes = 500000;

constexpr off_t kMaxFileBytes = 16 * 1024 * 1024;

size_t CountNodes(const Node& node) {
  size_t n = 1;
  for (const Node& item : node.items) n += CountNodes(item);
  for (const auto& entry : node.entries) n += CountNodes(entry.second);
  return n;
}

// Builds a Node tree from yaml-cpp's parse events. It never throws: problems
// that are not syntax errors (duplicate keys, non-scalar keys...) are
// collected so that one run reports all of them.
class TreeBuilder final : public YAML::EventHandler {
 public:
  explicit TreeBuilder(absl::string_view filename) : filename_(filename) {}

  const std::vector<std::string>& errors() const { return errors_; }

  void AddError(const YAML::Mark& mark, absl::string_view message) {
    if (mark.is_null()) {
      errors_.push_back(absl::StrCat(filename_, ": ", message));
    } else {
      errors_.push_back(absl::StrCat(filename_, ":", mark.line + 1, ":",
                                     mark.column + 1, ": ", message));
    }
  }

  // The document's root; a kNull node at 1:1 for an empty stream.
  Node TakeRoot() {
    if (!has_root_) {
      Node empty;
      empty.line = 1;
      empty.column = 1;
      return empty;
    }
    return std::move(root_);
  }

  void OnDocumentStart(const YAML::Mark& mark) override {
    if (stopped_) return;
    if (++documents_ > 1) {
      AddError(mark,
               "expected a single YAML document, found another one (remove "
               "the '---' separator)");
      stopped_ = true;
    }
  }

  void OnDocumentEnd() override {}

  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    if (stopped_) return;
    Complete(NewNode(Node::Kind::kNull, mark), anchor);
  }

  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    if (stopped_) return;
    auto it = anchors_.find(anchor);
    if (it == anchors_.end()) {
      // yaml-cpp rejects undefined aliases itself, so this one names an
      // anchor whose node is still open: the alias is inside its own anchor.
      AddError(mark, "alias refers to a node that contains it (recursive alias)");
      Place(NewNode(Node::Kind::kNull, mark));
      return;
    }
    node_count_ += it->second.node_count;
    if (CheckNodeLimit(mark)) Place(it->second.node);
  }

  void OnScalar(const YAML::Mark& mark, const std::string& /*tag*/,
                YAML::anchor_t anchor, const std::string& value) override {
    if (stopped_) return;
    Node node = NewNode(Node::Kind::kScalar, mark);
    node.scalar = value;
    Complete(std::move(node), anchor);
  }

  void OnSequenceStart(const YAML::Mark& mark, const std::string& /*tag*/,
                       YAML::anchor_t anchor,
                       YAML::EmitterStyle::value /*style*/) override {
    if (stopped_) return;
    stack_.push_back(Frame{NewNode(Node::Kind::kSequence, mark), anchor});
  }

  void OnSequenceEnd() override { EndCollection(); }

  void OnMapStart(const YAML::Mark& mark, const std::string& /*tag*/,
                  YAML::anchor_t anchor,
                  YAML::EmitterStyle::value /*style*/) override {
    if (stopped_) return;
    stack_.push_back(Frame{NewNode(Node::Kind::kMap, mark), anchor});
  }

  void OnMapEnd() override { EndCollection(); }

 private:
  struct Frame {
    Node node;
    YAML::anchor_t anchor = YAML::NullAnchor;
    // Maps only: the key waiting for its value, and the line of every key
    // seen so far (for duplicate detection).
    bool has_key = false;
    Node key;
    std::unordered_map<std::string, int> key_lines;
  };

  struct Anchored {
    Node node;
    size_t node_count = 0;
  };

  Node NewNode(Node::Kind kind, const YAML::Mark& mark) {
    ++node_count_;
    CheckNodeLimit(mark);
    Node node;
    node.kind = kind;
    if (!mark.is_null()) {
      node.line = mark.line + 1;
      node.column = mark.column + 1;
    }
    return node;
  }

  // Returns false (and stops building) once the tree is too large.
  bool CheckNodeLimit(const YAML::Mark& mark) {
    if (node_count_ <= kMaxNodes || stopped_) return !stopped_;
    AddError(mark, absl::StrCat("document too large: more than ", kMaxNodes,
                                " nodes after expanding aliases"));
    stopped_ = true;
    return false;
  }

  void EndCollection() {
    if (stopped_ || stack_.empty()) return;
    Frame frame = std::move(stack_.back());
    stack_.pop_back();
    Complete(std::move(frame.node), frame.anchor);
  }

  // A node is finished: remember it for aliases, then attach it.
  void Complete(Node node, YAML::anchor_t anchor) {
    if (stopped_) return;
    if (anchor != YAML::NullAnchor) {
      anchors_[anchor] = Anchored{node, CountNodes(node)};
    }
    Place(std::move(node));
  }

  void Place(Node node) {
    if (stopped_) return;
    if (stack_.empty()) {
      root_ = std::move(node);
      has_root_ = true;
      return;
    }
    Frame& top = stack_.back();
    if (top.node.kind == Node::Kind::kSequence) {
      top.node.items.push_back(std::move(node));
      return;
    }
    if (!top.has_key) {
      top.key = std::move(node);
      top.has_key = true;
      return;
    }
    top.has_key = false;
    Node key = std::move(top.key);
    YAML::Mark key_mark;
    key_mark.line = key.line - 1;
    key_mark.column = key.column - 1;
    if (key.kind != Node::Kind::kScalar) {
      AddError(key_mark, absl::StrCat("map key must be a scalar, got a ",
                                      key.KindName()));
      return;
    }
    auto [it, inserted] = top.key_lines.emplace(key.scalar, key.line);
    if (!inserted) {
      AddError(key_mark, absl::StrCat("duplicate key '", key.scalar,
                                      "' (first defined at line ", it->second,
                                      ")"));
      return;
    }
    node.key_line = key.line;
    node.key_column = key.column;
    if (node.kind == Node::Kind::kNull) {
      // yaml-cpp places an empty value at the next token, often on a later
      // line; the key is where the reader should look.
      node.line = key.line;
      node.column = key.column;
    }
    top.node.entries.emplace_back(std::move(key.scalar), std::move(node));
  }

  std::string filename_;
  std::vector<std::string> errors_;
  std::vector<Frame> stack_;
  std::map<YAML::anchor_t, Anchored> anchors_;
  Node root_;
  bool has_root_ = false;
  int documents_ = 0;
  size_t node_count_ = 0;
  bool stopped_ = false;
};

std::string ExceptionMessage(absl::string_view filename,
                             const YAML::Exception& e) {
  if (e.mark.is_null()) return absl::StrCat(filename, ": ", e.msg);
  return absl::StrCat(filename, ":", e.mark.line + 1, ":", e.mark.column + 1,
                      ": ", e.msg);
}

}  // namespace

absl::string_view KindName(Node::Kind kind) {
  switch (kind) {
    case Node::Kind::kNull:
      return "null";
    case Node::Kind::kScalar:
      return "scalar";
    case Node::Kind::kSequence:
      return "sequence";
    case Node::Kind::kMap:
      return "map";
  }
  return "unknown";
}

absl::string_view Node::KindName() const { return yaml::KindName(kind); }

const Node* Node::Find(absl::string_view key) const {
  for (const auto& entry : entries) {
    if (entry.first == key) return &entry.second;
  }
  return nullptr;
}

absl::StatusOr<Node> Parse(absl::string_view text, absl::string_view filename) {
  std::istringstream in{std::string(text)};
  TreeBuilder builder(filename);
  std::vector<std::string> errors;
  try {
    YAML::Parser parser(in);
    // The second call only looks for a further document, which the builder
    // reports as an error.
    if (parser.HandleNextDocument(builder)) parser.HandleNextDocument(builder);
  } catch (const YAML::Exception& e) {
    errors = builder.errors();
    errors.push_back(ExceptionMessage(filename, e));
    return absl::InvalidArgumentError(absl::StrJoin(errors, "\n"));
  } catch (const std::exception& e) {
    // yaml-cpp documents only YAML::Exception; anything else is still ours
    // to stop here rather than let it escape.
    errors = builder.errors();
    errors.push_back(absl::StrCat(filename, ": YAML parser failed: ", e.what()));
    return absl::InvalidArgumentError(absl::StrJoin(errors, "\n"));
  }
  if (!builder.errors().empty()) {
    return absl::InvalidArgumentError(absl::StrJoin(builder.errors(), "\n"));
  }
  return builder.TakeRoot();
}

absl::StatusOr<Node> ParseFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    std::string message =
        absl::StrCat("cannot open '", path, "': ", std::strerror(err));
    if (err == ENOENT || err == ENOTDIR) return absl::NotFoundError(message);
    if (err == EACCES || err == EPERM) {
      return absl::PermissionDeniedError(message);
    }
    return absl::UnavailableError(message);
  }
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    int err = errno;
    ::close(fd);
    return absl::UnavailableError(
        absl::StrCat("cannot stat '", path, "': ", std::strerror(err)));
  }
  if (S_ISDIR(st.st_mode)) {
    ::close(fd);
    return absl::InvalidArgumentError(
        absl::StrCat("'", path, "' is a directory, expected a YAML file"));
  }
  if (st.st_size > kMaxFileBytes) {
    ::close(fd);
    return absl::InvalidArgumentError(
        absl::StrCat("'", path, "' is too large (", st.st_size,
                     " bytes, limit ", kMaxFileBytes, ")"));
  }
  std::string text;
  char buffer[8192];
  while (true) {
    ssize_t n = ::read(fd, buffer, sizeof(buffer));
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      return absl::UnavailableError(
          absl::StrCat("cannot read '", path, "': ", std::strerror(err)));
    }
    if (n == 0) break;
    text.append(buffer, static_cast<size_t>(n));
    if (text.size() > static_cast<size_t>(kMaxFileBytes)) {
      ::close(fd);
      return absl::InvalidArgumentError(
          absl::StrCat("'", path, "' is too large (limit ", kMaxFileBytes,
                       " bytes)"));
    }
  }
  ::close(fd);
  return Parse(text, path);
}

}  // namespace riposte::yaml
