#include "actions/graph/graph_batcher.h"

#include <atomic>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "actions/common/json_value.h"
#include "actions/graph/scope_permits.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "http/fake_http_client.h"

namespace riposte::actions::graph {
namespace {

using ::testing::HasSubstr;
using ::testing::SizeIs;

constexpr char kBase[] = "https://graph.test/v1.0";

http::HttpRequest Get(const std::string& path, const std::string& token = "t1") {
  http::HttpRequest r;
  r.url = absl::StrCat(kBase, path);
  r.headers["Authorization"] = absl::StrCat("Bearer ", token);
  r.headers["client-request-id"] = absl::StrCat("cid", path);
  r.headers["Prefer"] = "IdType=\"ImmutableId\"";
  r.headers["Accept"] = "application/json";
  return r;
}

// Answers each batch's requests in reverse order, with a body naming the
// request's url, and status `status_for(url)`.
class BatchServer {
 public:
  std::function<int(const std::string&)> status_for = [](const std::string&) {
    return 200;
  };

  absl::StatusOr<http::HttpResponse> operator()(const http::HttpRequest& r) {
    if (r.url != absl::StrCat(kBase, "/$batch")) {
      return http::HttpResponse{200, {}, R"({"alone":true})"};
    }
    auto body = common::JsonValue::Parse(r.body);
    if (!body.ok()) return http::HttpResponse{400, {}, "{}"};
    std::vector<std::string> answers;
    for (const common::JsonValue& sub : body->GetArray("requests")) {
      const std::string url = sub.GetString("url").value_or("");
      const int status = status_for(url);
      std::string headers = R"({"Content-Type":"application/json"})";
      if (status == 429) headers = R"({"Content-Type":"application/json","Retry-After":"7"})";
      answers.push_back(absl::StrCat(R"({"id":")", sub.GetString("id").value_or(""),
                                     R"(","status":)", status, R"(,"headers":)",
                                     headers, R"(,"body":{"url":")", url, R"("}})"));
    }
    std::string out = R"({"responses":[)";
    for (size_t i = answers.size(); i-- > 0;) {
      absl::StrAppend(&out, answers[i], i > 0 ? "," : "");
    }
    out += "]}";
    return http::HttpResponse{200, {{"request-id", "rid-batch"}}, out};
  }
};

GraphBatcherOptions Options(int max_requests,
                            absl::Duration window = absl::Hours(1)) {
  GraphBatcherOptions o;
  o.graph_base_url = kBase;
  o.window = window;
  o.max_requests = max_requests;
  return o;
}

// Sends each request on its own thread, all at once, and returns the
// answers in the same order.
std::vector<absl::StatusOr<http::HttpResponse>> SendConcurrently(
    GraphBatcher& batcher, const std::vector<http::HttpRequest>& requests) {
  std::vector<absl::StatusOr<http::HttpResponse>> out(
      requests.size(), absl::UnknownError("not sent"));
  std::vector<std::thread> threads;
  for (size_t i = 0; i < requests.size(); ++i) {
    threads.emplace_back([&, i] { out[i] = batcher.Send(requests[i]); });
  }
  for (std::thread& t : threads) t.join();
  return out;
}

