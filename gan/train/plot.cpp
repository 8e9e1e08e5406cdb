#include "gan/train/plot.h"

#include <algorithm>
#include <array>
#include <cfloat>
#include <climits>
#include <cmath>
#include <cstdio>
#include <limits>
#include <optional>
#include <stdexcept>

namespace ganforge::gan {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Tableau's palette without its gray (the grid's colour) and olive (faint on white).
constexpr Rgb kPalette[] = {{31, 119, 180}, {255, 127, 14}, {44, 160, 44},  {214, 39, 40},
                            {148, 103, 189}, {140, 86, 75}, {227, 119, 194}, {23, 190, 207}};
constexpr Rgb kBackground{255, 255, 255}, kText{40, 40, 40}, kFrame{90, 90, 90}, kGrid{228, 228, 228},
    kLegendBorder{190, 190, 190};

// m * 10^e, dividing by 10^-e for negative e so that decimals such as 0.3 come out as the
// double nearest to them (10^e itself is inexact there). 0 or inf where out of range.
double decimal(double m, int e) { return e >= 0 ? m * std::pow(10.0, e) : m / std::pow(10.0, -e); }

double clamp_finite(double v) { return std::clamp(v, -DBL_MAX, DBL_MAX); }

bool scientific_for(double max_abs) { return max_abs >= 1e6 || (max_abs > 0 && max_abs < 1e-3); }

// `v`, a multiple of 10^e, with the digits that step needs: fixed-point, or the shortest
// exact scientific form ("2.5e-4", "1e6").
std::string format_tick(double v, int e, bool scientific) {
  char buffer[64];
  if (!scientific) {
    std::snprintf(buffer, sizeof buffer, "%.*f", std::max(0, -e), v);
    return buffer;
  }
  if (v == 0) return "0";
  const int digits = std::max(0, static_cast<int>(std::floor(std::log10(std::fabs(v)))) - e);
  std::snprintf(buffer, sizeof buffer, "%.*e", digits, v);
  std::string text = buffer;
  const size_t exponent_at = text.find('e');
  std::string mantissa = text.substr(0, exponent_at);
  if (mantissa.find('.') != std::string::npos) {
    mantissa.erase(mantissa.find_last_not_of('0') + 1);
    if (mantissa.back() == '.') mantissa.pop_back();
  }
  return mantissa + "e" + std::to_string(std::stoi(text.substr(exponent_at + 1)));
}

// The ticks first * step ... last * step with step = m * 10^e.
struct Run {
  double m;
  int e;
  int64_t first, last;
  double tick(int64_t k) const { return k == 0 ? 0.0 : decimal(static_cast<double>(k) * m, e); }
  int64_t count() const { return last - first + 1; }
};

// Of the steps 1, 2, 5 x 10^k near a fifth of the range, the one whose run over [lo, hi]
// has a count in [min_count, max_count] closest to 5 (the larger step on a tie). `inside`:
// the multiples within the range; otherwise from the last multiple at or below lo to the
// first at or above hi.
std::optional<Run> best_run(double lo, double hi, bool inside, int64_t min_count, int64_t max_count) {
  const int e0 = static_cast<int>(std::floor(std::log10((hi / 2 - lo / 2) * 0.4)));
  std::optional<Run> best;
  for (int e = e0 + 1; e >= e0 - 1; --e)
    for (double m : {5.0, 2.0, 1.0}) {
      const double step = decimal(m, e);
      if (!(step > 0) || !std::isfinite(step)) continue;
      // The tolerance keeps a tick that rounding put a hair outside an end.
      const double a = lo / step, b = hi / step;
      Run run{m, e, static_cast<int64_t>(inside ? std::ceil(a - 1e-9) : std::floor(a + 1e-9)),
              static_cast<int64_t>(inside ? std::floor(b + 1e-9) : std::ceil(b - 1e-9))};
      if (run.count() < min_count || run.count() > max_count) continue;
      if (!std::isfinite(run.tick(run.first)) || !std::isfinite(run.tick(run.last))) continue;
      if (!best || std::llabs(run.count() - 5) < std::llabs(best->count() - 5)) best = run;
    }
  return best;
}

