#ifndef RIPOSTE_COMMON_TESTING_WAIT_FOR_H_
#define RIPOSTE_COMMON_TESTING_WAIT_FOR_H_

#include <functional>

#include "absl/time/time.h"

namespace riposte::testing {

// Polls `condition` until it holds or `timeout` passes; returns whether it
// held. Tests use this instead of sleeping for something to happen.
bool WaitFor(const std::function<bool()>& condition,
             absl::Duration timeout = absl::Seconds(20));

}  // namespace riposte::testing

#endif  // RIPOSTE_COMMON_TESTING_WAIT_FOR_H_