TEST(GraphBatcherTest, ConcurrentRequestsShareOneBatchAndGetTheirOwnAnswers) {
  BatchServer server;
  http::FakeHttpClient http(std::ref(server));
  int guids = 0;
  GraphBatcher batcher(Options(3), &http, [&] { return absl::StrCat("batch-", ++guids); });
  http::HttpRequest move = Get("/users/c%40x/messages/m1/move");
  move.method = "POST";
  move.headers["Content-Type"] = "application/json";
  move.body = R"({"destinationId":"f1"})";
  auto answers = SendConcurrently(
      batcher, {Get("/users/a%40x/messages?$filter=x"), Get("/users/b%40x/mailFolders"), move});

  std::vector<http::HttpRequest> sent = http.requests();
  ASSERT_THAT(sent, SizeIs(1));
  const http::HttpRequest& envelope = sent[0];
  EXPECT_EQ(envelope.method, "POST");
  EXPECT_EQ(envelope.url, "https://graph.test/v1.0/$batch");
  EXPECT_EQ(envelope.headers.at("Authorization"), "Bearer t1");
  EXPECT_EQ(envelope.headers.at("Content-Type"), "application/json");
  EXPECT_EQ(envelope.headers.at("client-request-id"), "batch-1");
  auto body = common::JsonValue::Parse(envelope.body);
  ASSERT_TRUE(body.ok()) << envelope.body;
  ASSERT_THAT(body->GetArray("requests"), SizeIs(3));
  for (const common::JsonValue& sub : body->GetArray("requests")) {
    const std::string url = sub.GetString("url").value_or("");
    EXPECT_TRUE(absl::StartsWith(url, "/users/")) << url;  // relative
    const common::JsonValue* headers = sub.Find("headers");
    ASSERT_NE(headers, nullptr);
    EXPECT_EQ(headers->GetString("Prefer"), "IdType=\"ImmutableId\"");
    EXPECT_EQ(headers->GetString("client-request-id"),
              absl::StrCat("cid", url));  // each keeps its own
    EXPECT_EQ(headers->Find("Authorization"), nullptr);  // the batch carries it
    if (sub.GetString("method") == "POST") {
      EXPECT_EQ(sub.Find("body")->GetString("destinationId"), "f1");
    }
  }
  ASSERT_TRUE(answers[0].ok()) << answers[0].status();
  EXPECT_EQ(answers[0]->status, 200);
  EXPECT_EQ(answers[0]->body, R"({"url":"/users/a%40x/messages?$filter=x"})");
  EXPECT_EQ(answers[0]->headers.at("request-id"), "rid-batch");
  EXPECT_EQ(answers[1]->body, R"({"url":"/users/b%40x/mailFolders"})");
  EXPECT_EQ(answers[2]->body, R"({"url":"/users/c%40x/messages/m1/move"})");
  EXPECT_EQ(batcher.batches_sent(), 1);
  EXPECT_EQ(batcher.batched_requests(), 3);
}

TEST(GraphBatcherTest, AThrottledSubRequestIsThatCallersOwn429) {
  BatchServer server;
  server.status_for = [](const std::string& url) {
    return absl::StrContains(url, "b%40x") ? 429 : 200;
  };
  http::FakeHttpClient http(std::ref(server));
  GraphBatcher batcher(Options(2), &http, [] { return "g"; });
  auto answers = SendConcurrently(
      batcher, {Get("/users/a%40x/messages"), Get("/users/b%40x/messages")});
  ASSERT_TRUE(answers[0].ok());
  ASSERT_TRUE(answers[1].ok());
  EXPECT_EQ(answers[0]->status, 200);
  EXPECT_EQ(answers[1]->status, 429);
  EXPECT_EQ(answers[1]->headers.at("Retry-After"), "7");
}

TEST(GraphBatcherTest, AFailedBatchFailsEveryCallerTheSameWay) {
  http::FakeHttpClient http([](const http::HttpRequest&) -> absl::StatusOr<http::HttpResponse> {
    return http::HttpResponse{401, {{"WWW-Authenticate", "Bearer"}},
                              R"({"error":{"code":"InvalidAuthenticationToken"}})"};
  });
  GraphBatcher batcher(Options(2), &http, [] { return "g"; });
  auto answers = SendConcurrently(
      batcher, {Get("/users/a%40x/messages"), Get("/users/b%40x/messages")});
  for (const auto& a : answers) {
    ASSERT_TRUE(a.ok());
    EXPECT_EQ(a->status, 401);
  }
}