Axis axis_of(const Run& run, double lo, double hi) {
  Axis axis{std::min(lo, run.tick(run.first)), std::max(hi, run.tick(run.last)), {}, {}};
  const bool scientific = scientific_for(std::max(std::fabs(run.tick(run.first)), std::fabs(run.tick(run.last))));
  for (int64_t k = run.first; k <= run.last; ++k) {
    axis.ticks.push_back(run.tick(k));
    axis.labels.push_back(format_tick(run.tick(k), run.e, scientific));
  }
  return axis;
}

// The trailing moving average over `window` points of `v` (NaN marks a point not drawn):
// the mean of the drawable values among a point and the window - 1 before it, NaN where
// there are none. The window's sum is the suffix of one block of `window` points plus the
// prefix of the next, so no value is ever subtracted back out (a running sum would lose
// the small losses that follow a huge one); values are divided by the window first so
// that sums of huge values cannot overflow.
std::vector<double> moving_average(const std::vector<double>& v, size_t window) {
  const size_t n = v.size();
  std::vector<double> prefix(n), suffix(n);
  std::vector<size_t> prefix_count(n), suffix_count(n);
  for (size_t i = 0; i < n; ++i) {
    const bool fresh = i % window == 0;
    prefix[i] = (fresh ? 0 : prefix[i - 1]) + (std::isnan(v[i]) ? 0 : v[i] / window);
    prefix_count[i] = (fresh ? 0 : prefix_count[i - 1]) + !std::isnan(v[i]);
  }
  for (size_t i = n; i-- > 0;) {
    const bool fresh = (i + 1) % window == 0 || i + 1 == n;
    suffix[i] = (fresh ? 0 : suffix[i + 1]) + (std::isnan(v[i]) ? 0 : v[i] / window);
    suffix_count[i] = (fresh ? 0 : suffix_count[i + 1]) + !std::isnan(v[i]);
  }
  std::vector<double> mean(n);
  for (size_t i = 0; i < n; ++i) {
    const size_t start = i + 1 >= window ? i + 1 - window : 0;
    const bool one_block = start % window == 0;  // the window is a whole block or its start
    const double sum = prefix[i] + (one_block ? 0 : suffix[start]);
    const size_t count = prefix_count[i] + (one_block ? 0 : suffix_count[start]);
    mean[i] = count ? sum / static_cast<double>(count) * static_cast<double>(window) : kNaN;
  }
  return mean;
}

struct Rect {
  int x0, y0, x1, y1;  // inclusive
  size_t area() const { return static_cast<size_t>(x1 - x0 + 1) * (y1 - y0 + 1); }
  // Where pixel (x, y) is in a row-major buffer over the rectangle.
  size_t offset(int x, int y) const { return static_cast<size_t>(y - y0) * (x1 - x0 + 1) + (x - x0); }
};

struct Point {
  double x, y;  // pixel coordinates, pixel (i, j) centred at (i, j); NaN: not drawn
};

void set_pixel(data::Image& image, int x, int y, Rgb c) {
  if (x < 0 || y < 0 || x >= image.width || y >= image.height) return;
  image.at(y, x, 0) = c.r;
  image.at(y, x, 1) = c.g;
  image.at(y, x, 2) = c.b;
}

void fill_rect(data::Image& image, Rect r, Rgb c) {
  for (int y = r.y0; y <= r.y1; ++y)
    for (int x = r.x0; x <= r.x1; ++x) set_pixel(image, x, y, c);
}

void outline_rect(data::Image& image, Rect r, Rgb c) {
  for (int x = r.x0; x <= r.x1; ++x) set_pixel(image, x, r.y0, c), set_pixel(image, x, r.y1, c);
  for (int y = r.y0; y <= r.y1; ++y) set_pixel(image, r.x0, y, c), set_pixel(image, r.x1, y, c);
}

// The anti-aliased coverage of one stroke over `clip`: per pixel the largest coverage of
// any of its segments, so that the joints of a faint line are not blended twice.
class Stroke {
 public:
  explicit Stroke(Rect clip)
      : clip_(clip), coverage_(clip.area(), 0.0f) {}

