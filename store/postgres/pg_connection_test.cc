#include "store/postgres/pg_connection.h"

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "store/postgres/testing/pg_server.h"

namespace riposte::store::postgres {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class PgConnectionTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto server = testing::PgServer::Start({.password = "s3cret-pw"});
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = server->release();
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }

  std::unique_ptr<PgConnection> Connect() {
    auto conn = PgConnection::Connect(
        server_->Dsn() + " password=s3cret-pw", PgConnectOptions());
    EXPECT_TRUE(conn.ok()) << conn.status();
    return conn.ok() ? std::move(*conn) : nullptr;
  }

  static testing::PgServer* server_;
};

testing::PgServer* PgConnectionTest::server_ = nullptr;

TEST_F(PgConnectionTest, RoundTripsEveryParameterKind) {
  auto conn = Connect();
  ASSERT_NE(conn, nullptr);
  const std::string bytes("a\0b\xff", 4);
  auto r = conn->Query(
      "SELECT $1::bigint, $2::float8, $3::text, $4::bytea, $5::bool, "
      "$6::text IS NULL",
      {int64_t{-9007199254740993}, 0.1 + 0.2, "zoë", PgParam::Bytes(bytes),
       true, PgParam::Null()});
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->rows(), 1);
  EXPECT_EQ(r->Int64(0, 0), -9007199254740993);
  EXPECT_EQ(r->Double(0, 1), 0.1 + 0.2);  // exact: no digits lost
  EXPECT_EQ(r->Text(0, 2), "zoë");
  EXPECT_EQ(r->Bytes(0, 3), bytes);
  EXPECT_TRUE(r->Bool(0, 4));
  EXPECT_TRUE(r->Bool(0, 5));
}

TEST_F(PgConnectionTest, ReviveIfClosedKeepsALiveSessionAndReplacesAnEndedOne) {
  auto conn = Connect();
  ASSERT_NE(conn, nullptr);
  auto pid = [&] {
    auto r = conn->Query("SELECT pg_backend_pid()");
    return r.ok() ? std::string(r->Text(0, 0)) : r.status().ToString();
  };
  const std::string first = pid();
  ASSERT_TRUE(conn->ReviveIfClosed().ok());
  EXPECT_EQ(pid(), first);  // idle and open: the same session, untouched
  ASSERT_TRUE(server_->Crash().ok());
  ASSERT_TRUE(server_->Restart().ok());
  // libpq does not know yet; the server's goodbye waits on the socket.
  EXPECT_TRUE(conn->healthy());
  ASSERT_TRUE(conn->ReviveIfClosed().ok());
  const std::string second = pid();
  EXPECT_NE(second, first);
  EXPECT_THAT(second, Not(HasSubstr("UNAVAILABLE")));
}

TEST_F(PgConnectionTest, PreparedStatementsSurviveReuseAndReconnect) {
  auto conn = Connect();
  ASSERT_NE(conn, nullptr);
  static constexpr PgStatement kAdd{"test_add", "SELECT $1::int + $2::int"};
  for (int i = 0; i < 3; ++i) {
    auto r = conn->Run(kAdd, {i, 10});
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->Int64(0, 0), i + 10);
  }
  ASSERT_TRUE(conn->Reconnect().ok());
  auto r = conn->Run(kAdd, {1, 1});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->Int64(0, 0), 2);
}

TEST_F(PgConnectionTest, DeferredStatementsRunInOrderBeforeTheNextOne) {
  auto conn = Connect();
  ASSERT_NE(conn, nullptr);
  ASSERT_TRUE(conn->Exec("CREATE TEMP TABLE deferred_log (n int)").ok());
  static constexpr PgStatement kLog{"test_log",
                                    "INSERT INTO deferred_log VALUES ($1)"};
  static constexpr PgStatement kAll{
      "test_all", "SELECT string_agg(n::text, ',' ORDER BY n) FROM deferred_log"};
  conn->Defer(kLog, {1});
  conn->Defer(kLog, {2});  // same statement twice: prepared once
  auto r = conn->Run(kAll);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->Text(0, 0), "1,2");
  conn->Defer(kLog, {3});
  ASSERT_TRUE(conn->Flush().ok());
  ASSERT_TRUE(conn->Flush().ok());  // nothing queued
  r = conn->Run(kAll);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->Text(0, 0), "1,2,3");
}

