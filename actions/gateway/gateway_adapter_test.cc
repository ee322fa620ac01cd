#include "actions/gateway/gateway_adapter.h"

#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "actions/action_executor.h"
#include "actions/common/json_value.h"
#include "common/clock.h"
#include "common/json.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "http/fake_http_client.h"

namespace riposte::actions::gateway {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using Outcome = ActionResult::Outcome;

constexpr char kBase[] = "https://gw.test";
constexpr char kClientId[] = "gw-client";
constexpr char kSecret[] = "gw-S3cret-Key+/=";
constexpr char kImid[] = "<bulk-9@evil.example>";

// A Mimecast-style gateway: a hold queue and remediations.
class FakeGateway {
 public:
  absl::StatusOr<http::HttpResponse> Handle(const http::HttpRequest& r) {
    absl::MutexLock lock(&mu_);
    absl::string_view path = r.url;
    if (!absl::ConsumePrefix(&path, kBase)) return absl::UnavailableError("wrong host");
    for (auto it = injected_.begin(); it != injected_.end(); ++it) {
      if (path == it->first) {
        http::HttpResponse response = it->second;
        injected_.erase(it);
        return response;
      }
    }
    if (path == "/oauth/token") {
      ++token_requests_;
      if (r.body != absl::StrCat("client_id=gw-client&client_secret=gw-S3cret-Key%2B%2F%3D&"
                                 "grant_type=client_credentials")) {
        return http::JsonResponse(
            401, absl::StrCat(R"({"error":"invalid_client","error_description":"bad secret )",
                              "echo", R"("})"));
      }
      token_ = absl::StrCat("gw-token-", token_requests_);
      return http::JsonResponse(200, absl::StrCat(R"({"access_token":")", token_,
                                                  R"(","token_type":"Bearer","expires_in":1800})"));
    }
    if (r.headers.count("Authorization") == 0 ||
        r.headers.at("Authorization") != "Bearer " + token_) {
      return http::JsonResponse(401, R"({"fail":[{"errors":[{"code":"token_invalid","message":"expired"}]}]})");
    }
    if (r.headers.count("Content-Type") == 0 ||
        r.headers.at("Content-Type") != "application/json") {
      return http::JsonResponse(415, "{}");
    }
    bodies_[std::string(path)].push_back(r.body);
    absl::StatusOr<common::JsonValue> body = common::JsonValue::Parse(r.body);
    if (!body.ok() || body->GetArray("data").size() != 1) {
      return http::JsonResponse(400, R"({"meta":{"status":400},"data":[],"fail":[]})");
    }
    const common::JsonValue& item = body->GetArray("data")[0];
    if (path == "/api/gateway/get-hold-message-list") {
      const std::string wanted = item.Find("searchBy")->GetString("value").value_or("");
      JsonArrayWriter data;
      for (const auto& [id, mid] : held_) {
        if (absl::StrContains(mid, wanted)) {
          data.AddRaw(JsonObjectWriter().Add("id", id).Add("messageId", mid)
                          .Add("reason", "Policy hold").Finish());
        }
      }
      return Ok(data.Finish());
    }
    if (path == "/api/gateway/hold-release") {
      const std::string id = item.GetString("id").value_or("");
      if (held_.erase(id) == 0) {
        return Fail(item, "err_hold_not_found", "The message is no longer held", false);
      }
      released_.push_back(id);
      return Ok(absl::StrCat(R"([{"id":")", id, R"(","release":true}])"));
    }
    if (path == "/api/ttp/remediation/create") {
      const std::string rid = absl::StrCat("rem-", ++next_remediation_);
      remediations_[rid] = item.GetString("messageId").value_or("");
      return Ok(absl::StrCat(R"([{"remediationId":")", rid, R"(","status":"pending"}])"));
    }
    if (path == "/api/ttp/remediation/restore") {
      const std::string rid = item.GetString("remediationId").value_or("");
      if (remediations_.erase(rid) == 0) {
        return Fail(item, "err_remediation_already_restored", "Already restored", false);
      }
      return Ok(absl::StrCat(R"([{"remediationId":")", rid, R"(","status":"restored"}])"));
    }
    return http::JsonResponse(404, "{}");
  }

  static http::HttpResponse Ok(const std::string& data) {
    return http::JsonResponse(200, absl::StrCat(R"({"meta":{"status":200},"data":)", data,
                                                R"(,"fail":[]})"));
  }
  static http::HttpResponse Fail(const common::JsonValue& item, const std::string& code,
                                 const std::string& message, bool retryable) {
    (void)item;
    return http::JsonResponse(
        200, absl::StrCat(R"({"meta":{"status":200},"data":[],"fail":[{"key":{},"errors":[{"code":")",
                          code, R"(","message":")", message, R"(","retryable":)",
                          retryable ? "true" : "false", "}]}]}"));
  }

  void Hold(const std::string& id, const std::string& message_id) {
    absl::MutexLock lock(&mu_);
    held_[id] = message_id;
  }
  void Inject(const std::string& path, http::HttpResponse response) {
    absl::MutexLock lock(&mu_);
    injected_.emplace_back(path, std::move(response));
  }
  void ExpireToken() {
    absl::MutexLock lock(&mu_);
    token_ = "expired-for-everyone";
  }
  bool IsHeld(const std::string& id) {
    absl::MutexLock lock(&mu_);
    return held_.count(id) > 0;
  }
  size_t remediations() {
    absl::MutexLock lock(&mu_);
    return remediations_.size();
  }
  std::vector<std::string> bodies(const std::string& path) {
    absl::MutexLock lock(&mu_);
    return bodies_[path];
  }
  int token_requests() {
    absl::MutexLock lock(&mu_);
    return token_requests_;
  }

 private:
  absl::Mutex mu_;
  std::map<std::string, std::string> held_;
  std::map<std::string, std::string> remediations_;
  std::vector<std::string> released_;
  std::map<std::string, std::vector<std::string>> bodies_;
  std::vector<std::pair<std::string, http::HttpResponse>> injected_;
  std::string token_;
  int token_requests_ = 0;
  int next_remediation_ = 0;
};

