#ifndef RIPOSTE_STORE_POSTGRES_PG_CONNECTION_H_
#define RIPOSTE_STORE_POSTGRES_PG_CONNECTION_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

// libpq's types, kept out of this header.
typedef struct pg_conn PGconn;
typedef struct pg_result PGresult;

namespace riposte::store::postgres {

// Payload type URL of every status PgError makes: the SQLSTATE, or "08006"
// when the connection itself is gone. Lets callers tell an unreachable
// database from a constraint without parsing messages.
inline constexpr char kSqlStatePayload[] = "riposte.store.postgres/sqlstate";

// The SQLSTATE a status from this file carries, "" if none.
std::string SqlStateOf(const absl::Status& status);

// Why the database itself failed a write, for health and metrics:
// "unreachable" (connection lost or refused, shutting down, starting up),
// "disk_full" (53100), "read_only" (a standby after failover), "other"
// (other resource or system errors); "" when `status` is not such a
// failure (OK, a constraint, a statement or lock timeout, no SQLSTATE).
std::string PgStorageFailureReason(const absl::Status& status);

// Maps a SQLSTATE to a status code: unique violation is AlreadyExists,
// other integrity violations FailedPrecondition, serialization failure and
// deadlock Aborted (retry the transaction), connection loss, shutdown,
// insufficient resources (e.g. disk full) and timeouts Unavailable, the
// rest Internal. `what` names the operation, never the connection string.
absl::Status PgError(absl::string_view sqlstate, absl::string_view what,
                     absl::string_view detail);

// One statement parameter, sent as text (or NULL).
struct PgParam {
  static PgParam Null() { return PgParam(); }
  PgParam() = default;
  PgParam(absl::string_view text) : value(text), null(false) {}  // NOLINT
  PgParam(const std::string& text) : value(text), null(false) {}  // NOLINT
  PgParam(const char* text) : value(text), null(false) {}  // NOLINT
  PgParam(int64_t v);  // NOLINT
  PgParam(int v) : PgParam(static_cast<int64_t>(v)) {}  // NOLINT
  PgParam(double v);  // NOLINT
  PgParam(bool v) : value(v ? "t" : "f"), null(false) {}  // NOLINT
  // bytea, sent in binary.
  static PgParam Bytes(absl::string_view bytes);

  std::string value;
  bool null = true;
  bool binary = false;
};

// A statement's rows, in text format. Owns libpq's result.
class PgResult {
 public:
  explicit PgResult(PGresult* result) : result_(result) {}
  PgResult(PgResult&& other) noexcept : result_(other.result_) {
    other.result_ = nullptr;
  }
  PgResult& operator=(PgResult&& other) noexcept;
  ~PgResult();

  int rows() const;
  int columns() const;
  // Rows changed by INSERT/UPDATE/DELETE.
  int64_t affected() const;
  bool IsNull(int row, int col) const;
  absl::string_view Text(int row, int col) const;
  int64_t Int64(int row, int col) const;  // 0 when NULL
  double Double(int row, int col) const;  // 0 when NULL
  bool Bool(int row, int col) const;      // false when NULL
  // A bytea column, decoded from libpq's hex text form.
  std::string Bytes(int row, int col) const;

 private:
  PGresult* result_;
};

// A statement with its text, prepared once per connection on first use.
struct PgStatement {
  const char* name;  // unique per statement text
  const char* sql;
};

struct PgConnectOptions {
  absl::Duration connect_timeout = absl::Seconds(5);
  // Server-side limits for each statement and lock wait (zero: none). A
  // transaction idle longer than statement_timeout is ended by the server.
  absl::Duration statement_timeout = absl::Seconds(30);
  absl::Duration lock_timeout = absl::ZeroDuration();
  std::string application_name = "riposted";
};

// One libpq connection. Not thread-safe: one thread at a time.
//
// The connection string given to Connect is kept only to reconnect; it
// never appears in a status. A string libpq cannot parse is refused without
// libpq's message (which would quote it); other messages from libpq name
// the host, user and database but never the password.
class PgConnection {
 public:
  // Connects. Unavailable if the server cannot be reached or refuses us,
  // InvalidArgument if the connection string cannot be parsed.
  static absl::StatusOr<std::unique_ptr<PgConnection>> Connect(
      absl::string_view dsn, const PgConnectOptions& options);
  ~PgConnection();
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  // Runs one or more statements with no parameters and no result.
  absl::Status Exec(absl::string_view sql);
  // Runs a statement with parameters (unnamed, parsed each time).
  absl::StatusOr<PgResult> Query(absl::string_view sql,
                                 const std::vector<PgParam>& params = {});
  // Runs a statement prepared on this connection on first use.
  absl::StatusOr<PgResult> Run(const PgStatement& statement,
                               const std::vector<PgParam>& params = {});

  // Queues a statement whose only answer is success, to travel with the
  // next call that needs the server (Run, Exec, Query, Flush): Run sends
  // the queue and its own statement in one round trip (libpq's pipeline
  // mode); the others send the queue first. That call returns the first
  // failure among the queued statements and its own, and the statements
  // after a failure do not run. `statement` must outlive the queue.
  void Defer(const PgStatement& statement, std::vector<PgParam> params = {});
  // Sends what Defer queued, if anything, and returns its outcome.
  absl::Status Flush();

  // Whether the connection is up as far as libpq knows (it learns of a
  // dropped server only when a call fails).
  bool healthy() const;
  // Connects again with the original settings; statements are prepared
  // again on next use.
  absl::Status Reconnect();
  // For a connection idle between statements (pooled, or the writer's
  // between batches): connects again if it is broken or the server sent
  // anything meanwhile, which on an idle session means the server ended it
  // (a restart or failover: its last message, then end of file), or a
  // session whose server refused a write as read-only (a standby). Checked
  // on the socket, without a round trip. OK if the connection is usable;
  // the reconnection's error otherwise.
  absl::Status ReviveIfClosed();

 private:
  PgConnection(std::string dsn, PgConnectOptions options)
      : dsn_(std::move(dsn)), options_(std::move(options)) {}
  absl::Status Open();
  absl::StatusOr<PgResult> Finish(PGresult* result, absl::string_view what);
  // Sends the deferred statements and then `last` (if not null) as one
  // pipeline; returns `last`'s result, or the first failure.
  absl::StatusOr<PgResult> RunPipeline(const PgStatement* last,
                                       const std::vector<PgParam>* params);

  struct Deferred {
    const PgStatement* statement;
    std::vector<PgParam> params;
  };

  const std::string dsn_;
  const PgConnectOptions options_;
  PGconn* conn_ = nullptr;
  // The server refused a write as read-only (SQLSTATE 25006).
  bool refused_writes_ = false;
  absl::flat_hash_set<std::string> prepared_;
  std::vector<Deferred> deferred_;
};

}  // namespace riposte::store::postgres

#endif  // RIPOSTE_STORE_POSTGRES_PG_CONNECTION_H_
