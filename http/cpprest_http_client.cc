#include "http/cpprest_http_client.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <exception>
#include <memory>
#include <stdexcept>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "cpprest/containerstream.h"
#include "cpprest/streams.h"
#include "cpprest/http_client.h"
#include "cpprest/uri.h"
#include "pplx/pplxtasks.h"

namespace riposte::http {
namespace internal {

// One cpprest client: a base URI, a config and a pool of keep-alive
// connections. cpprest's http_client is safe to share between threads.
class OriginClient {
 public:
  OriginClient(const web::uri& base,
               const web::http::client::http_client_config& config)
      : client_(base, config) {}

  web::http::client::http_client& client() { return client_; }

 private:
  web::http::client::http_client client_;
};

}  // namespace internal

namespace {

// cpprest's timer takes any duration; keep absurd ones finite.
constexpr absl::Duration kMaxTimeout = absl::Hours(24);

// Longest piece of an exception's text copied into a Status message.
constexpr size_t kMaxExceptionText = 160;

struct ParsedUrl {
  std::string scheme;          // "http" or "https"
  std::string host;            // IPv6 literals keep their brackets
  int port = 0;
  std::string path;            // starts with '/'; for messages
  std::string path_and_query;  // what goes on the request line
  std::string origin;          // "scheme://host:port"
};

bool IsTokenChar(char c) {
  // RFC 9110 tchar.
  return absl::ascii_isalnum(c) ||
         absl::string_view("!#$%&'*+-.^_`|~").find(c) !=
             absl::string_view::npos;
}

bool IsHostNameChar(char c) {
  return absl::ascii_isalnum(c) || c == '.' || c == '-' || c == '_';
}

bool IsIpv6LiteralChar(char c) {
  return absl::ascii_isxdigit(c) || c == ':' || c == '.';
}

// Splits an absolute http(s) URL. Messages never repeat the path or query,
// which may carry tokens.
absl::StatusOr<ParsedUrl> ParseUrl(absl::string_view url) {
  for (char c : url) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f) {
      return absl::InvalidArgumentError(
          "malformed URL: it contains a space, a control or a non-ASCII "
          "character (percent-encode them)");
    }
  }
  size_t scheme_end = url.find("://");
  if (scheme_end == absl::string_view::npos) {
    return absl::InvalidArgumentError(
        "malformed URL: expected an absolute URL, scheme://host[:port]/path");
  }
  ParsedUrl parsed;
  parsed.scheme = absl::AsciiStrToLower(url.substr(0, scheme_end));
  if (parsed.scheme != "http" && parsed.scheme != "https") {
    return absl::InvalidArgumentError(absl::StrCat(
        "malformed URL: scheme '", parsed.scheme.substr(0, 16),
        "' is not http or https"));
  }
  absl::string_view rest = url.substr(scheme_end + 3);
  size_t authority_end = rest.find_first_of("/?#");
  absl::string_view authority = rest.substr(0, authority_end);
  rest = authority_end == absl::string_view::npos
             ? absl::string_view()
             : rest.substr(authority_end);
  if (authority.find('@') != absl::string_view::npos) {
    return absl::InvalidArgumentError(
        "malformed URL: credentials in the URL (user:password@host) are not "
        "supported; send them in a header");
  }
  absl::string_view host;
  absl::string_view port_text;
  if (!authority.empty() && authority[0] == '[') {
    size_t close = authority.find(']');
    if (close == absl::string_view::npos) {
      return absl::InvalidArgumentError(
          "malformed URL: unterminated IPv6 literal in the host");
    }
    host = authority.substr(0, close + 1);
    absl::string_view inner = authority.substr(1, close - 1);
    if (inner.empty() || !std::all_of(inner.begin(), inner.end(),
                                      IsIpv6LiteralChar)) {
      return absl::InvalidArgumentError(
          "malformed URL: bad IPv6 literal in the host");
    }
    absl::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') {
        return absl::InvalidArgumentError(
            "malformed URL: unexpected text after the IPv6 literal");
      }
      port_text = after.substr(1);
      if (port_text.empty()) port_text = "?";  // "host:" is malformed
    }
  } else {
    size_t colon = authority.find(':');
    host = authority.substr(0, colon);
    if (colon != absl::string_view::npos) {
      port_text = authority.substr(colon + 1);
      if (port_text.empty()) port_text = "?";
    }
    if (host.empty() ||
        !std::all_of(host.begin(), host.end(), IsHostNameChar)) {
      return absl::InvalidArgumentError(
          "malformed URL: missing or invalid host name");
    }
  }
  parsed.host = absl::AsciiStrToLower(host);
  parsed.port = parsed.scheme == "https" ? 443 : 80;
  if (!port_text.empty()) {
    bool digits = port_text.size() <= 5 &&
                  std::all_of(port_text.begin(), port_text.end(),
                              absl::ascii_isdigit);
    if (!digits || !absl::SimpleAtoi(port_text, &parsed.port) ||
        parsed.port < 1 || parsed.port > 65535) {
      return absl::InvalidArgumentError(
          absl::StrCat("malformed URL: bad port in ", parsed.scheme, "://",
                       parsed.host));
    }
  }
  parsed.origin =
      absl::StrCat(parsed.scheme, "://", parsed.host, ":", parsed.port);

  // The fragment is the client's business; it never goes on the wire.
  rest = rest.substr(0, rest.find('#'));
  std::string path_and_query(rest);
  if (path_and_query.empty() || path_and_query[0] == '?') {
    path_and_query.insert(0, "/");
  }
  if (absl::StartsWith(path_and_query, "//")) {
    return absl::InvalidArgumentError(absl::StrCat(
        "malformed URL: the path of ", parsed.origin,
        " starts with '//', which would read as a host name"));
  }
  parsed.path = path_and_query.substr(0, path_and_query.find('?'));
  parsed.path_and_query = std::move(path_and_query);
  return parsed;
}

