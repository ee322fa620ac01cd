#ifndef RIPOSTE_CLI_TERMINAL_H_
#define RIPOSTE_CLI_TERMINAL_H_

#include <optional>
#include <string>

namespace riposte::cli {

// Columns used when nothing says otherwise.
inline constexpr int kDefaultTerminalWidth = 100;
// Narrower values are raised to this, so wrapping stays readable.
inline constexpr int kMinTerminalWidth = 40;

// The width of the terminal on `fd` (TIOCGWINSZ), or 0 if `fd` is not a
// terminal or the size is unknown.
int TerminalWidthOf(int fd);

bool IsTerminal(int fd);

// The width to wrap to: $COLUMNS if it is a positive number, else
// `ioctl_width` if positive, else kDefaultTerminalWidth; at least
// kMinTerminalWidth.
int ChooseWidth(const std::optional<std::string>& columns_env, int ioctl_width);

}  // namespace riposte::cli

#endif  // RIPOSTE_CLI_TERMINAL_H_