class GatewayAdapterTest : public ::testing::Test {
 protected:
  GatewayAdapterTest()
      : clock_(absl::FromUnixSeconds(1714557600)),  // 2024-05-01T10:00:00Z
        http_([this](const http::HttpRequest& r) { return gateway_.Handle(r); }),
        adapter_(Options(), &http_, &clock_) {}

  static GatewayOptions Options() {
    GatewayOptions o;
    o.base_url = kBase;
    o.client_id = kClientId;
    o.client_secret = kSecret;
    o.call_timeout = absl::Seconds(5);
    return o;
  }

  static ActionRequest Request(bool in_transit, const std::string& memo = "") {
    ActionRequest r;
    r.run_id = 77;
    r.action = "quarantine_email";
    r.target.mutable_email()->set_mailbox("carol@contoso.example");
    r.target.mutable_email()->set_internet_message_id(kImid);
    r.target.mutable_email()->set_in_transit(in_transit);
    r.memo = memo;
    return r;
  }

  absl::StatusOr<ActionResult> Check(absl::StatusOr<ActionResult> result) {
    const std::string text = result.ok() ? result->details + result->memo
                                         : result.status().ToString();
    EXPECT_THAT(text, Not(HasSubstr(kSecret)));
    EXPECT_THAT(text, Not(HasSubstr("gw-token")));
    EXPECT_THAT(text, Not(HasSubstr("Bearer")));
    if (result.ok()) {
      EXPECT_TRUE(common::JsonValue::Parse(result->details).ok());
    }
    return result;
  }
  absl::StatusOr<ActionResult> Apply(const ActionRequest& r) { return Check(adapter_.Apply(r)); }
  absl::StatusOr<ActionResult> Revert(const ActionRequest& r) { return Check(adapter_.Revert(r)); }