// Checks what cpprest would otherwise send blindly: header injection through
// CR/LF, and names that are not tokens. Never repeats a value.
absl::Status CheckRequestShape(const HttpRequest& request) {
  if (request.method.empty() ||
      !std::all_of(request.method.begin(), request.method.end(),
                   IsTokenChar)) {
    return absl::InvalidArgumentError(
        "bad HTTP method: it must be a non-empty token such as GET or POST");
  }
  for (const auto& [name, value] : request.headers) {
    if (name.empty() || !std::all_of(name.begin(), name.end(), IsTokenChar)) {
      return absl::InvalidArgumentError(
          "bad header name: it must be a non-empty token");
    }
    for (char c : value) {
      if (c == '\r' || c == '\n' || c == '\0') {
        return absl::InvalidArgumentError(absl::StrCat(
            "header ", name,
            ": the value contains CR, LF or NUL (value not shown)"));
      }
    }
  }
  return absl::OkStatus();
}

// Printable ASCII only, and short: exception texts are fixed strings in
// cpprest, but nothing foreign goes into a Status unfiltered.
std::string Sanitize(absl::string_view text) {
  std::string out;
  for (char c : text.substr(0, kMaxExceptionText)) {
    out.push_back(absl::ascii_isprint(c) ? c : '?');
  }
  if (text.size() > kMaxExceptionText) out.append("...");
  return out;
}

bool IsTimeout(const std::error_code& code) {
  return code == std::errc::timed_out || code.value() == ETIMEDOUT;
}

// Converts the exception in flight into a Status about `where`. Must be
// called from a catch block.
absl::Status StatusFromCurrentException(const std::string& where,
                                        absl::Duration timeout) {
  try {
    throw;
  } catch (const web::http::http_exception& e) {
    if (IsTimeout(e.error_code())) {
      return absl::DeadlineExceededError(
          absl::StrCat(where, ": no response within ",
                       absl::FormatDuration(timeout)));
    }
    return absl::UnavailableError(
        absl::StrCat(where, ": ", Sanitize(e.what())));
  } catch (const web::uri_exception&) {
    // Its text repeats the URL, query included; say only what it was.
    return absl::InvalidArgumentError(absl::StrCat(
        where, ": malformed URL (the path or query is not a valid URI)"));
  } catch (const pplx::task_canceled&) {
    // Only Send cancels, and only once the deadline has passed.
    return absl::DeadlineExceededError(
        absl::StrCat(where, ": no response within ",
                     absl::FormatDuration(timeout)));
  } catch (const std::invalid_argument& e) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": ", Sanitize(e.what())));
  } catch (const std::system_error& e) {
    if (IsTimeout(e.code())) {
      return absl::DeadlineExceededError(
          absl::StrCat(where, ": no response within ",
                       absl::FormatDuration(timeout)));
    }
    return absl::UnavailableError(
        absl::StrCat(where, ": ", Sanitize(e.what())));
  } catch (const std::exception& e) {
    return absl::UnavailableError(
        absl::StrCat(where, ": ", Sanitize(e.what())));
  } catch (...) {
    return absl::UnavailableError(
        absl::StrCat(where, ": unknown failure in the HTTP stack"));
  }
}

