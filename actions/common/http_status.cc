#include "actions/common/http_status.h"

#include <cstdint>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/cord.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "actions/action_executor.h"
#include "actions/common/json_value.h"
#include "actions/common/url_encoding.h"

namespace riposte::actions::common {
namespace {

constexpr char kHttpStatusUrl[] = "type.riposte.dev/http-status";

// Error texts from services are quoted into messages; keep them short and
// on one line.
constexpr size_t kMaxQuotedBytes = 300;

std::string OneLine(absl::string_view s) {
  std::string out;
  for (char c : s.substr(0, kMaxQuotedBytes)) {
    out.push_back(static_cast<unsigned char>(c) < 0x20 ? ' ' : c);
  }
  if (s.size() > kMaxQuotedBytes) out += "...";
  return out;
}

bool AllDigits(absl::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// Parses a fixed-width decimal field.
bool ParseDigits(absl::string_view s, size_t width, int* out) {
  if (s.size() != width || !AllDigits(s)) return false;
  return absl::SimpleAtoi(s, out);
}

int MonthNumber(absl::string_view name) {
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr",
                                            "May", "Jun", "Jul", "Aug",
                                            "Sep", "Oct", "Nov", "Dec"};
  for (int i = 0; i < 12; ++i) {
    if (name == kMonths[i]) return i + 1;
  }
  return 0;
}

bool IsDayName(absl::string_view name, bool long_form) {
  static constexpr const char* kShort[] = {"Mon", "Tue", "Wed", "Thu",
                                           "Fri", "Sat", "Sun"};
  static constexpr const char* kLong[] = {"Monday", "Tuesday", "Wednesday",
                                          "Thursday", "Friday", "Saturday",
                                          "Sunday"};
  for (int i = 0; i < 7; ++i) {
    if (name == (long_form ? kLong[i] : kShort[i])) return true;
  }
  return false;
}

// "08:49:37"
bool ParseClock(absl::string_view s, int* h, int* m, int* sec) {
  std::vector<absl::string_view> parts = absl::StrSplit(s, ':');
  return parts.size() == 3 && ParseDigits(parts[0], 2, h) &&
         ParseDigits(parts[1], 2, m) && ParseDigits(parts[2], 2, sec);
}

// A UTC time from calendar fields, rejecting out-of-range fields (which
// absl::CivilSecond would silently normalise).
std::optional<absl::Time> MakeTime(int year, int month, int day, int hour,
                                   int minute, int second) {
  const absl::CivilSecond civil(year, month, day, hour, minute, second);
  if (civil.year() != year || civil.month() != month || civil.day() != day ||
      civil.hour() != hour || civil.minute() != minute ||
      civil.second() != second) {
    return std::nullopt;
  }
  return absl::FromCivil(civil, absl::UTCTimeZone());
}

std::optional<absl::Time> ParseHttpDate(absl::string_view s) {
  std::vector<absl::string_view> t =
      absl::StrSplit(s, ' ', absl::SkipEmpty());
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (t.size() == 6) {
    // IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT
    if (!absl::ConsumeSuffix(&t[0], ",") || !IsDayName(t[0], false) ||
        !ParseDigits(t[1], 2, &day) || (month = MonthNumber(t[2])) == 0 ||
        !ParseDigits(t[3], 4, &year) ||
        !ParseClock(t[4], &hour, &minute, &second) || t[5] != "GMT") {
      return std::nullopt;
    }
  } else if (t.size() == 4) {
    // RFC 850: Sunday, 06-Nov-94 08:49:37 GMT
    std::vector<absl::string_view> date = absl::StrSplit(t[1], '-');
    if (!absl::ConsumeSuffix(&t[0], ",") || !IsDayName(t[0], true) ||
        date.size() != 3 || !ParseDigits(date[0], 2, &day) ||
        (month = MonthNumber(date[1])) == 0 ||
        !ParseDigits(date[2], 2, &year) ||
        !ParseClock(t[2], &hour, &minute, &second) || t[3] != "GMT") {
      return std::nullopt;
    }
    // Two-digit years: RFC 9110 says to pick the most recent past year
    // with those digits; for retry hints the current century will do.
    year += year < 70 ? 2000 : 1900;
  } else if (t.size() == 5) {
    // asctime: Sun Nov  6 08:49:37 1994
    if (!IsDayName(t[0], false) || (month = MonthNumber(t[1])) == 0 ||
        t[2].size() > 2 || !AllDigits(t[2]) || !absl::SimpleAtoi(t[2], &day) ||
        !ParseClock(t[3], &hour, &minute, &second) ||
        !ParseDigits(t[4], 4, &year)) {
      return std::nullopt;
    }
  } else {
    return std::nullopt;
  }
  return MakeTime(year, month, day, hour, minute, second);
}

absl::string_view ReasonPhrase(int status) {
  switch (status) {
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 409: return "Conflict";
    case 412: return "Precondition Failed";
    case 422: return "Unprocessable Content";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "";
  }
}

}  // namespace

std::optional<absl::Duration> ParseRetryAfter(absl::string_view value,
                                              absl::Time now) {
  value = absl::StripAsciiWhitespace(value);
  if (AllDigits(value)) {
    int64_t seconds = 0;
    if (!absl::SimpleAtoi(value, &seconds)) return std::nullopt;
    return absl::Seconds(seconds);
  }
  std::optional<absl::Time> when = ParseHttpDate(value);
  if (!when.has_value()) return std::nullopt;
  return *when > now ? *when - now : absl::ZeroDuration();
}

std::string RequestLabel(absl::string_view method, absl::string_view url) {
  return absl::StrCat(method, " ", UrlPath(url));
}

ServiceError ExtractServiceError(const http::HttpResponse& response) {
  ServiceError out;
  JsonParseOptions options;
  options.max_bytes = 1 << 20;
  absl::StatusOr<JsonValue> body = JsonValue::Parse(response.body, options);
  if (body.ok()) {
    const JsonValue* error = body->Find("error");
    if (error != nullptr && error->is_object()) {
      // Microsoft Graph.
      out.code = error->GetString("code").value_or("");
      out.message = error->GetString("message").value_or("");
      const JsonValue* inner = error->Find("innerError");
      if (inner == nullptr) inner = error->Find("innererror");
      if (inner != nullptr) {
        out.request_id = inner->GetString("request-id").value_or("");
      }
    } else if (error != nullptr && error->is_string()) {
      // OAuth 2.0. error_description is left out on purpose: it is free
      // text that may echo what the client sent.
      out.code = error->string_value();
      const auto& codes = body->GetArray("error_codes");
      if (!codes.empty() && codes[0].AsInt64().has_value()) {
        out.message = absl::StrCat("AADSTS", *codes[0].AsInt64());
      }
    } else {
      // Mimecast-style envelope.
      for (const JsonValue& fail : body->GetArray("fail")) {
        const auto& errors = fail.GetArray("errors");
        if (errors.empty()) continue;
        out.code = errors[0].GetString("code").value_or("");
        out.message = errors[0].GetString("message").value_or("");
        break;
      }
    }
  }
  if (out.request_id.empty()) {
    auto it = response.headers.find("request-id");
    if (it != response.headers.end()) out.request_id = it->second;
  }
  return out;
}

absl::StatusCode HttpStatusToCode(int http_status) {
  if (http_status >= 200 && http_status < 300) return absl::StatusCode::kOk;
  switch (http_status) {
    case 429:
      return absl::StatusCode::kResourceExhausted;
    case 500:
    case 502:
    case 503:
    case 504:
      return absl::StatusCode::kUnavailable;
    case 401:
      return absl::StatusCode::kUnauthenticated;
    case 403:
      return absl::StatusCode::kPermissionDenied;
    case 404:
      return absl::StatusCode::kNotFound;
    case 400:
    case 422:
      return absl::StatusCode::kInvalidArgument;
    case 409:
    case 412:
      return absl::StatusCode::kFailedPrecondition;
    default:
      return absl::StatusCode::kInternal;
  }
}

absl::Status HttpResponseToStatus(absl::string_view label,
                                  const http::HttpResponse& response,
                                  absl::Time now) {
  const absl::StatusCode code = HttpStatusToCode(response.status);
  if (code == absl::StatusCode::kOk) return absl::OkStatus();

  std::string message = absl::StrCat(label, ": HTTP ", response.status);
  const absl::string_view phrase = ReasonPhrase(response.status);
  if (!phrase.empty()) absl::StrAppend(&message, " ", phrase);
  const ServiceError error = ExtractServiceError(response);
  if (!error.code.empty() || !error.message.empty()) {
    absl::StrAppend(&message, " (", OneLine(error.code));
    if (!error.code.empty() && !error.message.empty()) message += ": ";
    absl::StrAppend(&message, OneLine(error.message), ")");
  }
  if (!error.request_id.empty()) {
    absl::StrAppend(&message, " request-id ", OneLine(error.request_id));
  }

  absl::Status status(code, message);
  bool throttled = response.status == 429 || response.status == 503 ||
                   response.status == 504;
  if (code == absl::StatusCode::kResourceExhausted ||
      code == absl::StatusCode::kUnavailable) {
    auto it = response.headers.find("Retry-After");
    if (it != response.headers.end()) {
      std::optional<absl::Duration> delay = ParseRetryAfter(it->second, now);
      if (delay.has_value()) {
        absl::StrAppend(&message, " retry after ", absl::FormatDuration(*delay));
        status = WithRetryAfter(absl::Status(code, message), *delay);
        throttled = true;
      }
    }
  }
  status.SetPayload(kHttpStatusUrl, absl::Cord(absl::StrCat(response.status)));
  return throttled ? AsThrottled(std::move(status)) : status;
}

std::optional<int> AnsweredHttpStatus(const absl::Status& status) {
  auto payload = status.GetPayload(kHttpStatusUrl);
  int value = 0;
  if (!payload.has_value() || !absl::SimpleAtoi(std::string(*payload), &value)) {
    return std::nullopt;
  }
  return value;
}

bool CertainlyNotProcessed(const absl::Status& status) {
  std::optional<int> answered = AnsweredHttpStatus(status);
  if (!answered.has_value()) {
    return status.code() == absl::StatusCode::kResourceExhausted;
  }
  return *answered == 429 || *answered == 503;
}

}  // namespace riposte::actions::common
