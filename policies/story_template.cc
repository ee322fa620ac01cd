#include "policies/story_template.h"

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/descriptor.h"
#include "riposte/v1/breach.pb.h"

namespace riposte::policies {
namespace {

// Words that make a key secret wherever they appear in one of its parts.
constexpr absl::string_view kSecretWords[] = {
    "password", "passwd",        "passphrase", "secret",     "token",
    "apikey",   "authorization", "cookie",     "credential", "bearer"};

// Parts that are secret only as a whole word ("key", not "keyword").
constexpr absl::string_view kSecretParts[] = {"key", "keys", "pwd", "pass",
                                              "otp", "jwt",  "sas"};

bool IsContinuationByte(char c) {
  return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
}

// The code point starting at byte `i` if it is a control character (C0,
// DEL or C1), else -1.
int ControlAt(absl::string_view text, size_t i) {
  unsigned char c = static_cast<unsigned char>(text[i]);
  if (c < 0x20 || c == 0x7F) return c;
  if (c == 0xC2 && i + 1 < text.size()) {
    unsigned char next = static_cast<unsigned char>(text[i + 1]);
    if (next >= 0x80 && next <= 0x9F) return next;
  }
  return -1;
}

class Parser {
 public:
  explicit Parser(absl::string_view text) : text_(text) {}

  absl::StatusOr<StoryTemplate> Run() {
    if (absl::StripAsciiWhitespace(text_).empty()) {
      return absl::InvalidArgumentError(
          "must not be empty: write the sentence an analyst should read "
          "first, e.g. \"{subject} signed in from {src_endpoint.ip}\"");
    }
    int chars = Position(text_.size()) - 1;
    if (chars > kMaxStoryTemplateChars) {
      return absl::InvalidArgumentError(
          absl::StrCat("is ", chars, " characters long; keep a story under ",
                       kMaxStoryTemplateChars,
                       " characters (one sentence read in seconds)"));
    }
    for (size_t i = 0; i < text_.size(); ++i) {
      if (int c = ControlAt(text_, i); c >= 0) {
        return absl::InvalidArgumentError(
            absl::StrFormat("control character U+%04X at character %d; a "
                            "story is one line of plain text",
                            c, Position(i)));
      }
    }
    size_t i = 0;
    while (i < text_.size()) {
      absl::StatusOr<size_t> next = Step(i);
      if (!next.ok()) return next.status();
      i = *next;
    }
    if (optional_start_ != absl::string_view::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat("'[' at character ", Position(optional_start_),
                       " is never closed (write '[[' for a literal "
                       "bracket)"));
    }
    CloseSegment();
    return std::move(out_);
  }

 private:
  // 1-based character (code point) position of byte `byte`.
  int Position(size_t byte) const {
    int position = 1;
    for (size_t i = 0; i < byte && i < text_.size(); ++i) {
      if (!IsContinuationByte(text_[i])) ++position;
    }
    return position;
  }

  bool Doubled(size_t i) const {
    return i + 1 < text_.size() && text_[i + 1] == text_[i];
  }

  bool InOptional() const { return optional_start_ != absl::string_view::npos; }

