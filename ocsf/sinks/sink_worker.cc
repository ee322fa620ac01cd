#include "ocsf/sinks/sink_worker.h"

#include <algorithm>
#include <utility>

#include "absl/random/random.h"
#include "actions/action_executor.h"
#include "common/log.h"
#include "common/status_macros.h"

namespace riposte::ocsf {
namespace {

// A Retry-After longer than this is taken as this: a collector's answer
// must not silence a sink for a day.
constexpr absl::Duration kLongestRetryAfter = absl::Minutes(15);

// Failures that retrying will not cure until someone changes something:
// the destination refuses these events or the credentials outright.
bool Refused(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kPermissionDenied:
    case absl::StatusCode::kNotFound:
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kUnauthenticated:
      return true;
    default:
      return false;
  }
}

}  // namespace

absl::StatusOr<SinkMetricFamilies> SinkMetricFamilies::Register(
    metrics::Registry& registry) {
  SinkMetricFamilies f;
  RIPOSTE_ASSIGN_OR_RETURN(
      f.delivered,
      registry.AddCounter("riposte_ocsf_sink_delivered_total",
                          "OCSF events a sink delivered (a redelivery after "
                          "a crash counts again).",
                          {"sink"}));
  RIPOSTE_ASSIGN_OR_RETURN(
      f.failures, registry.AddCounter("riposte_ocsf_sink_failures_total",
                                      "Deliveries of a sink that failed and "
                                      "will be retried.",
                                      {"sink"}));
  RIPOSTE_ASSIGN_OR_RETURN(
      f.lag, registry.AddGauge("riposte_ocsf_sink_lag_events",
                               "OCSF events in the outbox a sink has not "
                               "delivered yet.",
                               {"sink"}));
  RIPOSTE_ASSIGN_OR_RETURN(
      f.last_success,
      registry.AddGauge("riposte_ocsf_sink_last_success_timestamp_seconds",
                        "When a sink last delivered or found nothing to "
                        "deliver (Unix seconds).",
                        {"sink"}));
  RIPOSTE_ASSIGN_OR_RETURN(
      f.refused,
      registry.AddGauge("riposte_ocsf_sink_refused",
                        "1 while a sink's destination refuses its events or "
                        "credentials outright (retrying goes on, slowly, "
                        "until someone fixes it).",
                        {"sink"}));
  RIPOSTE_ASSIGN_OR_RETURN(
      f.circuit_open,
      registry.AddGauge("riposte_ocsf_sink_circuit_open",
                        "1 while a sink's circuit breaker holds deliveries "
                        "back after repeated failures.",
                        {"sink"}));
  return f;
}

absl::StatusOr<std::unique_ptr<SinkWorker>> SinkWorker::Create(
    SinkWorkerOptions options, OutboxSource* source,
    std::unique_ptr<Sink> sink, Clock* clock,
    const SinkMetricFamilies& families) {
  std::unique_ptr<SinkWorker> w(
      new SinkWorker(std::move(options), source, std::move(sink), clock));
  const std::vector<absl::string_view> labels = {w->options_.name};
  RIPOSTE_ASSIGN_OR_RETURN(w->delivered_, families.delivered->WithLabels(labels));
  RIPOSTE_ASSIGN_OR_RETURN(w->failures_, families.failures->WithLabels(labels));
  RIPOSTE_ASSIGN_OR_RETURN(w->lag_, families.lag->WithLabels(labels));
  RIPOSTE_ASSIGN_OR_RETURN(w->last_success_,
                           families.last_success->WithLabels(labels));
  RIPOSTE_ASSIGN_OR_RETURN(w->refused_, families.refused->WithLabels(labels));
  // Every sink shows its series from the start, at 0.
  w->refused_->Set(0);
  RIPOSTE_ASSIGN_OR_RETURN(metrics::Gauge * circuit,
                           families.circuit_open->WithLabels(labels));
  circuit->Set(0);
  return w;
}

SinkWorker::~SinkWorker() { Stop(); }

void SinkWorker::Start() {
  thread_ = std::thread([this] { Loop(); });
}

void SinkWorker::Notify() {
  absl::MutexLock lock(&mu_);
  notified_ = true;
}

