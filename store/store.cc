#include "store/store.h"

#include "absl/synchronization/notification.h"

namespace riposte::store {

absl::Status Store::ExecuteAndWait(Work work) {
  absl::Notification done;
  absl::Status result;
  Execute(std::move(work), [&](absl::Status s) {
    result = std::move(s);
    done.Notify();
  });
  done.WaitForNotification();
  return result;
}

}  // namespace riposte::store
