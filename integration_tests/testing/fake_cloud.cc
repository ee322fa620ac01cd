#include "integration_tests/testing/fake_cloud.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "common/json_value.h"

namespace riposte::integration {
namespace {

// ---- sockets ---------------------------------------------------------------

// Waits until `fd` is ready for `events` or the deadline passes.
bool WaitFd(int fd, short events, absl::Time deadline) {
  while (true) {
    const int64_t ms = absl::ToInt64Milliseconds(deadline - absl::Now());
    if (ms <= 0) return false;
    pollfd p{fd, events, 0};
    const int r = poll(&p, 1, static_cast<int>(std::min<int64_t>(ms, 60000)));
    if (r > 0) return true;
    if (r < 0 && errno != EINTR) return false;
  }
}

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

std::string Lower(absl::string_view s) { return absl::AsciiStrToLower(s); }

// Decodes a chunked body; returns false if it is malformed or cut short.
bool Unchunk(absl::string_view in, std::string* out) {
  size_t pos = 0;
  while (true) {
    const size_t eol = in.find("\r\n", pos);
    if (eol == absl::string_view::npos) return false;
    absl::string_view size_text = in.substr(pos, eol - pos);
    size_text = size_text.substr(0, size_text.find(';'));
    size_t size = 0;
    if (!absl::SimpleHexAtoi(absl::StripAsciiWhitespace(size_text), &size)) {
      return false;
    }
    pos = eol + 2;
    if (size == 0) return true;
    if (pos + size > in.size()) return false;
    out->append(in.data() + pos, size);
    pos += size + 2;
  }
}

std::string DefaultLogDir() {
  for (const char* var : {"TEST_UNDECLARED_OUTPUTS_DIR", "TEST_TMPDIR"}) {
    const char* dir = std::getenv(var);
    if (dir != nullptr && *dir != '\0') return dir;
  }
  return "/tmp";
}

std::string FakeScriptPath() {
  const char* srcdir = std::getenv("TEST_SRCDIR");
  const char* workspace = std::getenv("TEST_WORKSPACE");
  return absl::StrCat(srcdir != nullptr ? srcdir : ".", "/",
                      workspace != nullptr ? workspace : "riposte",
                      "/integration_tests/fakes/fake_cloud.py");
}

// `program` itself if it has a '/', else its first match on $PATH. Done
// before fork: the child only calls async-signal-safe functions.
std::string ResolveProgram(const std::string& program) {
  if (program.find('/') != std::string::npos) return program;
  const char* path = std::getenv("PATH");
  for (absl::string_view dir :
       absl::StrSplit(path != nullptr ? path : "/usr/bin:/bin", ':')) {
    if (dir.empty()) continue;
    std::string candidate = absl::StrCat(dir, "/", program);
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return program;
}

std::string ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string FormEncode(const HeaderList& fields) {
  std::string out;
  for (const auto& [name, value] : fields) {
    absl::StrAppend(&out, out.empty() ? "" : "&", UrlEncode(name), "=",
                    UrlEncode(value));
  }
  return out;
}

}  // namespace

// ---- HTTP --------------------------------------------------------------------

std::string HttpReply::Header(absl::string_view name) const {
  auto it = headers.find(Lower(name));
  return it == headers.end() ? "" : it->second;
}

HttpReply HttpExchange(int port, const HttpCall& call) {
  HttpReply reply;
  const absl::Time deadline = absl::Now() + call.timeout;
  Fd fd(socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) {
    reply.error = absl::StrCat("socket: ", strerror(errno));
    return reply;
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) !=
      0) {
    if (errno != EINPROGRESS || !WaitFd(fd.get(), POLLOUT, deadline)) {
      reply.error = absl::StrCat("connect: ", strerror(errno));
      return reply;
    }
    int err = 0;
    socklen_t len = sizeof(err);
    getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) {
      reply.error = absl::StrCat("connect: ", strerror(err));
      return reply;
    }
  }

  std::string request = absl::StrCat(call.method, " ", call.target,
                                     " HTTP/1.1\r\nHost: 127.0.0.1:", port,
                                     "\r\nConnection: close\r\n");
  bool has_length = false;
  for (const auto& [name, value] : call.headers) {
    has_length |= absl::EqualsIgnoreCase(name, "Content-Length") ||
                  absl::EqualsIgnoreCase(name, "Transfer-Encoding");
    absl::StrAppend(&request, name, ": ", value, "\r\n");
  }
  if (call.send_content_length && !has_length) {
    absl::StrAppend(&request, "Content-Length: ", call.body.size(), "\r\n");
  }
  absl::StrAppend(&request, "\r\n", call.body);

