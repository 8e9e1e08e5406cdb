// Loss curves as an RGB image: one line per series over a shared step axis, with ticks,
// grid, legend and title drawn with the built-in bitmap font (`ganforge train` writes its
// losses this way next to the JSON lines).
#pragma once

#include <string>
#include <vector>

#include "gan/data/image.h"
#include "gan/train/bitmap_font.h"

namespace ganforge::gan {

struct Series {
  std::string name;
  std::vector<double> steps;   // x
  std::vector<double> values;  // y, one per step
};

struct PlotOptions {
  int width = 800, height = 450;
  std::string title{};  // {}: designated initializers may then omit it without a -Wextra warning
  std::string x_label = "step";
  int smoothing = 0;  // trailing moving-average window in points; 0 = raw
  bool log_y = false;
};

// The image: white, the plot area framed with a light grid at the ticks, each series in
// its palette colour (raw values faint and their moving average bold when smoothing > 0),
// the legend in the corner of the plot area the curves cover least, the title on top.
// Points whose step or value is NaN or infinite (or, with log_y, value <= 0) are not drawn:
// the line has a gap there, and a point with no drawable neighbour is a dot. Throws
// std::invalid_argument when a series' steps and values differ in length, smoothing is
// negative or the image is too small to hold a plot.
data::Image plot_curves(const std::vector<Series>& series, const PlotOptions& options = {});

// The colour of the index-th series: a palette of 8, repeating.
Rgb series_colour(size_t index);

// An axis: the range it shows and its ticks, with their labels.
struct Axis {
  double lo = 0, hi = 1;
  std::vector<double> ticks;
  std::vector<std::string> labels;
};

// A linear axis over [lo, hi] (finite, lo <= hi): 4 to 6 ticks at the multiples of a step
// of 1, 2 or 5 x 10^k, inside the range when such a step exists, else at the multiples just
// beyond its ends with the range widened to them. An empty range, or one under 1e-6 of the
// values' magnitude, becomes +-10% of that magnitude (+-1 around 0). Ranges near the largest
// doubles may get 3 ticks. Labels are fixed-point ("0.25", "1000") or, from 1e6 up and below
// 1e-3, scientific ("1.5e6", "2e-4").
Axis linear_axis(double lo, double hi);

// A log10 axis over [lo, hi] (0 < lo <= hi, finite): under a decade, linear ticks as above;
// up to 7 ticks at 1, 2 and 5 x 10^k when they fit; else powers of ten, every 1st, 2nd,
// 5th, 10th... so that at most 6 remain. An empty range becomes [lo / 1.5, hi * 1.5].
Axis log_axis(double lo, double hi);

}  // namespace ganforge::gan
