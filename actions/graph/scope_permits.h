#ifndef RIPOSTE_ACTIONS_GRAPH_SCOPE_PERMITS_H_
#define RIPOSTE_ACTIONS_GRAPH_SCOPE_PERMITS_H_

// Caps how many requests are in flight at once per scope, so that Riposte
// itself never breaks a per-scope concurrency limit: Outlook serves at
// most 4 concurrent requests per app per mailbox and answers the fifth
// 429 ("Application is over its MailboxConcurrency limit"). A caller over
// the cap waits for a permit instead of being throttled.
//
// Thread-safe.

#include <cstdint>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"

namespace riposte::actions::graph {

class ScopePermits {
 public:
  // At most `per_scope` (at least 1) permits per scope at once.
  explicit ScopePermits(int per_scope);

  // Held for the life of one request; releases on destruction.
  class Permit {
   public:
    Permit() = default;
    Permit(Permit&& other) noexcept
        : owner_(other.owner_), scope_(std::move(other.scope_)) {
      other.owner_ = nullptr;
    }
    Permit& operator=(Permit&&) = delete;
    Permit(const Permit&) = delete;
    ~Permit();

   private:
    friend class ScopePermits;
    Permit(ScopePermits* owner, std::string scope)
        : owner_(owner), scope_(std::move(scope)) {}
    ScopePermits* owner_ = nullptr;
    std::string scope_;
  };

  // Waits until `scope` has a free permit and takes it.
  Permit Acquire(absl::string_view scope);

  // The most permits ever held at once for one scope (for tests).
  int peak() const;

 private:
  void Release(const std::string& scope);

  const int per_scope_;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, int> in_flight_ ABSL_GUARDED_BY(mu_);
  int peak_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace riposte::actions::graph

#endif  // RIPOSTE_ACTIONS_GRAPH_SCOPE_PERMITS_H_
