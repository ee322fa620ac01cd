#include "http/cpprest_http_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "openssl/bio.h"
#include "openssl/evp.h"
#include "openssl/pem.h"
#include "openssl/ssl.h"
#include "openssl/x509.h"
#include "openssl/x509v3.h"

namespace riposte::http {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// One request as the test server read it off the wire.
struct RecordedRequest {
  std::string raw;     // request line, headers and body, byte for byte
  std::string method;
  std::string target;  // the request line's path?query, as sent
  std::vector<std::pair<std::string, std::string>> headers;  // in order
  std::string body;
  int connection = 0;  // 1-based number of the connection that carried it

  // How many times header `name` was sent (case-insensitively).
  int CountOf(absl::string_view name) const {
    int count = 0;
    for (const auto& [n, v] : headers) count += absl::EqualsIgnoreCase(n, name);
    return count;
  }
  // The first value of header `name`, or "<absent>".
  std::string ValueOf(absl::string_view name) const {
    for (const auto& [n, v] : headers) {
      if (absl::EqualsIgnoreCase(n, name)) return v;
    }
    return "<absent>";
  }
};

// A raw HTTP/1.1 response with a Content-Length.
std::string Response(int status, absl::string_view reason,
                     const std::vector<std::pair<std::string, std::string>>&
                         headers,
                     absl::string_view body) {
  std::string out = absl::StrCat("HTTP/1.1 ", status, " ", reason, "\r\n");
  for (const auto& [name, value] : headers) {
    absl::StrAppend(&out, name, ": ", value, "\r\n");
  }
  absl::StrAppend(&out, "Content-Length: ", body.size(), "\r\n\r\n", body);
  return out;
}

// A tiny HTTP/1.1 server on 127.0.0.1 and an ephemeral port, one thread per
// connection, keep-alive. For each request it calls the handler, which
// returns the raw response to write, an empty string to hang up without
// answering (a receiver that reads the request, then drops the connection),
// or nullopt to never answer (the connection then stays open until the
// server is destroyed).
class TestServer {
 public:
  using Handler =
      std::function<std::optional<std::string>(const RecordedRequest&)>;

