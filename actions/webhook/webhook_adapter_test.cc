#include "actions/webhook/webhook_adapter.h"

#include <string>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/civil_time.h"
#include "actions/action_executor.h"
#include "actions/common/json_value.h"
#include "common/clock.h"
#include "common/sha256.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "http/fake_http_client.h"

namespace riposte::actions::webhook {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using Outcome = ActionResult::Outcome;

constexpr char kHmacSecret[] = "whsec_9f8e7d6c5b4a";
constexpr char kApiToken[] = "Bearer soar-api-token-123456";
constexpr char kUrl[] = "https://soar.test/hooks/T0001/B0002/SeCrEtPaTh?token=qwerty";

// RFC 2104 built from plain SHA-256, independent of the OpenSSL HMAC the
// adapter uses.
std::string IndependentHmacHex(std::string key, const std::string& data) {
  constexpr size_t kBlock = 64;
  if (key.size() > kBlock) key = absl::HexStringToBytes(Sha256Hex(key));
  key.resize(kBlock, '\0');
  std::string ipad, opad;
  for (char c : key) {
    ipad.push_back(static_cast<char>(c ^ 0x36));
    opad.push_back(static_cast<char>(c ^ 0x5c));
  }
  const std::string inner = absl::HexStringToBytes(Sha256Hex(ipad + data));
  return Sha256Hex(opad + inner);
}

// Checks a Riposte-Signature value the way docs/CONNECTING.md tells a
// receiver to: "t=<unix>,v1=<hex>", <hex> = HMAC-SHA256 of
// "<t>.<Idempotency-Key>.<body>". Returns <t>, or -1 if it does not verify.
int64_t VerifiedTimestamp(const std::string& header, const std::string& key,
                          const std::string& body) {
  std::string t, v1;
  for (absl::string_view part : absl::StrSplit(header, ',')) {
    if (absl::StartsWith(part, "t=")) t = std::string(part.substr(2));
    if (absl::StartsWith(part, "v1=")) v1 = std::string(part.substr(3));
  }
  int64_t seconds = 0;
  if (!absl::SimpleAtoi(t, &seconds)) return -1;
  const std::string expected =
      IndependentHmacHex(kHmacSecret, absl::StrCat(t, ".", key, ".", body));
  return v1 == expected ? seconds : -1;
}

bool IsPrintableAscii(const std::string& s) {
  for (char c : s) {
    if (static_cast<unsigned char>(c) < 0x21 || static_cast<unsigned char>(c) > 0x7e) {
      return false;
    }
  }
  return !s.empty();
}

class WebhookAdapterTest : public ::testing::Test {
 protected:
  WebhookAdapterTest()
      : clock_(absl::FromUnixSeconds(1714557600)),
        http_([this](const http::HttpRequest&) -> absl::StatusOr<http::HttpResponse> {
          return next_;
        }) {
    next_ = http::JsonResponse(202, R"({"ticket":"INC-1"})");
  }

  static WebhookOptions Options() {
    WebhookOptions o;
    o.name = "soar";
    o.url = kUrl;
    o.headers = {{"Authorization", kApiToken}, {"X-Tenant", "contoso"}};
    o.body_template =
        R"({"action":"{{action}}","target":"{{target}}","display":"{{target_display}}",)"
        R"("tenant":"{{tenant}}","incident":"{{incident}}","run":"{{run}}",)"
        R"("key":"{{idempotency_key}}","why":"{{narrative}}","until":"{{expires_at}}",)"
        R"("phase":"{{phase}}"})";
    o.hmac_secret = kHmacSecret;
    o.call_timeout = absl::Seconds(3);
    return o;
  }

  static ActionRequest Request() {
    ActionRequest r;
    r.run_id = 1001;
    r.incident_id = 55;
    r.tenant_id = "contoso";
    r.action = "disable_user";
    r.target.mutable_user()->set_user_principal_name("alice@contoso.example");
    r.target_key = "user:alice@contoso.example";
    r.idempotency_key = "run-1001-a";
    r.narrative = "Score 87 on \"Unusual Login\"\nand outbound spam";
    r.expires_at = absl::FromCivil(absl::CivilSecond(2024, 5, 1, 12, 0, 0), absl::UTCTimeZone());
    return r;
  }

