#ifndef RIPOSTE_STORE_TESTING_STORE_CONTRACT_H_
#define RIPOSTE_STORE_TESTING_STORE_CONTRACT_H_

// The behaviour every caller of riposte::store::Store relies on, as one
// value-parameterized GoogleTest suite that any engine runs. An engine's
// test file instantiates it with a factory:
//
//   INSTANTIATE_TEST_SUITE_P(
//       Sqlite, StoreContractTest,
//       ::testing::Values(SqliteEngine()),
//       riposte::store::testing::EngineName);
//
// The suite asserts status codes and values, never an engine's own details
// (file sizes, pages, the text of its error messages).

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "gtest/gtest.h"
#include "runs/lifecycle.h"
#include "store/store.h"

namespace riposte::store::testing {

// How the suite gets stores of one engine.
struct StoreEngineFactory {
  std::string name;  // e.g. "sqlite"; names the instantiated cases
  // Opens a fresh, empty store.
  std::function<absl::StatusOr<std::unique_ptr<Store>>(Clock*)> open;
  // Opens again the store that `open` (or `reopen`) last returned, after it
  // was closed: for the durability cases.
  std::function<absl::StatusOr<std::unique_ptr<Store>>(Clock*)> reopen;
};

// Failure messages name the engine, not the factory's bytes.
void PrintTo(const StoreEngineFactory& factory, std::ostream* os);

// For INSTANTIATE_TEST_SUITE_P: names each case after the engine.
std::string EngineName(
    const ::testing::TestParamInfo<StoreEngineFactory>& info);

class StoreContractTest : public ::testing::TestWithParam<StoreEngineFactory> {
 protected:
  StoreContractTest();
  void SetUp() override;
  void TearDown() override;

  // Closes the store and opens it again through the factory's reopen.
  void Reopen();

  // ExecuteAndWait of `work`.
  absl::Status Run(Store::Work work);

  // An incident of `subject_key` in `tenant` last seen at `last_seen`.
  int64_t AddIncident(const std::string& tenant, const std::string& subject_key,
                      absl::Time last_seen);
  // A breach row of `detector`/`breach_id` in `incident` (not inserted).
  BreachRow MakeBreach(const std::string& detector,
                       const std::string& breach_id, int64_t incident);
  // Allocates an id for `row` and inserts it; returns the id.
  int64_t AddBreach(BreachRow row);
  // A decision of `incident`; returns its id.
  int64_t AddDecision(int64_t incident, absl::Time decided_at);
  // A run of `state` with everything a caller sets filled in, in an
  // incident and decision of its own unless `incident` is given. Not
  // inserted.
  ActionRunRow MakeRun(runs::RunState state, int64_t incident = 0);
  // Inserts `row`; returns its id.
  int64_t AddRun(const ActionRunRow& row);
  int64_t AddRun(runs::RunState state) { return AddRun(MakeRun(state)); }
  // An update of the leased `run` to `state` at the clock's time, and
  // UpdateLeasedRun of it in a unit of its own.
  RunUpdate UpdateOf(const ActionRunRow& run, runs::RunState state);
  absl::Status UpdateLeased(const RunUpdate& update);
  // An operator's change of run `id` from `from` to `to` at the clock's
  // time, and UpdateRunForOperator of it in a unit of its own.
  OperatorRunUpdate OperatorUpdateOf(int64_t id, runs::RunState from,
                                     runs::RunState to);
  absl::Status UpdateForOperator(const OperatorRunUpdate& update);
  // Holds the unleased run `id`, in `state`, back until `until`, as an
  // operator's retry does (a new run is due at once).
  void HoldBack(int64_t id, runs::RunState state, absl::Time until);
  // The run as stored (GetRun inside a unit of work).
  ActionRunRow GetRun(int64_t id);
  // ClaimDueRun for `holder` at the clock's time, leased for a minute.
  std::optional<ActionRunRow> Claim(const std::string& holder);
  // Appends `n` audit records with the event `event`.
  absl::Status AppendAudit(int n, const std::string& event = "test.event");

  // Retention (store_contract_retention.cc): an incident of its own subject
  // with `breaches` breaches observed and received at `at`, and one run
  // (with its decision) per state, created and changed at `at`.
  int64_t AddIncidentAt(absl::Time at, std::vector<runs::RunState> states,
                        int breaches = 1);
  // Prunes, batch by batch, everything older than `age` allows.
  PruneResult Prune(absl::Duration age, int64_t limit = 500);
  // Every batch of `request` from its after_id on; the totals.
  PruneResult PruneAll(PruneRequest request);
  bool Exists(int64_t incident);

  static constexpr absl::Duration kLease = absl::Minutes(1);

  FakeClock clock_;
  std::unique_ptr<Store> store_;

 private:
  int next_key_ = 0;
  int subjects_ = 0;
};

}  // namespace riposte::store::testing

#endif  // RIPOSTE_STORE_TESTING_STORE_CONTRACT_H_