TEST_F(PgConnectionTest, DeferredFailureIsTheNextCallsAndStopsTheRest) {
  auto conn = Connect();
  ASSERT_NE(conn, nullptr);
  ASSERT_TRUE(
      conn->Exec("CREATE TEMP TABLE deferred_once (n int PRIMARY KEY)").ok());
  static constexpr PgStatement kPut{"test_put",
                                    "INSERT INTO deferred_once VALUES ($1)"};
  static constexpr PgStatement kCount{"test_count",
                                      "SELECT COUNT(*) FROM deferred_once"};
  conn->Defer(kPut, {1});
  conn->Defer(kPut, {1});  // duplicate key
  conn->Defer(kPut, {2});  // skipped
  auto r = conn->Run(kCount);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kAlreadyExists) << r.status();
  // Outside a transaction block the statements sent together are one
  // implicit transaction: nothing of them stays. The connection goes on.
  r = conn->Run(kCount);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->Int64(0, 0), 0);
  conn->Defer(kPut, {1});
  EXPECT_TRUE(conn->Flush().ok());
  conn->Defer(kPut, {1});
  EXPECT_EQ(conn->Flush().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_TRUE(conn->Exec("SELECT 1").ok());
}

TEST_F(PgConnectionTest, DeferredStatementThatCannotBePreparedIsPreparedAgain) {
  auto conn = Connect();
  ASSERT_NE(conn, nullptr);
  static constexpr PgStatement kBad{"test_bad", "SELEC 1"};
  for (int i = 0; i < 2; ++i) {
    conn->Defer(kBad);
    absl::Status s = conn->Flush();
    // A syntax error each time, never "prepared statement does not exist".
    EXPECT_THAT(s.message(), HasSubstr("syntax")) << i;
  }
  EXPECT_TRUE(conn->Exec("SELECT 1").ok());
}

TEST_F(PgConnectionTest, MapsSqlStatesToStatusCodes) {
  auto conn = Connect();
  ASSERT_NE(conn, nullptr);
  ASSERT_TRUE(conn->Exec("CREATE TEMP TABLE t (k int PRIMARY KEY, "
                         "v int CHECK (v > 0))")
                  .ok());
  ASSERT_TRUE(conn->Query("INSERT INTO t VALUES (1, 1)").ok());
  absl::Status dup = conn->Query("INSERT INTO t VALUES (1, 2)").status();
  EXPECT_EQ(dup.code(), absl::StatusCode::kAlreadyExists) << dup;
  EXPECT_EQ(SqlStateOf(dup), "23505");
  absl::Status check = conn->Query("INSERT INTO t VALUES (2, 0)").status();
  EXPECT_EQ(check.code(), absl::StatusCode::kFailedPrecondition) << check;
  absl::Status syntax = conn->Exec("SELEC 1");
  EXPECT_EQ(syntax.code(), absl::StatusCode::kInternal) << syntax;
  absl::Status affected = conn->Query("UPDATE t SET v = 5").status();
  EXPECT_TRUE(affected.ok());
  auto updated = conn->Query("UPDATE t SET v = 6 WHERE k = 1");
  ASSERT_TRUE(updated.ok());
  EXPECT_EQ(updated->affected(), 1);
}

TEST_F(PgConnectionTest, StatementTimeoutIsUnavailable) {
  PgConnectOptions options;
  options.statement_timeout = absl::Milliseconds(50);
  auto conn = PgConnection::Connect(server_->Dsn() + " password=s3cret-pw",
                                    options);
  ASSERT_TRUE(conn.ok()) << conn.status();
  absl::Status slow = (*conn)->Exec("SELECT pg_sleep(5)");
  EXPECT_EQ(slow.code(), absl::StatusCode::kUnavailable) << slow;
  EXPECT_EQ(SqlStateOf(slow), "57014");
}

TEST_F(PgConnectionTest, ATransactionLeftIdleIsEndedAndItsLocksFreed) {
  PgConnectOptions options;
  options.statement_timeout = absl::Milliseconds(300);
  auto holder = PgConnection::Connect(server_->Dsn() + " password=s3cret-pw",
                                      options);
  auto other = Connect();
  ASSERT_TRUE(holder.ok() && other != nullptr);
  ASSERT_TRUE(other->Exec("CREATE TABLE IF NOT EXISTS idle_lock (id int); "
                          "INSERT INTO idle_lock VALUES (1)")
                  .ok());
  // A client that stops talking in the middle of a transaction...
  ASSERT_TRUE((*holder)
                  ->Exec("BEGIN; SELECT * FROM idle_lock FOR UPDATE")
                  .ok());
  // ...does not keep the row locked: the server ends its transaction.
  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  bool locked_by_us = false;
  while (!locked_by_us && absl::Now() < deadline) {
    locked_by_us =
        other->Exec("BEGIN; SELECT * FROM idle_lock FOR UPDATE NOWAIT; COMMIT")
            .ok();
    if (!locked_by_us) other->Exec("ROLLBACK").IgnoreError();
  }
  EXPECT_TRUE(locked_by_us);
  EXPECT_EQ((*holder)->Exec("SELECT 1").code(), absl::StatusCode::kUnavailable);
}