  std::vector<std::string> Paths() {
    std::vector<std::string> out;
    for (const auto& r : http_.requests()) {
      absl::string_view p = r.url;
      absl::ConsumePrefix(&p, kBase);
      out.emplace_back(p);
    }
    return out;
  }

  FakeClock clock_;
  FakeGateway gateway_;
  http::FakeHttpClient http_;
  GatewayAdapter adapter_;
};

TEST_F(GatewayAdapterTest, HeldInTransitStaysHeldAndIsReleasedOnRevert) {
  gateway_.Hold("hold-1", kImid);
  gateway_.Hold("hold-x", "<unrelated@x>");
  absl::StatusOr<ActionResult> applied = Apply(Request(true));
  ASSERT_TRUE(applied.ok()) << applied.status();
  EXPECT_EQ(applied->outcome, Outcome::kApplied);
  EXPECT_THAT(applied->details, HasSubstr("held at gateway"));
  EXPECT_EQ(applied->memo,
            R"({"v":1,"action":"quarantine_email","message_id":"<bulk-9@evil.example>",)"
            R"("mode":"held","hold_ids":["hold-1"]})");
  EXPECT_THAT(Paths(), ElementsAre("/oauth/token", "/api/gateway/get-hold-message-list"));
  EXPECT_THAT(gateway_.bodies("/api/gateway/get-hold-message-list"),
              ElementsAre(R"({"data":[{"admin":true,"searchBy":{"fieldName":"messageId",)"
                          R"("value":"<bulk-9@evil.example>"}}]})"));
  const http::HttpRequest token = http_.requests()[0];
  EXPECT_EQ(token.headers.at("Content-Type"), "application/x-www-form-urlencoded");
  EXPECT_EQ(http_.requests()[1].headers.at("Authorization"), "Bearer gw-token-1");
  EXPECT_EQ(http_.requests()[1].timeout, absl::Seconds(5));

  absl::StatusOr<ActionResult> reverted = Revert(Request(true, applied->memo));
  ASSERT_TRUE(reverted.ok()) << reverted.status();
  EXPECT_EQ(reverted->outcome, Outcome::kReverted);
  EXPECT_FALSE(gateway_.IsHeld("hold-1"));
  EXPECT_TRUE(gateway_.IsHeld("hold-x"));
  EXPECT_THAT(gateway_.bodies("/api/gateway/hold-release"),
              ElementsAre(R"({"data":[{"id":"hold-1"}]})"));
  EXPECT_EQ(gateway_.token_requests(), 1);
}

TEST_F(GatewayAdapterTest, ReleaseOfAMessageNoLongerHeldIsAlreadyReverted) {
  gateway_.Hold("hold-1", kImid);
  absl::StatusOr<ActionResult> applied = Apply(Request(true));
  ASSERT_TRUE(applied.ok());
  ASSERT_TRUE(Revert(Request(true, applied->memo)).ok());
  absl::StatusOr<ActionResult> again = Revert(Request(true, applied->memo));
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->outcome, Outcome::kAlreadyReverted);
}

TEST_F(GatewayAdapterTest, ARetriedApplyOfAHeldMessageIsAlreadyApplied) {
  gateway_.Hold("hold-1", kImid);
  absl::StatusOr<ActionResult> first = Apply(Request(true));
  ASSERT_TRUE(first.ok());
  absl::StatusOr<ActionResult> second = Apply(Request(true, first->memo));
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->outcome, Outcome::kAlreadyApplied);
  EXPECT_EQ(second->memo, first->memo);
}

TEST_F(GatewayAdapterTest, InTransitButAlreadyDeliveredIsRemediated) {
  absl::StatusOr<ActionResult> applied = Apply(Request(true));
  ASSERT_TRUE(applied.ok()) << applied.status();
  EXPECT_EQ(applied->outcome, Outcome::kApplied);
  EXPECT_THAT(Paths(), ElementsAre("/oauth/token", "/api/gateway/get-hold-message-list",
                                   "/api/ttp/remediation/create"));
  EXPECT_THAT(applied->memo, HasSubstr(R"("mode":"remediated","remediation_id":"rem-1")"));
}

