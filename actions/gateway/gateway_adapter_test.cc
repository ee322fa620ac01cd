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
      // As documented: {"reason","searchBy","hashOrMessageId"}; the answer
      // is the incident: "id", "code", counts, searchCriteria.
      const std::string reason = item.GetString("reason").value_or("");
      const std::string mid = item.GetString("hashOrMessageId").value_or("");
      if (reason.empty() || item.GetString("searchBy").value_or("") != "messageId" ||
          !absl::StartsWith(mid, "<")) {
        return Fail(item, "err_validation_invalid", "Bad remediation request", false);
      }
      int removed = 0;
      for (auto& [mailbox, incident] : copies_[mid]) {
        if (incident.empty()) ++removed;
      }
      if (removed == 0) {
        return Fail(item, "err_remediation_no_messages_found", "No messages found", false);
      }
      Incident incident;
      incident.id = absl::StrCat("eNqrVi-inc-", ++next_incident_);
      incident.code = absl::StrCat("TR-RQ7-", next_incident_);
      incident.reason = reason;
      incident.message_id = mid;
      incident.successful = removed;
      for (auto& [mailbox, holder] : copies_[mid]) {
        if (holder.empty()) holder = incident.id;
      }
      incidents_.push_back(incident);
      if (lose_create_answer_) {
        lose_create_answer_ = false;
        return absl::UnavailableError("connection reset");
      }
      return Ok(absl::StrCat("[", incident.Render(), "]"));
    }
    if (path == "/api/ttp/remediation/find-incidents") {
      const common::JsonValue* search = item.Find("searchBy");
      const common::JsonValue& by =
          search != nullptr && search->is_array() ? search->elements()[0] : *search;
      const std::string value = by.GetString("value").value_or("");
      JsonArrayWriter data;
      for (const Incident& i : incidents_) {
        if (by.GetString("fieldName").value_or("") == "reason" &&
            absl::StrContains(i.reason, value)) {
          data.AddRaw(i.Render());
        }
      }
      return Ok(data.Finish());
    }
    if (path == "/api/ttp/remediation/get-incident") {
      const std::string id = item.GetString("id").value_or("");
      for (const Incident& i : incidents_) {
        if (i.id == id) return Ok(absl::StrCat("[", i.Render(), "]"));
      }
      return Fail(item, "err_remediation_incident_not_found", "Incident not found", false);
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

  // A delivered copy of a message in a mailbox.
  void Deliver(const std::string& message_id, const std::string& mailbox) {
    absl::MutexLock lock(&mu_);
    copies_[message_id][mailbox] = "";
  }
  // What an administrator does in the console: restore an incident.
  void RestoreInConsole(const std::string& id) {
    absl::MutexLock lock(&mu_);
    for (Incident& i : incidents_) {
      if (i.id != id) continue;
      i.type = "restored";
      i.restored = i.successful;
      for (auto& [mailbox, holder] : copies_[i.message_id]) {
        if (holder == id) holder.clear();
      }
    }
  }
  // The next create is carried out but its answer is lost.
  void LoseNextCreateAnswer() {
    absl::MutexLock lock(&mu_);
    lose_create_answer_ = true;
  }
  // Mailboxes whose copy of `message_id` is out (remediated).
  std::vector<std::string> Remediated(const std::string& message_id) {
    absl::MutexLock lock(&mu_);
    std::vector<std::string> out;
    for (const auto& [mailbox, holder] : copies_[message_id]) {
      if (!holder.empty()) out.push_back(mailbox);
    }
    return out;
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
  size_t incidents() {
    absl::MutexLock lock(&mu_);
    return incidents_.size();
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
  struct Incident {
    std::string id;
    std::string code;
    std::string type = "manual";
    std::string reason;
    std::string message_id;
    int successful = 0;
    int restored = 0;
    std::string Render() const {
      return JsonObjectWriter()
          .Add("code", code)
          .AddInt("successful", successful)
          .AddInt("identified", successful)
          .Add("reason", reason)
          .Add("id", id)
          .Add("create", "2024-05-01T10:00:00+0000")
          .Add("modified", "2024-05-01T10:00:00+0000")
          .AddRaw("searchCriteria", JsonObjectWriter().Add("messageId", message_id).Finish())
          .AddInt("failed", 0)
          .Add("type", type)
          .AddInt("restored", restored)
          .Finish();
    }
  };

  absl::Mutex mu_;
  std::map<std::string, std::string> held_;
  // message id -> mailbox -> id of the incident that removed it ("" = in).
  std::map<std::string, std::map<std::string, std::string>> copies_;
  std::vector<Incident> incidents_;
  bool lose_create_answer_ = false;
  std::vector<std::string> released_;
  std::map<std::string, std::vector<std::string>> bodies_;
  std::vector<std::pair<std::string, http::HttpResponse>> injected_;
  std::string token_;
  int token_requests_ = 0;
  int next_incident_ = 0;
};

class GatewayAdapterTest : public ::testing::Test {
 protected:
  GatewayAdapterTest()
      : clock_(absl::FromUnixSeconds(1714557600)),  // 2024-05-01T10:00:00Z
        http_([this](const http::HttpRequest& r) { return gateway_.Handle(r); }),
        adapter_(Options(), &http_, &clock_) {
    gateway_.Deliver(kImid, "carol@contoso.example");
    gateway_.Deliver(kImid, "dave@contoso.example");
  }

  static GatewayOptions Options() {
    GatewayOptions o;
    o.base_url = kBase;
    o.client_id = kClientId;
    o.client_secret = kSecret;
    o.call_timeout = absl::Seconds(5);
    return o;
  }

  static ActionRequest Request(bool in_transit, const std::string& memo = "",
                               int64_t run_id = 77,
                               const std::string& mailbox = "carol@contoso.example") {
    ActionRequest r;
    r.run_id = run_id;
    r.action = "quarantine_email";
    r.target.mutable_email()->set_mailbox(mailbox);
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

  static common::JsonValue Details(const ActionResult& result) {
    return *common::JsonValue::Parse(result.details);
  }

  FakeClock clock_;
  FakeGateway gateway_;
  http::FakeHttpClient http_;
  GatewayAdapter adapter_;
};

constexpr char kCarol[] = "carol@contoso.example";
constexpr char kDave[] = "dave@contoso.example";
constexpr char kCreate[] = "/api/ttp/remediation/create";
constexpr char kFind[] = "/api/ttp/remediation/find-incidents";
constexpr char kGet[] = "/api/ttp/remediation/get-incident";

TEST_F(GatewayAdapterTest, AMessageHeldBeforeRiposteActedIsNeverReleased) {
  gateway_.Hold("hold-1", kImid);
  gateway_.Hold("hold-x", "<unrelated@x>");
  absl::StatusOr<ActionResult> applied = Apply(Request(true));
  ASSERT_TRUE(applied.ok()) << applied.status();
  // The gateway held it; Riposte did not change anything.
  EXPECT_EQ(applied->outcome, Outcome::kAlreadyApplied);
  EXPECT_FALSE(applied->reversible);  // nothing of Riposte's to release
  EXPECT_THAT(applied->details, HasSubstr("already held at the gateway"));
  EXPECT_EQ(applied->memo,
            R"({"v":2,"action":"quarantine_email","message_id":"<bulk-9@evil.example>",)"
            R"("held_before":true,"mode":"held","hold_ids":["hold-1"]})");
  EXPECT_THAT(Paths(), ElementsAre("/oauth/token", "/api/gateway/get-hold-message-list"));
  EXPECT_THAT(gateway_.bodies("/api/gateway/get-hold-message-list"),
              ElementsAre(R"({"data":[{"admin":true,"searchBy":{"fieldName":"messageId",)"
                          R"("value":"<bulk-9@evil.example>"}}]})"));
  const http::HttpRequest token = http_.requests()[0];
  EXPECT_EQ(token.headers.at("Content-Type"), "application/x-www-form-urlencoded");
  EXPECT_EQ(http_.requests()[1].headers.at("Authorization"), "Bearer gw-token-1");
  EXPECT_EQ(http_.requests()[1].timeout, absl::Seconds(5));

  // At expiry: the payload stays held, and the run says why.
  absl::StatusOr<ActionResult> reverted = Revert(Request(true, applied->memo));
  ASSERT_TRUE(reverted.ok()) << reverted.status();
  EXPECT_EQ(reverted->outcome, Outcome::kNothingToUndo);
  EXPECT_EQ(Details(*reverted).GetString("note"),
            "nothing to undo: the message was already held before Riposte acted");
  EXPECT_EQ(Details(*reverted).GetBool("nothing_to_undo"), true);
  EXPECT_TRUE(gateway_.IsHeld("hold-1"));
  EXPECT_TRUE(gateway_.IsHeld("hold-x"));
  EXPECT_TRUE(gateway_.bodies("/api/gateway/hold-release").empty());
  EXPECT_EQ(gateway_.token_requests(), 1);
}

TEST_F(GatewayAdapterTest, AnOlderMemoOfAHeldMessageIsNotReleasedEither) {
  gateway_.Hold("hold-1", kImid);
  const std::string v1 =
      R"({"v":1,"action":"quarantine_email","message_id":"<bulk-9@evil.example>",)"
      R"("mode":"held","hold_ids":["hold-1"]})";
  absl::StatusOr<ActionResult> reverted = Revert(Request(true, v1));
  ASSERT_TRUE(reverted.ok()) << reverted.status();
  EXPECT_EQ(reverted->outcome, Outcome::kNothingToUndo);
  EXPECT_EQ(Details(*reverted).GetBool("nothing_to_undo"), true);
  EXPECT_TRUE(gateway_.IsHeld("hold-1"));
  EXPECT_TRUE(http_.requests().empty());
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
                                   kFind, kCreate));
  EXPECT_THAT(applied->memo, HasSubstr(R"("held_before":false,"mode":"remediated")"));
  EXPECT_THAT(applied->memo, HasSubstr(R"("incident_id":"eNqrVi-inc-1")"));
}

TEST_F(GatewayAdapterTest, ARemediationIsRecordedFromTheDocumentedAnswer) {
  absl::StatusOr<ActionResult> applied = Apply(Request(false));
  ASSERT_TRUE(applied.ok()) << applied.status();
  EXPECT_EQ(applied->outcome, Outcome::kApplied);
  // The gateway's API has no restore: the run must not promise a release.
  EXPECT_FALSE(applied->reversible);
  EXPECT_FALSE(adapter_.CanUndo("quarantine_email", v1::Entity()));
  EXPECT_THAT(Paths(), ElementsAre("/oauth/token", kFind, kCreate));
  EXPECT_THAT(gateway_.bodies(kFind),
              ElementsAre(R"({"data":[{"searchBy":[{"fieldName":"reason",)"
                          R"("value":"Riposte quarantine_email <bulk-9@evil.example>"}]}]})"));
  EXPECT_THAT(gateway_.bodies(kCreate),
              ElementsAre(R"({"data":[{"reason":"Riposte quarantine_email <bulk-9@evil.example>",)"
                          R"("searchBy":"messageId","hashOrMessageId":"<bulk-9@evil.example>"}]})"));
  EXPECT_EQ(applied->memo,
            R"({"v":2,"action":"quarantine_email","message_id":"<bulk-9@evil.example>",)"
            R"("held_before":false,"mode":"remediated",)"
            R"("reason":"Riposte quarantine_email <bulk-9@evil.example>",)"
            R"("incident_id":"eNqrVi-inc-1","incident_code":"TR-RQ7-1","adopted":false})");
  // Every recipient's copy is out: one incident per message.
  EXPECT_THAT(gateway_.Remediated(kImid), ElementsAre(kCarol, kDave));
  const common::JsonValue details = Details(*applied);
  EXPECT_EQ(details.GetBool("reversible"), false);
  EXPECT_EQ(details.Find("incident")->GetString("code"), "TR-RQ7-1");
  EXPECT_EQ(details.Find("incident")->GetInt64("successful"), 2);
  EXPECT_THAT(details.GetString("restore").value_or(""),
              HasSubstr("Services | Threat Remediation"));

  // A retried Apply does not remediate twice, nor even ask.
  absl::StatusOr<ActionResult> again = Apply(Request(false, applied->memo));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->outcome, Outcome::kAlreadyApplied);
  EXPECT_EQ(gateway_.incidents(), 1);
  EXPECT_EQ(gateway_.bodies(kCreate).size(), 1);
}

