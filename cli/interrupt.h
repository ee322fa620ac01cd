#ifndef RIPOSTE_CLI_INTERRUPT_H_
#define RIPOSTE_CLI_INTERRUPT_H_

// Ctrl-C (SIGINT) and SIGTERM for the commands that run until interrupted
// (`pending --watch`, `audit tail --follow`): the first wait installs
// handlers that record the signal, so those commands can stop cleanly and
// exit 0. Other commands keep the default disposition.

#include "absl/time/time.h"

namespace riposte::cli {

// Waits up to `timeout` for SIGINT or SIGTERM; true once one has arrived
// (now or earlier). Thread-safe.
bool WaitForInterrupt(absl::Duration timeout);

}  // namespace riposte::cli

#endif  // RIPOSTE_CLI_INTERRUPT_H_
