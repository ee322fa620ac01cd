#include "metrics/exporter/metrics_http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <civetweb.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <thread>
#include <utility>

#include "absl/base/call_once.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "common/log.h"
#include "metrics/text_format.h"

namespace riposte {
namespace metrics {
namespace {

// How long one request may take to arrive and be answered before civetweb
// drops the connection, so a stuck client cannot hold a worker for long.
constexpr char kRequestTimeoutMs[] = "10000";

constexpr absl::string_view kPlainText = "text/plain; charset=utf-8";

// mg_init_library is not thread-safe and must run before the first
// mg_start2; the library stays initialised for the life of the process.
void InitCivetwebOnce() {
  static absl::once_flag once;
  absl::call_once(once, [] { mg_init_library(0); });
}

bool IsIpv4Literal(const std::string& host) {
  in_addr ignored;
  return inet_pton(AF_INET, host.c_str(), &ignored) == 1;
}

// Writes a whole response and asks civetweb to close the connection after
// it. A HEAD request gets the headers only. A client that went away makes the
// write fail; there is nobody left to tell, so that is ignored.
void SendResponse(mg_connection* conn, absl::string_view method, int code,
                  absl::string_view reason, absl::string_view content_type,
                  absl::string_view body,
                  absl::string_view extra_headers = "") {
  std::string response = absl::StrCat(
      "HTTP/1.1 ", code, " ", reason, "\r\n", "Content-Type: ", content_type,
      "\r\n", "Content-Length: ", body.size(), "\r\n",
      "Cache-Control: no-store\r\n", extra_headers, "Connection: close\r\n\r\n");
  if (method != "HEAD") response.append(body.data(), body.size());
  mg_write(conn, response.data(), response.size());
}

// Connects to `address` and hangs up at once; errors (e.g. the port is
// already closed) are what the caller waits for, so they are ignored.
void WakeAcceptLoop(const sockaddr_in& address) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return;
  connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address));
  close(fd);
}

}  // namespace

absl::StatusOr<ListenAddress> ParseListenAddress(absl::string_view listen) {
  auto invalid = [listen](absl::string_view why) {
    return absl::InvalidArgumentError(
        absl::StrCat("metrics listen address \"", listen, "\": ", why,
                     " (expected host:port, e.g. 127.0.0.1:9464)"));
  };
  const size_t colon = listen.rfind(':');
  if (colon == absl::string_view::npos) return invalid("has no port");
  std::string host(listen.substr(0, colon));
  const absl::string_view port_text = listen.substr(colon + 1);

  ListenAddress out;
  if (port_text.empty() || port_text.size() > 5 ||
      !std::all_of(port_text.begin(), port_text.end(),
                   [](char c) { return absl::ascii_isdigit(c); }) ||
      !absl::SimpleAtoi(port_text, &out.port) || out.port > 65535) {
    return invalid("port must be a number from 0 to 65535");
  }
  if (host.empty()) {
    // civetweb would bind every interface; say so explicitly instead.
    return invalid("has no host (use 0.0.0.0 to listen on every interface)");
  }
  if (absl::AsciiStrToLower(host) == "localhost") host = "127.0.0.1";
  if (host.front() == '[') {
    return invalid(
        "IPv6 is not supported: Debian's civetweb is built without it");
  }
  if (!IsIpv4Literal(host)) {
    return invalid("host must be an IPv4 address or localhost");
  }
  out.host = std::move(host);
  return out;
}

MetricsHttpServer::MetricsHttpServer(std::function<std::string()> render,
                                     std::function<absl::Status()> ready)
    : render_(std::move(render)), ready_(std::move(ready)) {}

MetricsHttpServer::~MetricsHttpServer() { Stop(); }

