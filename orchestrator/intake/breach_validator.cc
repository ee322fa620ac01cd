#include "orchestrator/intake/breach_validator.h"

#include <arpa/inet.h>

#include <cmath>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/text_rules.h"

namespace riposte::intake {
namespace {

// The range google.protobuf.Timestamp allows: 0001-01-01 to 9999-12-31.
constexpr int64_t kMinTimestampSeconds = -62135596800;
constexpr int64_t kMaxTimestampSeconds = 253402300799;

FieldError Err(const std::string& field, absl::string_view what) {
  return FieldError{field, absl::StrCat(field, ": ", what)};
}

// A bounded string of `text_class` (see common/text_rules.h); required or
// optional.
std::optional<FieldError> CheckString(const std::string& field,
                                      absl::string_view value,
                                      int64_t max_bytes, bool required,
                                      TextClass text_class) {
  if (value.empty()) {
    if (required) return Err(field, "must not be empty");
    return std::nullopt;
  }
  if (static_cast<int64_t>(value.size()) > max_bytes) {
    return Err(field, absl::StrCat("is ", value.size(),
                                   " bytes, more than the limit of ",
                                   max_bytes));
  }
  if (auto problem = TextProblem(value, text_class)) return Err(field, *problem);
  return std::nullopt;
}

// An id, address, name or hash.
std::optional<FieldError> CheckText(const std::string& field,
                                    absl::string_view value, int64_t max_bytes,
                                    bool required) {
  return CheckString(field, value, max_bytes, required,
                     TextClass::kIdentifier);
}

// Text the detector reports as it saw it (a subject, a file name).
std::optional<FieldError> CheckReported(const std::string& field,
                                        absl::string_view value,
                                        int64_t max_bytes) {
  return CheckString(field, value, max_bytes, false, TextClass::kReportedText);
}

bool IsHex(absl::string_view s) {
  for (char c : s) {
    if (!absl::ascii_isxdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

}  // namespace

absl::Status ToStatus(const FieldError& error) {
  return absl::InvalidArgumentError(error.message);
}

BreachValidator::BreachValidator(
    const config::IntakeLimits& limits,
    const std::vector<config::TenantConfig>& tenants)
    : limits_(limits) {
  for (const auto& t : tenants) tenants_.insert(t.id);
}

std::optional<FieldError> BreachValidator::Validate(const v1::Breach& breach,
                                                    absl::Time now,
                                                    size_t byte_size) const {
  const auto& L = limits_;
  if (static_cast<int64_t>(byte_size) > L.max_breach_bytes) {
    return Err("breach", absl::StrCat("is ", byte_size,
                                      " bytes, more than the limit of ",
                                      L.max_breach_bytes));
  }
  if (auto e = CheckText("breach.detector_id", breach.detector_id(),
                         L.max_id_bytes, true)) {
    return e;
  }
  if (auto e = CheckText("breach.breach_id", breach.breach_id(),
                         L.max_id_bytes, true)) {
    return e;
  }
  if (auto e = CheckText("breach.tenant_id", breach.tenant_id(), L.max_id_bytes,
                         true)) {
    return e;
  }
  if (!tenants_.contains(breach.tenant_id())) {
    return Err("breach.tenant_id",
               absl::StrCat("unknown tenant \"", breach.tenant_id(),
                            "\" (not in the server's tenants list)"));
  }
  if (auto e = CheckText("breach.model_name", breach.model_name(),
                         L.max_string_bytes, true)) {
    return e;
  }
  if (breach.model_tags_size() > L.max_tags) {
    return Err("breach.model_tags",
               absl::StrCat("has ", breach.model_tags_size(),
                            " tags, more than the limit of ", L.max_tags));
  }
  for (int i = 0; i < breach.model_tags_size(); ++i) {
    if (auto e = CheckText(absl::StrCat("breach.model_tags[", i, "]"),
                           breach.model_tags(i), L.max_id_bytes, true)) {
      return e;
    }
  }
  const double score = breach.score();
  if (!std::isfinite(score) || score < 0 || score > 100) {
    return Err("breach.score",
               absl::StrFormat("must be a number from 0 to 100, got %g", score));
  }
  if (breach.has_observed_time()) {
    const auto& ts = breach.observed_time();
    if (ts.seconds() < kMinTimestampSeconds ||
        ts.seconds() > kMaxTimestampSeconds || ts.nanos() < 0 ||
        ts.nanos() > 999999999) {
      return Err("breach.observed_time", "is not a valid timestamp");
    }
    absl::Time observed = absl::FromUnixSeconds(ts.seconds()) +
                          absl::Nanoseconds(ts.nanos());
    if (observed > now + L.max_future_skew) {
      return Err("breach.observed_time",
                 absl::StrCat("is ", absl::FormatDuration(observed - now),
                              " in the future (allowed skew ",
                              absl::FormatDuration(L.max_future_skew), ")"));
    }
  }
  if (!breach.has_subject()) {
    return Err("breach.subject", "is required");
  }
  if (auto e = ValidateEntity(breach.subject(), "breach.subject")) return e;
  if (breach.related_entities_size() > L.max_related_entities) {
    return Err("breach.related_entities",
               absl::StrCat("has ", breach.related_entities_size(),
                            " entities, more than the limit of ",
                            L.max_related_entities));
  }
  for (int i = 0; i < breach.related_entities_size(); ++i) {
    if (auto e = ValidateEntity(breach.related_entities(i),
                                absl::StrCat("breach.related_entities[", i,
                                             "]"))) {
      return e;
    }
  }
  if (breach.evidence_size() > L.max_evidence_entries) {
    return Err("breach.evidence",
               absl::StrCat("has ", breach.evidence_size(),
                            " entries, more than the limit of ",
                            L.max_evidence_entries));
  }
  for (int i = 0; i < breach.evidence_size(); ++i) {
    const auto& ev = breach.evidence(i);
    const std::string path = absl::StrCat("breach.evidence[", i, "]");
    if (auto e = CheckText(path + ".key", ev.key(), L.max_id_bytes, true)) {
      return e;
    }
    if (auto e = CheckReported(path + ".value", ev.value(),
                               L.max_evidence_value_bytes)) {
      return e;
    }
  }
  return std::nullopt;
}

std::optional<FieldError> BreachValidator::ValidateEntity(
    const v1::Entity& entity, const std::string& path) const {
  const auto& L = limits_;
  switch (entity.kind_case()) {
    case v1::Entity::kUser: {
      const auto& u = entity.user();
      const std::string p = path + ".user";
      if (u.id().empty() && u.user_principal_name().empty()) {
        return Err(p, "needs id or user_principal_name");
      }
      if (auto e = CheckText(p + ".id", u.id(), L.max_id_bytes, false)) {
        return e;
      }
      if (auto e = CheckText(p + ".user_principal_name",
                             u.user_principal_name(), L.max_string_bytes,
                             false)) {
        return e;
      }
      if (!u.user_principal_name().empty() &&
          !absl::StrContains(u.user_principal_name(), '@')) {
        return Err(p + ".user_principal_name",
                   "must look like name@domain");
      }
      if (auto e = CheckReported(p + ".display_name", u.display_name(),
                                 L.max_string_bytes)) {
        return e;
      }
      return std::nullopt;
    }
    case v1::Entity::kEmail: {
      const auto& m = entity.email();
      const std::string p = path + ".email";
      if (auto e = CheckText(p + ".mailbox", m.mailbox(), L.max_string_bytes,
                             true)) {
        return e;
      }
      if (auto e = CheckText(p + ".internet_message_id",
                             m.internet_message_id(), L.max_string_bytes,
                             true)) {
        return e;
      }
      if (auto e = CheckText(p + ".graph_message_id", m.graph_message_id(),
                             L.max_string_bytes, false)) {
        return e;
      }
      if (auto e = CheckText(p + ".sender", m.sender(), L.max_string_bytes,
                             false)) {
        return e;
      }
      if (auto e = CheckReported(p + ".subject", m.subject(),
                                 L.max_string_bytes)) {
        return e;
      }
      if (m.attachments_size() > L.max_attachments) {
        return Err(p + ".attachments",
                   absl::StrCat("has ", m.attachments_size(),
                                " attachments, more than the limit of ",
                                L.max_attachments));
      }
      for (int i = 0; i < m.attachments_size(); ++i) {
        const auto& a = m.attachments(i);
        const std::string ap = absl::StrCat(p, ".attachments[", i, "]");
        if (auto e = CheckReported(ap + ".name", a.name(),
                                   L.max_string_bytes)) {
          return e;
        }
        if (auto e = CheckText(ap + ".content_type", a.content_type(),
                               L.max_string_bytes, false)) {
          return e;
        }
        if (a.size_bytes() < 0) {
          return Err(ap + ".size_bytes", "must not be negative");
        }
        // Either case; stored lower-case (entity::ToNormalForm).
        if (auto e = CheckText(ap + ".sha256", a.sha256(), L.max_id_bytes,
                               false)) {
          return e;
        }
        if (!a.sha256().empty() &&
            (a.sha256().size() != 64 || !IsHex(a.sha256()))) {
          return Err(ap + ".sha256", "must be 64 hex digits");
        }
        if (auto e = CheckText(ap + ".graph_attachment_id",
                               a.graph_attachment_id(), L.max_string_bytes,
                               false)) {
          return e;
        }
      }
      return std::nullopt;
    }
    case v1::Entity::kDevice: {
      const auto& d = entity.device();
      const std::string p = path + ".device";
      if (d.id().empty() && d.hostname().empty()) {
        return Err(p, "needs id or hostname");
      }
      if (auto e = CheckText(p + ".id", d.id(), L.max_id_bytes, false)) {
        return e;
      }
      return CheckText(p + ".hostname", d.hostname(), L.max_string_bytes,
                       false);
    }
    case v1::Entity::kIp: {
      const std::string p = path + ".ip.address";
      const std::string& a = entity.ip().address();
      if (auto e = CheckText(p, a, 64, true)) return e;
      // inet_pton reads a C string: the text check above has made sure
      // there is no NUL in `a` for it to stop at.
      unsigned char buf[16];
      if (inet_pton(AF_INET, a.c_str(), buf) != 1 &&
          inet_pton(AF_INET6, a.c_str(), buf) != 1) {
        return Err(p, "must be an IPv4 or IPv6 address");
      }
      return std::nullopt;
    }
    case v1::Entity::KIND_NOT_SET:
      break;
  }
  return Err(path, "must set one of user, email, device or ip");
}

}  // namespace riposte::intake