TEST_F(GatewayAdapterTest, ARetryAfterALostAnswerAdoptsTheIncidentInsteadOfFailing) {
  std::vector<std::string> checkpoints;
  ActionRequest request = Request(false);
  request.checkpoint = [&](const std::string& memo) {
    checkpoints.push_back(memo);
    return absl::OkStatus();
  };
  gateway_.LoseNextCreateAnswer();
  EXPECT_EQ(Apply(request).status().code(), absl::StatusCode::kUnavailable);
  ASSERT_EQ(checkpoints.size(), 1);
  EXPECT_THAT(checkpoints[0], HasSubstr(R"("held_before":false,"mode":"remediating")"));
  EXPECT_EQ(gateway_.incidents(), 1);  // it was made, the answer was lost

  request.memo = checkpoints[0];
  request.attempt = 2;
  absl::StatusOr<ActionResult> retried = Apply(request);
  ASSERT_TRUE(retried.ok()) << retried.status();
  EXPECT_EQ(retried->outcome, Outcome::kApplied);
  EXPECT_THAT(retried->memo, HasSubstr(R"("incident_id":"eNqrVi-inc-1")"));
  EXPECT_EQ(gateway_.incidents(), 1);
  EXPECT_EQ(gateway_.bodies(kCreate).size(), 1);
}