TEST_F(GatewayAdapterTest, DeliveredIsRemediatedAndRestoredOnRevert) {
  absl::StatusOr<ActionResult> applied = Apply(Request(false));
  ASSERT_TRUE(applied.ok()) << applied.status();
  EXPECT_EQ(applied->outcome, Outcome::kApplied);
  EXPECT_THAT(Paths(), ElementsAre("/oauth/token", "/api/ttp/remediation/create"));
  EXPECT_THAT(gateway_.bodies("/api/ttp/remediation/create"),
              ElementsAre(R"({"data":[{"messageId":"<bulk-9@evil.example>",)"
                          R"("reason":"Riposte run 77","action":"quarantine"}]})"));
  EXPECT_EQ(gateway_.remediations(), 1);

  // A retried Apply does not remediate twice.
  absl::StatusOr<ActionResult> again = Apply(Request(false, applied->memo));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->outcome, Outcome::kAlreadyApplied);
  EXPECT_EQ(gateway_.remediations(), 1);

  absl::StatusOr<ActionResult> reverted = Revert(Request(false, applied->memo));
  ASSERT_TRUE(reverted.ok()) << reverted.status();
  EXPECT_EQ(reverted->outcome, Outcome::kReverted);
  EXPECT_THAT(gateway_.bodies("/api/ttp/remediation/restore"),
              ElementsAre(R"({"data":[{"remediationId":"rem-1"}]})"));
  EXPECT_EQ(gateway_.remediations(), 0);

  absl::StatusOr<ActionResult> twice = Revert(Request(false, applied->memo));
  ASSERT_TRUE(twice.ok()) << twice.status();
  EXPECT_EQ(twice->outcome, Outcome::kAlreadyReverted);
}

TEST_F(GatewayAdapterTest, AFailureUnderHttp200IsAnError) {
  gateway_.Inject("/api/ttp/remediation/create",
                  FakeGateway::Fail({}, "err_validation_message_id", "Invalid messageId", false));
  absl::Status s = Apply(Request(false)).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("err_validation_message_id: Invalid messageId"));

  gateway_.Inject("/api/ttp/remediation/create",
                  FakeGateway::Fail({}, "err_internal", "try again", true));
  EXPECT_EQ(Apply(Request(false)).status().code(), absl::StatusCode::kUnavailable);

  gateway_.Inject("/api/ttp/remediation/create",
                  FakeGateway::Fail({}, "err_request_throttled", "Too many", false));
  EXPECT_EQ(Apply(Request(false)).status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(gateway_.remediations(), 0);
}

TEST_F(GatewayAdapterTest, AFailingMetaStatusUnderHttp200IsAnError) {
  gateway_.Inject("/api/ttp/remediation/create",
                  http::JsonResponse(200, R"({"meta":{"status":503},"data":[],"fail":[]})"));
  EXPECT_EQ(Apply(Request(false)).status().code(), absl::StatusCode::kUnavailable);
}