  // A server may answer and close before reading everything (413); keep
  // going to read that answer.
  size_t sent = 0;
  while (sent < request.size()) {
    if (!WaitFd(fd.get(), POLLOUT, deadline)) break;
    const ssize_t n = send(fd.get(), request.data() + sent,
                           request.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n <= 0) break;
    sent += static_cast<size_t>(n);
  }

  std::string raw;
  char buf[16384];
  while (true) {
    if (!WaitFd(fd.get(), POLLIN, deadline)) {
      reply.error = "timed out waiting for the answer";
      return reply;
    }
    const ssize_t n = recv(fd.get(), buf, sizeof(buf), 0);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n < 0 && raw.empty()) {
      reply.error = absl::StrCat("recv: ", strerror(errno));
      return reply;
    }
    if (n <= 0) break;
    raw.append(buf, static_cast<size_t>(n));
  }

  const size_t head_end = raw.find("\r\n\r\n");
  if (head_end == std::string::npos) {
    reply.error = raw.empty() ? "connection closed without an answer"
                              : "incomplete answer";
    return reply;
  }
  std::vector<absl::string_view> lines =
      absl::StrSplit(absl::string_view(raw).substr(0, head_end), "\r\n");
  std::vector<absl::string_view> status_line =
      absl::StrSplit(lines[0], absl::MaxSplits(' ', 2));
  if (status_line.size() < 2 || !absl::SimpleAtoi(status_line[1],
                                                  &reply.status)) {
    reply.error = absl::StrCat("bad status line: ", lines[0]);
    return reply;
  }
  for (size_t i = 1; i < lines.size(); ++i) {
    const size_t colon = lines[i].find(':');
    if (colon == absl::string_view::npos) continue;
    reply.headers[Lower(lines[i].substr(0, colon))] = std::string(
        absl::StripAsciiWhitespace(lines[i].substr(colon + 1)));
  }
  absl::string_view body = absl::string_view(raw).substr(head_end + 4);
  size_t length = 0;
  if (absl::StrContains(Lower(reply.Header("transfer-encoding")),
                        "chunked")) {
    if (!Unchunk(body, &reply.body)) reply.error = "bad chunked body";
  } else if (absl::SimpleAtoi(reply.Header("content-length"), &length)) {
    if (body.size() < length) reply.error = "body cut short";
    reply.body = std::string(body.substr(0, length));
  } else {
    reply.body = std::string(body);
  }
  return reply;
}

// ---- JSON ----------------------------------------------------------------------

namespace {

// Appends, in document order, what JsonFields reports for each member of
// `value` (at any depth) named `key`.
void CollectFields(const JsonValue& value, absl::string_view text,
                   absl::string_view key, std::vector<std::string>* out) {
  for (size_t i = 0; i < value.member_count(); ++i) {
    const JsonValue& member = value.member_value(i);
    if (value.member_key(i) == key) {
      out->push_back(member.is_string() ? member.string_value()
                                        : std::string(member.SourceText(text)));
    }
    CollectFields(member, text, key, out);
  }
  for (const JsonValue& element : value.elements()) {
    CollectFields(element, text, key, out);
  }
}

}  // namespace

std::vector<std::string> JsonFields(absl::string_view json,
                                    absl::string_view key) {
  JsonParseOptions options;
  options.max_bytes = size_t{1} << 30;  // request logs with attachments
  std::vector<std::string> out;
  absl::StatusOr<JsonValue> doc = JsonValue::Parse(json, options);
  if (doc.ok()) {
    CollectFields(*doc, json, key, &out);
    return out;
  }
  // JSON Lines (e.g. the CLI's --watch output): each line on its own.
  for (absl::string_view line : absl::StrSplit(json, '\n')) {
    if (!absl::StripAsciiWhitespace(line).empty()) {
      absl::StatusOr<JsonValue> item = JsonValue::Parse(line, options);
      if (!item.ok()) return {};
      CollectFields(*item, line, key, &out);
    }
  }
  return out;
}

std::string JsonField(absl::string_view json, absl::string_view key) {
  std::vector<std::string> all = JsonFields(json, key);
  return all.empty() ? "" : all.front();
}

