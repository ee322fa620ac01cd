#include "metrics/exporter/testing/http_client.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cstring>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace riposte::metrics::testing {
namespace {

// Closes the socket when it goes out of scope.
class Socket {
 public:
  explicit Socket(int fd) : fd_(fd) {}
  ~Socket() {
    if (fd_ >= 0) close(fd_);
  }
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  int fd() const { return fd_; }

 private:
  int fd_;
};

absl::Status IoError(absl::string_view what, const std::string& address) {
  const int err = errno;
  const std::string message =
      absl::StrCat(what, " ", address, ": ", std::strerror(err));
  if (err == EAGAIN || err == EWOULDBLOCK) {
    return absl::DeadlineExceededError(message);
  }
  return absl::UnavailableError(message);
}

// Sends `bytes` and reads until the server closes. With `half_close`, the
// sending side is shut down after the bytes, so a server waiting for more of
// an incomplete request sees the end at once.
absl::StatusOr<std::string> Exchange(const std::string& address,
                                     absl::string_view bytes,
                                     absl::Duration timeout, bool half_close) {
  const size_t colon = address.rfind(':');
  int port = 0;
  if (colon == std::string::npos ||
      !absl::SimpleAtoi(address.substr(colon + 1), &port)) {
    return absl::InvalidArgumentError("bad address " + address);
  }
  std::string host = address.substr(0, colon);
  if (host == "localhost") host = "127.0.0.1";
  sockaddr_in sa;
  std::memset(&sa, 0, sizeof(sa));
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<uint16_t>(port));
  if (inet_pton(AF_INET, host.c_str(), &sa.sin_addr) != 1) {
    return absl::InvalidArgumentError("bad IPv4 address " + address);
  }

  Socket sock(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (sock.fd() < 0) return IoError("socket for", address);
  timeval tv;
  tv.tv_sec = absl::ToInt64Seconds(timeout);
  tv.tv_usec = absl::ToInt64Microseconds(timeout) % 1000000;
  setsockopt(sock.fd(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  setsockopt(sock.fd(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
  if (connect(sock.fd(), reinterpret_cast<sockaddr*>(&sa), sizeof(sa)) != 0) {
    return IoError("connect to", address);
  }
  size_t sent = 0;
  while (sent < bytes.size()) {
    ssize_t n = send(sock.fd(), bytes.data() + sent, bytes.size() - sent,
                     MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return IoError("send to", address);
    sent += static_cast<size_t>(n);
  }
  if (half_close) shutdown(sock.fd(), SHUT_WR);
  std::string received;
  char buffer[16384];
  while (true) {
    ssize_t n = recv(sock.fd(), buffer, sizeof(buffer), 0);
    if (n < 0 && errno == EINTR) continue;
    // A reset after a complete response (the server closed with unread
    // request bytes) still leaves a usable response.
    if (n < 0 && errno == ECONNRESET && !received.empty()) break;
    if (n < 0) return IoError("recv from", address);
    if (n == 0) break;
    received.append(buffer, static_cast<size_t>(n));
  }
  return received;
}

// Decodes a chunked body; DataLoss if it is cut short or malformed.
absl::StatusOr<std::string> Dechunk(absl::string_view in) {
  std::string out;
  while (true) {
    const size_t eol = in.find("\r\n");
    if (eol == absl::string_view::npos) {
      return absl::DataLossError("chunked body cut short");
    }
    absl::string_view size_text = in.substr(0, eol);
    size_text = size_text.substr(0, size_text.find(';'));  // extensions
    uint64_t size = 0;
    if (!absl::SimpleHexAtoi(absl::StripAsciiWhitespace(size_text), &size)) {
      return absl::DataLossError("bad chunk size");
    }
    in.remove_prefix(eol + 2);
    if (size == 0) return out;
    if (in.size() < size + 2) return absl::DataLossError("chunk cut short");
    out.append(in.data(), size);
    in.remove_prefix(size + 2);
  }
}

absl::StatusOr<HttpResponse> ParseResponse(absl::string_view raw,
                                           bool head) {
  const size_t end_of_head = raw.find("\r\n\r\n");
  if (end_of_head == absl::string_view::npos) {
    return absl::DataLossError(
        absl::StrCat("no complete HTTP header in ", raw.size(), " bytes"));
  }
  std::vector<absl::string_view> lines =
      absl::StrSplit(raw.substr(0, end_of_head), "\r\n");
  HttpResponse response;
  // "HTTP/1.1 200 OK"
  std::vector<absl::string_view> status_line =
      absl::StrSplit(lines[0], absl::MaxSplits(' ', 2));
  if (status_line.size() < 2 || !absl::StartsWith(status_line[0], "HTTP/") ||
      !absl::SimpleAtoi(status_line[1], &response.status)) {
    return absl::DataLossError(absl::StrCat("bad status line: ", lines[0]));
  }
  for (size_t i = 1; i < lines.size(); ++i) {
    const size_t colon = lines[i].find(':');
    if (colon == absl::string_view::npos) continue;
    response.headers[absl::AsciiStrToLower(lines[i].substr(0, colon))] =
        std::string(absl::StripAsciiWhitespace(lines[i].substr(colon + 1)));
  }
  absl::string_view body = raw.substr(end_of_head + 4);
  if (head) return response;  // Content-Length describes a GET's body
  if (absl::AsciiStrToLower(response.Header("transfer-encoding")) ==
      "chunked") {
    absl::StatusOr<std::string> decoded = Dechunk(body);
    if (!decoded.ok()) return decoded.status();
    response.body = *std::move(decoded);
    return response;
  }
  const std::string length_text = response.Header("content-length");
  if (!length_text.empty()) {
    size_t length = 0;
    if (!absl::SimpleAtoi(length_text, &length) || body.size() < length) {
      return absl::DataLossError(absl::StrCat(
          "body has ", body.size(), " bytes, Content-Length ", length_text));
    }
    body = body.substr(0, length);
  }
  response.body = std::string(body);
  return response;
}

}  // namespace

absl::StatusOr<HttpResponse> HttpRequest(const std::string& address,
                                         absl::string_view method,
                                         absl::string_view target,
                                         absl::string_view body,
                                         absl::Duration timeout) {
  std::string request =
      absl::StrCat(method, " ", target, " HTTP/1.1\r\nHost: ", address,
                   "\r\nUser-Agent: riposte-test\r\nAccept: */*\r\n",
                   "Connection: close\r\n");
  if (!body.empty() || method == "POST" || method == "PUT") {
    absl::StrAppend(&request, "Content-Length: ", body.size(), "\r\n");
  }
  absl::StrAppend(&request, "\r\n", body);
  absl::StatusOr<std::string> raw =
      Exchange(address, request, timeout, /*half_close=*/false);
  if (!raw.ok()) return raw.status();
  return ParseResponse(*raw, /*head=*/method == "HEAD");
}

absl::StatusOr<HttpResponse> HttpGet(const std::string& address,
                                     absl::string_view target) {
  return HttpRequest(address, "GET", target);
}

absl::StatusOr<std::string> SendRaw(const std::string& address,
                                    absl::string_view bytes,
                                    absl::Duration timeout) {
  return Exchange(address, bytes, timeout, /*half_close=*/true);
}

std::string UrlEncode(absl::string_view text) {
  std::string out;
  for (char c : text) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (absl::ascii_isalnum(u) || c == '-' || c == '_' || c == '.' ||
        c == '~') {
      out.push_back(c);
    } else {
      absl::StrAppendFormat(&out, "%%%02X", u);
    }
  }
  return out;
}

}  // namespace riposte::metrics::testing