TEST_F(PgConnectionTest, ATextParameterWithANulIsRefusedNotCutShort) {
  auto conn = Connect();
  ASSERT_NE(conn, nullptr);
  const std::string with_nul("before\0after", 12);
  absl::Status query = conn->Query("SELECT $1::text", {with_nul}).status();
  EXPECT_EQ(query.code(), absl::StatusCode::kInvalidArgument) << query;
  EXPECT_THAT(query.message(), HasSubstr("parameter 1 holds a NUL byte"));
  static constexpr PgStatement kEcho{"test_echo", "SELECT $1::text"};
  EXPECT_EQ(conn->Run(kEcho, {"ok", with_nul}).status().code(),
            absl::StatusCode::kInvalidArgument);
  conn->Defer(kEcho, {with_nul});
  EXPECT_EQ(conn->Run(kEcho, {"fine"}).status().code(),
            absl::StatusCode::kInvalidArgument);
  // Bytes keep their NUL, and the connection is still usable.
  auto bytes = conn->Query("SELECT $1::bytea", {PgParam::Bytes(with_nul)});
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  EXPECT_EQ(bytes->Bytes(0, 0), with_nul);
}

TEST_F(PgConnectionTest, ASessionThatRefusedWritesIsReplacedAtRevival) {
  auto conn = Connect();
  ASSERT_NE(conn, nullptr);
  // As a standby would: every transaction of this session is read-only.
  ASSERT_TRUE(conn->Exec("SET default_transaction_read_only = on").ok());
  absl::Status refused = conn->Exec("CREATE TABLE refused_here (id int)");
  EXPECT_EQ(refused.code(), absl::StatusCode::kUnavailable) << refused;
  EXPECT_EQ(PgStorageFailureReason(refused), "read_only");
  ASSERT_TRUE(conn->ReviveIfClosed().ok());
  EXPECT_TRUE(conn->Exec("CREATE TABLE written_after (id int)").ok());
}

TEST_F(PgConnectionTest, WrongPasswordNeverEchoesTheConnectionString) {
  auto conn = PgConnection::Connect(server_->Dsn() + " password=wrong-pw-123",
                                    PgConnectOptions());
  ASSERT_FALSE(conn.ok());
  EXPECT_EQ(conn.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(conn.status().message(), HasSubstr("password authentication"));
  EXPECT_THAT(conn.status().message(), Not(HasSubstr("wrong-pw-123")));
}

TEST_F(PgConnectionTest, UnparseableConnectionStringIsNotQuoted) {
  auto conn = PgConnection::Connect("host=x password='unterminated-secret",
                                    PgConnectOptions());
  ASSERT_FALSE(conn.ok());
  EXPECT_EQ(conn.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(conn.status().message(), Not(HasSubstr("unterminated-secret")));
}

TEST_F(PgConnectionTest, ServerGoneIsUnavailableAndReconnectRecovers) {
  auto conn = Connect();
  ASSERT_NE(conn, nullptr);
  ASSERT_TRUE(conn->Exec("SELECT 1").ok());
  ASSERT_TRUE(server_->Crash().ok());
  absl::Status lost = conn->Exec("SELECT 1");
  EXPECT_EQ(lost.code(), absl::StatusCode::kUnavailable) << lost;
  EXPECT_FALSE(conn->Reconnect().ok());  // still down
  EXPECT_EQ(conn->Exec("SELECT 1").code(), absl::StatusCode::kUnavailable);
  ASSERT_TRUE(server_->Restart().ok());
  ASSERT_TRUE(conn->Reconnect().ok());
  EXPECT_TRUE(conn->Exec("SELECT 1").ok());
}

TEST_F(PgConnectionTest, CreatesDatabases) {
  ASSERT_TRUE(server_->CreateDatabase("made_here").ok());
  auto conn = PgConnection::Connect(
      server_->Dsn("made_here") + " password=s3cret-pw", PgConnectOptions());
  ASSERT_TRUE(conn.ok()) << conn.status();
  auto r = (*conn)->Query("SELECT current_database()");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->Text(0, 0), "made_here");
}

}  // namespace
}  // namespace riposte::store::postgres