  // `hang_up_silently`: close the connection after each response without
  // saying so (no "Connection: close"), as servers with idle timeouts do.
  explicit TestServer(Handler handler, bool hang_up_silently = false)
      : handler_(std::move(handler)), hang_up_silently_(hang_up_silently) {
    listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    EXPECT_GE(listen_fd_, 0) << std::strerror(errno);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    EXPECT_EQ(bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr),
                   sizeof(addr)),
              0)
        << std::strerror(errno);
    EXPECT_EQ(listen(listen_fd_, 64), 0) << std::strerror(errno);
    socklen_t len = sizeof(addr);
    getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    accept_thread_ = std::thread([this] { AcceptLoop(); });
  }

  ~TestServer() {
    stopping_.Notify();
    shutdown(listen_fd_, SHUT_RDWR);
    accept_thread_.join();
    std::vector<std::thread> threads;
    {
      absl::MutexLock lock(&mu_);
      for (int fd : connection_fds_) shutdown(fd, SHUT_RDWR);
      threads = std::move(connection_threads_);
    }
    for (std::thread& t : threads) t.join();
    absl::MutexLock lock(&mu_);
    for (int fd : connection_fds_) close(fd);
    close(listen_fd_);
  }

  int port() const { return port_; }

  std::string Url(absl::string_view path_and_query) const {
    return absl::StrCat("http://127.0.0.1:", port_, path_and_query);
  }

  std::vector<RecordedRequest> requests() const {
    absl::MutexLock lock(&mu_);
    return requests_;
  }

  int connections() const {
    absl::MutexLock lock(&mu_);
    return static_cast<int>(connection_fds_.size());
  }

  // Waits until `n` requests have arrived or `timeout` passes.
  bool WaitForRequests(size_t n, absl::Duration timeout) const {
    absl::MutexLock lock(&mu_);
    auto enough = [this, n]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
      return requests_.size() >= n;
    };
    return mu_.AwaitWithTimeout(absl::Condition(&enough), timeout);
  }

 private:
  void AcceptLoop() {
    while (true) {
      int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) {
        if (errno == EINTR && !stopping_.HasBeenNotified()) continue;
        return;
      }
      absl::MutexLock lock(&mu_);
      if (stopping_.HasBeenNotified()) {
        close(fd);
        return;
      }
      connection_fds_.push_back(fd);
      int number = static_cast<int>(connection_fds_.size());
      connection_threads_.emplace_back(
          [this, fd, number] { ServeConnection(fd, number); });
    }
  }

  // Reads until `buffer` holds `n` bytes; false on EOF or error.
  static bool ReadAtLeast(int fd, std::string& buffer, size_t n) {
    char chunk[4096];
    while (buffer.size() < n) {
      ssize_t got = recv(fd, chunk, sizeof(chunk), 0);
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) return false;
      buffer.append(chunk, static_cast<size_t>(got));
    }
    return true;
  }

  // Reads until `buffer` contains `delimiter`; its end offset, or npos.
  static size_t ReadUntil(int fd, std::string& buffer,
                          absl::string_view delimiter, size_t from = 0) {
    while (true) {
      size_t at = buffer.find(delimiter.data(), from, delimiter.size());
      if (at != std::string::npos) return at + delimiter.size();
      if (!ReadAtLeast(fd, buffer, buffer.size() + 1)) return std::string::npos;
    }
  }

  static bool SendAll(int fd, absl::string_view data) {
    while (!data.empty()) {
      ssize_t sent = send(fd, data.data(), data.size(), MSG_NOSIGNAL);
      if (sent < 0 && errno == EINTR) continue;
      if (sent <= 0) return false;
      data.remove_prefix(static_cast<size_t>(sent));
    }
    return true;
  }

  void ServeConnection(int fd, int number) {
    std::string buffer;
    while (true) {
      size_t head_end = ReadUntil(fd, buffer, "\r\n\r\n");
      if (head_end == std::string::npos) return;
      RecordedRequest request;
      request.connection = number;
      std::vector<std::string> lines = absl::StrSplit(
          absl::string_view(buffer).substr(0, head_end - 4), "\r\n");
      std::vector<std::string> request_line =
          absl::StrSplit(lines[0], absl::MaxSplits(' ', 2));
      if (request_line.size() == 3) {
        request.method = request_line[0];
        request.target = request_line[1];
      }
      for (size_t i = 1; i < lines.size(); ++i) {
        size_t colon = lines[i].find(':');
        if (colon == std::string::npos) continue;
        request.headers.emplace_back(
            lines[i].substr(0, colon),
            std::string(absl::StripAsciiWhitespace(
                absl::string_view(lines[i]).substr(colon + 1))));
      }
      size_t consumed = head_end;
      size_t length = 0;
      if (absl::SimpleAtoi(request.ValueOf("Content-Length"), &length)) {
        if (!ReadAtLeast(fd, buffer, head_end + length)) return;
        request.body = buffer.substr(head_end, length);
        consumed = head_end + length;
      } else if (absl::EqualsIgnoreCase(request.ValueOf("Transfer-Encoding"),
                                        "chunked")) {
        size_t at = head_end;
        while (true) {
          size_t size_end = ReadUntil(fd, buffer, "\r\n", at);
          if (size_end == std::string::npos) return;
          size_t size = 0;
          if (!absl::SimpleHexAtoi(
                  absl::string_view(buffer).substr(at, size_end - 2 - at),
                  &size)) {
            return;
          }
          if (!ReadAtLeast(fd, buffer, size_end + size + 2)) return;
          request.body.append(buffer, size_end, size);
          at = size_end + size + 2;
          if (size == 0) break;
        }
        consumed = at;
      }
      request.raw = buffer.substr(0, consumed);
      buffer.erase(0, consumed);
      {
        absl::MutexLock lock(&mu_);
        requests_.push_back(request);
      }
      std::optional<std::string> response = handler_(request);
      if (!response.has_value()) {
        stopping_.WaitForNotification();
        return;
      }
      if (response->empty() || !SendAll(fd, *response)) {
        shutdown(fd, SHUT_RDWR);
        return;
      }
      if (hang_up_silently_ ||
          absl::StrContains(absl::AsciiStrToLower(*response),
                            "\r\nconnection: close\r\n")) {
        shutdown(fd, SHUT_RDWR);
        return;
      }
    }
  }

  const Handler handler_;
  const bool hang_up_silently_;
  int listen_fd_ = -1;
  int port_ = 0;
  absl::Notification stopping_;
  std::thread accept_thread_;
  mutable absl::Mutex mu_;
  std::vector<int> connection_fds_ ABSL_GUARDED_BY(mu_);
  std::vector<std::thread> connection_threads_ ABSL_GUARDED_BY(mu_);
  std::vector<RecordedRequest> requests_ ABSL_GUARDED_BY(mu_);
};

TestServer::Handler Answer(std::string response) {
  return [response](const RecordedRequest&) { return response; };
}

constexpr char kToken[] = "Bearer eyJ-very-secret-token";
constexpr char kSecretBody[] = "{\"password\":\"hunter2\"}";
constexpr char kEncodedQuery[] =
    "$filter=internetMessageId%20eq%20'%3Cabc%40x%3E'&$select=id,subject";