TEST(GraphBatcherTest, AMissingSubResponseIsUnavailable) {
  http::FakeHttpClient http([](const http::HttpRequest&) -> absl::StatusOr<http::HttpResponse> {
    return http::HttpResponse{200, {}, R"({"responses":[{"id":"1","status":204}]})"};
  });
  GraphBatcher batcher(Options(2), &http, [] { return "g"; });
  auto answers = SendConcurrently(
      batcher, {Get("/users/a%40x/messages"), Get("/users/b%40x/messages")});
  int ok = 0, unavailable = 0;
  for (const auto& a : answers) {
    if (a.ok()) {
      EXPECT_EQ(a->status, 204);
      EXPECT_EQ(a->body, "");
      ++ok;
    } else {
      EXPECT_EQ(a.status().code(), absl::StatusCode::kUnavailable);
      EXPECT_THAT(a.status().message(), HasSubstr("no usable response"));
      ++unavailable;
    }
  }
  EXPECT_EQ(ok, 1);
  EXPECT_EQ(unavailable, 1);
}

TEST(GraphBatcherTest, OnlyRequestsWithTheSameTokenShareABatch) {
  BatchServer server;
  http::FakeHttpClient http(std::ref(server));
  GraphBatcher batcher(Options(2), &http, [] { return "g"; });
  auto answers = SendConcurrently(
      batcher, {Get("/users/a%40x/messages", "t1"), Get("/users/b%40x/messages", "t2"),
                Get("/users/c%40x/messages", "t1"), Get("/users/d%40x/messages", "t2")});
  std::vector<http::HttpRequest> sent = http.requests();
  ASSERT_THAT(sent, SizeIs(2));
  for (const http::HttpRequest& envelope : sent) {
    const std::string token = envelope.headers.at("Authorization");
    auto body = common::JsonValue::Parse(envelope.body);
    ASSERT_TRUE(body.ok());
    for (const common::JsonValue& sub : body->GetArray("requests")) {
      const std::string url = sub.GetString("url").value_or("");
      const bool first_token = absl::StrContains(url, "a%40x") || absl::StrContains(url, "c%40x");
      EXPECT_EQ(token, first_token ? "Bearer t1" : "Bearer t2") << url;
    }
  }
  for (const auto& a : answers) EXPECT_TRUE(a.ok() && a->status == 200);
}

TEST(GraphBatcherTest, ALoneRequestGoesOutUnchanged) {
  BatchServer server;
  http::FakeHttpClient http(std::ref(server));
  GraphBatcher batcher(Options(20, absl::Milliseconds(1)), &http, [] { return "g"; });
  absl::StatusOr<http::HttpResponse> answer = batcher.Send(Get("/users/a%40x/messages"));
  ASSERT_TRUE(answer.ok());
  EXPECT_EQ(answer->body, R"({"alone":true})");
  ASSERT_THAT(http.requests(), SizeIs(1));
  EXPECT_EQ(http.requests()[0].url, "https://graph.test/v1.0/users/a%40x/messages");
  EXPECT_EQ(batcher.batches_sent(), 0);
}

TEST(GraphBatcherTest, ZeroWindowNeverBatches) {
  BatchServer server;
  http::FakeHttpClient http(std::ref(server));
  GraphBatcher batcher(Options(20, absl::ZeroDuration()), &http, [] { return "g"; });
  auto answers = SendConcurrently(
      batcher, {Get("/users/a%40x/messages"), Get("/users/b%40x/messages")});
  EXPECT_THAT(http.requests(), SizeIs(2));
  EXPECT_EQ(batcher.batches_sent(), 0);
}

TEST(ScopePermitsTest, AFifthRequestToOneMailboxWaitsForAFreePermit) {
  ScopePermits permits(4);
  std::vector<ScopePermits::Permit> held;
  for (int i = 0; i < 4; ++i) held.push_back(permits.Acquire("mailbox:a"));
  // Another mailbox is not held up.
  { ScopePermits::Permit other = permits.Acquire("mailbox:b"); }
  std::atomic<bool> fifth{false};
  std::thread waiter([&] {
    ScopePermits::Permit p = permits.Acquire("mailbox:a");
    fifth = true;
  });
  EXPECT_FALSE(fifth.load());
  held.pop_back();  // releases one
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (!fifth.load() && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(1));
  waiter.join();
  EXPECT_TRUE(fifth.load());
  EXPECT_EQ(permits.peak(), 4);
}

}  // namespace
}  // namespace riposte::actions::graph