TEST_F(GatewayAdapterTest, AnotherRecipientsRunAdoptsTheMessagesIncident) {
  absl::StatusOr<ActionResult> carol = Apply(Request(false, "", 77, kCarol));
  ASSERT_TRUE(carol.ok()) << carol.status();
  absl::StatusOr<ActionResult> dave = Apply(Request(false, "", 78, kDave));
  ASSERT_TRUE(dave.ok()) << dave.status();
  EXPECT_EQ(dave->outcome, Outcome::kAlreadyApplied);
  EXPECT_THAT(dave->memo, HasSubstr(R"("incident_id":"eNqrVi-inc-1","incident_code":"TR-RQ7-1",)"
                                    R"("adopted":true)"));
  EXPECT_THAT(Details(*dave).GetString("note").value_or(""),
              HasSubstr("covers every recipient"));
  EXPECT_EQ(gateway_.incidents(), 1);
}

TEST_F(GatewayAdapterTest, ARunThatLosesTheRaceToCreateAdoptsTheWinnersIncident) {
  ASSERT_TRUE(Apply(Request(false, "", 77, kCarol)).ok());
  // Dave's run looked before Carol's incident existed, then asks: the
  // gateway finds no copy left. It must adopt, not claim someone else did it.
  gateway_.Inject(kFind, FakeGateway::Ok("[]"));
  absl::StatusOr<ActionResult> dave = Apply(Request(false, "", 78, kDave));
  ASSERT_TRUE(dave.ok()) << dave.status();
  EXPECT_EQ(dave->outcome, Outcome::kAlreadyApplied);
  EXPECT_THAT(dave->memo, HasSubstr(R"("incident_id":"eNqrVi-inc-1","incident_code":"TR-RQ7-1",)"
                                    R"("adopted":true)"));
  EXPECT_EQ(gateway_.incidents(), 1);
}