std::string JsonQuote(absl::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          absl::StrAppend(&out, "\\u00",
                          absl::Hex(static_cast<unsigned char>(c),
                                    absl::kZeroPad2));
        } else {
          out.push_back(c);
        }
    }
  }
  out += "\"";
  return out;
}

std::string UrlEncode(absl::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : text) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (absl::ascii_isalnum(u) || c == '-' || c == '.' || c == '_' ||
        c == '~') {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 0xF]);
    }
  }
  return out;
}

// ---- FakeCloud -------------------------------------------------------------------

absl::StatusOr<std::unique_ptr<FakeCloud>> FakeCloud::Start() {
  return Start(Options());
}

absl::StatusOr<std::unique_ptr<FakeCloud>> FakeCloud::Start(
    const Options& options) {
  static std::atomic<int> counter{0};
  const std::string script =
      options.script.empty() ? FakeScriptPath() : options.script;
  if (access(script.c_str(), R_OK) != 0) {
    return absl::NotFoundError(absl::StrCat("no fake cloud script at ", script));
  }
  const std::string dir =
      options.log_dir.empty() ? DefaultLogDir() : options.log_dir;
  const std::string prefix =
      absl::StrCat(dir, "/fake_cloud-", getpid(), "-", ++counter);
  const std::string ready = prefix + ".ready.json";
  const std::string out_path = prefix + ".stdout";
  const std::string err_path = prefix + ".stderr";
  unlink(ready.c_str());

  std::vector<std::string> argv = {
      ResolveProgram(options.python), script, "--port", "0", "--ready-file",
      ready, "--exit-with-parent"};
  if (options.delay_ms > 0) {
    argv.push_back("--delay-ms");
    argv.push_back(std::to_string(options.delay_ms));
  }
  std::vector<char*> args;
  for (auto& a : argv) args.push_back(a.data());
  args.push_back(nullptr);

  const pid_t pid = fork();
  if (pid < 0) return absl::InternalError("fork failed");
  if (pid == 0) {
    const int out = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int err = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int devnull = open("/dev/null", O_RDONLY);
    dup2(devnull, 0);
    dup2(out, 1);
    dup2(err, 2);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  std::unique_ptr<FakeCloud> cloud(new FakeCloud());
  cloud->pid_ = pid;
  cloud->log_prefix_ = prefix;

  // Polls the ready file (written atomically) until the deadline; the
  // condition decides, the sleep only paces the polling.
  const absl::Time deadline = absl::Now() + options.ready_timeout;
  absl::Duration pace = absl::Milliseconds(2);
  while (true) {
    const std::string contents = ReadWholeFile(ready);
    const std::string port_text = JsonField(contents, "port");
    int port = 0;
    if (absl::SimpleAtoi(port_text, &port) && port > 0) {
      cloud->port_ = port;
      return cloud;
    }
    if (!cloud->Running()) {
      return absl::UnavailableError(absl::StrCat(
          "fake_cloud.py exited before it was ready; stderr:\n",
          cloud->Stderr()));
    }
    if (absl::Now() >= deadline) {
      return absl::UnavailableError(absl::StrCat(
          "fake_cloud.py not ready within ",
          absl::FormatDuration(options.ready_timeout), "; stderr:\n",
          cloud->Stderr()));
    }
    absl::SleepFor(pace);
    pace = std::min(pace * 2, absl::Milliseconds(50));
  }
}

FakeCloud::~FakeCloud() {
  if (pid_ > 0 && !reaped_) {
    kill(pid_, SIGKILL);
    int status = 0;
    while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
  }
}

bool FakeCloud::Running() {
  if (reaped_) return false;
  int status = 0;
  if (waitpid(pid_, &status, WNOHANG) == pid_) reaped_ = true;
  return !reaped_;
}

std::string FakeCloud::Stderr() const {
  return ReadWholeFile(log_prefix_ + ".stderr");
}

std::string FakeCloud::base_url() const {
  return absl::StrCat("http://127.0.0.1:", port_);
}

std::string FakeCloud::webhook_url(absl::string_view name) const {
  return absl::StrCat(base_url(), "/webhook/", name);
}

HttpReply FakeCloud::Send(const std::string& method, const std::string& path,
                          const HeaderList& headers,
                          const std::string& body) const {
  HttpCall call;
  call.method = method;
  call.target = path;
  call.headers = headers;
  call.body = body;
  return HttpExchange(port_, call);
}

HttpReply FakeCloud::Get(const std::string& path) const {
  return Send("GET", path);
}

HttpReply FakeCloud::Post(const std::string& path,
                          const std::string& json) const {
  return Send("POST", path, {{"Content-Type", "application/json"}}, json);
}

HttpReply FakeCloud::Patch(const std::string& path,
                           const std::string& json) const {
  return Send("PATCH", path, {{"Content-Type", "application/json"}}, json);
}

HttpReply FakeCloud::Delete(const std::string& path) const {
  return Send("DELETE", path);
}

HttpReply FakeCloud::Reset() const { return Post("/_fake/reset", "{}"); }

HttpReply FakeCloud::AddUser(const std::string& upn,
                             bool account_enabled) const {
  return Post("/_fake/users",
              absl::StrCat("{\"userPrincipalName\":", JsonQuote(upn),
                           ",\"accountEnabled\":",
                           account_enabled ? "true" : "false", "}"));
}

HttpReply FakeCloud::User(const std::string& upn) const {
  return Get("/_fake/users/" + UrlEncode(upn));
}

HttpReply FakeCloud::AddMessage(const std::string& json) const {
  return Post("/_fake/messages", json);
}

HttpReply FakeCloud::Mailbox(const std::string& upn) const {
  return Get("/_fake/mailboxes/" + UrlEncode(upn));
}

HttpReply FakeCloud::AddHeld(const std::string& json) const {
  return Post("/_fake/held", json);
}

HttpReply FakeCloud::Gateway() const { return Get("/_fake/gateway"); }

HttpReply FakeCloud::AddFault(const std::string& json) const {
  return Post("/_fake/faults", json);
}

HttpReply FakeCloud::ClearFaults() const { return Delete("/_fake/faults"); }

HttpReply FakeCloud::SetDelay(int ms) const {
  return Post("/_fake/delay", absl::StrCat("{\"ms\":", ms, "}"));
}

HttpReply FakeCloud::GraphLimits(const std::string& json) const {
  return json.empty() ? Get("/_fake/graph/limits")
                      : Post("/_fake/graph/limits", json);
}

HttpReply FakeCloud::Requests(const std::string& service) const {
  return Get(service.empty() ? "/_fake/requests"
                             : "/_fake/requests?service=" + UrlEncode(service));
}

HttpReply FakeCloud::ClearRequests() const {
  return Delete("/_fake/requests");
}

HttpReply FakeCloud::Webhook(const std::string& name) const {
  return Get("/_fake/webhooks/" + name);
}

absl::StatusOr<std::string> FakeCloud::GraphToken(
    const std::string& tenant, const std::string& client_id,
    const std::string& secret) const {
  HttpReply r = Send(
      "POST", absl::StrCat("/login/", UrlEncode(tenant), "/oauth2/v2.0/token"),
      {{"Content-Type", "application/x-www-form-urlencoded"}},
      FormEncode({{"client_id", client_id},
                  {"client_secret", secret},
                  {"scope", kFakeGraphScope},
                  {"grant_type", "client_credentials"}}));
  std::string token = JsonField(r.body, "access_token");
  if (r.status != 200 || token.empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat("no Graph token: HTTP ", r.status, " ", r.body));
  }
  return token;
}