TEST(CpprestHttpClientTest, SendsMethodTargetHeadersAndBodyExactly) {
  TestServer server(Answer(Response(200, "OK", {}, "")));
  CpprestHttpClient client;
  HttpRequest request;
  request.method = "POST";
  request.url = server.Url(
      absl::StrCat("/v1.0/users/alice%40contoso.com/messages?", kEncodedQuery,
                   "#fragment-is-not-sent"));
  request.headers["Authorization"] = kToken;
  request.headers["X-Custom"] = "one, two";
  request.headers["Content-Type"] = "application/json";
  request.body = kSecretBody;
  request.timeout = absl::Seconds(10);

  absl::StatusOr<HttpResponse> response = client.Send(request);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 200);

  std::vector<RecordedRequest> got = server.requests();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].method, "POST");
  EXPECT_EQ(got[0].target,
            absl::StrCat("/v1.0/users/alice%40contoso.com/messages?",
                         kEncodedQuery));
  EXPECT_THAT(got[0].raw,
              HasSubstr(absl::StrCat(
                  "POST /v1.0/users/alice%40contoso.com/messages?",
                  kEncodedQuery, " HTTP/1.1\r\n")));
  EXPECT_EQ(got[0].ValueOf("Authorization"), kToken);
  EXPECT_EQ(got[0].ValueOf("X-Custom"), "one, two");
  EXPECT_EQ(got[0].CountOf("Content-Type"), 1);
  EXPECT_EQ(got[0].ValueOf("Content-Type"), "application/json");
  EXPECT_EQ(got[0].ValueOf("Content-Length"),
            absl::StrCat(std::strlen(kSecretBody)));
  EXPECT_EQ(got[0].ValueOf("Host"), absl::StrCat("127.0.0.1:", server.port()));
  EXPECT_EQ(got[0].body, kSecretBody);
}

TEST(CpprestHttpClientTest, ContentTypeIsPassedThroughUnchanged) {
  TestServer server(Answer(Response(204, "No Content", {}, "")));
  CpprestHttpClient client;
  for (const char* type :
       {"application/x-www-form-urlencoded", "text/plain",
        "application/json; charset=utf-8", "application/json;odata=verbose"}) {
    HttpRequest request;
    request.method = "POST";
    request.url = server.Url("/token");
    request.headers["content-type"] = type;  // any case
    request.body = "grant_type=client_credentials&scope=x%2F.default";
    absl::StatusOr<HttpResponse> response = client.Send(request);
    ASSERT_TRUE(response.ok()) << response.status();
    EXPECT_EQ(response->status, 204);
  }
  std::vector<RecordedRequest> got = server.requests();
  ASSERT_EQ(got.size(), 4u);
  EXPECT_EQ(got[0].ValueOf("Content-Type"),
            "application/x-www-form-urlencoded");
  EXPECT_EQ(got[1].ValueOf("Content-Type"), "text/plain");
  EXPECT_EQ(got[2].ValueOf("Content-Type"), "application/json; charset=utf-8");
  EXPECT_EQ(got[3].ValueOf("Content-Type"), "application/json;odata=verbose");
  for (const RecordedRequest& r : got) {
    EXPECT_EQ(r.CountOf("Content-Type"), 1) << r.raw;
    EXPECT_EQ(r.body, "grant_type=client_credentials&scope=x%2F.default");
  }
}

TEST(CpprestHttpClientTest, BinaryBodiesTravelAsBytesBothWays) {
  std::string bytes;
  for (int i = 0; i < 256; ++i) bytes.push_back(static_cast<char>(i));
  bytes += bytes;
  TestServer server(Answer(Response(
      201, "Created",
      {{"Content-Type", "application/octet-stream"}, {"X-Request-Id", "r-1"}},
      bytes)));
  CpprestHttpClient client;
  HttpRequest request;
  request.method = "PUT";
  request.url = server.Url("/blob");
  request.body = bytes;  // no Content-Type given: none is sent
  absl::StatusOr<HttpResponse> response = client.Send(request);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 201);
  EXPECT_EQ(response->body, bytes);
  EXPECT_EQ(response->headers["x-request-id"], "r-1");
  EXPECT_EQ(response->headers["Content-Type"], "application/octet-stream");
  EXPECT_EQ(response->headers["Content-Length"], "512");

  std::vector<RecordedRequest> got = server.requests();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].method, "PUT");
  EXPECT_EQ(got[0].body, bytes);
  EXPECT_EQ(got[0].CountOf("Content-Type"), 0) << got[0].raw;
}

TEST(CpprestHttpClientTest, StreamsA2xxBodyToTheSinkPieceByPiece) {
  std::string big;
  for (int i = 0; i < (3 << 20); ++i) big.push_back(static_cast<char>(i * 7));
  TestServer server(Answer(Response(
      200, "OK", {{"Content-Type", "application/octet-stream"}}, big)));
  CpprestHttpClient client;
  HttpRequest request;
  request.url = server.Url("/attachments/a1/$value");
  std::string received;
  int pieces = 0;
  size_t largest = 0;
  request.body_sink = [&](absl::string_view piece) {
    received.append(piece.data(), piece.size());
    ++pieces;
    largest = std::max(largest, piece.size());
    return absl::OkStatus();
  };
  absl::StatusOr<HttpResponse> response = client.Send(request);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 200);
  EXPECT_TRUE(response->body.empty());
  EXPECT_EQ(response->headers["Content-Type"], "application/octet-stream");
  EXPECT_TRUE(received == big) << received.size();
  EXPECT_GT(pieces, 1);
  EXPECT_LE(largest, size_t{1} << 20);
}

