#include "cli/table.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "cli/text.h"

namespace riposte::cli {

Table::Table(std::vector<std::string> headers) : headers_(std::move(headers)) {}

void Table::AddRow(std::vector<std::string> cells, std::string detail) {
  cells.resize(headers_.size());
  for (std::string& cell : cells) {
    cell = cell.empty() ? "-" : SanitizeForTerminal(cell, false);
  }
  rows_.push_back(Row{std::move(cells), std::move(detail)});
}

std::string Table::Render(int indent) const {
  const size_t n = headers_.size();
  std::vector<int> widths(n, 0);
  for (size_t c = 0; c < n; ++c) widths[c] = DisplayWidth(headers_[c]);
  for (const Row& row : rows_) {
    for (size_t c = 0; c < n; ++c) {
      widths[c] = std::max(widths[c], DisplayWidth(row.cells[c]));
    }
  }
  const std::string pad(indent, ' ');
  std::string out;
  auto append_line = [&](const std::vector<std::string>& cells) {
    std::string line = pad;
    for (size_t c = 0; c < n; ++c) {
      line += cells[c];
      if (c + 1 < n) {
        line.append(widths[c] - DisplayWidth(cells[c]) + 2, ' ');
      }
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line;
    out += '\n';
  };
  append_line(headers_);
  for (size_t r = 0; r < rows_.size(); ++r) {
    append_line(rows_[r].cells);
    if (!rows_[r].detail.empty()) {
      out += rows_[r].detail;
      if (blank_after_detail_ && r + 1 < rows_.size()) out += '\n';
    }
  }
  return out;
}

}  // namespace riposte::cli