  // A segment with round caps, `half_width` pixels either side of a to b (a dot if a == b).
  void segment(Point a, Point b, double half_width) {
    const double reach = half_width + 1;
    const int x0 = std::max(clip_.x0, static_cast<int>(std::floor(std::min(a.x, b.x) - reach)));
    const int x1 = std::min(clip_.x1, static_cast<int>(std::ceil(std::max(a.x, b.x) + reach)));
    const int y0 = std::max(clip_.y0, static_cast<int>(std::floor(std::min(a.y, b.y) - reach)));
    const int y1 = std::min(clip_.y1, static_cast<int>(std::ceil(std::max(a.y, b.y) + reach)));
    const double dx = b.x - a.x, dy = b.y - a.y, length2 = dx * dx + dy * dy;
    for (int y = y0; y <= y1; ++y)
      for (int x = x0; x <= x1; ++x) {
        const double t = length2 > 0 ? std::clamp(((x - a.x) * dx + (y - a.y) * dy) / length2, 0.0, 1.0) : 0.0;
        const double distance = std::hypot(x - a.x - t * dx, y - a.y - t * dy);
        const float c = static_cast<float>(std::clamp(half_width + 0.5 - distance, 0.0, 1.0));
        float& cell = coverage_[clip_.offset(x, y)];
        cell = std::max(cell, c);
      }
  }

  // A polyline through the drawable points, broken where a point is not; a drawable point
  // with no drawable neighbour becomes a dot.
  void polyline(const std::vector<Point>& points, double half_width) {
    const auto drawable = [&](size_t i) { return i < points.size() && !std::isnan(points[i].x); };
    for (size_t i = 0; i < points.size(); ++i) {
      if (!drawable(i)) continue;
      if (drawable(i + 1))
        segment(points[i], points[i + 1], half_width);
      else if (i == 0 || !drawable(i - 1))
        segment(points[i], points[i], half_width + 1);
    }
  }

  // Blends `colour` at `alpha` times the coverage into `image`; `ink` collects the
  // coverage of every stroke, for placing the legend.
  void paint(data::Image& image, Rgb colour, double alpha, std::vector<float>& ink) const {
    for (int y = clip_.y0; y <= clip_.y1; ++y)
      for (int x = clip_.x0; x <= clip_.x1; ++x) {
        const size_t at = clip_.offset(x, y);
        const float c = coverage_[at];
        if (c == 0) continue;
        ink[at] = std::max(ink[at], c);
        const double a = alpha * c;
        const uint8_t rgb[] = {colour.r, colour.g, colour.b};
        for (int k = 0; k < 3; ++k)
          image.at(y, x, k) = static_cast<uint8_t>(std::lround(image.at(y, x, k) * (1 - a) + rgb[k] * a));
      }
  }

 private:
  Rect clip_;
  std::vector<float> coverage_;
};

// Runs of consecutive points in one pixel column thinned to the first, the lowest, the
// highest and the last of them, in their order: the line through those covers the same
// pixels, and a million points draw about as fast as a thousand.
std::vector<Point> thinned(const std::vector<Point>& points) {
  std::vector<Point> kept;
  for (size_t start = 0; start < points.size();) {
    if (std::isnan(points[start].x)) {
      kept.push_back(points[start++]);
      continue;
    }
    const long column = std::lround(points[start].x);
    size_t end = start, low = start, high = start;
    for (; end < points.size() && !std::isnan(points[end].x) && std::lround(points[end].x) == column; ++end) {
      if (points[end].y < points[low].y) low = end;
      if (points[end].y > points[high].y) high = end;
    }
    const size_t picks[] = {start, std::min(low, high), std::max(low, high), end - 1};
    for (size_t k = 0; k < 4; ++k)
      if (k == 0 || picks[k] != picks[k - 1]) kept.push_back(points[picks[k]]);
    start = end;
  }
  return kept;
}

// Where a value lies along an axis, 0 at lo and 1 at hi; the halves keep hi - lo finite
// for ranges as wide as the doubles.
double fraction(const Axis& axis, double v, bool log) {
  if (log) return (std::log10(v) - std::log10(axis.lo)) / (std::log10(axis.hi) - std::log10(axis.lo));
  return (v / 2 - axis.lo / 2) / (axis.hi / 2 - axis.lo / 2);
}

}  // namespace