TEST_F(GatewayAdapterTest, AnIncidentRestoredInTheConsoleIsNotAdopted) {
  ASSERT_TRUE(Apply(Request(false)).ok());
  gateway_.RestoreInConsole("eNqrVi-inc-1");
  absl::StatusOr<ActionResult> later = Apply(Request(false, "", 78, kDave));
  ASSERT_TRUE(later.ok()) << later.status();
  EXPECT_EQ(later->outcome, Outcome::kApplied);
  EXPECT_THAT(later->memo, HasSubstr(R"("incident_id":"eNqrVi-inc-2")"));
  EXPECT_EQ(gateway_.incidents(), 2);
}

TEST_F(GatewayAdapterTest, RevertLeavesTheRemediationAndSaysHowToRestoreIt) {
  absl::StatusOr<ActionResult> applied = Apply(Request(false));
  ASSERT_TRUE(applied.ok()) << applied.status();
  http_.ClearRequests();
  absl::StatusOr<ActionResult> reverted = Revert(Request(false, applied->memo));
  ASSERT_TRUE(reverted.ok()) << reverted.status();
  EXPECT_EQ(reverted->outcome, Outcome::kNothingToUndo);
  // Only the documented read; there is no API to restore.
  EXPECT_THAT(Paths(), ElementsAre(kGet));
  EXPECT_THAT(gateway_.Remediated(kImid), ElementsAre(kCarol, kDave));
  const common::JsonValue details = Details(*reverted);
  EXPECT_EQ(details.GetBool("effect_stays"), true);
  EXPECT_EQ(details.GetBool("reversible"), false);
  EXPECT_THAT(details.GetString("note").value_or(""), HasSubstr("TR-RQ7-1"));
  EXPECT_THAT(details.GetString("note").value_or(""),
              HasSubstr("Services | Threat Remediation"));
  EXPECT_EQ(reverted->memo, applied->memo);
}

