#ifndef RIPOSTE_CLI_TABLE_H_
#define RIPOSTE_CLI_TABLE_H_

#include <string>
#include <vector>

namespace riposte::cli {

// An aligned text table in the style of kubectl: upper-case headers,
// columns separated by two spaces, the last column not padded, no borders.
// A row may carry a detail block (e.g. a wrapped narrative) printed under
// it; columns are aligned across all rows regardless.
//
// Cells are sanitized for the terminal and kept on one line; an empty cell
// prints as "-". Not thread-safe.
class Table {
 public:
  explicit Table(std::vector<std::string> headers);

  // `cells` beyond the header count are dropped; missing ones are empty.
  // `detail`, if not empty, is printed verbatim after the row (it should
  // end with "\n").
  void AddRow(std::vector<std::string> cells, std::string detail = "");

  // Separates each row's detail block from the next row with a blank line.
  void set_blank_line_after_detail(bool on) { blank_after_detail_ = on; }

  bool empty() const { return rows_.empty(); }

  // The table, each line prefixed by `indent` spaces and ending in "\n".
  std::string Render(int indent = 0) const;

 private:
  struct Row {
    std::vector<std::string> cells;
    std::string detail;
  };

  std::vector<std::string> headers_;
  std::vector<Row> rows_;
  bool blank_after_detail_ = false;
};

}  // namespace riposte::cli

#endif  // RIPOSTE_CLI_TABLE_H_