TEST(CpprestHttpClientTest, ErrorBodiesAreNotStreamed) {
  const std::string error = R"({"error":{"code":"ErrorItemNotFound"}})";
  TestServer server(Answer(Response(
      404, "Not Found", {{"Content-Type", "application/json"}}, error)));
  CpprestHttpClient client;
  HttpRequest request;
  request.url = server.Url("/attachments/gone/$value");
  bool called = false;
  request.body_sink = [&](absl::string_view) {
    called = true;
    return absl::OkStatus();
  };
  absl::StatusOr<HttpResponse> response = client.Send(request);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 404);
  EXPECT_EQ(response->body, error);
  EXPECT_FALSE(called);
}

TEST(CpprestHttpClientTest, ASinkErrorAbandonsTheExchange) {
  TestServer server(Answer(Response(200, "OK", {}, std::string(1 << 20, 'x'))));
  CpprestHttpClient client;
  HttpRequest request;
  request.url = server.Url("/big");
  request.body_sink = [](absl::string_view) {
    return absl::ResourceExhaustedError("enough");
  };
  absl::StatusOr<HttpResponse> response = client.Send(request);
  EXPECT_EQ(response.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(std::string(response.status().message()), HasSubstr("enough"));

  // The client stays usable.
  request.body_sink = nullptr;
  absl::StatusOr<HttpResponse> again = client.Send(request);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->body.size(), size_t{1} << 20);
}

TEST(CpprestHttpClientTest, EveryMethodAndEmptyBodies) {
  TestServer server(Answer(Response(200, "OK", {}, "ok")));
  CpprestHttpClient client;
  for (const char* method : {"GET", "DELETE", "PATCH", "POST", "PUT"}) {
    HttpRequest request;
    request.method = method;
    request.url = server.Url("/x?y=1");
    absl::StatusOr<HttpResponse> response = client.Send(request);
    ASSERT_TRUE(response.ok()) << method << ": " << response.status();
    EXPECT_EQ(response->body, "ok");
  }
  std::vector<RecordedRequest> got = server.requests();
  ASSERT_EQ(got.size(), 5u);
  EXPECT_EQ(got[0].method, "GET");
  EXPECT_EQ(got[1].method, "DELETE");
  EXPECT_EQ(got[2].method, "PATCH");
  EXPECT_EQ(got[3].method, "POST");
  EXPECT_EQ(got[4].method, "PUT");
  for (const RecordedRequest& r : got) {
    EXPECT_EQ(r.target, "/x?y=1");
    EXPECT_EQ(r.body, "");
    EXPECT_EQ(r.CountOf("Content-Type"), 0) << r.raw;
  }
}

TEST(CpprestHttpClientTest, UrlWithoutPathSendsSlash) {
  TestServer server(Answer(Response(200, "OK", {}, "")));
  CpprestHttpClient client;
  HttpRequest request;
  request.url = absl::StrCat("HTTP://127.0.0.1:", server.port());
  ASSERT_TRUE(client.Send(request).ok());
  request.url = absl::StrCat("http://127.0.0.1:", server.port(), "?a=b");
  ASSERT_TRUE(client.Send(request).ok());
  std::vector<RecordedRequest> got = server.requests();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].target, "/");
  EXPECT_EQ(got[1].target, "/?a=b");
}

TEST(CpprestHttpClientTest, ErrorStatusesAreResponsesNotErrors) {
  struct Case {
    int status;
    const char* reason;
  };
  for (const Case& c : {Case{400, "Bad Request"}, Case{401, "Unauthorized"},
                        Case{404, "Not Found"}, Case{429, "Too Many Requests"},
                        Case{500, "Internal Server Error"},
                        Case{503, "Service Unavailable"}}) {
    TestServer server(Answer(Response(
        c.status, c.reason, {{"Retry-After", "7"}},
        absl::StrCat("{\"error\":\"", c.reason, "\"}"))));
    CpprestHttpClient client;
    HttpRequest request;
    request.url = server.Url("/thing");
    absl::StatusOr<HttpResponse> response = client.Send(request);
    ASSERT_TRUE(response.ok()) << c.status << ": " << response.status();
    EXPECT_EQ(response->status, c.status);
    EXPECT_EQ(response->headers["Retry-After"], "7");
    EXPECT_EQ(response->body, absl::StrCat("{\"error\":\"", c.reason, "\"}"));
  }
}

TEST(CpprestHttpClientTest, RedirectsAreReturnedNotFollowed) {
  TestServer server(Answer(
      Response(302, "Found", {{"Location", "http://127.0.0.1:1/elsewhere"}},
               "")));
  CpprestHttpClient client;
  HttpRequest request;
  request.url = server.Url("/old");
  absl::StatusOr<HttpResponse> response = client.Send(request);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 302);
  EXPECT_EQ(response->headers["Location"], "http://127.0.0.1:1/elsewhere");
  EXPECT_EQ(server.requests().size(), 1u);
}

