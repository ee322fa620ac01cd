#ifndef RIPOSTE_STORE_POSTGRES_TESTING_PG_SERVER_H_
#define RIPOSTE_STORE_POSTGRES_TESTING_PG_SERVER_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace riposte::store::postgres::testing {

struct PgServerOptions {
  // Off makes tests fast; benchmarks keep it on to compare fairly with
  // SQLite's synchronous=FULL. A process crash loses nothing either way;
  // only a machine crash would.
  bool fsync = false;
  // Empty: trust authentication. Otherwise the role's password, checked
  // with scram-sha-256 on TCP.
  std::string password;
  int max_connections = 200;
  // Libraries loaded at start (shared_preload_libraries), e.g.
  // "pg_stat_statements" for a benchmark that reports statement costs.
  std::vector<std::string> preload_libraries;
};

// A PostgreSQL server of its own for a test: initdb into a fresh directory
// under /tmp, then pg_ctl on 127.0.0.1 and a free port. Stopped and removed
// when destroyed. Run as root (as CI may), the server runs as the
// `postgres` system user, since PostgreSQL refuses root.
//
// Binaries come from $RIPOSTE_PG_BINDIR or /usr/lib/postgresql/<v>/bin.
class PgServer {
 public:
  static absl::StatusOr<std::unique_ptr<PgServer>> Start(
      const PgServerOptions& options = {});
  ~PgServer();

  int port() const { return port_; }
  const std::string& user() const { return user_; }
  // A libpq connection string for database `dbname` (without the password).
  std::string Dsn(absl::string_view dbname = "postgres") const;
  // The same over the server's Unix socket (in its directory): trust
  // authentication whatever `password` says.
  std::string SocketDsn(absl::string_view dbname = "postgres") const;

  // Makes an empty database.
  absl::Status CreateDatabase(absl::string_view name);

  // Shuts down cleanly (fast mode: sessions are disconnected).
  absl::Status Stop();
  // Stops at once, as a crash would (immediate mode); recovery replays the
  // WAL at the next start.
  absl::Status Crash();
  // Starts again on the same port and data.
  absl::Status Restart();

 private:
  PgServer() = default;
  absl::Status RunTool(const std::vector<std::string>& args,
                       absl::string_view what);
  absl::Status StartServer();
  absl::Status StopWith(absl::string_view mode);

  PgServerOptions options_;
  std::string bin_dir_;
  std::string dir_;  // holds data/, the socket and the log
  std::string user_ = "riposte";
  int port_ = 0;
  bool running_ = false;
};

}  // namespace riposte::store::postgres::testing

#endif  // RIPOSTE_STORE_POSTGRES_TESTING_PG_SERVER_H_