TEST_F(GatewayAdapterTest, RevertAfterARestoreInTheConsoleIsAlreadyReverted) {
  absl::StatusOr<ActionResult> applied = Apply(Request(false));
  ASSERT_TRUE(applied.ok());
  gateway_.RestoreInConsole("eNqrVi-inc-1");
  absl::StatusOr<ActionResult> reverted = Revert(Request(false, applied->memo));
  ASSERT_TRUE(reverted.ok()) << reverted.status();
  EXPECT_EQ(reverted->outcome, Outcome::kAlreadyReverted);
  EXPECT_EQ(Details(*reverted).GetBool("effect_stays"), false);
  EXPECT_THAT(Details(*reverted).GetString("note").value_or(""),
              HasSubstr("restored in the gateway console"));
}

TEST_F(GatewayAdapterTest, AFailureUnderHttp200IsAnError) {
  gateway_.Inject(kCreate,
                  FakeGateway::Fail({}, "err_validation_message_id", "Invalid messageId", false));
  absl::Status s = Apply(Request(false)).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("err_validation_message_id: Invalid messageId"));

  gateway_.Inject(kCreate, FakeGateway::Fail({}, "err_internal", "try again", true));
  EXPECT_EQ(Apply(Request(false)).status().code(), absl::StatusCode::kUnavailable);

  gateway_.Inject(kCreate, FakeGateway::Fail({}, "err_request_throttled", "Too many", false));
  EXPECT_EQ(Apply(Request(false)).status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(gateway_.incidents(), 0);
}

TEST_F(GatewayAdapterTest, AFailingMetaStatusUnderHttp200IsAnError) {
  gateway_.Inject(kCreate,
                  http::JsonResponse(200, R"({"meta":{"status":503},"data":[],"fail":[]})"));
  EXPECT_EQ(Apply(Request(false)).status().code(), absl::StatusCode::kUnavailable);
}

TEST_F(GatewayAdapterTest, AnAnswerWithoutAnIncidentIdIsRetried) {
  gateway_.Inject(kCreate, FakeGateway::Ok(R"([{"status":"pending"}])"));
  EXPECT_EQ(Apply(Request(false)).status().code(), absl::StatusCode::kUnavailable);
}

TEST_F(GatewayAdapterTest, AlreadyRemediatedBySomeoneElseLeavesNothingToUndo) {
  for (const char* code : {"err_already_remediated", "err_remediation_no_messages_found"}) {
    gateway_.Inject(kCreate, FakeGateway::Fail({}, code, "No messages found", false));
    absl::StatusOr<ActionResult> applied = Apply(Request(false));
    ASSERT_TRUE(applied.ok()) << applied.status();
    EXPECT_EQ(applied->outcome, Outcome::kAlreadyApplied);
    EXPECT_THAT(applied->memo, HasSubstr(R"("incident_id":"")"));
    absl::StatusOr<ActionResult> reverted = Revert(Request(false, applied->memo));
    ASSERT_TRUE(reverted.ok()) << reverted.status();
    EXPECT_EQ(reverted->outcome, Outcome::kNothingToUndo);
    EXPECT_EQ(Details(*reverted).GetBool("nothing_to_undo"), true);
    EXPECT_THAT(Details(*reverted).GetString("note").value_or(""),
                HasSubstr("nothing to undo"));
  }
  EXPECT_EQ(gateway_.incidents(), 0);
}

