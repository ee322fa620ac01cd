#include "store/singleton_lease.h"

#include <optional>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/status_macros.h"

namespace riposte::store {
namespace {

struct LeaseValue {
  int64_t fence = 0;
  absl::Time expires = absl::InfinitePast();
  std::string holder;
};

std::string SettingKey(absl::string_view name) {
  return absl::StrCat("singleton.", name);
}

// "<fence> <expires, unix micros> <holder>"; the holder may hold spaces.
std::string Format(const LeaseValue& v) {
  return absl::StrCat(v.fence, " ", absl::ToUnixMicros(v.expires), " ",
                      v.holder);
}

absl::StatusOr<std::optional<LeaseValue>> Read(IntakeTransaction& txn,
                                               absl::string_view name) {
  RIPOSTE_ASSIGN_OR_RETURN(std::optional<std::string> text,
                           txn.GetSetting(SettingKey(name)));
  if (!text.has_value()) return std::optional<LeaseValue>();
  std::vector<std::string> parts =
      absl::StrSplit(*text, absl::MaxSplits(' ', 2));
  LeaseValue v;
  int64_t expires_us = 0;
  if (parts.size() != 3 || !absl::SimpleAtoi(parts[0], &v.fence) ||
      !absl::SimpleAtoi(parts[1], &expires_us)) {
    return absl::DataLossError(
        absl::StrCat("store: setting ", SettingKey(name), " is corrupt"));
  }
  v.expires = absl::FromUnixMicros(expires_us);
  v.holder = parts[2];
  return std::optional<LeaseValue>(std::move(v));
}

}  // namespace

SingletonLease::SingletonLease(Store* store, std::string name,
                               std::string holder, Clock* clock,
                               absl::Duration ttl, bool take_over_at_once)
    : store_(store),
      name_(std::move(name)),
      holder_(std::move(holder)),
      clock_(clock),
      ttl_(ttl),
      take_over_at_once_(take_over_at_once) {}

absl::StatusOr<bool> SingletonLease::Hold() {
  int64_t fence = 0;
  absl::Status s = store_->ExecuteAndWait([&](Transaction& txn) -> absl::Status {
    fence = 0;
    const absl::Time now = clock_->Now();
    RIPOSTE_ASSIGN_OR_RETURN(std::optional<LeaseValue> current,
                             Read(txn, name_));
    LeaseValue next;
    next.holder = holder_;
    next.expires = now + ttl_;
    if (current.has_value() && current->holder == holder_ &&
        current->expires > now) {
      next.fence = current->fence;  // renewed
    } else if (!current.has_value() || current->expires <= now ||
               take_over_at_once_) {
      // Free, expired, or left by a process known to be gone.
      next.fence = (current.has_value() ? current->fence : 0) + 1;
    } else {
      return absl::OkStatus();  // another holder's, still valid
    }
    RIPOSTE_RETURN_IF_ERROR(txn.PutSetting(SettingKey(name_), Format(next)));
    fence = next.fence;
    return absl::OkStatus();
  });
  absl::MutexLock lock(&mu_);
  if (!s.ok()) {
    // Not known to be held: act as if it were lost.
    fence_ = 0;
    return s;
  }
  fence_ = fence;
  return fence != 0;
}

absl::Status SingletonLease::CheckHeld(IntakeTransaction& txn) const {
  const int64_t fence = this->fence();
  RIPOSTE_ASSIGN_OR_RETURN(std::optional<LeaseValue> current,
                           Read(txn, name_));
  if (fence == 0 || !current.has_value() || current->holder != holder_ ||
      current->fence != fence || current->expires <= clock_->Now()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "singleton ", name_, ": lease lost (fence ", fence, " is stale)"));
  }
  return absl::OkStatus();
}

void SingletonLease::Release() {
  if (fence() == 0) return;
  store_
      ->ExecuteAndWait([&](Transaction& txn) -> absl::Status {
        RIPOSTE_RETURN_IF_ERROR(CheckHeld(txn));
        LeaseValue v;
        v.fence = fence();
        v.holder = holder_;
        v.expires = clock_->Now();
        return txn.PutSetting(SettingKey(name_), Format(v));
      })
      .IgnoreError();
  absl::MutexLock lock(&mu_);
  fence_ = 0;
}

int64_t SingletonLease::fence() const {
  absl::MutexLock lock(&mu_);
  return fence_;
}

}  // namespace riposte::store
