#include "store/postgres/pg_connection.h"

#include <libpq-fe.h>
#include <poll.h>

#include <optional>
#include <utility>

#include "absl/strings/cord.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "common/status_macros.h"

namespace riposte::store::postgres {
namespace {

// SQLSTATE of a connection that is gone (connection_failure).
constexpr char kConnectionFailure[] = "08006";

absl::StatusCode CodeFor(absl::string_view state) {
  if (state == "23505") return absl::StatusCode::kAlreadyExists;
  if (absl::StartsWith(state, "23")) return absl::StatusCode::kFailedPrecondition;
  if (state == "40001" || state == "40P01") return absl::StatusCode::kAborted;
  // Connection exceptions, shutdown or recovery, resources (disk full, out
  // of memory, too many connections), system I/O errors, a statement or
  // lock timeout, and a server that went read-only (a standby after
  // failover): all pass; the caller may try again.
  if (absl::StartsWith(state, "08") || absl::StartsWith(state, "53") ||
      absl::StartsWith(state, "57") || absl::StartsWith(state, "58") ||
      state == "55P03" || state == "25006") {
    return absl::StatusCode::kUnavailable;
  }
  return absl::StatusCode::kInternal;
}

std::string Trimmed(const char* message) {
  return std::string(absl::StripTrailingAsciiWhitespace(
      message == nullptr ? "" : message));
}

int64_t Millis(absl::Duration d) { return absl::ToInt64Milliseconds(d); }

}  // namespace

std::string SqlStateOf(const absl::Status& status) {
  auto state = status.GetPayload(kSqlStatePayload);
  return state.has_value() ? std::string(*state) : std::string();
}

std::string PgStorageFailureReason(const absl::Status& status) {
  if (status.code() != absl::StatusCode::kUnavailable) return "";
  const std::string state = SqlStateOf(status);
  if (state.empty() || state == "55P03" || state == "57014") return "";
  if (state == "53100") return "disk_full";
  if (state == "25006") return "read_only";
  if (absl::StartsWith(state, "08") || absl::StartsWith(state, "57P")) {
    return "unreachable";
  }
  return "other";
}

absl::Status PgError(absl::string_view sqlstate, absl::string_view what,
                     absl::string_view detail) {
  absl::Status status(CodeFor(sqlstate),
                      absl::StrCat("postgres: ", what, ": ", detail));
  status.SetPayload(kSqlStatePayload, absl::Cord(sqlstate));
  return status;
}

PgParam::PgParam(int64_t v) : value(absl::StrCat(v)), null(false) {}

PgParam::PgParam(double v)
    : value(absl::StrFormat("%.17g", v)), null(false) {}

PgParam PgParam::Bytes(absl::string_view bytes) {
  PgParam p(bytes);
  p.binary = true;
  return p;
}

PgResult& PgResult::operator=(PgResult&& other) noexcept {
  if (this != &other) {
    if (result_ != nullptr) PQclear(result_);
    result_ = other.result_;
    other.result_ = nullptr;
  }
  return *this;
}

PgResult::~PgResult() {
  if (result_ != nullptr) PQclear(result_);
}

int PgResult::rows() const { return PQntuples(result_); }
int PgResult::columns() const { return PQnfields(result_); }

int64_t PgResult::affected() const {
  int64_t n = 0;
  return absl::SimpleAtoi(PQcmdTuples(result_), &n) ? n : 0;
}

bool PgResult::IsNull(int row, int col) const {
  return PQgetisnull(result_, row, col) != 0;
}

absl::string_view PgResult::Text(int row, int col) const {
  return absl::string_view(PQgetvalue(result_, row, col),
                           PQgetlength(result_, row, col));
}

int64_t PgResult::Int64(int row, int col) const {
  int64_t v = 0;
  return absl::SimpleAtoi(Text(row, col), &v) ? v : 0;
}

double PgResult::Double(int row, int col) const {
  double v = 0;
  return absl::SimpleAtod(Text(row, col), &v) ? v : 0;
}

bool PgResult::Bool(int row, int col) const { return Text(row, col) == "t"; }

std::string PgResult::Bytes(int row, int col) const {
  if (IsNull(row, col)) return std::string();
  size_t n = 0;
  unsigned char* raw = PQunescapeBytea(
      reinterpret_cast<const unsigned char*>(PQgetvalue(result_, row, col)),
      &n);
  if (raw == nullptr) return std::string();
  std::string out(reinterpret_cast<const char*>(raw), n);
  PQfreemem(raw);
  return out;
}

absl::StatusOr<std::unique_ptr<PgConnection>> PgConnection::Connect(
    absl::string_view dsn, const PgConnectOptions& options) {
  std::string text(dsn);
  char* parse_error = nullptr;
  PQconninfoOption* parsed = PQconninfoParse(text.c_str(), &parse_error);
  if (parse_error != nullptr) PQfreemem(parse_error);
  if (parsed == nullptr) {
    // libpq's message quotes the string, which may hold a password.
    return absl::InvalidArgumentError(
        "postgres: the connection string could not be parsed (not shown: it "
        "may hold a password)");
  }
  PQconninfoFree(parsed);
  std::unique_ptr<PgConnection> conn(
      new PgConnection(std::move(text), options));
  absl::Status opened = conn->Open();
  if (!opened.ok()) return opened;
  return conn;
}

PgConnection::~PgConnection() {
  if (conn_ != nullptr) PQfinish(conn_);
}

absl::Status PgConnection::Open() {
  if (conn_ != nullptr) {
    PQfinish(conn_);
    conn_ = nullptr;
  }
  prepared_.clear();
  refused_writes_ = false;
  deferred_.clear();  // they belonged to the session that is gone
  // Ours come first so that the connection string's own settings win.
  const std::string timeout =
      absl::StrCat(std::max<int64_t>(
          1, absl::ToInt64Seconds(options_.connect_timeout)));
  // TCP keepalives notice a server gone silent within about half a
  // minute rather than the system's two hours.
  const char* keywords[] = {"connect_timeout", "application_name",
                            "keepalives_idle", "keepalives_interval",
                            "keepalives_count", "dbname", nullptr};
  const char* values[] = {timeout.c_str(), options_.application_name.c_str(),
                          "10", "5", "3", dsn_.c_str(), nullptr};
  conn_ = PQconnectdbParams(keywords, values, /*expand_dbname=*/1);
  if (conn_ == nullptr) {
    return PgError(kConnectionFailure, "connect", "out of memory");
  }
  if (PQstatus(conn_) != CONNECTION_OK) {
    return PgError(kConnectionFailure, "connect", Trimmed(PQerrorMessage(conn_)));
  }
  // Notices (e.g. "terminating connection due to administrator command")
  // would go to stderr bypassing our log; the status that follows says it.
  PQsetNoticeProcessor(conn_, [](void*, const char*) {}, nullptr);
  // A transaction left open by a client that vanished without closing its
  // socket (a partition, a frozen VM) would hold its locks until TCP gave
  // up, hours later; the server ends it after the statement timeout.
  return Exec(absl::StrFormat(
      "SET client_encoding = 'UTF8'; SET statement_timeout = %d; "
      "SET lock_timeout = %d; SET idle_in_transaction_session_timeout = %d;",
      Millis(options_.statement_timeout), Millis(options_.lock_timeout),
      Millis(options_.statement_timeout)));
}

absl::Status PgConnection::Reconnect() { return Open(); }

absl::Status PgConnection::ReviveIfClosed() {
  if (healthy() && !refused_writes_) {
    // Nothing is due on an idle connection. What does arrive is, in
    // practice, the server ending the session (its last message, then end
    // of file); the rare other kind (a parameter's new value after a
    // configuration reload) costs only a reconnection.
    pollfd waiting{PQsocket(conn_), POLLIN, 0};
    if (waiting.fd >= 0 && poll(&waiting, 1, /*timeout=*/0) == 0) {
      return absl::OkStatus();
    }
  }
  return Reconnect();
}

bool PgConnection::healthy() const {
  return conn_ != nullptr && PQstatus(conn_) == CONNECTION_OK;
}

absl::StatusOr<PgResult> PgConnection::Finish(PGresult* raw,
                                              absl::string_view what) {
  PgResult result(raw);
  const ExecStatusType status =
      raw == nullptr ? PGRES_FATAL_ERROR : PQresultStatus(raw);
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) {
    return result;
  }
  const char* state =
      raw == nullptr ? nullptr : PQresultErrorField(raw, PG_DIAG_SQLSTATE);
  std::string message = Trimmed(raw == nullptr ? PQerrorMessage(conn_)
                                               : PQresultErrorMessage(raw));
  if (message.empty()) message = Trimmed(PQerrorMessage(conn_));
  if (state == nullptr || PQstatus(conn_) == CONNECTION_BAD) {
    return PgError(kConnectionFailure, what, message);
  }
  // A server that refuses writes (a standby, e.g. the old primary after a
  // failover) stays so for this session: the next revival connects again,
  // which (with target_session_attrs=read-write or an address that follows
  // the primary) reaches the one that accepts them.
  if (absl::string_view(state) == "25006") refused_writes_ = true;
  return PgError(state, what, message);
}

