#include "cli/interrupt.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <mutex>

#include "absl/time/clock.h"

namespace riposte::cli {
namespace {

// A self-pipe: the handler writes one byte and nobody reads it, so the read
// end stays readable once a signal arrived.
int g_pipe[2] = {-1, -1};

void OnSignal(int) {
  const char byte = 1;
  // Nothing to do on failure: the pipe is full, so it is readable already.
  [[maybe_unused]] ssize_t n = write(g_pipe[1], &byte, 1);
}

bool Install() {
  if (pipe2(g_pipe, O_CLOEXEC | O_NONBLOCK) != 0) return false;
  struct sigaction sa {};
  sa.sa_handler = OnSignal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  return true;
}

}  // namespace

bool WaitForInterrupt(absl::Duration timeout) {
  static std::once_flag once;
  static bool installed = false;
  std::call_once(once, [] { installed = Install(); });
  if (!installed) {
    // Without the pipe there is nothing to wait on; just wait.
    absl::SleepFor(timeout);
    return false;
  }
  struct pollfd pfd {};
  pfd.fd = g_pipe[0];
  pfd.events = POLLIN;
  const absl::Time deadline = absl::Now() + timeout;
  while (true) {
    const int64_t ms = std::max<int64_t>(
        0, absl::ToInt64Milliseconds(deadline - absl::Now() + absl::Milliseconds(1)));
    const int r = poll(&pfd, 1, static_cast<int>(std::min<int64_t>(ms, 1 << 30)));
    if (r > 0) return true;
    if (r == 0) return false;
    // EINTR: poll again for the rest of the time.
    if (absl::Now() >= deadline) return false;
  }
}

}  // namespace riposte::cli