// True if the exception in flight says the request could not be written:
// the server then got at most the headers and part of a body whose
// Content-Length it never saw fulfilled, so it cannot have acted on it, and
// sending again is safe even for a POST. This is what a pooled keep-alive
// connection that the server closed while idle looks like; cpprest itself
// retries only when it notices later, at the status line. Must be called
// from a catch block.
bool WasNeverSent() {
  try {
    throw;
  } catch (const web::http::http_exception& e) {
    return absl::StartsWith(e.what(), "Failed to write request");
  } catch (...) {
    return false;
  }
}

// GET, HEAD and OPTIONS change nothing on the server (RFC 9110 9.2.1), so
// sending one twice is harmless.
bool IsSafeMethod(absl::string_view method) {
  return method == "GET" || method == "HEAD" || method == "OPTIONS";
}

// What one attempt and cpprest's continuation share. The continuation may
// outlive the attempt (after a timeout), hence the shared_ptr.
struct Exchange {
  // Written by the continuation before `done` is notified.
  HttpResponse response;
  absl::Status status;
  bool never_sent = false;
  // Set when the body is left for the caller to stream (a 2xx with a
  // body_sink): `raw` then still holds the unread body.
  bool stream_body = false;
  web::http::http_response raw;
  absl::Notification done;
};

// The largest piece handed to a body sink at once.
constexpr size_t kStreamPiece = 64 << 10;

// One read of a streamed body. Shared with cpprest's continuation, which
// may outlive the reader after a timeout.
struct Piece {
  std::vector<unsigned char> bytes = std::vector<unsigned char>(kStreamPiece);
  size_t size = 0;
  absl::Status status;
  absl::Notification done;
};

// Hands the body of `response` to `sink` piece by piece, on this thread,
// until the end of the body, `deadline`, or an error.
absl::Status StreamBody(web::http::http_response& response,
                        const BodySink& sink, const std::string& where,
                        absl::Duration timeout, absl::Time deadline,
                        pplx::cancellation_token_source& cancel) {
  concurrency::streams::streambuf<uint8_t> body = response.body().streambuf();
  while (true) {
    auto piece = std::make_shared<Piece>();
    try {
      body.getn(piece->bytes.data(), piece->bytes.size())
          .then([piece, where, timeout](pplx::task<size_t> read) {
            try {
              piece->size = read.get();
            } catch (...) {
              piece->status = StatusFromCurrentException(where, timeout);
            }
            piece->done.Notify();
          });
    } catch (...) {
      return StatusFromCurrentException(where, timeout);
    }
    if (!piece->done.WaitForNotificationWithDeadline(deadline)) {
      cancel.cancel();
      return absl::DeadlineExceededError(absl::StrCat(
          where, ": body not received within ", absl::FormatDuration(timeout)));
    }
    if (!piece->status.ok()) return piece->status;
    if (piece->size == 0) return absl::OkStatus();
    absl::Status taken = sink(absl::string_view(
        reinterpret_cast<const char*>(piece->bytes.data()), piece->size));
    if (!taken.ok()) {
      // Drops the connection rather than reading the rest for no one.
      cancel.cancel();
      return taken;
    }
  }
}

