#include "policies/story.h"

#include <algorithm>
#include <tuple>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"

namespace riposte::policies {
namespace {

constexpr char32_t kReplacement = 0xFFFD;

// Last key parts whose integers are identifiers, not amounts: "8080", not
// "8,080".
constexpr absl::string_view kIdentifierParts[] = {"id",   "uid",    "pid",
                                                  "port", "number", "code"};

// Decodes the code point at `*i` and advances past it; each byte that does
// not start well-formed UTF-8 is one replacement character.
char32_t NextCodePoint(absl::string_view s, size_t* i) {
  const unsigned char lead = static_cast<unsigned char>(s[*i]);
  int length = lead < 0x80           ? 1
               : (lead >> 5) == 0x6  ? 2
               : (lead >> 4) == 0xE  ? 3
               : (lead >> 3) == 0x1E ? 4
                                     : 0;
  if (length == 0 || *i + length > s.size()) {
    ++*i;
    return lead < 0x80 ? lead : kReplacement;
  }
  char32_t cp = length == 1 ? lead : lead & (0x7F >> length);
  for (int k = 1; k < length; ++k) {
    const unsigned char c = static_cast<unsigned char>(s[*i + k]);
    if ((c & 0xC0) != 0x80) {
      ++*i;
      return kReplacement;
    }
    cp = (cp << 6) | (c & 0x3F);
  }
  // Overlong forms, UTF-16 surrogates and values past Unicode are not text.
  static constexpr char32_t kSmallest[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kSmallest[length] || (cp >= 0xD800 && cp <= 0xDFFF) ||
      cp > 0x10FFFF) {
    ++*i;
    return kReplacement;
  }
  *i += length;
  return cp;
}

void AppendUtf8(char32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

bool IsSpaceLike(char32_t cp) {
  return cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F) || cp == 0xA0 ||
         cp == 0x2028 || cp == 0x2029 || (cp >= 0x2000 && cp <= 0x200A) ||
         cp == 0x3000;
}

// Invisible characters that reorder or hide text ("Trojan Source").
bool IsInvisible(char32_t cp) {
  return (cp >= 0x200B && cp <= 0x200F) || (cp >= 0x202A && cp <= 0x202E) ||
         (cp >= 0x2060 && cp <= 0x2069) || cp == 0xFEFF;
}

// Skips an escape sequence whose ESC is at `*i - 1`: CSI ("ESC [ 31 m"),
// OSC ("ESC ] ... BEL" or "... ESC \") or a two-character escape.
void SkipEscape(absl::string_view s, size_t* i) {
  if (*i >= s.size()) return;
  const char kind = s[*i];
  if (kind == '[') {
    ++*i;
    while (*i < s.size() && s[*i] >= 0x20 && s[*i] <= 0x3F) ++*i;
    if (*i < s.size() && s[*i] >= 0x40 && s[*i] <= 0x7E) ++*i;
  } else if (kind == ']') {
    while (*i < s.size() && s[*i] != '\a' && s[*i] != '\x1b') ++*i;
    if (*i < s.size() && s[*i] == '\a') ++*i;
  } else if (kind >= 0x40 && kind <= 0x5F) {
    ++*i;
  }
}

// One line of printable text: escapes and invisible characters dropped,
// controls and other spaces made one space, trimmed.
std::string Sanitize(absl::string_view raw) {
  std::string out;
  bool space = false;
  size_t i = 0;
  while (i < raw.size()) {
    char32_t cp = NextCodePoint(raw, &i);
    if (cp == 0x1B) {
      SkipEscape(raw, &i);
      continue;
    }
    if (IsInvisible(cp)) continue;
    if (IsSpaceLike(cp) || cp == ' ') {
      space = !out.empty();
      continue;
    }
    if (space) out.push_back(' ');
    space = false;
    AppendUtf8(cp, &out);
  }
  return out;
}

// Values that are credentials whatever their key says.
bool LooksLikeCredential(absl::string_view value) {
  const std::string lower = absl::AsciiStrToLower(value.substr(0, 16));
  for (absl::string_view scheme : {"bearer ", "basic ", "negotiate "}) {
    if (absl::StartsWith(lower, scheme)) return true;
  }
  if (absl::StrContains(value, "-----BEGIN")) return true;
  // A JSON Web Token: base64url header '{"...' and three dot-separated parts.
  return absl::StartsWith(value, "eyJ") &&
         std::count(value.begin(), value.end(), '.') == 2;
}

// "2300" -> "2,300"; anything else unchanged.
std::string GroupThousands(std::string value, absl::string_view key) {
  absl::string_view last = key.substr(key.rfind('.') + 1);
  for (absl::string_view id : kIdentifierParts) {
    if (last == id || absl::EndsWith(last, absl::StrCat("_", id))) {
      return value;
    }
  }
  absl::string_view digits = value;
  const bool negative = absl::ConsumePrefix(&digits, "-");
  if (digits.empty() || digits.size() > 18 ||
      (digits.size() > 1 && digits[0] == '0') ||
      !std::all_of(digits.begin(), digits.end(), absl::ascii_isdigit)) {
    return value;
  }
  std::string grouped;
  for (size_t k = 0; k < digits.size(); ++k) {
    if (k > 0 && (digits.size() - k) % 3 == 0) grouped.push_back(',');
    grouped.push_back(digits[k]);
  }
  return negative ? "-" + grouped : grouped;
}

std::string Truncate(std::string value) {
  size_t i = 0;
  int chars = 0;
  size_t cut = 0;
  while (i < value.size()) {
    NextCodePoint(value, &i);
    if (++chars == kMaxStoryValueChars - 1) cut = i;
  }
  if (chars <= kMaxStoryValueChars) return value;
  value.resize(cut);
  while (!value.empty() && value.back() == ' ') value.pop_back();
  return value + "\u2026";
}

std::string SubjectName(const v1::Entity& entity) {
  switch (entity.kind_case()) {
    case v1::Entity::kUser: {
      const v1::UserEntity& u = entity.user();
      if (!u.user_principal_name().empty()) return u.user_principal_name();
      return u.display_name().empty() ? u.id() : u.display_name();
    }
    case v1::Entity::kEmail:
      return entity.email().mailbox();
    case v1::Entity::kDevice:
      return entity.device().hostname().empty() ? entity.device().id()
                                                : entity.device().hostname();
    case v1::Entity::kIp:
      return entity.ip().address();
    case v1::Entity::KIND_NOT_SET:
      break;
  }
  return "";
}

// "subject.<kind>.<field>" read from the subject entity by reflection.
std::string SubjectField(const v1::Entity& entity, absl::string_view key) {
  std::vector<std::string> parts = absl::StrSplit(key, '.');
  if (parts.size() != 3) return "";
  const auto* kind = v1::Entity::descriptor()->FindFieldByName(parts[1]);
  const auto* reflection = entity.GetReflection();
  if (kind == nullptr || kind->message_type() == nullptr ||
      !reflection->HasField(entity, kind)) {
    return "";
  }
  const google::protobuf::Message& message =
      reflection->GetMessage(entity, kind);
  const auto* field = message.GetDescriptor()->FindFieldByName(parts[2]);
  if (field == nullptr || field->is_repeated() ||
      field->type() != google::protobuf::FieldDescriptor::TYPE_STRING) {
    return "";
  }
  return message.GetReflection()->GetString(message, field);
}

// The email a breach is about: its subject, else its first related email.
const v1::EmailEntity* BreachEmail(const v1::Breach& breach) {
  if (breach.subject().has_email()) return &breach.subject().email();
  for (const v1::Entity& related : breach.related_entities()) {
    if (related.has_email()) return &related.email();
  }
  return nullptr;
}

std::string EmailField(const v1::Breach& breach, absl::string_view key) {
  const v1::EmailEntity* email = BreachEmail(breach);
  if (email == nullptr) return "";
  if (key == "email.subject") return email->subject();
  if (key == "email.from") return email->sender();
  if (key == "email.message_uid") return email->internet_message_id();
  if (key == "file.name" && email->attachments_size() > 0) {
    return email->attachments(0).name();
  }
  return "";
}

std::string RawValue(const v1::Breach& breach, absl::string_view key) {
  if (key == "subject") return SubjectName(breach.subject());
  if (absl::StartsWith(key, "subject.")) {
    return SubjectField(breach.subject(), key);
  }
  for (const v1::Evidence& evidence : breach.evidence()) {
    if (evidence.key() == key) return evidence.value();
  }
  return EmailField(breach, key);
}

// The rendered value of `key`, or nullopt when it has none fit to show.
std::optional<std::string> Value(const v1::Breach& breach,
                                 absl::string_view key) {
  if (LooksSecret(key)) return std::nullopt;
  std::string value = Sanitize(RawValue(breach, key));
  if (value.empty() || LooksLikeCredential(value)) return std::nullopt;
  return Truncate(GroupThousands(std::move(value), key));
}

int KindRank(ModelPattern::Kind kind) {
  switch (kind) {
    case ModelPattern::Kind::kExact:
      return 0;
    case ModelPattern::Kind::kPrefix:
      return 1;
    case ModelPattern::Kind::kGlob:
      return 2;
  }
  return 2;
}

}  // namespace

std::optional<std::string> RenderStory(const StoryTemplate& story,
                                       const v1::Breach& breach) {
  std::string out;
  for (const StorySegment& segment : story.segments) {
    std::string piece;
    bool complete = true;
    for (const StoryPart& part : segment.parts) {
      if (part.key.empty()) {
        piece += part.text;
      } else if (std::optional<std::string> v = Value(breach, part.key)) {
        piece += *v;
      } else if (part.has_fallback) {
        piece += part.fallback;
      } else {
        complete = false;
        break;
      }
    }
    if (complete) {
      out += piece;
    } else if (!segment.optional) {
      return std::nullopt;
    } else if (segment.has_fallback) {
      out += segment.fallback;
    }
  }
  // Template text is checked at load; this only tidies the spacing left by
  // dropped parts and folded YAML lines.
  out = Sanitize(out);
  if (out.empty()) return std::nullopt;
  if (!absl::EndsWith(out, ".") && !absl::EndsWith(out, "!") &&
      !absl::EndsWith(out, "?")) {
    out.push_back('.');
  }
  return out;
}

std::vector<const Story*> StoriesFor(const Policy& policy,
                                     absl::string_view model_name) {
  // (KindRank, minus the prefix length, policy order) of each match.
  std::vector<std::tuple<int, int, size_t>> ranked;
  for (size_t i = 0; i < policy.stories.size(); ++i) {
    std::optional<std::pair<int, int>> best;
    for (const ModelPattern& pattern : policy.stories[i].models) {
      if (!PatternMatches(pattern, model_name)) continue;
      std::pair<int, int> rank(KindRank(pattern.kind), 0);
      if (pattern.kind == ModelPattern::Kind::kPrefix) {
        rank.second = -static_cast<int>(pattern.key.size());
      }
      if (!best.has_value() || rank < *best) best = rank;
    }
    if (best.has_value()) ranked.emplace_back(best->first, best->second, i);
  }
  std::sort(ranked.begin(), ranked.end());
  std::vector<const Story*> out;
  for (const auto& [kind, length, index] : ranked) {
    out.push_back(&policy.stories[index]);
  }
  return out;
}

std::string TellStory(const Policy& policy, const v1::Breach& breach) {
  for (const Story* story : StoriesFor(policy, breach.model_name())) {
    if (std::optional<std::string> told =
            RenderStory(story->compiled, breach)) {
      return *std::move(told);
    }
  }
  return "";
}

}  // namespace riposte::policies
