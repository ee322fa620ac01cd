#include "actions/graph/graph_client.h"

#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "actions/action_executor.h"
#include "actions/graph/fake_graph.h"
#include "actions/graph/graph_test_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace riposte::actions::graph {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

class GraphClientTest : public GraphAdapterTest {
 protected:
  GraphClientTest()
      : client_(Options(), &http_, &clock_,
                [this] { return absl::StrCat("cid-", ++guids_); }) {}

  absl::StatusOr<GraphResponse> Get(const std::string& target, CallLog* log = nullptr) {
    GraphRequest r;
    r.target = target;
    return client_.Send(r, log);
  }

  GraphClient client_;
};

TEST_F(GraphClientTest, SendsTheHeadersGraphNeeds) {
  graph_.AddUser({"u1", "alice@contoso.example"});
  CallLog log;
  ASSERT_TRUE(Get("/users/u1?$select=id,accountEnabled", &log).ok());
  std::vector<http::HttpRequest> requests = Requests();
  ASSERT_EQ(requests.size(), 2);
  EXPECT_EQ(requests[0].url, "https://login.test/contoso.example/oauth2/v2.0/token");
  EXPECT_EQ(requests[0].timeout, absl::Seconds(9));
  const http::HttpRequest& r = requests[1];
  EXPECT_EQ(r.url, "https://graph.test/v1.0/users/u1?$select=id,accountEnabled");
  EXPECT_EQ(r.headers.at("Authorization"), "Bearer graph-token-1");
  EXPECT_EQ(r.headers.at("client-request-id"), "cid-1");
  EXPECT_EQ(r.headers.at("Prefer"), "IdType=\"ImmutableId\"");
  EXPECT_EQ(r.headers.at("Accept"), "application/json");
  EXPECT_EQ(r.headers.count("Content-Type"), 0);
  EXPECT_EQ(r.timeout, absl::Seconds(9));
  ASSERT_EQ(log.calls().size(), 1);
  EXPECT_EQ(log.calls()[0].path, "/v1.0/users/u1");
  EXPECT_EQ(log.calls()[0].status, 200);
  EXPECT_THAT(log.calls()[0].request_id, HasSubstr("rid-"));
  EXPECT_EQ(log.calls()[0].client_request_id, "cid-1");
  EXPECT_THAT(log.ToJson(), HasSubstr(R"("path":"/v1.0/users/u1","status":200)"));
}

TEST_F(GraphClientTest, CachesTheTokenAndRefreshesFiveMinutesBeforeExpiry) {
  graph_.AddUser({"u1", "alice@contoso.example"});
  ASSERT_TRUE(Get("/users/u1").ok());
  const std::string first = Requests().back().headers.at("Authorization");
  ASSERT_TRUE(Get("/users/u1").ok());
  EXPECT_EQ(graph_.token_requests(), 1);
  clock_.Advance(absl::Seconds(3599 - 300 - 1));
  ASSERT_TRUE(Get("/users/u1").ok());
  EXPECT_EQ(graph_.token_requests(), 1);
  clock_.Advance(absl::Seconds(1));
  ASSERT_TRUE(Get("/users/u1").ok());
  EXPECT_EQ(graph_.token_requests(), 2);
  EXPECT_NE(Requests().back().headers.at("Authorization"), first);
}

TEST_F(GraphClientTest, On401RefreshesTheTokenAndRetriesOnce) {
  graph_.AddUser({"u1", "alice@contoso.example"});
  ASSERT_TRUE(Get("/users/u1").ok());
  graph_.RevokeIssuedTokens();
  CallLog log;
  ASSERT_TRUE(Get("/users/u1", &log).ok());
  EXPECT_EQ(graph_.token_requests(), 2);
  ASSERT_EQ(log.calls().size(), 2);
  EXPECT_EQ(log.calls()[0].status, 401);
  EXPECT_EQ(log.calls()[1].status, 200);
  EXPECT_NE(log.calls()[0].client_request_id, log.calls()[1].client_request_id);
}