Rgb series_colour(size_t index) { return kPalette[index % std::size(kPalette)]; }

Axis linear_axis(double lo, double hi) {
  if (!std::isfinite(lo) || !std::isfinite(hi) || lo > hi)
    throw std::invalid_argument("linear_axis: expected finite lo <= hi");
  const double magnitude = std::max(std::fabs(lo), std::fabs(hi));
  if (hi / 2 - lo / 2 <= magnitude * 5e-7) {
    // (At least DBL_MIN: a tenth of a subnormal could be 0.)
    const double centre = lo / 2 + hi / 2, half = magnitude > 0 ? std::max(0.1 * magnitude, DBL_MIN) : 1;
    lo = clamp_finite(centre - half);
    hi = clamp_finite(centre + half);
  }
  if (auto run = best_run(lo, hi, true, 4, 6)) return axis_of(*run, lo, hi);
  if (auto run = best_run(lo, hi, false, 4, 6)) return axis_of(*run, lo, hi);
  // Only at the ends of the doubles: steps there overflow or vanish.
  if (auto run = best_run(lo, hi, true, 1, INT64_MAX)) return axis_of(*run, lo, hi);
  return Axis{lo, hi, {}, {}};
}

Axis log_axis(double lo, double hi) {
  if (!(lo > 0) || !std::isfinite(hi) || lo > hi)
    throw std::invalid_argument("log_axis: expected finite 0 < lo <= hi");
  if (hi <= lo * (1 + 1e-6)) {
    lo /= 1.5;
    hi = std::min(hi * 1.5, DBL_MAX);
  }
  const double a = std::log10(lo), b = std::log10(hi);
  if (b - a < 1) {
    const std::optional<Run> run = best_run(lo, hi, true, 1, INT64_MAX);
    return run ? axis_of(*run, lo, hi) : Axis{lo, hi, {}, {}};
  }
  // Each tick with its exponent; `in_range` drops those that over- or underflowed.
  std::vector<std::pair<double, int>> ticks;
  const auto in_range = [&](double t) { return t >= lo * (1 - 1e-9) && t <= hi * (1 + 1e-9); };
  for (int k = static_cast<int>(std::floor(a)); k <= static_cast<int>(std::ceil(b)); ++k)
    for (double m : {1.0, 2.0, 5.0})
      if (in_range(decimal(m, k))) ticks.emplace_back(decimal(m, k), k);
  if (ticks.size() > 7) {
    // Every `every`-th power of ten, `every` the first of 1, 2, 5, 10, 20... leaving <= 6.
    const auto first = [&](int every) { return static_cast<int>(std::ceil(a / every - 1e-9)); };
    const auto last = [&](int every) { return static_cast<int>(std::floor(b / every + 1e-9)); };
    int every = 1;
    for (int i = 1; last(every) - first(every) + 1 > 6; ++i)
      every = static_cast<int>(decimal(std::array{1, 2, 5}[i % 3], i / 3));
    ticks.clear();
    for (int j = first(every); j <= last(every); ++j)
      if (in_range(decimal(1, j * every))) ticks.emplace_back(decimal(1, j * every), j * every);
  }
  Axis axis{lo, hi, {}, {}};
  bool scientific = false;
  for (const auto& tick : ticks) scientific = scientific || scientific_for(tick.first);
  for (const auto& [t, k] : ticks) {
    axis.ticks.push_back(t);
    axis.labels.push_back(format_tick(t, k, scientific));
  }
  return axis;
}