absl::StatusOr<std::string> FakeCloud::GatewayToken(
    const std::string& client_id, const std::string& secret) const {
  HttpReply r =
      Send("POST", "/gateway/oauth/token",
           {{"Content-Type", "application/x-www-form-urlencoded"}},
           FormEncode({{"client_id", client_id},
                       {"client_secret", secret},
                       {"grant_type", "client_credentials"}}));
  std::string token = JsonField(r.body, "access_token");
  if (r.status != 200 || token.empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat("no gateway token: HTTP ", r.status, " ", r.body));
  }
  return token;
}

std::string FakeCloud::GraphTenantYaml(const std::string& secret_file,
                                       const std::string& tenant_id) const {
  {
    std::ofstream out(secret_file, std::ios::trunc);
    out << kFakeGraphSecret;
  }
  chmod(secret_file.c_str(), 0600);
  return absl::StrCat("tenants:\n  - id: ", tenant_id, "\n    graph:\n",
                      "      directory_tenant: ", kFakeTenant, "\n",
                      "      client_id: ", kFakeGraphClientId, "\n",
                      "      client_secret_file: ", secret_file, "\n",
                      "      login_base_url: ", login_base_url(), "\n",
                      "      graph_base_url: ", graph_base_url(), "\n");
}

}  // namespace riposte::integration