absl::Status PgConnection::Exec(absl::string_view sql) {
  if (!healthy()) {
    deferred_.clear();
    return PgError(kConnectionFailure, "exec", "not connected");
  }
  // Several statements in one string need the simple protocol, which a
  // pipeline cannot carry: the queue goes first, on its own.
  RIPOSTE_RETURN_IF_ERROR(Flush());
  const std::string text(sql);
  return Finish(PQexec(conn_, text.c_str()), "exec").status();
}

namespace {

// libpq's parallel arrays for a parameter list.
struct ParamArrays {
  explicit ParamArrays(const std::vector<PgParam>& params) {
    values.reserve(params.size());
    lengths.reserve(params.size());
    formats.reserve(params.size());
    for (const PgParam& p : params) {
      values.push_back(p.null ? nullptr : p.value.data());
      lengths.push_back(static_cast<int>(p.value.size()));
      formats.push_back(p.binary ? 1 : 0);
    }
  }
  int size() const { return static_cast<int>(values.size()); }
  std::vector<const char*> values;
  std::vector<int> lengths;
  std::vector<int> formats;
};

// libpq sends a text parameter as a C string: a NUL would silently cut it
// short (and, say, an audit row would no longer match its hash). Refused.
absl::Status NulFree(const std::vector<PgParam>& params,
                     absl::string_view what) {
  for (size_t i = 0; i < params.size(); ++i) {
    const PgParam& p = params[i];
    if (!p.null && !p.binary &&
        p.value.find('\0') != std::string::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat("postgres: ", what, ": parameter ", i + 1,
                       " holds a NUL byte, which text cannot store"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<PgResult> PgConnection::Query(
    absl::string_view sql, const std::vector<PgParam>& params) {
  if (!healthy()) {
    deferred_.clear();
    return PgError(kConnectionFailure, "query", "not connected");
  }
  RIPOSTE_RETURN_IF_ERROR(NulFree(params, "query"));
  RIPOSTE_RETURN_IF_ERROR(Flush());
  const std::string text(sql);
  ParamArrays a(params);
  return Finish(PQexecParams(conn_, text.c_str(), a.size(), nullptr,
                             a.values.data(), a.lengths.data(),
                             a.formats.data(), /*resultFormat=*/0),
                "query");
}

absl::StatusOr<PgResult> PgConnection::Run(const PgStatement& statement,
                                           const std::vector<PgParam>& params) {
  if (!healthy()) {
    deferred_.clear();
    return PgError(kConnectionFailure, statement.name, "not connected");
  }
  RIPOSTE_RETURN_IF_ERROR(NulFree(params, statement.name));
  if (!deferred_.empty()) return RunPipeline(&statement, &params);
  if (!prepared_.contains(statement.name)) {
    absl::StatusOr<PgResult> prepared = Finish(
        PQprepare(conn_, statement.name, statement.sql, 0, nullptr),
        statement.name);
    if (!prepared.ok()) return prepared.status();
    prepared_.insert(statement.name);
  }
  ParamArrays a(params);
  return Finish(PQexecPrepared(conn_, statement.name, a.size(),
                               a.values.data(), a.lengths.data(),
                               a.formats.data(), /*resultFormat=*/0),
                statement.name);
}

void PgConnection::Defer(const PgStatement& statement,
                         std::vector<PgParam> params) {
  deferred_.push_back(Deferred{&statement, std::move(params)});
}

absl::Status PgConnection::Flush() {
  if (deferred_.empty()) return absl::OkStatus();
  if (!healthy()) {
    deferred_.clear();
    return PgError(kConnectionFailure, "flush", "not connected");
  }
  return RunPipeline(nullptr, nullptr).status();
}

absl::StatusOr<PgResult> PgConnection::RunPipeline(
    const PgStatement* last, const std::vector<PgParam>* last_params) {
  std::vector<Deferred> queue = std::move(deferred_);
  deferred_.clear();
  if (last != nullptr) queue.push_back(Deferred{last, *last_params});
  for (const Deferred& d : queue) {
    RIPOSTE_RETURN_IF_ERROR(NulFree(d.params, d.statement->name));
  }
  if (PQenterPipelineMode(conn_) != 1) {
    return PgError(kConnectionFailure, "pipeline",
                   Trimmed(PQerrorMessage(conn_)));
  }
  // What the server will answer, in order: a statement's preparation
  // (first use on this connection) and each execution.
  struct Expected {
    const char* name;
    bool prepare;
  };
  std::vector<Expected> expected;
  bool sent = true;
  for (const Deferred& d : queue) {
    if (!prepared_.contains(d.statement->name)) {
      // Counted as prepared from here on, so that a second use in the same
      // pipeline does not prepare again; undone below if it fails.
      sent = PQsendPrepare(conn_, d.statement->name, d.statement->sql, 0,
                           nullptr) == 1;
      if (!sent) break;
      prepared_.insert(d.statement->name);
      expected.push_back({d.statement->name, true});
    }
    ParamArrays a(d.params);
    sent = PQsendQueryPrepared(conn_, d.statement->name, a.size(),
                               a.values.data(), a.lengths.data(),
                               a.formats.data(), /*resultFormat=*/0) == 1;
    if (!sent) break;
    expected.push_back({d.statement->name, false});
  }
  // A pipeline that broke off leaves libpq in a state no later call can
  // use: the connection goes, and the next batch connects again.
  auto broken = [this](absl::string_view what) {
    const std::string message = Trimmed(PQerrorMessage(conn_));
    PQfinish(conn_);
    conn_ = nullptr;
    return PgError(kConnectionFailure, what, message);
  };
  if (!sent || PQpipelineSync(conn_) != 1) return broken("pipeline");
  absl::Status failure = absl::OkStatus();
  std::optional<PgResult> answer;
  for (const Expected& e : expected) {
    PGresult* raw = PQgetResult(conn_);
    if (raw == nullptr) return broken(e.name);
    const bool aborted = PQresultStatus(raw) == PGRES_PIPELINE_ABORTED;
    if (aborted) PQclear(raw);
    absl::StatusOr<PgResult> r =
        aborted ? absl::AbortedError("skipped") : Finish(raw, e.name);
    if (!r.ok() && e.prepare) prepared_.erase(e.name);
    if (!r.ok() && !aborted && failure.ok()) failure = r.status();
    if (r.ok() && !e.prepare) answer = std::move(*r);
    // Each statement's results end with a null.
    while ((raw = PQgetResult(conn_)) != nullptr) PQclear(raw);
  }
  PGresult* sync = PQgetResult(conn_);
  const bool synced =
      sync != nullptr && PQresultStatus(sync) == PGRES_PIPELINE_SYNC;
  if (sync != nullptr) PQclear(sync);
  if (!synced || PQexitPipelineMode(conn_) != 1) return broken("pipeline");
  if (!failure.ok()) return failure;
  if (last == nullptr || !answer.has_value()) return PgResult(nullptr);
  return std::move(*answer);
}

}  // namespace riposte::store::postgres
