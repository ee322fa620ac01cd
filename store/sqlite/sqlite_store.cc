#include "store/sqlite/sqlite_store.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "store/group_commit.h"
#include "store/sqlite/tables.h"
#include "store/sqlite/writer_session.h"

namespace riposte::store::sqlite {
namespace {

absl::Status Closed() { return absl::UnavailableError("store: closed"); }

}  // namespace

SqliteStore::SqliteStore(SqliteStoreOptions options, Clock* clock)
    : options_(std::move(options)), clock_(clock) {}

absl::StatusOr<std::unique_ptr<SqliteStore>> SqliteStore::Open(
    const SqliteStoreOptions& options, Clock* clock) {
  if (options.max_batch < 1) {
    return absl::InvalidArgumentError("store: max_batch must be at least 1");
  }
  std::unique_ptr<SqliteStore> store(new SqliteStore(options, clock));
  RIPOSTE_RETURN_IF_ERROR(store->Init());
  return store;
}

absl::Status SqliteStore::Init() {
  const std::string& path = options_.path;
  if (!options_.read_only) {
    const std::string lock_path = path + ".lock";
    lock_fd_ = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (lock_fd_ < 0) {
      return absl::UnavailableError(absl::StrCat(
          "store: cannot open ", lock_path, ": ", std::strerror(errno)));
    }
    if (::flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
      return absl::FailedPreconditionError(
          absl::StrCat("store: ", path, " is in use by another process (",
                       lock_path, " is locked)"));
    }
  }
  RIPOSTE_ASSIGN_OR_RETURN(writer_, Database::Open(path, options_.read_only));
  if (!options_.read_only) {
    // WAL lets readers run beside the writer; FULL syncs the WAL at every
    // commit, which is what makes an acknowledged write durable. Switching
    // to WAL writes the header, so it is done only once: a store opened on
    // a full disk must not need a write. auto_vacuum first: it only takes
    // effect on a file that has nothing in it yet (a new store); a made one
    // is switched by a VACUUM, if asked (EnableIncrementalVacuum).
    {
      // Only a file with nothing in it yet takes the mode (and asking on a
      // made one may write): ask only then.
      RIPOSTE_ASSIGN_OR_RETURN(auto pages,
                               writer_->Prepare("PRAGMA page_count"));
      RIPOSTE_ASSIGN_OR_RETURN(bool row, pages->Step());
      const bool empty = row && pages->ColumnInt(0) == 0;
      pages.reset();
      if (empty) {
        RIPOSTE_RETURN_IF_ERROR(
            writer_->Exec("PRAGMA auto_vacuum = INCREMENTAL;"));
      }
    }
    RIPOSTE_RETURN_IF_ERROR(
        writer_->Exec("PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; "
                      "PRAGMA busy_timeout=5000; PRAGMA cache_size=-32768;"));
    {
      RIPOSTE_ASSIGN_OR_RETURN(auto mode,
                               writer_->Prepare("PRAGMA journal_mode"));
      RIPOSTE_ASSIGN_OR_RETURN(bool row, mode->Step());
      if (!row || mode->ColumnText(0) != "wal") {
        mode.reset();
        RIPOSTE_RETURN_IF_ERROR(writer_->Exec("PRAGMA journal_mode=WAL;"));
      }
    }
    // Keep the -wal and -shm files when the store closes, so the next start
    // needs no new file space (a full disk would refuse the -shm file).
    int persist_wal = 1;
    sqlite3_file_control(writer_->raw(), "main", SQLITE_FCNTL_PERSIST_WAL,
                         &persist_wal);
    RIPOSTE_RETURN_IF_ERROR(MigrateSchema(*writer_, path));
    EnableIncrementalVacuum(*writer_, path,
                            options_.switch_to_incremental_vacuum);
  }
  {
    RIPOSTE_ASSIGN_OR_RETURN(const int version, ReadSchemaVersion(*writer_));
    if (version != kSchemaVersion) {
      return absl::FailedPreconditionError(
          absl::StrCat("store: ", path, " has schema version ", version,
                       "; this build needs ", kSchemaVersion));
    }
  }
  RIPOSTE_ASSIGN_OR_RETURN(auto reader, Database::Open(path, true));
  RIPOSTE_RETURN_IF_ERROR(reader->Exec("PRAGMA busy_timeout=5000;"));
  {
    absl::MutexLock lock(&read_mu_);
    reader_ = std::move(reader);
    read_tables_ = std::make_unique<Tables>(*reader_);
  }
  if (options_.read_only) return absl::OkStatus();

  RIPOSTE_ASSIGN_OR_RETURN(std::unique_ptr<WriterSession> session,
                           WriterSession::Open(*writer_, clock_));
  GroupCommitOptions group;
  group.max_batch = options_.max_batch;
  group.on_storage_failure = options_.on_storage_failure;
  group.is_storage_failure = [](const absl::Status& s) {
    return ClassifyStorageFailure(s) != StorageFailure::kNone;
  };
  group.thread_name = "store-writer";
  std::vector<std::unique_ptr<BatchSession>> sessions;
  sessions.push_back(std::move(session));
  runner_ = std::make_unique<GroupCommitRunner>(std::move(group),
                                                std::move(sessions));
  return absl::OkStatus();
}

SqliteStore::~SqliteStore() { Close(); }

void SqliteStore::Execute(Work work, Done done) {
  if (runner_ == nullptr) {
    done(absl::FailedPreconditionError("store: opened read-only"));
    return;
  }
  runner_->Execute(std::move(work), std::move(done));
}

void SqliteStore::Close() {
  if (closed_.exchange(true)) return;
  // Finishes the queued units, then drops the writer's statements.
  if (runner_ != nullptr) runner_->Close();
  {
    absl::MutexLock lock(&read_mu_);
    read_tables_.reset();
    reader_.reset();
  }
  if (writer_ != nullptr && !options_.read_only) {
    // Fold the WAL back into the main file so a clean stop leaves one file.
    writer_->Exec("PRAGMA wal_checkpoint(TRUNCATE);").IgnoreError();
  }
  writer_.reset();
  if (lock_fd_ >= 0) {
    ::close(lock_fd_);
    lock_fd_ = -1;
  }
}

int64_t SqliteStore::CommitCount() const {
  return runner_ == nullptr ? 0 : runner_->CommitCount();
}

int64_t SqliteStore::CommittedUnits() const {
  return runner_ == nullptr ? 0 : runner_->CommittedUnits();
}

// Reads, on the reader connection.

template <typename Fn>
auto SqliteStore::OnReader(Fn fn) -> decltype(fn(std::declval<Tables&>())) {
  absl::MutexLock lock(&read_mu_);
  if (reader_ == nullptr) return Closed();
  return fn(*read_tables_);
}

absl::StatusOr<std::vector<audit::AuditRecord>> SqliteStore::ReadAudit(
    int64_t after_seq, int64_t limit) {
  return OnReader([&](Tables& t) { return t.audit.Read(after_seq, limit); });
}

absl::StatusOr<std::vector<OutboxRow>> SqliteStore::ReadOutbox(
    int64_t after_seq, int64_t limit) {
  return OnReader([&](Tables& t) { return t.outbox.Read(after_seq, limit); });
}

absl::StatusOr<int64_t> SqliteStore::LastOutboxSeq() {
  return OnReader([&](Tables& t) { return t.outbox.LastSeq(); });
}

absl::StatusOr<audit::ChainBase> SqliteStore::ReadAuditBase() {
  return OnReader([&](Tables& t) { return t.audit.ReadBase(); });
}

absl::StatusOr<audit::VerifyResult> SqliteStore::VerifyAudit() {
  return OnReader([&](Tables& t) { return t.audit.Verify(); });
}

absl::StatusOr<audit::AuditedRows> SqliteStore::ListAuditedRows() {
  absl::MutexLock lock(&read_mu_);
  if (reader_ == nullptr) return Closed();
  audit::AuditedRows rows;
  for (auto [table, ids] : {std::pair{"breaches", &rows.breach_ids},
                            std::pair{"decisions", &rows.decision_ids}}) {
    RIPOSTE_ASSIGN_OR_RETURN(
        auto s, reader_->Prepare(
                    absl::StrCat("SELECT id FROM ", table, " ORDER BY id")));
    while (true) {
      RIPOSTE_ASSIGN_OR_RETURN(bool row, s->Step());
      if (!row) break;
      ids->push_back(s->ColumnInt(0));
    }
  }
  RIPOSTE_ASSIGN_OR_RETURN(
      auto s,
      reader_->Prepare("SELECT id, state FROM action_runs ORDER BY id"));
  while (true) {
    RIPOSTE_ASSIGN_OR_RETURN(bool row, s->Step());
    if (!row) break;
    rows.runs.push_back({s->ColumnInt(0), s->ColumnText(1)});
  }
  return rows;
}

absl::StatusOr<std::optional<BreachRow>> SqliteStore::GetBreach(
    absl::string_view detector_id, absl::string_view breach_id) {
  return OnReader(
      [&](Tables& t) { return t.breaches.Find(detector_id, breach_id); });
}

absl::StatusOr<StoreStats> SqliteStore::Stats() {
  absl::MutexLock lock(&read_mu_);
  if (reader_ == nullptr) return Closed();
  RIPOSTE_ASSIGN_OR_RETURN(
      auto s, reader_->Prepare("SELECT (SELECT COUNT(*) FROM breaches), "
                               "(SELECT COUNT(*) FROM incidents), "
                               "(SELECT COUNT(*) FROM audit_log), "
                               "(SELECT COUNT(*) FROM decisions), "
                               "(SELECT COUNT(*) FROM action_runs)"));
  RIPOSTE_ASSIGN_OR_RETURN(bool row, s->Step());
  StoreStats stats;
  if (row) {
    stats.breaches = s->ColumnInt(0);
    stats.incidents = s->ColumnInt(1);
    stats.audit_records = s->ColumnInt(2);
    stats.decisions = s->ColumnInt(3);
    stats.action_runs = s->ColumnInt(4);
  }
  return stats;
}

absl::StatusOr<std::vector<ActionRunRow>> SqliteStore::ListRuns(int64_t limit) {
  return OnReader([&](Tables& t) { return t.runs.List(limit); });
}

absl::StatusOr<std::vector<IncidentRow>> SqliteStore::FindIncidents(
    const IncidentFilter& filter) {
  return OnReader([&](Tables& t) { return t.incidents.Find(filter); });
}

absl::StatusOr<std::optional<IncidentRow>> SqliteStore::GetIncident(
    int64_t id) {
  return OnReader([&](Tables& t) { return t.incidents.Get(id); });
}

absl::StatusOr<std::vector<ActionRunRow>> SqliteStore::FindRuns(
    const RunFilter& filter) {
  return OnReader([&](Tables& t) { return t.runs.Find(filter); });
}

absl::StatusOr<std::vector<BreachRow>> SqliteStore::IncidentBreaches(
    int64_t incident_id) {
  return OnReader(
      [&](Tables& t) { return t.breaches.OfIncident(incident_id); });
}

absl::StatusOr<std::vector<DecisionRow>> SqliteStore::IncidentDecisions(
    int64_t incident_id) {
  return OnReader(
      [&](Tables& t) { return t.decisions.OfIncident(incident_id); });
}

absl::StatusOr<std::optional<std::string>> SqliteStore::ReadSetting(
    absl::string_view key) {
  return OnReader([&](Tables& t) { return t.settings.Get(key); });
}

absl::StatusOr<StoreGauges> SqliteStore::Gauges() {
  absl::MutexLock lock(&read_mu_);
  if (reader_ == nullptr) return Closed();
  // Each count walks the (state, not_before) index, not the table.
  RIPOSTE_ASSIGN_OR_RETURN(
      auto s,
      reader_->Prepare(
          "SELECT "
          "(SELECT COUNT(*) FROM action_runs WHERE state = "
          "'awaiting_approval'), "
          "(SELECT MIN(created_us) FROM action_runs WHERE state = "
          "'awaiting_approval'), "
          "(SELECT COUNT(*) FROM action_runs WHERE state = 'active'), "
          "(SELECT COUNT(*) FROM action_runs WHERE state IN ('queued', "
          "'approved') OR (state = 'proposed' AND autonomous = 1)), "
          "(SELECT COUNT(*) FROM action_runs WHERE state IN ('running', "
          "'reverting')), "
          "(SELECT COUNT(*) FROM action_runs WHERE state = 'failed'), "
          "(SELECT COALESCE(MAX(seq), 0) FROM audit_log), "
          "(SELECT page_count FROM pragma_page_count()), "
          "(SELECT page_size FROM pragma_page_size()), "
          "(SELECT freelist_count FROM pragma_freelist_count())"));
  RIPOSTE_ASSIGN_OR_RETURN(bool row, s->Step());
  StoreGauges g;
  if (row) {
    g.awaiting_approval = s->ColumnInt(0);
    if (!s->ColumnIsNull(1))
      g.oldest_awaiting = absl::FromUnixMicros(s->ColumnInt(1));
    g.active = s->ColumnInt(2);
    g.queued = s->ColumnInt(3);
    g.running = s->ColumnInt(4);
    g.failed = s->ColumnInt(5);
    g.audit_head_seq = s->ColumnInt(6);
    g.size_bytes = s->ColumnInt(7) * s->ColumnInt(8);
    g.free_bytes = s->ColumnInt(9) * s->ColumnInt(8);
  }
  struct stat wal;
  if (::stat((options_.path + "-wal").c_str(), &wal) == 0) {
    g.wal_bytes = static_cast<int64_t>(wal.st_size);
  }
  return g;
}

}  // namespace riposte::store::sqlite