void ExpectNoSecrets(const absl::Status& status) {
  std::string message(status.message());
  EXPECT_THAT(message, Not(HasSubstr("very-secret")));
  EXPECT_THAT(message, Not(HasSubstr("hunter2")));
  EXPECT_THAT(message, Not(HasSubstr("filter")));
  EXPECT_THAT(message, Not(HasSubstr("sig=")));
}

HttpRequest SecretBearingRequest(const std::string& base_url) {
  HttpRequest request;
  request.method = "POST";
  request.url = absl::StrCat(base_url, "/hook?", kEncodedQuery, "&sig=abc");
  request.headers["Authorization"] = kToken;
  request.headers["Content-Type"] = "application/json";
  request.body = kSecretBody;
  return request;
}

TEST(CpprestHttpClientTest, NoAnswerIsDeadlineExceeded) {
  TestServer server([](const RecordedRequest&) { return std::nullopt; });
  CpprestHttpClient client;
  HttpRequest request =
      SecretBearingRequest(absl::StrCat("http://127.0.0.1:", server.port()));
  request.timeout = absl::Milliseconds(300);
  absl::Time start = absl::Now();
  absl::StatusOr<HttpResponse> response = client.Send(request);
  absl::Duration elapsed = absl::Now() - start;
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), absl::StatusCode::kDeadlineExceeded)
      << response.status();
  EXPECT_GE(elapsed, absl::Milliseconds(250));
  EXPECT_LT(elapsed, absl::Seconds(10));
  EXPECT_THAT(std::string(response.status().message()),
              HasSubstr(absl::StrCat("POST http://127.0.0.1:", server.port(),
                                     "/hook")));
  ExpectNoSecrets(response.status());
  EXPECT_TRUE(server.WaitForRequests(1, absl::Seconds(10)));
}

TEST(CpprestHttpClientTest, HeadersWithoutBodyIsDeadlineExceeded) {
  // The status line and headers arrive, the promised body never does.
  TestServer server([](const RecordedRequest&) -> std::optional<std::string> {
    return std::string(
        "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly part");
  });
  CpprestHttpClient client;
  HttpRequest request;
  request.url = server.Url("/slow");
  request.timeout = absl::Milliseconds(300);
  absl::StatusOr<HttpResponse> response = client.Send(request);
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), absl::StatusCode::kDeadlineExceeded)
      << response.status();
}

TEST(CpprestHttpClientTest, ConnectionRefusedIsUnavailable) {
  // A bound socket that does not listen: connecting to its port is refused,
  // and no other process can take the port while the test runs.
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  socklen_t len = sizeof(addr);
  ASSERT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  int port = ntohs(addr.sin_port);

  CpprestHttpClient client;
  HttpRequest request =
      SecretBearingRequest(absl::StrCat("http://127.0.0.1:", port));
  request.timeout = absl::Seconds(10);
  absl::StatusOr<HttpResponse> response = client.Send(request);
  close(fd);
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), absl::StatusCode::kUnavailable)
      << response.status();
  EXPECT_THAT(std::string(response.status().message()),
              HasSubstr(absl::StrCat("127.0.0.1:", port)));
  ExpectNoSecrets(response.status());
}

TEST(CpprestHttpClientTest, ConnectionClosedWithoutAnswerIsUnavailable) {
  TestServer server([](const RecordedRequest&) -> std::optional<std::string> {
    // Not a response at all; then "Connection: close" makes the server hang
    // up.
    return std::string("garbage\r\nConnection: close\r\n\r\n");
  });
  CpprestHttpClient client;
  HttpRequest request = SecretBearingRequest(
      absl::StrCat("http://127.0.0.1:", server.port()));
  request.timeout = absl::Seconds(10);
  absl::StatusOr<HttpResponse> response = client.Send(request);
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), absl::StatusCode::kUnavailable)
      << response.status();
  ExpectNoSecrets(response.status());
  // It reached the server, so it is not sent again: the caller decides.
  EXPECT_EQ(server.requests().size(), 1u);
}

TEST(CpprestHttpClientTest, MalformedRequestsAreInvalidArgument) {
  CpprestHttpClient client;
  for (const char* url :
       {"", "not a url", "/relative/path", "ftp://example.com/x",
        "http://", "http://:80/x", "http://exa mple.com/",
        "http://example.com:0/", "http://example.com:99999/",
        "http://example.com:/", "http://example.com:8x/",
        "https://user:hunter2@example.com/", "http://[::1/x",
        "http://example.com//evil.com/x", "http://ex%41mple.com/"}) {
    HttpRequest request;
    request.url = url;
    absl::StatusOr<HttpResponse> response = client.Send(request);
    ASSERT_FALSE(response.ok()) << url;
    EXPECT_EQ(response.status().code(), absl::StatusCode::kInvalidArgument)
        << url << ": " << response.status();
    ExpectNoSecrets(response.status());
  }
  EXPECT_EQ(client.cached_clients(), 0u);
}