// A cpprest client (and connection pool) of its own for `origin`.
absl::StatusOr<std::shared_ptr<internal::OriginClient>> NewOriginClient(
    const std::string& origin, absl::Duration timeout) {
  try {
    web::http::client::http_client_config config;
    config.set_timeout(std::chrono::milliseconds(
        std::max<int64_t>(1, absl::ToInt64Milliseconds(timeout))));
    config.set_validate_certificates(true);
    // Following a redirect would resend the Authorization header to
    // wherever the Location points; callers decide instead.
    config.set_max_redirects(0);
    // Graph and any sane gateway speak TLS 1.2+; refuse older protocols.
    config.set_ssl_context_callback([](boost::asio::ssl::context& context) {
      context.set_options(boost::asio::ssl::context::default_workarounds |
                          boost::asio::ssl::context::no_sslv2 |
                          boost::asio::ssl::context::no_sslv3 |
                          boost::asio::ssl::context::no_tlsv1 |
                          boost::asio::ssl::context::no_tlsv1_1);
    });
    return std::make_shared<internal::OriginClient>(web::uri(origin), config);
  } catch (...) {
    return StatusFromCurrentException(origin, timeout);
  }
}

}  // namespace

CpprestHttpClient::CpprestHttpClient() : CpprestHttpClient(Options{}) {}

CpprestHttpClient::CpprestHttpClient(Options options)
    : options_(std::move(options)) {}

CpprestHttpClient::~CpprestHttpClient() = default;

size_t CpprestHttpClient::cached_clients() const {
  absl::MutexLock lock(&mu_);
  return clients_.size();
}

absl::StatusOr<std::shared_ptr<internal::OriginClient>>
CpprestHttpClient::ClientFor(const std::string& key, const std::string& origin,
                             absl::Duration timeout,
                             const internal::OriginClient* replacing) {
  absl::MutexLock lock(&mu_);
  auto it = clients_.find(key);
  if (it != clients_.end()) {
    // Another thread may have replaced it already; use theirs.
    if (it->second.client.get() != replacing) {
      it->second.last_used = ++use_counter_;
      return it->second.client;
    }
    clients_.erase(it);
  }
  absl::StatusOr<std::shared_ptr<internal::OriginClient>> made =
      NewOriginClient(origin, timeout);
  if (!made.ok()) return made.status();
  std::shared_ptr<internal::OriginClient> client = *std::move(made);
  if (options_.max_cached_clients > 0 &&
      clients_.size() >= options_.max_cached_clients) {
    auto oldest = std::min_element(
        clients_.begin(), clients_.end(), [](const auto& a, const auto& b) {
          return a.second.last_used < b.second.last_used;
        });
    clients_.erase(oldest);
  }
  clients_[key] = CacheEntry{client, ++use_counter_};
  return client;
}

namespace {

// Builds the cpprest request for `request`, or throws.
web::http::http_request BuildMessage(const HttpRequest& request,
                                     const ParsedUrl& url) {
  web::http::http_request message(request.method);
  message.set_request_uri(web::uri(url.path_and_query));
  const std::string* content_type = nullptr;
  for (const auto& [name, value] : request.headers) {
    if (absl::EqualsIgnoreCase(name, "Content-Length")) continue;
    if (absl::EqualsIgnoreCase(name, "Content-Type")) {
      content_type = &value;
      continue;
    }
    message.headers()[name] = value;
  }
  if (!request.body.empty()) {
    // Setting the body with the caller's content type is the one way to
    // keep cpprest from adding its own (or a charset).
    message.set_body(
        concurrency::streams::bytestream::open_istream(request.body),
        request.body.size(),
        content_type != nullptr ? *content_type
                                : std::string("application/octet-stream"));
    if (content_type == nullptr) {
      message.headers().remove(web::http::header_names::content_type);
    }
  } else if (content_type != nullptr) {
    message.headers()[web::http::header_names::content_type] = *content_type;
  }
  return message;
}

// One exchange on `client`, waiting until `deadline` at most. Sets
// `*never_sent` when it failed before the request could have reached the
// server (see WasNeverSent).
absl::StatusOr<HttpResponse> SendOnce(web::http::client::http_client& client,
                                      const HttpRequest& request,
                                      const ParsedUrl& url,
                                      const std::string& where,
                                      absl::Duration timeout,
                                      absl::Time deadline, bool* never_sent) {
  *never_sent = false;
  auto exchange = std::make_shared<Exchange>();
  pplx::cancellation_token_source cancel;
  try {
    const bool may_stream = static_cast<bool>(request.body_sink);
    client.request(BuildMessage(request, url), cancel.get_token())
        .then([exchange, may_stream](web::http::http_response response) {
          exchange->response.status = response.status_code();
          for (const auto& [name, value] : response.headers()) {
            exchange->response.headers[name] = value;
          }
          if (may_stream && response.status_code() / 100 == 2) {
            exchange->stream_body = true;
            exchange->raw = response;
            return pplx::task_from_result(std::vector<unsigned char>());
          }
          return response.extract_vector();
        })
        .then([exchange, where,
               timeout](pplx::task<std::vector<unsigned char>> body) {
          try {
            std::vector<unsigned char> bytes = body.get();
            exchange->response.body.assign(bytes.begin(), bytes.end());
          } catch (...) {
            exchange->status = StatusFromCurrentException(where, timeout);
            exchange->never_sent = WasNeverSent();
          }
          exchange->done.Notify();
        });
  } catch (...) {
    return StatusFromCurrentException(where, timeout);
  }

  if (!exchange->done.WaitForNotificationWithDeadline(deadline)) {
    // Closes the connection; the continuation still runs and finds no one
    // waiting, which is fine: it only touches `exchange`.
    cancel.cancel();
    return absl::DeadlineExceededError(absl::StrCat(
        where, ": no response within ", absl::FormatDuration(timeout)));
  }
  if (!exchange->status.ok()) {
    *never_sent = exchange->never_sent;
    return exchange->status;
  }
  if (exchange->stream_body) {
    absl::Status streamed = StreamBody(exchange->raw, request.body_sink, where,
                                       timeout, deadline, cancel);
    if (!streamed.ok()) return streamed;
  }
  return std::move(exchange->response);
}

}  // namespace