absl::StatusOr<std::unique_ptr<MetricsHttpServer>> MetricsHttpServer::Start(
    const std::string& listen, std::function<std::string()> render,
    std::function<absl::Status()> ready) {
  if (!render) {
    return absl::InvalidArgumentError("metrics server: render is empty");
  }
  absl::StatusOr<ListenAddress> parsed = ParseListenAddress(listen);
  if (!parsed.ok()) return parsed.status();
  InitCivetwebOnce();

  std::unique_ptr<MetricsHttpServer> server(
      new MetricsHttpServer(std::move(render), std::move(ready)));
  const std::string ports = absl::StrCat(parsed->host, ":", parsed->port);
  const std::string threads = absl::StrCat(kWorkerThreads);
  const char* options[] = {
      "listening_ports",    ports.c_str(),
      "num_threads",        threads.c_str(),
      "request_timeout_ms", kRequestTimeoutMs,
      "enable_keep_alive",  "no",
      nullptr,
  };
  mg_callbacks callbacks;
  std::memset(&callbacks, 0, sizeof(callbacks));
  callbacks.begin_request = &MetricsHttpServer::HandleRequest;
  callbacks.log_message = &MetricsHttpServer::HandleLogMessage;
  mg_init_data init;
  std::memset(&init, 0, sizeof(init));
  init.callbacks = &callbacks;
  init.user_data = server.get();
  init.configuration_options = options;
  char error_text[256] = "";
  unsigned error_code = 0;
  mg_error_data error;
  std::memset(&error, 0, sizeof(error));
  error.code = &error_code;
  error.text = error_text;
  error.text_buffer_size = sizeof(error_text);

  // civetweb reports through HandleLogMessage from this thread while it
  // starts, so no lock is held across the call.
  mg_context* context = mg_start2(&init, &error);
  std::vector<std::string> reasons;
  {
    absl::MutexLock lock(&server->mu_);
    server->starting_ = false;
    reasons.swap(server->start_messages_);
  }
  if (context == nullptr) {
    // The specific reason ("cannot bind to ...: Address already in use")
    // comes through the log callback; error_text is only the summary.
    if (error_text[0] != '\0') reasons.push_back(error_text);
    if (reasons.empty()) reasons.push_back("civetweb failed to start");
    return absl::UnavailableError(
        absl::StrCat("metrics server cannot listen on ", ports, ": ",
                     absl::StrJoin(reasons, "; ")));
  }

  mg_server_port bound[4];
  const int count = mg_get_server_ports(context, 4, bound);
  if (count < 1 || bound[0].port <= 0) {
    mg_stop(context);
    return absl::InternalError(
        absl::StrCat("metrics server on ", ports,
                     ": civetweb did not report the bound port"));
  }
  server->address_ = absl::StrCat(parsed->host, ":", bound[0].port);
  // Where Stop() connects to wake civetweb's accept loop: the bound address,
  // or loopback for "every interface".
  std::memset(&server->wake_address_, 0, sizeof(server->wake_address_));
  server->wake_address_.sin_family = AF_INET;
  server->wake_address_.sin_port = htons(static_cast<uint16_t>(bound[0].port));
  const std::string wake_host =
      parsed->host == "0.0.0.0" ? "127.0.0.1" : parsed->host;
  inet_pton(AF_INET, wake_host.c_str(), &server->wake_address_.sin_addr);
  {
    absl::MutexLock lock(&server->mu_);
    server->context_ = context;
  }
  return server;
}

void MetricsHttpServer::Stop() {
  mg_context* context = nullptr;
  {
    absl::MutexLock lock(&mu_);
    std::swap(context, context_);
  }
  if (context == nullptr) return;
  // mg_stop runs without the lock: it waits for the workers, whose log
  // callback takes it. Its accept loop polls with a 2 s quantum compiled
  // into Debian's civetweb and notices the stop flag only between polls, so
  // connections are made to wake it; otherwise every stop (and restart)
  // would take up to 2 s. A wake-up connection that is accepted just before
  // the flag is seen sends nothing and is closed by its worker at once.
  absl::Notification stopped;
  std::thread stopper([context, &stopped] {
    mg_stop(context);
    stopped.Notify();
  });
  while (!stopped.WaitForNotificationWithTimeout(absl::Milliseconds(20))) {
    WakeAcceptLoop(wake_address_);
  }
  stopper.join();
}

int MetricsHttpServer::HandleRequest(mg_connection* conn) {
  const mg_request_info* request = mg_get_request_info(conn);
  auto* self = static_cast<MetricsHttpServer*>(request->user_data);
  const absl::string_view path =
      request->local_uri != nullptr ? request->local_uri : "";
  const absl::string_view method =
      request->request_method != nullptr ? request->request_method : "";

  const bool is_metrics = path == "/metrics";
  const bool is_ready = path == "/readyz";
  if (!is_metrics && !is_ready && path != "/healthz") {
    SendResponse(conn, method, 404, "Not Found", kPlainText,
                 "not found: try /metrics, /healthz or /readyz\n");
    return 404;
  }
  if (method != "GET") {
    SendResponse(conn, method, 405, "Method Not Allowed", kPlainText,
                 "method not allowed: use GET\n", "Allow: GET\r\n");
    return 405;
  }
  if (is_ready && self->ready_) {
    const absl::Status ready = self->ready_();
    if (!ready.ok()) {
      SendResponse(conn, method, 503, "Service Unavailable", kPlainText,
                   absl::StrCat("not ready: ", ready.message(), "\n"));
      return 503;
    }
  }
  if (!is_metrics) {
    SendResponse(conn, method, 200, "OK", kPlainText, "ok");
    return 200;
  }
  // No lock of ours is held here: concurrent scrapes render in parallel,
  // and Stop() waits for them through mg_stop.
  const std::string body = self->render_();
  SendResponse(conn, method, 200, "OK", kTextContentType, body);
  return 200;
}

int MetricsHttpServer::HandleLogMessage(const mg_connection* conn,
                                        const char* message) {
  if (message == nullptr) return 1;
  const mg_context* context =
      conn != nullptr ? mg_get_context(conn) : nullptr;
  auto* self = context != nullptr
                   ? static_cast<MetricsHttpServer*>(mg_get_user_data(context))
                   : nullptr;
  if (self != nullptr) {
    absl::MutexLock lock(&self->mu_);
    if (self->starting_) {
      self->start_messages_.emplace_back(message);
      return 1;
    }
  }
  // After start-up civetweb reports per-connection trouble (timeouts,
  // malformed requests); worth seeing when debugging, not more.
  log::Debug("metrics server", {{"civetweb", message}});
  return 1;
}

}  // namespace metrics
}  // namespace riposte