TEST(CpprestHttpClientTest, BadMethodsAndHeadersAreInvalidArgument) {
  TestServer server(Answer(Response(200, "OK", {}, "")));
  CpprestHttpClient client;
  HttpRequest request;
  request.url = server.Url("/x");
  request.method = "";
  EXPECT_EQ(client.Send(request).status().code(),
            absl::StatusCode::kInvalidArgument);
  request.method = "GET /evil";
  EXPECT_EQ(client.Send(request).status().code(),
            absl::StatusCode::kInvalidArgument);
  request.method = "GET";
  request.headers["X-Injected"] =
      "very-secret\r\nX-Evil: 1";  // header injection
  absl::StatusOr<HttpResponse> response = client.Send(request);
  EXPECT_EQ(response.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(response.status().message()),
              HasSubstr("X-Injected"));
  ExpectNoSecrets(response.status());
  request.headers.clear();
  request.headers["Bad Name"] = "v";
  EXPECT_EQ(client.Send(request).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(server.requests().empty());
}

TEST(CpprestHttpClientTest, ReusesOneConnectionPerOrigin) {
  TestServer server(Answer(Response(200, "OK", {}, "same")));
  CpprestHttpClient client;
  constexpr int kRequests = 20;
  for (int i = 0; i < kRequests; ++i) {
    HttpRequest request;
    request.url = server.Url(absl::StrCat("/n/", i));
    absl::StatusOr<HttpResponse> response = client.Send(request);
    ASSERT_TRUE(response.ok()) << response.status();
    EXPECT_EQ(response->body, "same");
  }
  EXPECT_EQ(server.requests().size(), static_cast<size_t>(kRequests));
  // cpprest puts a connection back in its pool just after the response
  // completes, so a request sent at once may now and then open another;
  // most must reuse one.
  EXPECT_LE(server.connections(), kRequests / 2);
  EXPECT_EQ(client.cached_clients(), 1u);
  // "localhost" is a different origin string, hence another client.
  HttpRequest other;
  other.url = absl::StrCat("http://localhost:", server.port(), "/n/x");
  absl::StatusOr<HttpResponse> response = client.Send(other);
  if (response.ok()) {  // localhost may resolve to ::1 only
    EXPECT_EQ(client.cached_clients(), 2u);
  }
}

TEST(CpprestHttpClientTest, ServerClosingTheConnectionIsHandled) {
  TestServer server(
      Answer(Response(200, "OK", {{"Connection", "close"}}, "bye")));
  CpprestHttpClient client;
  for (int i = 0; i < 3; ++i) {
    HttpRequest request;
    request.url = server.Url("/once");
    absl::StatusOr<HttpResponse> response = client.Send(request);
    ASSERT_TRUE(response.ok()) << i << ": " << response.status();
    EXPECT_EQ(response->body, "bye");
  }
  EXPECT_EQ(server.connections(), 3);
}

TEST(CpprestHttpClientTest, PooledConnectionClosedByTheServerIsReplaced) {
  TestServer server(Answer(Response(200, "OK", {}, "fine")),
                    /*hang_up_silently=*/true);
  CpprestHttpClient client;
  for (int i = 0; i < 5; ++i) {
    HttpRequest request;
    request.method = "POST";
    request.url = server.Url("/again");
    request.body = "x";
    absl::StatusOr<HttpResponse> response = client.Send(request);
    ASSERT_TRUE(response.ok()) << i << ": " << response.status();
    EXPECT_EQ(response->body, "fine");
  }
  // Each was received exactly once.
  EXPECT_EQ(server.requests().size(), 5u);
}

// A receiver that reads a POST and then drops the connection may have acted
// on it: the client must say so (Unavailable) and not send it again, or the
// receiver sees deliveries nobody counted. cpprest resends on its own when
// a pooled connection dies before the status line; a POST must never ride
// one.
TEST(CpprestHttpClientTest, APostThatMayHaveArrivedIsSentOnce) {
  std::atomic<int> seen{0};
  TestServer server([&](const RecordedRequest&) -> std::optional<std::string> {
    // The first is answered (leaving a pooled connection); later ones are
    // read, then the connection is dropped.
    if (seen.fetch_add(1) == 0) return Response(200, "OK", {}, "first");
    return std::string();
  });
  CpprestHttpClient client;
  HttpRequest request;
  request.method = "POST";
  request.url = server.Url("/hook");
  request.body = "{}";
  request.timeout = absl::Seconds(10);
  ASSERT_TRUE(client.Send(request).ok());
  for (int i = 0; i < 3; ++i) {
    absl::StatusOr<HttpResponse> response = client.Send(request);
    ASSERT_FALSE(response.ok());
    EXPECT_EQ(response.status().code(), absl::StatusCode::kUnavailable)
        << response.status();
    EXPECT_EQ(server.requests().size(), static_cast<size_t>(i + 2));
  }
  // A GET changes nothing, so it may still be resent on a fresh connection
  // when its pooled one turns out dead.
  TestServer reader(Answer(Response(200, "OK", {}, "fine")),
                    /*hang_up_silently=*/true);
  for (int i = 0; i < 3; ++i) {
    HttpRequest get;
    get.url = reader.Url("/state");
    absl::StatusOr<HttpResponse> response = client.Send(get);
    ASSERT_TRUE(response.ok()) << i << ": " << response.status();
  }
  EXPECT_EQ(reader.requests().size(), 3u);
}

TEST(CpprestHttpClientTest, EvictsTheLeastRecentlyUsedClient) {
  TestServer a(Answer(Response(200, "OK", {}, "a")));
  TestServer b(Answer(Response(200, "OK", {}, "b")));
  CpprestHttpClient client(CpprestHttpClient::Options{1});
  HttpRequest request;
  request.url = a.Url("/");
  ASSERT_TRUE(client.Send(request).ok());
  request.url = b.Url("/");
  absl::StatusOr<HttpResponse> response = client.Send(request);
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->body, "b");
  EXPECT_EQ(client.cached_clients(), 1u);
}