absl::StatusOr<HttpResponse> CpprestHttpClient::Send(
    const HttpRequest& request) {
  absl::StatusOr<ParsedUrl> url = ParseUrl(request.url);
  if (!url.ok()) return url.status();
  if (absl::Status shape = CheckRequestShape(request); !shape.ok()) {
    return shape;
  }
  const std::string where =
      absl::StrCat(request.method, " ", url->origin, url->path);
  if (request.timeout <= absl::ZeroDuration()) {
    return absl::DeadlineExceededError(
        absl::StrCat(where, ": no time left to send (timeout ",
                     absl::FormatDuration(request.timeout), ")"));
  }
  const absl::Duration timeout = std::min(request.timeout, kMaxTimeout);
  const absl::Time deadline = absl::Now() + timeout;
  bool never_sent = false;
  if (!IsSafeMethod(request.method)) {
    // Sent once, on a connection of its own. On a pooled connection that
    // dies before the status line, cpprest silently sends the request
    // again, though the server may have read it and acted (a receiver that
    // reads, then resets): a delivery nobody counts. A fresh connection is
    // never "reused", so cpprest reports the failure instead, and the
    // caller decides, knowing the outcome is unknown. The one-off client
    // goes away with its connection once the exchange is over.
    absl::StatusOr<std::shared_ptr<internal::OriginClient>> own =
        NewOriginClient(url->origin, timeout);
    if (!own.ok()) return own.status();
    return SendOnce((*own)->client(), request, *url, where, timeout, deadline,
                    &never_sent);
  }
  const std::string key = absl::StrCat(
      url->origin, " ", absl::ToInt64Milliseconds(timeout), "ms");
  absl::StatusOr<std::shared_ptr<internal::OriginClient>> client =
      ClientFor(key, url->origin, timeout);
  if (!client.ok()) return client.status();

  absl::StatusOr<HttpResponse> response = SendOnce(
      (*client)->client(), request, *url, where, timeout, deadline,
      &never_sent);
  if (response.ok() || !never_sent || absl::Now() >= deadline) {
    return response;
  }
  // The request provably never reached the server: a pooled keep-alive
  // connection that the server had closed. cpprest may hand the same dead
  // connection out again, and its pool cannot be pruned from outside, so
  // start a fresh client (and pool) for this origin and send once more
  // within the same deadline. Requests still running on the old client
  // finish normally.
  client = ClientFor(key, url->origin, timeout, /*replacing=*/client->get());
  if (!client.ok()) return client.status();
  return SendOnce((*client)->client(), request, *url, where, timeout,
                  deadline, &never_sent);
}

}  // namespace riposte::http