TEST_F(GraphClientTest, A401AfterRefreshIsUnauthenticated) {
  graph_.AddUser({"u1", "alice@contoso.example"});
  graph_.Inject("GET", "/users/u1",
                GraphError(401, "InvalidAuthenticationToken", "Lifetime validation failed"), 5);
  absl::Status s = Get("/users/u1").status();
  EXPECT_EQ(s.code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(s.message(), HasSubstr("GET /v1.0/users/u1: HTTP 401"));
  EXPECT_EQ(graph_.token_requests(), 2);  // the first token and one refresh
  EXPECT_EQ(GraphCalls().size(), 2);      // the call and one retry
}

TEST_F(GraphClientTest, ThrottlingCarriesRetryAfterSeconds) {
  http::HttpResponse throttled =
      GraphError(429, "TooManyRequests", "Application is over its MailboxConcurrency limit.",
                 "rid-429");
  throttled.headers["Retry-After"] = "17";
  graph_.Inject("GET", "/messages", throttled);
  absl::Status s = Get("/users/bob@contoso.example/messages?$filter=internetMessageId%20eq%20%27%3Cx%3E%27").status();
  EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(RetryAfter(s), absl::Seconds(17));
  EXPECT_THAT(s.message(), HasSubstr("GET /v1.0/users/bob@contoso.example/messages: HTTP 429"));
  EXPECT_THAT(s.message(), HasSubstr("TooManyRequests: Application is over"));
  EXPECT_THAT(s.message(), HasSubstr("request-id rid-429"));
  EXPECT_THAT(s.message(), Not(HasSubstr("filter")));
}

TEST_F(GraphClientTest, ThrottlingCarriesRetryAfterHttpDate) {
  http::HttpResponse throttled = GraphError(429, "TooManyRequests", "slow down");
  // The fake clock says 2024-05-01T10:00:00Z.
  throttled.headers["Retry-After"] = "Wed, 01 May 2024 10:01:30 GMT";
  graph_.Inject("GET", "/users/u1", throttled);
  absl::Status s = Get("/users/u1").status();
  EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(RetryAfter(s), absl::Seconds(90));
}

TEST_F(GraphClientTest, ServerErrorsAreUnavailable) {
  http::HttpResponse busy = GraphError(503, "ServiceNotAvailable", "busy");
  busy.headers["Retry-After"] = "4";
  graph_.Inject("GET", "/users/u1", busy);
  graph_.Inject("GET", "/users/u1", GraphError(504, "GatewayTimeout", "slow"));
  absl::Status s = Get("/users/u1").status();
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE(IsThrottled(s));
  EXPECT_EQ(RetryAfter(s), absl::Seconds(4));
  clock_.Advance(absl::Seconds(4));
  s = Get("/users/u1").status();
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE(IsThrottled(s));
  // No Retry-After, and the second throttled answer in a row: the scope is
  // held for the second step of the backoff.
  EXPECT_EQ(RetryAfter(s), 2 * Options().throttle_initial);
}

TEST_F(GraphClientTest, AThrottledMailboxHoldsEveryRequestIntoIt) {
  graph_.AddUser({"u1", "alice@contoso.example"});
  http::HttpResponse throttled = GraphError(429, "TooManyRequests", "slow down");
  throttled.headers["Retry-After"] = "2";
  graph_.Inject("GET", "/messages", throttled);
  ASSERT_TRUE(IsThrottled(Get("/users/bob%40contoso.example/messages").status()));
  const size_t sent = Requests().size();

  // Another run, another resource of the same mailbox, 20 ms later: held
  // for what is left of the Retry-After, and not sent.
  clock_.Advance(absl::Milliseconds(20));
  absl::Status held = Get("/users/BOB@contoso.example/mailFolders/inbox").status();
  EXPECT_EQ(held.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_TRUE(IsThrottled(held));
  EXPECT_EQ(RetryAfter(held), absl::Milliseconds(1980));
  EXPECT_THAT(held.message(), HasSubstr("not sent"));
  EXPECT_EQ(Requests().size(), sent);

  // Other mailboxes and the directory are not held.
  EXPECT_NE(Get("/users/carol@contoso.example/messages").status().code(),
            absl::StatusCode::kResourceExhausted);
  EXPECT_TRUE(Get("/users/u1").ok());
  EXPECT_EQ(Requests().size(), sent + 2);

  clock_.Advance(absl::Milliseconds(1980));
  Get("/users/bob@contoso.example/messages").IgnoreError();
  EXPECT_EQ(Requests().size(), sent + 3);
}

TEST_F(GraphClientTest, ScopesFollowHowGraphThrottles) {
  EXPECT_EQ(client_.ScopeOf("https://graph.test/v1.0/users/Bob%40Contoso.example/messages/x/move"),
            "mailbox:bob@contoso.example");
  EXPECT_EQ(client_.ScopeOf("https://graph.test/v1.0/users/u1/mailFolders?$filter=x"),
            "mailbox:u1");
  EXPECT_EQ(client_.ScopeOf("https://graph.test/v1.0/users/u1/revokeSignInSessions"),
            "directory");
  EXPECT_EQ(client_.ScopeOf("https://graph.test/v1.0/users/u1?$select=id"), "directory");
  EXPECT_EQ(client_.ScopeOf("https://elsewhere.test/users/u1/messages"), "directory");
}

TEST_F(GraphClientTest, TransportErrorsKeepTheirCode) {
  http_.SetHandler([](const http::HttpRequest& r) -> absl::StatusOr<http::HttpResponse> {
    return absl::DeadlineExceededError("no answer within 9s");
  });
  absl::Status s = Get("/users/u1").status();
  EXPECT_EQ(s.code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_THAT(s.message(), HasSubstr("token request"));
}

TEST_F(GraphClientTest, AnUnreadable2xxBodyIsUnavailable) {
  http::HttpResponse truncated;
  truncated.status = 200;
  truncated.body = R"({"id":"u1","accountEn)";
  graph_.Inject("GET", "/users/u1", truncated);
  EXPECT_EQ(Get("/users/u1").status().code(), absl::StatusCode::kUnavailable);
}

TEST_F(GraphClientTest, RefusesNextLinksOutsideGraph) {
  absl::Status s = Get("https://evil.example/v1.0/users?$skip=1").status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(Requests().empty());
  s = Get("https://graph.test/v1.0.evil/users").status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(GraphClientTest, BadClientSecretIsPermissionDeniedWithoutTheSecret) {
  GraphOptions options = Options();
  options.client_secret = "wrong-secret-value";
  GraphClient client(options, &http_, &clock_, [] { return std::string("g"); });
  GraphRequest r;
  r.target = "/users/u1";
  absl::Status s = client.Send(r, nullptr).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(s.message(), HasSubstr("check the configured client id and client secret"));
  EXPECT_THAT(s.message(), HasSubstr("AADSTS7000215"));
  // The fake echoes the secret it got in error_description.
  EXPECT_THAT(s.message(), Not(HasSubstr("wrong-secret-value")));
  EXPECT_THAT(s.message(), Not(HasSubstr(FakeGraph::kClientSecret)));
}

TEST_F(GraphClientTest, TokenEndpointOutageIsRetryable) {
  http::HttpResponse down = GraphError(503, "temporarily_unavailable", "");
  down.headers["Retry-After"] = "30";
  graph_.Inject("POST", "/oauth2/v2.0/token", down);
  absl::Status s = Get("/users/u1").status();
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(RetryAfter(s), absl::Seconds(30));
}

TEST_F(GraphAdapterTest, ConcurrentActionsShareOneToken) {
  for (int i = 0; i < 8; ++i) {
    graph_.AddUser({absl::StrCat("u", i), absl::StrCat("user", i, "@contoso.example")});
  }
  std::vector<std::thread> threads;
  std::vector<absl::Status> results(8);
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([this, i, &results] {
      results[i] = adapter_->Apply(UserRequest("force_logout", absl::StrCat("u", i))).status();
    });
  }
  for (auto& t : threads) t.join();
  for (const auto& s : results) EXPECT_TRUE(s.ok()) << s;
  EXPECT_EQ(graph_.token_requests(), 1);
  for (int i = 0; i < 8; ++i) {
    EXPECT_EQ(graph_.GetUser(absl::StrCat("u", i))->revocations, 1);
  }
}

TEST_F(GraphAdapterTest, InvalidOptionsFailEveryCall) {
  GraphOptions options = Options();
  options.graph_base_url = "http://graph.example/v1.0";
  MakeAdapter(options);
  absl::Status s = Apply(UserRequest("force_logout", "u1")).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(s.message(), HasSubstr("graph_base_url"));
  EXPECT_TRUE(Requests().empty());
}

TEST(GraphOptionsTest, Validation) {
  GraphOptions o = GraphAdapterTest::Options();
  EXPECT_TRUE(ValidateGraphOptions(o).ok());
  GraphOptions bad = o;
  bad.client_secret.clear();
  EXPECT_THAT(ValidateGraphOptions(bad).message(), HasSubstr("client_secret"));
  bad = o;
  bad.directory_tenant.clear();
  EXPECT_THAT(ValidateGraphOptions(bad).message(), HasSubstr("directory_tenant"));
  bad = o;
  bad.call_timeout = absl::ZeroDuration();
  EXPECT_THAT(ValidateGraphOptions(bad).message(), HasSubstr("call_timeout"));
  bad = o;
  bad.login_base_url = "http://127.0.0.1:8080";
  EXPECT_TRUE(ValidateGraphOptions(bad).ok());
  GraphOptions defaults;
  EXPECT_EQ(defaults.login_base_url, "https://login.microsoftonline.com");
  EXPECT_EQ(defaults.graph_base_url, "https://graph.microsoft.com/v1.0");
  EXPECT_EQ(defaults.quarantine_folder, "Riposte Quarantine");
  EXPECT_EQ(defaults.call_timeout, absl::Seconds(20));
}

// Three mailboxes, each asked once by its own thread at the same time.
class BatchingClientTest : public GraphAdapterTest {
 protected:
  static GraphOptions BatchingOptions() {
    GraphOptions o = Options();
    o.batch_window = absl::Hours(1);  // the batch goes out once full
    o.max_batch_requests = 3;
    return o;
  }
  BatchingClientTest()
      : client_(BatchingOptions(), &http_, &clock_,
                [this] { return absl::StrCat("cid-", ++guids_); }) {
    for (const char* m : kMailboxes) graph_.AddMailbox(m);
  }

  std::vector<absl::StatusOr<GraphResponse>> ListFoldersAtOnce(
      std::vector<CallLog>& logs) {
    std::vector<absl::StatusOr<GraphResponse>> out(
        3, absl::UnknownError("not sent"));
    std::vector<std::thread> threads;
    for (int i = 0; i < 3; ++i) {
      threads.emplace_back([&, i] {
        GraphRequest r;
        r.target = absl::StrCat("/users/", kMailboxes[i],
                                "/mailFolders/junkemail?$select=id");
        out[i] = client_.Send(r, &logs[i]);
      });
    }
    for (std::thread& t : threads) t.join();
    return out;
  }

  static constexpr const char* kMailboxes[] = {"m1@contoso.example",
                                               "m2@contoso.example",
                                               "m3@contoso.example"};
  GraphClient client_;
};

TEST_F(BatchingClientTest, ConcurrentMailCallsShareOneBatch) {
  ASSERT_TRUE(client_.tokens().GetToken().ok());  // one token for all
  std::vector<CallLog> logs(3);
  auto answers = ListFoldersAtOnce(logs);
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(answers[i].ok()) << answers[i].status();
    EXPECT_EQ(answers[i]->status, 200);
    EXPECT_EQ(answers[i]->body.GetString("id"),
              absl::StrCat("junk-", kMailboxes[i]));
    ASSERT_EQ(logs[i].calls().size(), 1);  // logged as the caller's own call
    EXPECT_EQ(logs[i].calls()[0].path,
              absl::StrCat("/v1.0/users/", kMailboxes[i],
                           "/mailFolders/junkemail"));
  }
  EXPECT_EQ(graph_.batches(), 1);
  EXPECT_EQ(graph_.batched_requests(), 3);
  EXPECT_EQ(client_.batcher().batches_sent(), 1);
}

TEST_F(BatchingClientTest, AThrottledSubRequestHoldsOnlyItsMailbox) {
  ASSERT_TRUE(client_.tokens().GetToken().ok());
  http::HttpResponse throttled =
      GraphError(429, "ApplicationThrottled",
                 "Application is over its MailboxConcurrency limit.");
  throttled.headers["Retry-After"] = "30";
  graph_.Inject("GET", "/users/m2@contoso.example/mailFolders", throttled);
  std::vector<CallLog> logs(3);
  auto answers = ListFoldersAtOnce(logs);
  EXPECT_TRUE(answers[0].ok());
  EXPECT_TRUE(answers[2].ok());
  ASSERT_FALSE(answers[1].ok());
  EXPECT_TRUE(IsThrottled(answers[1].status())) << answers[1].status();
  EXPECT_EQ(RetryAfter(answers[1].status()), absl::Seconds(30));
  EXPECT_EQ(logs[1].calls()[0].status, 429);

  // The mailbox stays held: the next call is refused without being sent.
  const size_t sent = Requests().size();
  GraphRequest again;
  again.target = "/users/m2@contoso.example/mailFolders/junkemail?$select=id";
  absl::StatusOr<GraphResponse> held = client_.Send(again, nullptr);
  ASSERT_FALSE(held.ok());
  EXPECT_TRUE(IsThrottled(held.status()));
  EXPECT_EQ(Requests().size(), sent);
}

}  // namespace
}  // namespace riposte::actions::graph
