#include "cli/terminal.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>

#include "absl/strings/numbers.h"
#include "absl/strings/string_view.h"

namespace riposte::cli {

int TerminalWidthOf(int fd) {
  struct winsize ws {};
  if (ioctl(fd, TIOCGWINSZ, &ws) != 0) return 0;
  return ws.ws_col;
}

bool IsTerminal(int fd) { return isatty(fd) == 1; }

int ChooseWidth(const std::optional<std::string>& columns_env, int ioctl_width) {
  int width = 0;
  if (columns_env.has_value()) {
    int columns = 0;
    if (absl::SimpleAtoi(*columns_env, &columns) && columns > 0) width = columns;
  }
  if (width == 0 && ioctl_width > 0) width = ioctl_width;
  if (width == 0) width = kDefaultTerminalWidth;
  return std::max(width, kMinTerminalWidth);
}

}  // namespace riposte::cli