TEST(CpprestHttpClientTest, ConcurrentRequestsFromManyThreads) {
  TestServer server([](const RecordedRequest& r) -> std::optional<std::string> {
    return Response(200, "OK", {{"X-Echo-Method", r.method}},
                    absl::StrCat(r.target, "|", r.body));
  });
  CpprestHttpClient client;
  constexpr int kThreads = 8;
  constexpr int kPerThread = 10;
  std::vector<std::string> failures[kThreads];
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        HttpRequest request;
        // GETs share the pooled client, POSTs each get a connection.
        request.method = i % 2 == 0 ? "GET" : "POST";
        std::string target = absl::StrCat("/t/", t, "/", i, "?q=%2F", i);
        request.url = server.Url(target);
        if (request.method == "POST") {
          request.body = absl::StrCat("body-", t, "-", i);
          request.headers["Content-Type"] = "text/plain";
        }
        absl::StatusOr<HttpResponse> response = client.Send(request);
        if (!response.ok()) {
          failures[t].push_back(response.status().ToString());
        } else if (response->body != absl::StrCat(target, "|", request.body) ||
                   response->headers["X-Echo-Method"] != request.method) {
          failures[t].push_back(absl::StrCat("wrong answer: ", response->body));
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_THAT(failures[t], ::testing::IsEmpty()) << "thread " << t;
  }
  EXPECT_EQ(server.requests().size(),
            static_cast<size_t>(kThreads * kPerThread));
  EXPECT_LE(server.connections(), kThreads * kPerThread);
  EXPECT_EQ(client.cached_clients(), 1u);
}

// A one-connection HTTPS server on 127.0.0.1 with a freshly made
// self-signed certificate for IP 127.0.0.1, which no system trust store
// holds. After the handshake it reads one request and answers 200 "secure".
class SelfSignedTlsServer {
 public:
  SelfSignedTlsServer() {
    EVP_PKEY* key = EVP_EC_gen("P-256");
    X509* cert = X509_new();
    ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
    X509_gmtime_adj(X509_getm_notBefore(cert), -60);
    X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
    X509_set_pubkey(cert, key);
    X509_NAME* name = X509_get_subject_name(cert);
    X509_NAME_add_entry_by_txt(
        name, "CN", MBSTRING_ASC,
        reinterpret_cast<const unsigned char*>("127.0.0.1"), -1, -1, 0);
    X509_set_issuer_name(cert, name);
    X509_EXTENSION* san = X509V3_EXT_conf_nid(
        nullptr, nullptr, NID_subject_alt_name, "IP:127.0.0.1");
    X509_add_ext(cert, san, -1);
    X509_EXTENSION_free(san);
    X509_sign(cert, key, EVP_sha256());
    BIO* pem = BIO_new(BIO_s_mem());
    PEM_write_bio_X509(pem, cert);
    char* data = nullptr;
    long size = BIO_get_mem_data(pem, &data);
    cert_pem_.assign(data, static_cast<size_t>(size));
    BIO_free(pem);
    ctx_ = SSL_CTX_new(TLS_server_method());
    SSL_CTX_use_certificate(ctx_, cert);
    SSL_CTX_use_PrivateKey(ctx_, key);
    X509_free(cert);
    EVP_PKEY_free(key);

    listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr),
                   sizeof(addr)),
              0);
    EXPECT_EQ(listen(listen_fd_, 4), 0);
    socklen_t len = sizeof(addr);
    getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }

  ~SelfSignedTlsServer() {
    shutdown(listen_fd_, SHUT_RDWR);
    thread_.join();
    close(listen_fd_);
    SSL_CTX_free(ctx_);
  }

  int port() const { return port_; }
  // The certificate, PEM-encoded, for a test to trust.
  const std::string& cert_pem() const { return cert_pem_; }

  // Waits until the handshake has succeeded or failed.
  bool WaitForHandshake(absl::Duration timeout) {
    return handshake_done_.WaitForNotificationWithTimeout(timeout);
  }
  bool handshake_ok() const { return handshake_ok_; }

 private:
  void Serve() {
    int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) return;
    SSL* ssl = SSL_new(ctx_);
    SSL_set_fd(ssl, fd);
    handshake_ok_ = SSL_accept(ssl) == 1;
    handshake_done_.Notify();
    if (handshake_ok_) {
      std::string request;
      char chunk[1024];
      while (request.find("\r\n\r\n") == std::string::npos) {
        int got = SSL_read(ssl, chunk, sizeof(chunk));
        if (got <= 0) break;
        request.append(chunk, static_cast<size_t>(got));
      }
      std::string response = Response(200, "OK", {{"Connection", "close"}},
                                      "secure");
      SSL_write(ssl, response.data(), static_cast<int>(response.size()));
      SSL_shutdown(ssl);
    }
    SSL_free(ssl);
    close(fd);
  }

  SSL_CTX* ctx_ = nullptr;
  std::string cert_pem_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::thread thread_;
  absl::Notification handshake_done_;
  bool handshake_ok_ = false;  // written before handshake_done_
};

