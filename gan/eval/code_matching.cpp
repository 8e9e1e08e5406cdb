#include "gan/eval/code_matching.h"

#include <limits>
#include <string>

#include "gan/eval/checks.h"

namespace ganforge::eval {
namespace {

// The Hungarian algorithm for rows <= columns: rows enter one at a time, each along a shortest
// augmenting path in reduced costs (Dijkstra over the columns with potentials u, v), so the
// partial assignment stays optimal for the rows entered so far.
std::vector<int> assign_rows(const Eigen::MatrixXd& cost) {
  const int rows = static_cast<int>(cost.rows()), columns = static_cast<int>(cost.cols());
  const double infinity = std::numeric_limits<double>::infinity();
  // 1-based below; column 0 is a virtual column that holds the row being entered.
  std::vector<double> u(rows + 1, 0.0), v(columns + 1, 0.0);
  std::vector<int> row_of_column(columns + 1, 0), previous_column(columns + 1, 0);
  for (int row = 1; row <= rows; ++row) {
    row_of_column[0] = row;
    int column = 0;
    std::vector<double> path_cost(columns + 1, infinity);
    std::vector<bool> visited(columns + 1, false);
    do {
      visited[column] = true;
      const int current_row = row_of_column[column];
      double delta = infinity;
      int next_column = 0;
      for (int j = 1; j <= columns; ++j) {
        if (visited[j]) continue;
        const double reduced = cost(current_row - 1, j - 1) - u[current_row] - v[j];
        if (reduced < path_cost[j]) {
          path_cost[j] = reduced;
          previous_column[j] = column;
        }
        if (path_cost[j] < delta) {
          delta = path_cost[j];
          next_column = j;
        }
      }
      for (int j = 0; j <= columns; ++j)
        if (visited[j]) {
          u[row_of_column[j]] += delta;
          v[j] -= delta;
        } else {
          path_cost[j] -= delta;
        }
      column = next_column;
    } while (row_of_column[column] != 0);
    do {  // flip the augmenting path
      const int previous = previous_column[column];
      row_of_column[column] = row_of_column[previous];
      column = previous;
    } while (column != 0);
  }
  std::vector<int> column_of_row(rows, -1);
  for (int j = 1; j <= columns; ++j)
    if (row_of_column[j] != 0) column_of_row[row_of_column[j] - 1] = j - 1;
  return column_of_row;
}

}  // namespace

std::vector<int> min_cost_assignment(const Eigen::MatrixXd& cost) {
  if (cost.rows() < 1 || cost.cols() < 1)
    detail::fail("min_cost_assignment", "cost must be at least 1 x 1 (rows to assign x columns); got " +
                                            std::to_string(cost.rows()) + " x " + std::to_string(cost.cols()));
  if (!cost.allFinite()) detail::fail("min_cost_assignment", "cost must hold finite values");
  if (cost.rows() <= cost.cols()) return assign_rows(cost);
  const std::vector<int> row_of_column = assign_rows(cost.transpose());
  std::vector<int> column_of_row(cost.rows(), -1);
  for (size_t column = 0; column < row_of_column.size(); ++column)
    column_of_row[row_of_column[column]] = static_cast<int>(column);
  return column_of_row;
}

ConfusionMatrix confusion_matrix(std::span<const int64_t> codes, std::span<const int64_t> classes, int num_codes,
                                 int num_classes) {
  if (num_codes < 1 || num_classes < 1)
    detail::fail("confusion_matrix", "num_codes and num_classes must be at least 1; got " + std::to_string(num_codes) +
                                         " and " + std::to_string(num_classes));
  if (codes.empty() || codes.size() != classes.size())
    detail::fail("confusion_matrix", "codes and classes must hold one entry per sample, at least one; got " +
                                         std::to_string(codes.size()) + " codes and " + std::to_string(classes.size()) +
                                         " classes");
  ConfusionMatrix confusion = ConfusionMatrix::Zero(num_codes, num_classes);
  for (size_t i = 0; i < codes.size(); ++i) {
    if (codes[i] < 0 || codes[i] >= num_codes)
      detail::fail("confusion_matrix", "codes must be in [0, " + std::to_string(num_codes) + "); codes[" +
                                           std::to_string(i) + "] is " + std::to_string(codes[i]));
    if (classes[i] < 0 || classes[i] >= num_classes)
      detail::fail("confusion_matrix", "classes must be in [0, " + std::to_string(num_classes) + "); classes[" +
                                           std::to_string(i) + "] is " + std::to_string(classes[i]));
    ++confusion(codes[i], classes[i]);
  }
  return confusion;
}

CodeMatching match_codes(const ConfusionMatrix& confusion) {
  // Below 2^53 every partial sum of counts, and so every potential, is exact in float64.
  constexpr int64_t kExactTotalLimit = int64_t{1} << 53;
  if (confusion.rows() < 1 || confusion.cols() < 1)
    detail::fail("match_codes", "confusion must be at least 1 x 1 (codes x classes); got " +
                                    std::to_string(confusion.rows()) + " x " + std::to_string(confusion.cols()));
  int64_t total = 0;
  for (int64_t count : confusion.reshaped()) {
    if (count < 0 || count >= kExactTotalLimit - total)
      detail::fail("match_codes",
                   "confusion must hold non-negative counts totalling below 2^53; it holds " + std::to_string(count));
    total += count;
  }
  if (total == 0) detail::fail("match_codes", "confusion must count at least one sample; it is all zeros");
  CodeMatching matching;
  matching.class_of_code = min_cost_assignment(-confusion.cast<double>());
  int64_t agreeing = 0;
  for (size_t code = 0; code < matching.class_of_code.size(); ++code)
    if (matching.class_of_code[code] >= 0) agreeing += confusion(code, matching.class_of_code[code]);
  matching.accuracy = static_cast<double>(agreeing) / static_cast<double>(total);
  return matching;
}

}  // namespace ganforge::eval