  void ExpectNoSecrets(const std::string& text) {
    EXPECT_THAT(text, Not(HasSubstr(kHmacSecret)));
    EXPECT_THAT(text, Not(HasSubstr("soar-api-token")));
    EXPECT_THAT(text, Not(HasSubstr("SeCrEtPaTh")));
    EXPECT_THAT(text, Not(HasSubstr("qwerty")));
  }

  FakeClock clock_;
  http::HttpResponse next_;
  http::FakeHttpClient http_;
};

TEST_F(WebhookAdapterTest, FillsTheTemplateAndSignsTheExactBody) {
  WebhookAdapter adapter(Options(), &http_, &clock_);
  EXPECT_EQ(adapter.name(), "soar");
  absl::StatusOr<ActionResult> r = adapter.Apply(Request());
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->outcome, Outcome::kApplied);
  ASSERT_EQ(http_.requests().size(), 1);
  const http::HttpRequest sent = http_.requests()[0];
  EXPECT_EQ(sent.method, "POST");
  EXPECT_EQ(sent.url, kUrl);
  EXPECT_EQ(sent.timeout, absl::Seconds(3));
  EXPECT_EQ(sent.body,
            R"({"action":"disable_user","target":"user:alice@contoso.example",)"
            R"("display":"alice@contoso.example","tenant":"contoso","incident":"55",)"
            R"("run":"1001","key":")" + sent.headers.at("Idempotency-Key") + R"(",)"
            R"("why":"Score 87 on \"Unusual Login\"\nand outbound spam",)"
            R"("until":"2024-05-01T12:00:00Z","phase":"apply"})");
  EXPECT_TRUE(common::JsonValue::Parse(sent.body).ok());
  EXPECT_TRUE(IsPrintableAscii(sent.headers.at("Idempotency-Key")));
  EXPECT_EQ(sent.headers.at("Content-Type"), "application/json");
  EXPECT_EQ(sent.headers.at("Authorization"), kApiToken);
  EXPECT_EQ(sent.headers.at("X-Tenant"), "contoso");
  EXPECT_EQ(sent.headers.count("X-Riposte-Signature"), 0);
  EXPECT_EQ(VerifiedTimestamp(sent.headers.at("riposte-signature"),
                              sent.headers.at("Idempotency-Key"), sent.body),
            1714557600);

  absl::StatusOr<common::JsonValue> details = common::JsonValue::Parse(r->details);
  ASSERT_TRUE(details.ok());
  EXPECT_EQ(details->GetString("destination"), "https://soar.test");
  EXPECT_EQ(details->GetInt64("status"), 202);
  EXPECT_EQ(details->GetString("body_sha256"), Sha256Hex(sent.body));
  EXPECT_EQ(r->memo, R"({"v":1,"status":202})");
  ExpectNoSecrets(r->details + r->memo);
}

TEST_F(WebhookAdapterTest, CustomSignatureHeaderAndNoExpiry) {
  WebhookOptions o = Options();
  o.signature_header = "X-Hub-Signature-256";
  o.method = "PUT";
  WebhookAdapter adapter(o, &http_, &clock_);
  ActionRequest request = Request();
  request.expires_at = absl::InfinitePast();
  ASSERT_TRUE(adapter.Apply(request).ok());
  const http::HttpRequest sent = http_.requests()[0];
  EXPECT_EQ(sent.method, "PUT");
  EXPECT_EQ(sent.headers.count("Riposte-Signature"), 0);
  EXPECT_GT(VerifiedTimestamp(sent.headers.at("X-Hub-Signature-256"),
                              sent.headers.at("Idempotency-Key"), sent.body),
            0);
  EXPECT_THAT(sent.body, HasSubstr(R"("until":"")"));
}