void SinkWorker::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

bool SinkWorker::Wait(absl::Duration d, bool wake_on_notify) {
  absl::MutexLock lock(&mu_);
  auto woken = [this, wake_on_notify]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return (wake_on_notify && notified_) || stopping_;
  };
  mu_.AwaitWithTimeout(absl::Condition(&woken), d);
  notified_ = false;
  return !stopping_;
}

absl::StatusOr<int> SinkWorker::DeliverOnce() {
  if (options_.lease != nullptr && options_.lease->fence() == 0) return 0;
  RIPOSTE_ASSIGN_OR_RETURN(const int64_t cursor,
                           source_->LoadCursor(options_.name));
  RIPOSTE_ASSIGN_OR_RETURN(std::vector<store::OutboxRow> rows,
                           source_->Read(cursor, options_.batch));
  int64_t delivered_to = cursor;
  if (!rows.empty()) {
    size_t delivered = 0;
    const absl::Status sent = sink_->Deliver(rows, &delivered);
    delivered = std::min(delivered, sent.ok() ? rows.size() : delivered);
    if (delivered > 0) {
      // What reached the destination before a failure is not sent again.
      delivered_to = rows[delivered - 1].seq;
      RIPOSTE_RETURN_IF_ERROR(source_->SaveCursor(options_.name, delivered_to));
      delivered_->Increment(static_cast<int64_t>(delivered));
    }
    RIPOSTE_RETURN_IF_ERROR(sent);
  }
  // Rows are numbered with gaps (an undone unit's seq is not reused), so
  // the lag is counted, up to one batch beyond which it says "at least".
  // A short read found all there was: nothing waits without reading again.
  size_t waiting = 0;
  if (static_cast<int>(rows.size()) >= options_.batch) {
    RIPOSTE_ASSIGN_OR_RETURN(const int64_t last, source_->LastSeq());
    if (last > delivered_to) {
      RIPOSTE_ASSIGN_OR_RETURN(std::vector<store::OutboxRow> next,
                               source_->Read(delivered_to, options_.batch));
      waiting = next.size();
    }
  }
  lag_->Set(static_cast<double>(waiting));
  last_success_->Set(absl::ToDoubleSeconds(clock_->Now() - absl::UnixEpoch()));
  return static_cast<int>(rows.size());
}

absl::Duration SinkWorker::RetryWait(const absl::Status& failure,
                                     absl::Duration backoff) {
  if (std::optional<absl::Duration> asked = actions::RetryAfter(failure)) {
    // The destination said how long: exactly that, never sooner.
    return std::min(std::max(*asked, absl::ZeroDuration()), kLongestRetryAfter);
  }
  if (Refused(failure)) return options_.max_backoff;
  // Several replicas' or sinks' retries do not fall into step.
  return backoff * absl::Uniform(jitter_, 0.75, 1.25);
}

void SinkWorker::Loop() {
  absl::Duration backoff = options_.initial_backoff;
  while (true) {
    absl::StatusOr<int> delivered = DeliverOnce();
    absl::Duration wait = options_.poll;
    // New events do not cut a wait after a failure short: under steady
    // intake that would retry at once, whatever the destination asked.
    const bool wake_on_notify = delivered.ok();
    if (!delivered.ok()) {
      failures_->Increment();
      const bool refused = Refused(delivered.status());
      refused_->Set(refused ? 1 : 0);
      wait = RetryWait(delivered.status(), backoff);
      log::Log(refused ? log::Level::kError : log::Level::kWarn,
               refused ? "OCSF sink's destination refuses its events; "
                         "retrying slowly until it accepts them"
                       : "OCSF sink delivery failed; retrying",
               {{"sink", options_.name},
                {"error", delivered.status()},
                {"retry_in_ms", absl::ToInt64Milliseconds(wait)}});
      backoff = std::min(backoff * 2, options_.max_backoff);
    } else {
      refused_->Set(0);
      backoff = options_.initial_backoff;
      // A full batch: more is waiting; go on at once.
      if (*delivered >= options_.batch) wait = absl::ZeroDuration();
    }
    if (!Wait(wait, wake_on_notify)) return;
  }
}

}  // namespace riposte::ocsf
