#include "store/postgres/testing/pg_server.h"

#include <netinet/in.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "store/postgres/pg_connection.h"

namespace riposte::store::postgres::testing {
namespace {

std::string FindBinDir() {
  if (const char* dir = std::getenv("RIPOSTE_PG_BINDIR"); dir && *dir) {
    return dir;
  }
  for (const char* v : {"17", "16", "15"}) {
    std::string dir = absl::StrCat("/usr/lib/postgresql/", v, "/bin");
    if (access((dir + "/initdb").c_str(), X_OK) == 0) return dir;
  }
  return "";
}

int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return 0;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  close(fd);
  return port;
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The account PostgreSQL runs as when we are root.
const passwd* ServerAccount() {
  return geteuid() == 0 ? getpwnam("postgres") : nullptr;
}

}  // namespace

absl::StatusOr<std::unique_ptr<PgServer>> PgServer::Start(
    const PgServerOptions& options) {
  std::unique_ptr<PgServer> server(new PgServer());
  server->options_ = options;
  server->bin_dir_ = FindBinDir();
  if (server->bin_dir_.empty()) {
    return absl::FailedPreconditionError(
        "pg_server: no PostgreSQL binaries (run tools/install_deps.sh, or "
        "set RIPOSTE_PG_BINDIR)");
  }
  char tmpl[] = "/tmp/riposte-pg-XXXXXX";
  if (mkdtemp(tmpl) == nullptr) {
    return absl::InternalError(absl::StrCat("pg_server: mkdtemp: ",
                                            std::strerror(errno)));
  }
  server->dir_ = tmpl;
  const passwd* account = ServerAccount();
  if (geteuid() == 0 && account == nullptr) {
    return absl::FailedPreconditionError(
        "pg_server: running as root and there is no `postgres` user to run "
        "the server as");
  }
  if (account != nullptr &&
      chown(server->dir_.c_str(), account->pw_uid, account->pw_gid) != 0) {
    return absl::InternalError(absl::StrCat("pg_server: chown: ",
                                            std::strerror(errno)));
  }
  std::vector<std::string> initdb = {"initdb", "-D", server->dir_ + "/data",
                                     "-U", server->user_, "-E", "UTF8",
                                     "--no-sync", "--no-instructions"};
  if (options.password.empty()) {
    initdb.push_back("--auth=trust");
  } else {
    const std::string pwfile = server->dir_ + "/pwfile";
    std::ofstream(pwfile) << options.password << "\n";
    if (account != nullptr) chown(pwfile.c_str(), account->pw_uid, account->pw_gid);
    initdb.push_back("--auth-local=trust");
    initdb.push_back("--auth-host=scram-sha-256");
    initdb.push_back("--pwfile=" + pwfile);
  }
  absl::Status made = server->RunTool(initdb, "initdb");
  if (!made.ok()) return made;
  // A port another process took between our probe and the bind fails the
  // start; try a few.
  absl::Status started;
  for (int attempt = 0; attempt < 5; ++attempt) {
    server->port_ = FreePort();
    started = server->StartServer();
    if (started.ok()) return server;
  }
  return started;
}

PgServer::~PgServer() {
  if (running_) Crash().IgnoreError();
  if (!dir_.empty()) {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
}

std::string PgServer::Dsn(absl::string_view dbname) const {
  return absl::StrCat("host=127.0.0.1 port=", port_, " user=", user_,
                      " dbname=", dbname);
}

std::string PgServer::SocketDsn(absl::string_view dbname) const {
  return absl::StrCat("host=", dir_, " port=", port_, " user=", user_,
                      " dbname=", dbname);
}

absl::Status PgServer::RunTool(const std::vector<std::string>& args,
                               absl::string_view what) {
  std::vector<std::string> argv;
  if (ServerAccount() != nullptr) {
    argv = {"/usr/sbin/runuser", "-u", "postgres", "--"};
  }
  argv.push_back(absl::StrCat(bin_dir_, "/", args[0]));
  argv.insert(argv.end(), args.begin() + 1, args.end());
  const std::string log = absl::StrCat(dir_, "/", what, ".out");
  const pid_t pid = fork();
  if (pid < 0) return absl::InternalError("pg_server: fork failed");
  if (pid == 0) {
    std::vector<char*> raw;
    for (auto& a : argv) raw.push_back(a.data());
    raw.push_back(nullptr);
    // The tool's output goes to a file our test can show on failure; the
    // directory is the server account's, so open it before switching.
    FILE* out = std::fopen(log.c_str(), "w");
    if (out != nullptr) {
      dup2(fileno(out), STDOUT_FILENO);
      dup2(fileno(out), STDERR_FILENO);
    }
    execv(raw[0], raw.data());
    _exit(127);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return absl::OkStatus();
  return absl::InternalError(absl::StrCat("pg_server: ", what, " failed: ",
                                          ReadAll(log)));
}

absl::Status PgServer::StartServer() {
  std::vector<std::string> settings = {
      absl::StrCat("-p ", port_), absl::StrCat("-k ", dir_),
      "-c listen_addresses=127.0.0.1",
      absl::StrCat("-c max_connections=", options_.max_connections),
      absl::StrCat("-c fsync=", options_.fsync ? "on" : "off")};
  if (!options_.preload_libraries.empty()) {
    settings.push_back(absl::StrCat(
        "-c shared_preload_libraries=",
        absl::StrJoin(options_.preload_libraries, ",")));
  }
  absl::Status s = RunTool({"pg_ctl", "-D", dir_ + "/data", "-l",
                            dir_ + "/server.log", "-w", "-t", "60", "-o",
                            absl::StrJoin(settings, " "), "start"},
                           "pg_ctl-start");
  if (!s.ok()) {
    return absl::InternalError(absl::StrCat(s.message(), "\nserver log:\n",
                                            ReadAll(dir_ + "/server.log")));
  }
  running_ = true;
  return absl::OkStatus();
}

absl::Status PgServer::StopWith(absl::string_view mode) {
  absl::Status s = RunTool({"pg_ctl", "-D", dir_ + "/data", "-w", "-m",
                            std::string(mode), "stop"},
                           absl::StrCat("pg_ctl-stop-", mode));
  if (s.ok()) running_ = false;
  return s;
}

absl::Status PgServer::Stop() { return StopWith("fast"); }

absl::Status PgServer::Crash() { return StopWith("immediate"); }

absl::Status PgServer::Restart() {
  if (running_) {
    absl::Status stopped = Stop();
    if (!stopped.ok()) return stopped;
  }
  return StartServer();
}

absl::Status PgServer::CreateDatabase(absl::string_view name) {
  PgConnectOptions options;
  options.application_name = "pg_server";
  absl::StatusOr<std::unique_ptr<PgConnection>> conn = PgConnection::Connect(
      Dsn("postgres") + (options_.password.empty()
                             ? std::string()
                             : absl::StrCat(" password=", options_.password)),
      options);
  if (!conn.ok()) return conn.status();
  return (*conn)->Exec(absl::StrCat("CREATE DATABASE \"", name, "\""));
}

}  // namespace riposte::store::postgres::testing