TEST_F(WebhookAdapterTest, UnsignedWithoutASecret) {
  WebhookOptions o = Options();
  o.hmac_secret.clear();
  WebhookAdapter adapter(o, &http_, &clock_);
  ASSERT_TRUE(adapter.Apply(Request()).ok());
  EXPECT_EQ(http_.requests()[0].headers.count("Riposte-Signature"), 0);
  EXPECT_EQ(http_.requests()[0].headers.count("Idempotency-Key"), 1);
}

TEST_F(WebhookAdapterTest, RetrySemantics) {
  WebhookAdapter adapter(Options(), &http_, &clock_);
  next_ = http::JsonResponse(429, R"({"error":{"code":"rate","message":"slow"}})",
                             {{"Retry-After", "11"}});
  absl::Status s = adapter.Apply(Request()).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(RetryAfter(s), absl::Seconds(11));
  EXPECT_THAT(s.message(), HasSubstr("webhook soar POST https://soar.test"));
  ExpectNoSecrets(s.ToString());

  next_ = http::JsonResponse(503, "", {{"Retry-After", "Wed, 01 May 2024 10:02:00 GMT"}});
  s = adapter.Apply(Request()).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(RetryAfter(s), absl::Minutes(2));

  next_ = http::JsonResponse(500, "");
  EXPECT_EQ(adapter.Apply(Request()).status().code(), absl::StatusCode::kUnavailable);
  next_ = http::JsonResponse(400, "");
  EXPECT_EQ(adapter.Apply(Request()).status().code(), absl::StatusCode::kInvalidArgument);
  next_ = http::JsonResponse(401, "");
  EXPECT_EQ(adapter.Apply(Request()).status().code(), absl::StatusCode::kUnauthenticated);
  next_ = http::JsonResponse(409, "");
  EXPECT_EQ(adapter.Apply(Request()).status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(WebhookAdapterTest, SuccessCodesAreConfigurable) {
  WebhookOptions o = Options();
  o.success_codes = {200};
  WebhookAdapter adapter(o, &http_, &clock_);
  next_ = http::JsonResponse(202, "{}");
  absl::Status s = adapter.Apply(Request()).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInternal);
  EXPECT_THAT(s.message(), HasSubstr("HTTP 202 is not a configured success code"));
  next_ = http::JsonResponse(200, "{}");
  EXPECT_TRUE(adapter.Apply(Request()).ok());
}

TEST_F(WebhookAdapterTest, ServerEchoesAndTransportErrorsAreRedacted) {
  WebhookAdapter adapter(Options(), &http_, &clock_);
  next_ = http::JsonResponse(
      403, absl::StrCat(R"({"error":{"code":"denied","message":"token )", kApiToken,
                        R"( not valid for /hooks/T0001/B0002/SeCrEtPaTh?token=qwerty"}})"));
  absl::Status s = adapter.Apply(Request()).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kPermissionDenied);
  ExpectNoSecrets(s.ToString());

  http_.SetHandler([](const http::HttpRequest& r) -> absl::StatusOr<http::HttpResponse> {
    return absl::UnavailableError(absl::StrCat("connect to ", r.url, " refused"));
  });
  s = adapter.Apply(Request()).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable);
  ExpectNoSecrets(s.ToString());
}