// Makes `cert_pem` the only trusted certificate until unsetenv
// ("SSL_CERT_FILE"): OpenSSL's default verify paths, which the client uses,
// honour that variable. Tests call it with no request in flight.
bool TrustOnly(const std::string& cert_pem) {
  const char* tmp = std::getenv("TEST_TMPDIR");
  std::string ca_file =
      absl::StrCat(tmp != nullptr ? tmp : "/tmp", "/riposte-test-ca.pem");
  FILE* out = std::fopen(ca_file.c_str(), "w");
  if (out == nullptr) return false;
  bool written =
      std::fwrite(cert_pem.data(), 1, cert_pem.size(), out) == cert_pem.size();
  written = std::fclose(out) == 0 && written;
  return written && setenv("SSL_CERT_FILE", ca_file.c_str(), 1) == 0;
}

TEST(CpprestHttpClientTest, HttpsRefusesAnUntrustedCertificate) {
  SelfSignedTlsServer server;
  CpprestHttpClient client;
  HttpRequest request =
      SecretBearingRequest(absl::StrCat("https://127.0.0.1:", server.port()));
  request.timeout = absl::Seconds(10);
  absl::StatusOr<HttpResponse> response = client.Send(request);
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), absl::StatusCode::kUnavailable)
      << response.status();
  EXPECT_THAT(std::string(response.status().message()),
              HasSubstr(absl::StrCat("POST https://127.0.0.1:", server.port(),
                                     "/hook")));
  ExpectNoSecrets(response.status());
  // A TLS handshake was attempted, and refused by the client.
  ASSERT_TRUE(server.WaitForHandshake(absl::Seconds(10)));
  EXPECT_FALSE(server.handshake_ok());
}

TEST(CpprestHttpClientTest, HttpsWorksWithATrustedCertificate) {
  SelfSignedTlsServer server;
  ASSERT_TRUE(TrustOnly(server.cert_pem()));
  CpprestHttpClient client;
  HttpRequest request;
  request.url = absl::StrCat("https://127.0.0.1:", server.port(), "/tls");
  request.timeout = absl::Seconds(10);
  absl::StatusOr<HttpResponse> response = client.Send(request);
  unsetenv("SSL_CERT_FILE");
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "secure");
  EXPECT_TRUE(server.handshake_ok());
}

TEST(CpprestHttpClientTest, HttpsChecksTheHostName) {
  SelfSignedTlsServer server;  // certified for 127.0.0.1 only
  ASSERT_TRUE(TrustOnly(server.cert_pem()));
  CpprestHttpClient client;
  HttpRequest request;
  request.url = absl::StrCat("https://localhost:", server.port(), "/tls");
  request.timeout = absl::Seconds(10);
  absl::StatusOr<HttpResponse> response = client.Send(request);
  unsetenv("SSL_CERT_FILE");
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), absl::StatusCode::kUnavailable)
      << response.status();
  if (absl::StrContains(response.status().message(), "connect")) {
    GTEST_SKIP() << "localhost does not reach 127.0.0.1 here: "
                 << response.status();
  }
  ASSERT_TRUE(server.WaitForHandshake(absl::Seconds(10)));
  EXPECT_FALSE(server.handshake_ok());
}

TEST(CpprestHttpClientTest, ZeroTimeoutIsDeadlineExceededWithoutSending) {
  TestServer server(Answer(Response(200, "OK", {}, "")));
  CpprestHttpClient client;
  HttpRequest request;
  request.url = server.Url("/");
  request.timeout = absl::ZeroDuration();
  EXPECT_EQ(client.Send(request).status().code(),
            absl::StatusCode::kDeadlineExceeded);
  EXPECT_TRUE(server.requests().empty());
}

}  // namespace
}  // namespace riposte::http