TEST_F(GatewayAdapterTest, AlreadyRemediatedBySomeoneElse) {
  gateway_.Inject("/api/ttp/remediation/create",
                  FakeGateway::Fail({}, "err_already_remediated", "Message already remediated", false));
  absl::StatusOr<ActionResult> applied = Apply(Request(false));
  ASSERT_TRUE(applied.ok()) << applied.status();
  EXPECT_EQ(applied->outcome, Outcome::kAlreadyApplied);
  EXPECT_EQ(Revert(Request(false, applied->memo)).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST_F(GatewayAdapterTest, ThrottlingCarriesRetryAfter) {
  http::HttpResponse throttled = http::JsonResponse(
      429, R"({"fail":[{"errors":[{"code":"err_rate_limit","message":"slow down"}]}]})",
      {{"Retry-After", "Wed, 01 May 2024 10:00:42 GMT"}});
  gateway_.Inject("/api/ttp/remediation/create", throttled);
  absl::Status s = Apply(Request(false)).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(RetryAfter(s), absl::Seconds(42));
  EXPECT_THAT(s.message(), HasSubstr("POST /api/ttp/remediation/create: HTTP 429"));

  http::HttpResponse down = http::JsonResponse(503, "", {{"Retry-After", "8"}});
  gateway_.Inject("/api/gateway/get-hold-message-list", down);
  s = Apply(Request(true)).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(RetryAfter(s), absl::Seconds(8));
}

TEST_F(GatewayAdapterTest, ExpiredTokenIsRefreshedOnceOn401) {
  ASSERT_TRUE(Apply(Request(false)).ok());
  gateway_.ExpireToken();
  absl::StatusOr<ActionResult> applied = Apply(Request(false));
  ASSERT_TRUE(applied.ok()) << applied.status();
  EXPECT_EQ(gateway_.token_requests(), 2);
}

TEST_F(GatewayAdapterTest, TokenIsRefreshedBeforeExpiry) {
  ASSERT_TRUE(Apply(Request(false)).ok());
  clock_.Advance(absl::Seconds(1800 - 300));
  ASSERT_TRUE(Apply(Request(false)).ok());
  EXPECT_EQ(gateway_.token_requests(), 2);
}

TEST_F(GatewayAdapterTest, BadSecretIsPermissionDenied) {
  GatewayOptions options = Options();
  options.client_secret = "not-the-secret";
  GatewayAdapter adapter(options, &http_, &clock_);
  absl::Status s = adapter.Apply(Request(false)).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(s.message(), HasSubstr("check the configured client id and client secret"));
  EXPECT_THAT(s.message(), Not(HasSubstr("not-the-secret")));
}

TEST_F(GatewayAdapterTest, UnsupportedAndInvalidRequests) {
  ActionRequest other = Request(false);
  other.action = "disable_user";
  EXPECT_EQ(Apply(other).status().code(), absl::StatusCode::kUnimplemented);
  EXPECT_EQ(Revert(other).status().code(), absl::StatusCode::kUnimplemented);
  ActionRequest no_id = Request(false);
  no_id.target.mutable_email()->clear_internet_message_id();
  EXPECT_EQ(Apply(no_id).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Revert(Request(false)).status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(Revert(Request(false, "[]")).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(http_.requests().empty());

  GatewayOptions bad = Options();
  bad.base_url = "ftp://gw";
  GatewayAdapter adapter(bad, &http_, &clock_);
  EXPECT_EQ(adapter.Apply(Request(false)).status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(adapter.name(), "gateway");
}

}  // namespace
}  // namespace riposte::actions::gateway

namespace riposte::actions::gateway {
namespace {

TEST_F(GatewayAdapterTest, CheckpointsBeforeRemediatingAndStopsOnALostLease) {
  std::vector<std::string> checkpoints;
  bool lose = false;
  ActionRequest request = Request(false);
  request.checkpoint = [&](const std::string& memo) -> absl::Status {
    if (lose) return absl::FailedPreconditionError("lease lost");
    checkpoints.push_back(memo);
    return absl::OkStatus();
  };
  lose = true;
  EXPECT_EQ(Apply(request).status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(gateway_.remediations(), 0);

  lose = false;
  absl::StatusOr<ActionResult> applied = Apply(request);
  ASSERT_TRUE(applied.ok()) << applied.status();
  ASSERT_EQ(checkpoints.size(), 1);
  EXPECT_THAT(checkpoints[0], HasSubstr(R"("mode":"remediating")"));

  // A revert whose Apply never recorded its outcome cannot restore by id.
  EXPECT_EQ(Revert(Request(false, checkpoints[0])).status().code(),
            absl::StatusCode::kFailedPrecondition);
  // Revert does not checkpoint (it would overwrite the Apply's memo).
  request.memo = applied->memo;
  ASSERT_TRUE(Revert(request).ok());
  EXPECT_EQ(checkpoints.size(), 1);
}

}  // namespace
}  // namespace riposte::actions::gateway