data::Image plot_curves(const std::vector<Series>& series, const PlotOptions& options) {
  for (const Series& one : series)
    if (one.steps.size() != one.values.size())
      throw std::invalid_argument("plot_curves: series '" + one.name + "' has " + std::to_string(one.steps.size()) +
                                  " steps but " + std::to_string(one.values.size()) + " values");
  if (options.smoothing < 0) throw std::invalid_argument("plot_curves: smoothing must be >= 0");
  const bool log = options.log_y;

  // The drawable values (NaN for the others), their moving averages, and the data ranges.
  std::vector<std::vector<double>> raw(series.size()), smooth(series.size());
  double x_lo = INFINITY, x_hi = -INFINITY, y_lo = INFINITY, y_hi = -INFINITY;
  for (size_t i = 0; i < series.size(); ++i) {
    for (size_t j = 0; j < series[i].values.size(); ++j) {
      const double x = series[i].steps[j], y = series[i].values[j];
      const bool drawable = std::isfinite(x) && std::isfinite(y) && (!log || y > 0);
      raw[i].push_back(drawable ? y : kNaN);
      if (!drawable) continue;
      x_lo = std::min(x_lo, x), x_hi = std::max(x_hi, x);
      y_lo = std::min(y_lo, y), y_hi = std::max(y_hi, y);
    }
    if (options.smoothing > 0) smooth[i] = moving_average(raw[i], static_cast<size_t>(options.smoothing));
  }
  if (x_lo > x_hi) x_lo = 0, x_hi = 1, y_lo = log ? 1 : 0, y_hi = log ? 10 : 1;  // nothing to draw
  const Axis x_axis = linear_axis(x_lo, x_hi);
  Axis y_axis;
  if (log) {  // 5% of the range as margin above and below the curves
    const double a = std::log10(y_lo), b = std::log10(y_hi), margin = 0.05 * (b - a);
    y_axis = log_axis(std::max(std::pow(10.0, a - margin), DBL_MIN), std::min(std::pow(10.0, b + margin), DBL_MAX));
  } else {
    const double margin = 0.05 * y_hi - 0.05 * y_lo;
    y_axis = linear_axis(clamp_finite(y_lo - margin), clamp_finite(y_hi + margin));
  }

  // Layout: text scaled 2x from 640x360 up; the title one step larger.
  const int scale = options.width >= 640 && options.height >= 360 ? 2 : 1;
  const int title_scale = scale + 1;
  const int pad = 6 * scale, gap = 3 * scale, tick_length = 3 * scale, line = text_height(scale);
  int y_labels_width = 0;
  for (const std::string& label : y_axis.labels) y_labels_width = std::max(y_labels_width, text_width(label, scale));
  const int last_x_label = x_axis.labels.empty() ? 0 : text_width(x_axis.labels.back(), scale);
  const int top = pad + (options.title.empty() ? line / 2 : text_height(title_scale) + pad);
  const int bottom = tick_length + gap + line + (options.x_label.empty() ? 0 : gap + line) + pad;
  const Rect plot{pad + y_labels_width + gap + tick_length, top, options.width - 1 - pad - last_x_label / 2,
                  options.height - 1 - bottom};
  if (plot.x1 - plot.x0 < 20 || plot.y1 - plot.y0 < 20)
    throw std::invalid_argument("plot_curves: a " + std::to_string(options.width) + "x" +
                                std::to_string(options.height) + " image has no room for the plot");
  const auto to_x = [&](double x) { return plot.x0 + fraction(x_axis, x, false) * (plot.x1 - plot.x0); };
  const auto to_y = [&](double y) { return plot.y1 - fraction(y_axis, y, log) * (plot.y1 - plot.y0); };

  data::Image image(options.width, options.height, 3);
  fill_rect(image, {0, 0, image.width - 1, image.height - 1}, kBackground);
  for (double t : x_axis.ticks) {
    const int x = static_cast<int>(std::lround(to_x(t)));
    fill_rect(image, {x, plot.y0 + 1, x, plot.y1 - 1}, kGrid);
  }
  for (double t : y_axis.ticks) {
    const int y = static_cast<int>(std::lround(to_y(t)));
    fill_rect(image, {plot.x0 + 1, y, plot.x1 - 1, y}, kGrid);
  }

  // The curves, inside the frame: the raw values faint and thin under a bold moving average.
  const Rect inside{plot.x0 + 1, plot.y0 + 1, plot.x1 - 1, plot.y1 - 1};
  std::vector<float> ink(inside.area(), 0.0f);
  const auto points = [&](const Series& one, const std::vector<double>& values) {
    std::vector<Point> result;
    for (size_t j = 0; j < values.size(); ++j)
      result.push_back(std::isnan(values[j]) ? Point{kNaN, kNaN} : Point{to_x(one.steps[j]), to_y(values[j])});
    return thinned(result);
  };
  for (size_t i = 0; i < series.size(); ++i) {
    Stroke stroke(inside);
    stroke.polyline(points(series[i], raw[i]), options.smoothing > 0 ? 0.6 * scale : 0.5 + 0.5 * scale);
    stroke.paint(image, series_colour(i), options.smoothing > 0 ? 0.3 : 1.0, ink);
    if (options.smoothing > 0) {
      Stroke bold(inside);
      bold.polyline(points(series[i], smooth[i]), 0.5 + 0.75 * scale);
      bold.paint(image, series_colour(i), 1.0, ink);
    }
  }

  // Frame, ticks and their labels, the axis label and the title.
  outline_rect(image, plot, kFrame);
  for (size_t k = 0; k < x_axis.ticks.size(); ++k) {
    const int x = static_cast<int>(std::lround(to_x(x_axis.ticks[k])));
    fill_rect(image, {x, plot.y1 + 1, x, plot.y1 + tick_length}, kFrame);
    draw_text(image, x - text_width(x_axis.labels[k], scale) / 2, plot.y1 + tick_length + gap, x_axis.labels[k], kText,
              scale);
  }
  for (size_t k = 0; k < y_axis.ticks.size(); ++k) {
    const int y = static_cast<int>(std::lround(to_y(y_axis.ticks[k])));
    fill_rect(image, {plot.x0 - tick_length, y, plot.x0 - 1, y}, kFrame);
    // Centred on the cap height (7 of the glyph's 8 rows).
    draw_text(image, plot.x0 - tick_length - gap - text_width(y_axis.labels[k], scale), y - 7 * scale / 2,
              y_axis.labels[k], kText, scale);
  }
  const int centre_x = (plot.x0 + plot.x1) / 2;
  draw_text(image, centre_x - text_width(options.x_label, scale) / 2, plot.y1 + tick_length + 2 * gap + line,
            options.x_label, kText, scale);
  draw_text(image, centre_x - text_width(options.title, title_scale) / 2, pad, options.title, kText, title_scale);

  // The legend, in the corner of the plot area (upper right, upper left, lower left, lower
  // right) whose box covers the least ink of the curves.
  if (series.empty()) return image;
  const int swatch = 10 * scale, inner = 2 * gap, row = line + gap;
  int names_width = 0;
  for (const Series& one : series) names_width = std::max(names_width, text_width(one.name, scale));
  const int box_width = 2 * inner + swatch + gap + names_width;
  const int box_height = 2 * inner + static_cast<int>(series.size()) * row - gap;
  const int inset = 2 * gap;
  const int left = inside.x0 + inset, right = inside.x1 - inset - box_width + 1;
  const int upper = inside.y0 + inset, lower = inside.y1 - inset - box_height + 1;
  Rect box{right, upper, right + box_width - 1, upper + box_height - 1};
  double least = INFINITY;
  for (auto [x, y] : {std::pair{right, upper}, {left, upper}, {left, lower}, {right, lower}}) {
    const Rect candidate{x, y, x + box_width - 1, y + box_height - 1};
    double covered = 0;
    for (int py = std::max(candidate.y0, inside.y0); py <= std::min(candidate.y1, inside.y1); ++py)
      for (int px = std::max(candidate.x0, inside.x0); px <= std::min(candidate.x1, inside.x1); ++px)
        covered += ink[inside.offset(px, py)];
    if (covered < least) least = covered, box = candidate;
  }
  fill_rect(image, box, kBackground);
  outline_rect(image, box, kLegendBorder);
  for (size_t i = 0; i < series.size(); ++i) {
    const int y = box.y0 + inner + static_cast<int>(i) * row;
    fill_rect(image, {box.x0 + inner, y + 3 * scale - scale, box.x0 + inner + swatch - 1, y + 3 * scale + scale - 1},
              series_colour(i));
    draw_text(image, box.x0 + inner + swatch + gap, y, series[i].name, kText, scale);
  }
  return image;
}

}  // namespace ganforge::gan