TEST_F(WebhookAdapterTest, RevertOnlyWhenConfigured) {
  WebhookAdapter no_revert(Options(), &http_, &clock_);
  EXPECT_EQ(no_revert.Revert(Request()).status().code(), absl::StatusCode::kUnimplemented);
  EXPECT_TRUE(http_.requests().empty());

  WebhookOptions o = Options();
  o.revert = true;
  WebhookAdapter adapter(o, &http_, &clock_);
  ActionRequest request = Request();
  absl::StatusOr<ActionResult> applied = adapter.Apply(request);
  ASSERT_TRUE(applied.ok());
  request.memo = applied->memo;
  absl::StatusOr<ActionResult> reverted = adapter.Revert(request);
  ASSERT_TRUE(reverted.ok()) << reverted.status();
  EXPECT_EQ(reverted->outcome, Outcome::kReverted);
  EXPECT_EQ(reverted->memo, applied->memo);
  const http::HttpRequest sent = http_.requests()[1];
  EXPECT_THAT(sent.body, HasSubstr(R"("phase":"revert")"));
  const std::string revert_key = sent.headers.at("Idempotency-Key");
  EXPECT_NE(revert_key, http_.requests()[0].headers.at("Idempotency-Key"));
  EXPECT_TRUE(IsPrintableAscii(revert_key));
  EXPECT_THAT(sent.body, HasSubstr(absl::StrCat(R"("key":")", revert_key, R"(")")));
  EXPECT_GT(VerifiedTimestamp(sent.headers.at("Riposte-Signature"), revert_key,
                              sent.body),
            0);
}

