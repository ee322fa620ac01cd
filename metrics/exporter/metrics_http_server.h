#ifndef RIPOSTE_METRICS_EXPORTER_METRICS_HTTP_SERVER_H_
#define RIPOSTE_METRICS_EXPORTER_METRICS_HTTP_SERVER_H_

#include <netinet/in.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"

// civetweb's handles; only the .cc includes civetweb.h.
struct mg_context;
struct mg_connection;

namespace riposte {
namespace metrics {

// Serves Prometheus scrapes over plain HTTP on its own port, apart from the
// gRPC API:
//
//   GET /metrics   200, Content-Type kTextContentType, body = render()
//   GET /healthz   200, "ok" (liveness: the process serves HTTP)
//   GET /readyz    200, "ok" while ready() is OK; 503 with "not ready: "
//                  and ready()'s message otherwise (e.g. the store cannot
//                  write); without `ready`, always 200
//   other paths    404
//   other methods  405 (on /metrics, /healthz, /readyz), with "Allow: GET"
//
// Built on Debian's civetweb, with a few worker threads of its own and no
// keep-alive, so a slow or stuck scraper holds at most one worker until the
// request timeout. Nothing else is served: no files, no CGI.
//
//   auto server = MetricsHttpServer::Start(
//       "127.0.0.1:0", [&registry] { return registry.RenderText(); });
//   if (!server.ok()) return server.status();
//   std::string address = (*server)->address();  // "127.0.0.1:41234"
//
// `render` runs on a worker thread for every scrape, possibly on several at
// once, with no lock of this class held: it must be thread-safe, and it
// decides alone what it locks (Registry::RenderText takes only the metrics
// library's short internal locks, never one the intake path waits on).
//
// Thread-safe. Stop() and the destructor wait for requests in flight, so
// they must not be called from inside `render`.
class MetricsHttpServer {
 public:
  // Binds `listen` ("host:port"; port 0 picks a free port) and starts
  // serving. The host must be an IPv4 address or "localhost" (which binds
  // 127.0.0.1); Debian's civetweb is built without IPv6. Only that address
  // is bound: "0.0.0.0" (every interface) must be asked for explicitly.
  // Returns
  //  - InvalidArgument for a malformed address or an empty `render`;
  //  - Unavailable if the address cannot be bound (port in use, address not
  //    on this host), naming the address and the reason.
  // `ready`, if given, is thread-safe like `render` and quick.
  static absl::StatusOr<std::unique_ptr<MetricsHttpServer>> Start(
      const std::string& listen, std::function<std::string()> render,
      std::function<absl::Status()> ready = nullptr);

  // Stops (see Stop).
  ~MetricsHttpServer();

  MetricsHttpServer(const MetricsHttpServer&) = delete;
  MetricsHttpServer& operator=(const MetricsHttpServer&) = delete;

  // "host:port" with the port actually bound, e.g. "127.0.0.1:41234".
  const std::string& address() const { return address_; }

  // Closes the port and waits for requests in flight to finish. Idempotent.
  // Afterwards the same address can be bound again at once.
  void Stop();

  // Worker threads serving requests.
  static constexpr int kWorkerThreads = 4;

 private:
  MetricsHttpServer(std::function<std::string()> render,
                    std::function<absl::Status()> ready);

  // civetweb callbacks; `user_data` is the server.
  static int HandleRequest(mg_connection* conn);
  static int HandleLogMessage(const mg_connection* conn, const char* message);

  const std::function<std::string()> render_;
  const std::function<absl::Status()> ready_;
  std::string address_;
  // Where Stop() connects to wake civetweb's accept loop.
  sockaddr_in wake_address_{};

  absl::Mutex mu_;
  mg_context* context_ ABSL_GUARDED_BY(mu_) = nullptr;
  // What civetweb reported while starting, for the error message.
  bool starting_ ABSL_GUARDED_BY(mu_) = true;
  std::vector<std::string> start_messages_ ABSL_GUARDED_BY(mu_);
};

// A listen address split for civetweb. Exposed for tests.
struct ListenAddress {
  std::string host;  // an IPv4 address, e.g. "127.0.0.1"
  int port = 0;
};

// Parses "host:port" as MetricsHttpServer::Start accepts it; "localhost"
// becomes "127.0.0.1". InvalidArgument, naming `listen`, otherwise.
absl::StatusOr<ListenAddress> ParseListenAddress(absl::string_view listen);

}  // namespace metrics
}  // namespace riposte

#endif  // RIPOSTE_METRICS_EXPORTER_METRICS_HTTP_SERVER_H_
