#include "orchestrator/server/singletons.h"

#include <pthread.h>

#include <utility>

#include "common/log.h"
#include "common/status_macros.h"

namespace riposte::server {

absl::StatusOr<std::unique_ptr<Singletons>> Singletons::Start(
    store::Store* store, const std::vector<std::string>& names,
    SingletonOptions options, Clock* clock, metrics::Registry& registry) {
  std::unique_ptr<Singletons> s(new Singletons());
  s->options_ = std::move(options);
  RIPOSTE_ASSIGN_OR_RETURN(
      auto* family,
      registry.AddGauge("riposte_singleton_held",
                        "1 where this replica holds the lease of work one "
                        "replica at a time does, 0 elsewhere.",
                        {"name"}));
  for (const std::string& name : names) {
    s->leases_[name] = std::make_unique<store::SingletonLease>(
        store, name, s->options_.holder, clock, s->options_.ttl,
        /*take_over_at_once=*/store->exclusive());
    RIPOSTE_ASSIGN_OR_RETURN(s->held_[name], family->WithLabels({name}));
  }
  s->RenewAll();
  s->thread_ = std::thread([self = s.get()] {
    pthread_setname_np(pthread_self(), "singletons");
    while (!self->stop_.WaitFor(self->options_.renew_every)) self->RenewAll();
  });
  return s;
}

Singletons::~Singletons() { Stop(); }

void Singletons::RenewAll() {
  for (auto& [name, lease] : leases_) {
    const bool before = lease->fence() != 0;
    absl::StatusOr<bool> held = lease->Hold();
    if (!held.ok()) {
      log::Warn("singleton lease could not be renewed; the work waits",
                {{"singleton", name}, {"error", held.status()}});
    }
    const bool now = held.ok() && *held;
    if (now != before) {
      log::Info(now ? "singleton lease taken" : "singleton lease lost",
                {{"singleton", name}, {"fence", lease->fence()}});
    }
    held_[name]->Set(now ? 1 : 0);
  }
}

const store::SingletonLease* Singletons::lease(const std::string& name) const {
  auto it = leases_.find(name);
  return it == leases_.end() ? nullptr : it->second.get();
}

bool Singletons::held(const std::string& name) const {
  const store::SingletonLease* l = lease(name);
  return l != nullptr && l->fence() != 0;
}

void Singletons::Stop() {
  if (stopped_) return;
  stopped_ = true;
  stop_.Stop();
  if (thread_.joinable()) thread_.join();
  for (auto& [name, lease] : leases_) {
    lease->Release();
    held_[name]->Set(0);
  }
}

}  // namespace riposte::server