  // Reads what starts at byte `i`; returns where the next piece starts.
  absl::StatusOr<size_t> Step(size_t i) {
    const char c = text_[i];
    switch (c) {
      case '{':
        if (Doubled(i)) return Literal(i, 2);
        return Placeholder(i);
      case '}':
        if (Doubled(i)) return Literal(i, 2);
        return absl::InvalidArgumentError(
            absl::StrCat("'}' at character ", Position(i),
                         " closes nothing (write '}}' for a "
                         "literal brace)"));
      case '[':
        if (Doubled(i)) return Literal(i, 2);
        if (InOptional()) {
          return absl::InvalidArgumentError(absl::StrCat(
              "'[' at character ", Position(i),
              " is inside the optional part opened "
              "at character ",
              Position(optional_start_), "; optional parts do not nest"));
        }
        CloseSegment();
        segment_.optional = true;
        optional_start_ = i;
        return i + 1;
      case ']':
        if (Doubled(i)) return Literal(i, 2);
        if (!InOptional()) {
          return absl::InvalidArgumentError(
              absl::StrCat("']' at character ", Position(i),
                           " closes nothing (write ']]' for a "
                           "literal bracket)"));
        }
        return CloseOptional(i);
      case '|':
        if (!InOptional()) return Literal(i, 1);
        if (Doubled(i)) return Literal(i, 2);
        if (segment_.has_fallback) {
          return absl::InvalidArgumentError(
              absl::StrCat("second '|' at character ", Position(i),
                           " in the optional part opened at "
                           "character ",
                           Position(optional_start_),
                           "; it has one fallback (write '||' for "
                           "a literal '|')"));
        }
        FlushLiteral();
        segment_.has_fallback = true;
        return i + 1;
      default:
        return Literal(i, 1);
    }
  }

  // Appends the character at `i` (escaped by doubling when `width` is 2).
  size_t Literal(size_t i, size_t width) {
    literal_.push_back(text_[i]);
    return i + width;
  }

  void FlushLiteral() {
    if (literal_.empty()) return;
    if (segment_.has_fallback) {
      segment_.fallback += literal_;
    } else {
      StoryPart part;
      part.text = std::move(literal_);
      segment_.parts.push_back(std::move(part));
    }
    literal_.clear();
  }

  void CloseSegment() {
    FlushLiteral();
    if (!segment_.parts.empty() || segment_.has_fallback) {
      out_.segments.push_back(std::move(segment_));
    }
    segment_ = StorySegment();
  }

  absl::StatusOr<size_t> CloseOptional(size_t i) {
    FlushLiteral();
    bool has_placeholder = false;
    for (const StoryPart& part : segment_.parts) {
      has_placeholder = has_placeholder || !part.key.empty();
    }
    if (!has_placeholder) {
      return absl::InvalidArgumentError(absl::StrCat(
          "the optional part at character ", Position(optional_start_),
          " holds no placeholder, so nothing could "
          "ever drop it; remove the brackets"));
    }
    out_.segments.push_back(std::move(segment_));
    segment_ = StorySegment();
    optional_start_ = absl::string_view::npos;
    return i + 1;
  }

  absl::StatusOr<size_t> Placeholder(size_t open) {
    if (segment_.has_fallback) {
      return absl::InvalidArgumentError(
          absl::StrCat("'{' at character ", Position(open),
                       ": the fallback of an optional part is "
                       "plain text (write '{{' for a literal "
                       "brace)"));
    }
    size_t close = open + 1;
    size_t bar = absl::string_view::npos;
    for (; close < text_.size() && text_[close] != '}'; ++close) {
      const char c = text_[close];
      if (c == '{' || c == '[' || c == ']') {
        return absl::InvalidArgumentError(
            absl::StrCat("unexpected '", std::string(1, c), "' at character ",
                         Position(close),
                         " inside the placeholder opened at "
                         "character ",
                         Position(open)));
      }
      if (c != '|') continue;
      if (bar != absl::string_view::npos) {
        return absl::InvalidArgumentError(
            absl::StrCat("second '|' at character ", Position(close),
                         " in the placeholder opened at "
                         "character ",
                         Position(open), "; a placeholder has one fallback"));
      }
      bar = close;
    }
    if (close >= text_.size()) {
      return absl::InvalidArgumentError(
          absl::StrCat("'{' at character ", Position(open),
                       " is never closed (write '{{' for a "
                       "literal brace)"));
    }
    absl::string_view inner = text_.substr(open + 1, close - open - 1);
    StoryPart part;
    if (bar != absl::string_view::npos) {
      part.key = std::string(inner.substr(0, bar - open - 1));
      part.has_fallback = true;
      part.fallback = std::string(inner.substr(bar - open));
    } else {
      part.key = std::string(inner);
    }
    if (part.key.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("empty placeholder at character ", Position(open),
                       ": name an evidence key or entity "
                       "field, e.g. {src_endpoint.ip}"));
    }
    if (!IsWellFormedStoryKey(part.key)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "placeholder at character ", Position(open), ": '", part.key,
          "' is not a key (letters, digits and '_', in "
          "parts separated by '.', e.g. "
          "src_endpoint.ip)"));
    }
    FlushLiteral();
    segment_.parts.push_back(std::move(part));
    return close + 1;
  }

  absl::string_view text_;
  StoryTemplate out_;
  StorySegment segment_;
  std::string literal_;
  size_t optional_start_ = absl::string_view::npos;
};