TEST_F(WebhookAdapterTest, TargetDisplayForEmails) {
  WebhookAdapter adapter(Options(), &http_, &clock_);
  ActionRequest request = Request();
  request.action = "quarantine_email";
  v1::EmailEntity* email = request.target.mutable_email();
  email->set_internet_message_id("<m@x>");
  email->set_subject("Credit Transfer Copy");
  email->set_mailbox("bob@contoso.example");
  absl::StatusOr<std::string> body = adapter.RenderBody(request, false);
  ASSERT_TRUE(body.ok());
  EXPECT_THAT(*body, HasSubstr(
      R"("display":"message <m@x> \"Credit Transfer Copy\" in bob@contoso.example")"));
}

TEST(WebhookOptionsTest, Validation) {
  auto bad = [](auto mutate) {
    WebhookOptions o;
    o.url = "https://h.test/x";
    o.body_template = R"({"a":"{{action}}"})";
    mutate(o);
    return std::string(ValidateWebhookOptions(o).message());
  };
  EXPECT_EQ(bad([](WebhookOptions&) {}), "");
  EXPECT_THAT(bad([](WebhookOptions& o) { o.body_template = R"({"a":{{action}}})"; }),
              HasSubstr("body_template: not valid JSON once filled"));
  EXPECT_THAT(bad([](WebhookOptions& o) { o.body_template = R"({"a":"{{who}}"})"; }),
              HasSubstr("unknown placeholder"));
  EXPECT_THAT(bad([](WebhookOptions& o) { o.url = "ftp://h/x"; }), HasSubstr("url"));
  EXPECT_THAT(bad([](WebhookOptions& o) { o.url = "https://"; }), HasSubstr("url"));
  EXPECT_THAT(bad([](WebhookOptions& o) { o.method = "GET"; }), HasSubstr("method"));
  EXPECT_THAT(bad([](WebhookOptions& o) { o.success_codes = {302}; }),
              HasSubstr("success_codes"));
  EXPECT_THAT(bad([](WebhookOptions& o) { o.headers["idempotency-key"] = "x"; }),
              HasSubstr("set by Riposte"));
  EXPECT_THAT(bad([](WebhookOptions& o) { o.headers["Riposte-Signature"] = "x"; }),
              HasSubstr("set by Riposte"));
  EXPECT_THAT(bad([](WebhookOptions& o) {
                o.headers["Content-Type"] = "application/x-www-form-urlencoded";
              }),
              HasSubstr("Content-Type"));
  EXPECT_THAT(bad([](WebhookOptions& o) { o.headers["content-type"] = "text/plain"; }),
              HasSubstr("Content-Type"));
  EXPECT_EQ(bad([](WebhookOptions& o) {
              o.headers["Content-Type"] = "application/json; charset=utf-8";
            }),
            "");
  EXPECT_EQ(bad([](WebhookOptions& o) {
              o.headers["Content-Type"] = "application/vnd.soar+json";
            }),
            "");
  EXPECT_THAT(bad([](WebhookOptions& o) { o.headers["X-A"] = "a\r\nEvil: 1"; }),
              HasSubstr("line break"));
  EXPECT_THAT(bad([](WebhookOptions& o) { o.name = ""; }), HasSubstr("name"));
  EXPECT_THAT(bad([](WebhookOptions& o) { o.call_timeout = absl::ZeroDuration(); }),
              HasSubstr("call_timeout"));

  WebhookOptions invalid;
  invalid.url = "nope";
  FakeClock clock(absl::UnixEpoch());
  http::FakeHttpClient http([](const http::HttpRequest&) { return http::JsonResponse(200, "{}"); });
  WebhookAdapter adapter(invalid, &http, &clock);
  EXPECT_EQ(adapter.Apply(ActionRequest()).status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(adapter.Revert(ActionRequest()).status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(http.requests().empty());
}

}  // namespace
}  // namespace riposte::actions::webhook

namespace riposte::actions::webhook {
namespace {

TEST_F(WebhookAdapterTest, ALostLeaseSendsNothingAndRevertDoesNotCheckpoint) {
  WebhookOptions o = Options();
  o.revert = true;
  WebhookAdapter adapter(o, &http_, &clock_);
  std::vector<std::string> checkpoints;
  bool lose = true;
  ActionRequest request = Request();
  request.checkpoint = [&](const std::string& memo) -> absl::Status {
    if (lose) return absl::FailedPreconditionError("lease lost");
    checkpoints.push_back(memo);
    return absl::OkStatus();
  };
  EXPECT_EQ(adapter.Apply(request).status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(http_.requests().empty());
  lose = false;
  ASSERT_TRUE(adapter.Apply(request).ok());
  EXPECT_THAT(checkpoints, ::testing::ElementsAre(R"({"v":1,"pending":true})"));
  ASSERT_TRUE(adapter.Revert(request).ok());
  EXPECT_EQ(checkpoints.size(), 1);
}

}  // namespace
}  // namespace riposte::actions::webhook

namespace riposte::actions::webhook {
namespace {

// The narrative is what a SOAR analyst reads first: it must arrive whole,
// JSON-escaped, whatever it contains.
TEST_F(WebhookAdapterTest, RendersTheNarrativeEscapedForJson) {
  WebhookAdapter adapter(Options(), &http_, &clock_);
  ActionRequest request = Request();
  request.narrative =
      "Breach \"SaaS / Compromise / Unusual Login\" (score 87) matched rule "
      "saas-login-after-attempts.\nWhy force_logout: C:\\temp\t\x01 "
      "for Jos\xC3\xA9 \xE2\x80\xA8 </script>";
  ASSERT_TRUE(adapter.Apply(request).ok());
  const http::HttpRequest sent = http_.requests()[0];
  absl::StatusOr<common::JsonValue> body = common::JsonValue::Parse(sent.body);
  ASSERT_TRUE(body.ok()) << body.status() << "\n" << sent.body;
  EXPECT_EQ(body->GetString("why"), request.narrative);
  EXPECT_THAT(sent.body, HasSubstr(R"(\"SaaS / Compromise / Unusual Login\")"));
  EXPECT_THAT(sent.body, HasSubstr(R"(\nWhy force_logout: C:\\temp\t\u0001)"));
}

// Idempotency-Key is a header: it must be ASCII whatever the target is,
// and must not leak the target.
TEST_F(WebhookAdapterTest, IdempotencyKeyIsOpaqueAsciiAndStablePerRun) {
  WebhookOptions o = Options();
  o.revert = true;
  WebhookAdapter adapter(o, &http_, &clock_);
  ActionRequest request = Request();
  request.target.mutable_user()->set_user_principal_name("j\xC3\xB6rg@m\xC3\xBCller.example");
  request.target_key = "user:j\xC3\xB6rg@m\xC3\xBCller.example";
  request.idempotency_key = "decision-7/user:j\xC3\xB6rg@m\xC3\xBCller.example/disable_user";
  ASSERT_TRUE(adapter.Apply(request).ok());
  request.attempt = 2;
  clock_.Advance(absl::Seconds(30));
  ASSERT_TRUE(adapter.Apply(request).ok());
  ASSERT_TRUE(adapter.Revert(request).ok());
  ActionRequest other = request;
  other.run_id = 1002;
  other.idempotency_key = "decision-8/user:j\xC3\xB6rg@m\xC3\xBCller.example/disable_user";
  ASSERT_TRUE(adapter.Apply(other).ok());
  ASSERT_EQ(http_.requests().size(), 4);

  std::vector<std::string> keys;
  for (const http::HttpRequest& sent : http_.requests()) {
    const std::string key = sent.headers.at("Idempotency-Key");
    EXPECT_TRUE(IsPrintableAscii(key)) << key;
    EXPECT_THAT(key, Not(HasSubstr("rg@")));
    EXPECT_THAT(key, Not(HasSubstr("decision-")));
    EXPECT_LE(key.size(), 64);
    keys.push_back(key);
  }
  EXPECT_EQ(keys[0], keys[1]);  // a retry of the run
  EXPECT_NE(keys[0], keys[2]);  // its revert
  EXPECT_NE(keys[0], keys[3]);  // another run
  EXPECT_NE(keys[2], keys[3]);
}

// Each attempt is signed at its own time over the timestamp, the
// Idempotency-Key and the body: a captured request cannot be replayed
// later, nor its key swapped, without the receiver noticing.
TEST_F(WebhookAdapterTest, EachAttemptIsSignedWithItsTimeAndKey) {
  WebhookAdapter adapter(Options(), &http_, &clock_);
  ASSERT_TRUE(adapter.Apply(Request()).ok());
  clock_.Advance(absl::Seconds(90));
  ActionRequest retry = Request();
  retry.attempt = 2;
  ASSERT_TRUE(adapter.Apply(retry).ok());
  const http::HttpRequest first = http_.requests()[0];
  const http::HttpRequest second = http_.requests()[1];
  EXPECT_EQ(first.body, second.body);
  EXPECT_EQ(first.headers.at("Idempotency-Key"), second.headers.at("Idempotency-Key"));
  const std::string key = first.headers.at("Idempotency-Key");
  EXPECT_EQ(VerifiedTimestamp(first.headers.at("Riposte-Signature"), key, first.body),
            1714557600);
  EXPECT_EQ(VerifiedTimestamp(second.headers.at("Riposte-Signature"), key, second.body),
            1714557690);
  EXPECT_THAT(second.headers.at("Riposte-Signature"),
              ::testing::MatchesRegex("t=1714557690,v1=[0-9a-f]{64}"));
  // Tampering with the key, the body or the time breaks it.
  EXPECT_EQ(VerifiedTimestamp(first.headers.at("Riposte-Signature"), key + "x", first.body),
            -1);
  EXPECT_EQ(VerifiedTimestamp(first.headers.at("Riposte-Signature"), key, first.body + " "),
            -1);
  std::string moved = first.headers.at("Riposte-Signature");
  moved.replace(2, 10, "1714557690");
  EXPECT_EQ(VerifiedTimestamp(moved, key, first.body), -1);
}

// A request that may have reached the receiver comes back as a retryable
// error after exactly one send: the executor counts and audits it.
TEST_F(WebhookAdapterTest, UnknownOutcomesAreRetryableAndSentOnce) {
  WebhookAdapter adapter(Options(), &http_, &clock_);
  http_.SetHandler([](const http::HttpRequest&) -> absl::StatusOr<http::HttpResponse> {
    return absl::UnavailableError("POST http://127.0.0.1:1/x: connection reset by peer");
  });
  absl::Status s = adapter.Apply(Request()).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(http_.requests().size(), 1);
  http_.SetHandler([](const http::HttpRequest&) -> absl::StatusOr<http::HttpResponse> {
    return absl::DeadlineExceededError("POST http://127.0.0.1:1/x: no response within 3s");
  });
  s = adapter.Apply(Request()).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(http_.requests().size(), 2);
}

}  // namespace
}  // namespace riposte::actions::webhook
