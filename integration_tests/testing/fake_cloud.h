#ifndef RIPOSTE_INTEGRATION_TESTS_TESTING_FAKE_CLOUD_H_
#define RIPOSTE_INTEGRATION_TESTS_TESTING_FAKE_CLOUD_H_

// Starts integration_tests/fakes/fake_cloud.py (faithful fakes of Entra ID,
// Microsoft Graph, a Mimecast-style mail gateway and a webhook receiver on
// one loopback port) and talks to its control API under /_fake/.
//
// Self-contained on purpose (a tiny blocking HTTP/1.1 client over a
// loopback socket), except for JSON, which it reads with Riposte's one JSON
// parser (common/json_value.h).
//
//   auto cloud = FakeCloud::Start();
//   ASSERT_TRUE(cloud.ok()) << cloud.status();
//   (*cloud)->AddUser("alice@contoso.com");
//   config.graph_base_url = (*cloud)->graph_base_url();
//   ...
//   HttpReply user = (*cloud)->User("alice@contoso.com");
//   EXPECT_EQ(JsonField(user.body, "accountEnabled"), "false");

#include <sys/types.h>

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace riposte::integration {

// What the fake accepts out of the box (see fake_auth.py).
inline constexpr char kFakeTenant[] = "contoso-tenant-id";
inline constexpr char kFakeGraphClientId[] = "riposte-app";
inline constexpr char kFakeGraphSecret[] = "fake-graph-secret";
inline constexpr char kFakeGraphScope[] =
    "https://graph.microsoft.com/.default";
inline constexpr char kFakeGatewayClientId[] = "riposte-gw";
inline constexpr char kFakeGatewaySecret[] = "fake-gateway-secret";

using HeaderList = std::vector<std::pair<std::string, std::string>>;

// One HTTP request to 127.0.0.1.
struct HttpCall {
  std::string method = "GET";
  std::string target = "/";  // path and query, already percent-encoded
  HeaderList headers;
  std::string body;
  // Adds "Content-Length: <body size>" unless the headers have one. Turn
  // off to send a request with no length at all.
  bool send_content_length = true;
  absl::Duration timeout = absl::Seconds(30);
};

// The answer. `status` is 0 when there was none (refused, reset, timed out,
// or the server dropped the connection); `error` then says why.
struct HttpReply {
  int status = 0;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
  std::string error;

  // The header's value, or "" (name compared without regard to case).
  std::string Header(absl::string_view name) const;
};

// Sends `call` with "Connection: close" and reads the whole answer
// (Content-Length, chunked or until EOF). Thread-safe.
HttpReply HttpExchange(int port, const HttpCall& call);

// The value of the first member named `key`, at any depth of `json`:
// strings unescaped, numbers/true/false/null as written, objects and arrays
// as raw JSON text. "" when there is no such member. `json` is one JSON
// text, or JSON Lines (one text per line, as the CLI streams them); "" (and
// no fields) when it is neither.
std::string JsonField(absl::string_view json, absl::string_view key);
// Every member named `key`, in document order (a member's own value is
// searched after the member itself).
std::vector<std::string> JsonFields(absl::string_view json,
                                    absl::string_view key);
// `text` as a JSON string literal, quotes included.
std::string JsonQuote(absl::string_view text);
// Percent-encodes everything but RFC 3986 unreserved characters (so '+'
// becomes %2B, which OData would otherwise read as a space).
std::string UrlEncode(absl::string_view text);

// A running fake cloud process. Killed (SIGKILL) when destroyed; it also
// dies with the test process. Methods are thread-safe (each call is one
// connection).
class FakeCloud {
 public:
  struct Options {
    // Fixed delay before every answer of the faked services (benchmarks).
    int delay_ms = 0;
    absl::Duration ready_timeout = absl::Seconds(30);
    // Where the fake's stdout/stderr and ready file go. Default:
    // $TEST_UNDECLARED_OUTPUTS_DIR, else $TEST_TMPDIR, else /tmp.
    std::string log_dir;
    std::string python = "python3";  // looked up on PATH
    // Default: the runfile integration_tests/fakes/fake_cloud.py.
    std::string script;
  };

  // Starts the fake and waits until it has written its ready file.
  // Unavailable if it does not come up in time (its stderr is included).
  static absl::StatusOr<std::unique_ptr<FakeCloud>> Start();
  static absl::StatusOr<std::unique_ptr<FakeCloud>> Start(
      const Options& options);
  ~FakeCloud();
  FakeCloud(const FakeCloud&) = delete;
  FakeCloud& operator=(const FakeCloud&) = delete;

  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  // http://127.0.0.1:PORT
  std::string base_url() const;
  // Where riposted's config points (the equivalents of
  // https://login.microsoftonline.com, https://graph.microsoft.com/v1.0 and
  // https://api.services.mimecast.com).
  std::string login_base_url() const { return base_url() + "/login"; }
  std::string graph_base_url() const { return base_url() + "/graph/v1.0"; }
  std::string gateway_base_url() const { return base_url() + "/gateway"; }
  std::string webhook_url(absl::string_view name) const;
  // Whether the process is still alive.
  bool Running();
  // The fake's stderr so far (tracebacks land here).
  std::string Stderr() const;

  // Raw requests to any path on the fake.
  HttpReply Send(const std::string& method, const std::string& path,
                 const HeaderList& headers = {},
                 const std::string& body = "") const;
  HttpReply Get(const std::string& path) const;
  // POSTs `json` with Content-Type: application/json.
  HttpReply Post(const std::string& path, const std::string& json) const;
  HttpReply Patch(const std::string& path, const std::string& json) const;
  HttpReply Delete(const std::string& path) const;

  // Control API shortcuts (see fake_control.py for the shapes).
  HttpReply Reset() const;                                 // POST reset
  HttpReply AddUser(const std::string& upn,
                    bool account_enabled = true) const;    // POST users
  HttpReply User(const std::string& upn) const;            // GET users/{upn}
  HttpReply AddMessage(const std::string& json) const;     // POST messages
  HttpReply Mailbox(const std::string& upn) const;  // GET mailboxes/{upn}
  HttpReply AddHeld(const std::string& json) const;        // POST held
  HttpReply Gateway() const;                               // GET gateway
  HttpReply AddFault(const std::string& json) const;       // POST faults
  HttpReply ClearFaults() const;                           // DELETE faults
  HttpReply SetDelay(int ms) const;                        // POST delay
  // Outlook's limits and Graph's batch counts (POST graph/limits with
  // `json`, or GET when it is empty); see fake_graph_limits.py.
  HttpReply GraphLimits(const std::string& json = "") const;
  HttpReply Requests(const std::string& service = "") const;
  HttpReply ClearRequests() const;
  HttpReply Webhook(const std::string& name) const;  // GET webhooks/{name}

  // riposted.yaml's tenants section for one tenant whose Graph is this
  // fake: "tenants:\n  - id: contoso\n    graph:\n ...". Writes the app's
  // secret to `secret_file` (mode 0600), where the section points.
  std::string GraphTenantYaml(const std::string& secret_file,
                              const std::string& tenant_id = "contoso") const;

  // Fetches tokens the way riposted does, for tests that call the fakes
  // directly. FailedPrecondition with the answer if none is issued.
  absl::StatusOr<std::string> GraphToken(
      const std::string& tenant = kFakeTenant,
      const std::string& client_id = kFakeGraphClientId,
      const std::string& secret = kFakeGraphSecret) const;
  absl::StatusOr<std::string> GatewayToken(
      const std::string& client_id = kFakeGatewayClientId,
      const std::string& secret = kFakeGatewaySecret) const;

 private:
  FakeCloud() = default;

  pid_t pid_ = -1;
  bool reaped_ = false;
  int port_ = 0;
  std::string log_prefix_;
};

}  // namespace riposte::integration

#endif  // RIPOSTE_INTEGRATION_TESTS_TESTING_FAKE_CLOUD_H_