// "subject.<kind>.<field>" for every text field of every entity kind.
std::vector<std::string> EntityKeys() {
  std::vector<std::string> keys = {"subject"};
  const google::protobuf::Descriptor* entity = v1::Entity::descriptor();
  for (int k = 0; k < entity->field_count(); ++k) {
    const google::protobuf::FieldDescriptor* kind = entity->field(k);
    if (kind->message_type() == nullptr) continue;
    const google::protobuf::Descriptor* message = kind->message_type();
    for (int f = 0; f < message->field_count(); ++f) {
      const google::protobuf::FieldDescriptor* field = message->field(f);
      if (field->is_repeated() ||
          field->type() != google::protobuf::FieldDescriptor::TYPE_STRING) {
        continue;
      }
      keys.push_back(
          absl::StrCat("subject.", kind->name(), ".", field->name()));
    }
  }
  for (const char* key :
       {"email.subject", "email.from", "email.message_uid", "file.name"}) {
    keys.push_back(key);
  }
  return keys;
}

}  // namespace

std::vector<std::string> StoryTemplate::Keys() const {
  std::vector<std::string> keys;
  for (const StorySegment& segment : segments) {
    for (const StoryPart& part : segment.parts) {
      if (!part.key.empty()) keys.push_back(part.key);
    }
  }
  return keys;
}

absl::StatusOr<StoryTemplate> ParseStoryTemplate(absl::string_view text) {
  return Parser(text).Run();
}

bool IsWellFormedStoryKey(absl::string_view key) {
  if (key.empty()) return false;
  for (absl::string_view part : absl::StrSplit(key, '.')) {
    if (part.empty()) return false;
    for (char c : part) {
      if (!absl::ascii_isalnum(c) && c != '_') return false;
    }
  }
  return true;
}

bool LooksSecret(absl::string_view key) {
  const std::string lower = absl::AsciiStrToLower(key);
  for (absl::string_view word : kSecretWords) {
    if (absl::StrContains(lower, word)) return true;
  }
  for (absl::string_view part : absl::StrSplit(lower, absl::ByAnyChar("._-"))) {
    for (absl::string_view secret : kSecretParts) {
      if (part == secret) return true;
    }
    // "accesskey", "privatekey": a compound ending in "key".
    if (part.size() > 3 && absl::EndsWith(part, "key")) return true;
  }
  return false;
}

const std::vector<std::string>& StoryEntityKeys() {
  static const auto* const kKeys = new std::vector<std::string>(EntityKeys());
  return *kKeys;
}

std::string StoryKeyProblem(absl::string_view key) {
  if (LooksSecret(key)) {
    return absl::StrCat(
        "'", key,
        "' looks like a secret (password, secret, token, key, "
        "authorization, cookie, credential, ...); Riposte never renders "
        "secrets");
  }
  if (key != "subject" && !absl::StartsWith(key, "subject.")) return "";
  for (const std::string& known : StoryEntityKeys()) {
    if (known == key) return "";
  }
  std::vector<std::string> subject_keys;
  for (const std::string& known : StoryEntityKeys()) {
    if (known == "subject" || absl::StartsWith(known, "subject.")) {
      subject_keys.push_back(known);
    }
  }
  return absl::StrCat("unknown entity field '", key,
                      "' (known: ", absl::StrJoin(subject_keys, ", "), ")");
}

}  // namespace riposte::policies