TEST_F(GatewayAdapterTest, ThrottlingCarriesRetryAfter) {
  http::HttpResponse throttled = http::JsonResponse(
      429, R"({"fail":[{"errors":[{"code":"err_rate_limit","message":"slow down"}]}]})",
      {{"Retry-After", "Wed, 01 May 2024 10:00:42 GMT"}});
  gateway_.Inject(kCreate, throttled);
  absl::Status s = Apply(Request(false)).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(RetryAfter(s), absl::Seconds(42));
  EXPECT_THAT(s.message(), HasSubstr("POST /api/ttp/remediation/create: HTTP 429"));

  // Every run waits out the hold, and nothing is sent meanwhile.
  const size_t sent = Paths().size();
  clock_.Advance(absl::Seconds(40));
  s = Apply(Request(true)).status();
  EXPECT_TRUE(IsThrottled(s)) << s;
  EXPECT_EQ(RetryAfter(s), absl::Seconds(2));
  EXPECT_THAT(s.message(), HasSubstr("not sent"));
  EXPECT_EQ(Paths().size(), sent);
  clock_.Advance(absl::Seconds(2));

  http::HttpResponse down = http::JsonResponse(503, "", {{"Retry-After", "8"}});
  gateway_.Inject("/api/gateway/get-hold-message-list", down);
  s = Apply(Request(true)).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE(IsThrottled(s));
  EXPECT_EQ(RetryAfter(s), absl::Seconds(8));
}

TEST_F(GatewayAdapterTest, ExpiredTokenIsRefreshedOnceOn401) {
  ASSERT_TRUE(Apply(Request(false)).ok());
  gateway_.ExpireToken();
  absl::StatusOr<ActionResult> applied = Apply(Request(false, "", 78, kDave));
  ASSERT_TRUE(applied.ok()) << applied.status();
  EXPECT_EQ(gateway_.token_requests(), 2);
}

TEST_F(GatewayAdapterTest, TokenIsRefreshedBeforeExpiry) {
  ASSERT_TRUE(Apply(Request(false)).ok());
  clock_.Advance(absl::Seconds(1800 - 300));
  ASSERT_TRUE(Apply(Request(false, "", 78, kDave)).ok());
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
  EXPECT_EQ(gateway_.incidents(), 0);

  lose = false;
  absl::StatusOr<ActionResult> applied = Apply(request);
  ASSERT_TRUE(applied.ok()) << applied.status();
  ASSERT_EQ(checkpoints.size(), 1);
  EXPECT_THAT(checkpoints[0], HasSubstr(R"("held_before":false,"mode":"remediating")"));

  // A revert whose Apply never recorded its outcome looks the incident up.
  absl::StatusOr<ActionResult> unknown = Revert(Request(false, checkpoints[0]));
  ASSERT_TRUE(unknown.ok()) << unknown.status();
  EXPECT_EQ(Details(*unknown).GetBool("effect_stays"), true);
  EXPECT_THAT(Details(*unknown).GetString("note").value_or(""), HasSubstr("TR-RQ7-1"));
  // Revert does not checkpoint (it would overwrite the Apply's memo).
  request.memo = applied->memo;
  ASSERT_TRUE(Revert(request).ok());
  EXPECT_EQ(checkpoints.size(), 1);
}

TEST_F(GatewayAdapterTest, ARemediationNeverMadeLeavesNothingToUndo) {
  const std::string remediating =
      R"({"v":2,"action":"quarantine_email","message_id":"<bulk-9@evil.example>",)"
      R"("held_before":false,"mode":"remediating",)"
      R"("reason":"Riposte quarantine_email <bulk-9@evil.example>"})";
  absl::StatusOr<ActionResult> reverted = Revert(Request(false, remediating));
  ASSERT_TRUE(reverted.ok()) << reverted.status();
  EXPECT_EQ(reverted->outcome, Outcome::kNothingToUndo);
  EXPECT_EQ(Details(*reverted).GetBool("nothing_to_undo"), true);
  EXPECT_THAT(Paths(), ElementsAre("/oauth/token", kFind));
}

}  // namespace
}  // namespace riposte::actions::gateway
