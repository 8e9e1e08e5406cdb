#include <gtest/gtest.h>

#include <cfloat>
#include <cmath>
#include <filesystem>
#include <limits>
#include <string>
#include <vector>

#include "gan/train/bitmap_font.h"
#include "gan/train/plot.h"

namespace ganforge::gan {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

Rgb pixel(const data::Image& image, int x, int y) { return {image.at(y, x, 0), image.at(y, x, 1), image.at(y, x, 2)}; }

int count(const data::Image& image, Rgb colour) {
  int n = 0;
  for (int y = 0; y < image.height; ++y)
    for (int x = 0; x < image.width; ++x) n += pixel(image, x, y) == colour;
  return n;
}

// The mean row of the pixels of `colour` in column x; NaN when there are none.
double mean_row(const data::Image& image, int x, Rgb colour) {
  double sum = 0;
  int n = 0;
  for (int y = 0; y < image.height; ++y)
    if (pixel(image, x, y) == colour) sum += y, ++n;
  return n ? sum / n : kNaN;
}

// Series over steps 0..n-1 with value f(step).
template <typename F>
Series series_of(const std::string& name, int n, F f) {
  Series series{name, {}, {}};
  for (int i = 0; i < n; ++i) {
    series.steps.push_back(i);
    series.values.push_back(f(i));
  }
  return series;
}

// A flat line of `colour` with a hole in its middle third: along the row that holds the
// most pixels of the colour, it is there left and right of the centre but not at it.
void expect_line_with_a_gap(const data::Image& image, Rgb colour) {
  int best_row = 0, best = 0;
  for (int y = 0; y < image.height; ++y) {
    int n = 0;
    for (int x = 0; x < image.width; ++x) n += pixel(image, x, y) == colour;
    if (n > best) best = n, best_row = y;
  }
  ASSERT_GT(best, 0) << "no pixel of the series' colour";
  int first = image.width, last = -1;
  for (int x = 0; x < image.width; ++x)
    if (pixel(image, x, best_row) == colour) first = std::min(first, x), last = std::max(last, x);
  const int middle = (first + last) / 2;
  for (int x = middle - 20; x <= middle + 20; ++x)
    EXPECT_FALSE(pixel(image, x, best_row) == colour) << "the line continues at x = " << x;
  EXPECT_LT(first, middle - 100);
  EXPECT_GT(last, middle + 100);
}

TEST(PlotCurves, HasTheRequestedSizeAndThreeChannels) {
  const Series line = series_of("loss", 10, [](int i) { return 1.0 / (i + 1); });
  for (auto [width, height] : {std::pair{800, 450}, {320, 200}, {1000, 300}}) {
    const data::Image image = plot_curves({line}, {.width = width, .height = height, .title = "losses"});
    EXPECT_EQ(image.width, width);
    EXPECT_EQ(image.height, height);
    EXPECT_EQ(image.channels, 3);
    EXPECT_EQ(image.pixels.size(), static_cast<size_t>(width) * height * 3);
    EXPECT_EQ(pixel(image, 0, 0), (Rgb{255, 255, 255}));
  }
}

TEST(PlotCurves, ARisingSeriesIsHigherOnTheRight) {
  const data::Image image = plot_curves({series_of("rising", 101, [](int i) { return 3.0 * i; })});
  const Rgb colour = series_colour(0);
  // Columns at 30% and 60% of the width, clear of the legend in either corner.
  const double left = mean_row(image, 240, colour), right = mean_row(image, 480, colour);
  ASSERT_FALSE(std::isnan(left));
  ASSERT_FALSE(std::isnan(right));
  EXPECT_LT(right, left - 50);  // rows grow downwards
}

TEST(PlotCurves, TwoSeriesGetTwoColoursEachWhereItsValuesAre) {
  const Series high = series_of("high", 20, [](int i) { return 10.0 + 0.1 * (i % 2); });
  const Series low = series_of("low", 20, [](int i) { return 1.0 - 0.1 * (i % 2); });
  const data::Image image = plot_curves({high, low});
  ASSERT_FALSE(series_colour(0) == series_colour(1));
  const double high_row = mean_row(image, 400, series_colour(0)), low_row = mean_row(image, 400, series_colour(1));
  ASSERT_FALSE(std::isnan(high_row));
  ASSERT_FALSE(std::isnan(low_row));
  EXPECT_LT(high_row, low_row - 100);
}

TEST(PlotCurves, ThePaletteHasEightDistinctColoursThatRepeat) {
  for (size_t i = 0; i < 8; ++i) {
    for (size_t j = 0; j < i; ++j) EXPECT_FALSE(series_colour(i) == series_colour(j)) << i << " " << j;
    EXPECT_EQ(series_colour(i), series_colour(i + 8));
  }
}

TEST(PlotCurves, SmoothingDrawsTheAverageBoldOverFaintRawValues) {
  // Alternating 0 and 10: its moving average over 2 points is a flat line at 5.
  const Series zigzag = series_of("zigzag", 60, [](int i) { return i % 2 ? 10.0 : 0.0; });
  const Rgb colour = series_colour(0);
  // The vertical extent of the fully coloured pixels in columns 350..449, clear of the
  // legend (the zigzag's segments are ~12 pixels wide).
  const auto extent = [&](const data::Image& image) {
    int top = image.height, bottom = -1;
    for (int y = 0; y < image.height; ++y)
      for (int x = 350; x < 450; ++x)
        if (pixel(image, x, y) == colour) top = std::min(top, y), bottom = std::max(bottom, y);
    return bottom - top;
  };
  const data::Image raw = plot_curves({zigzag});
  const data::Image smoothed = plot_curves({zigzag}, {.smoothing = 2});
  EXPECT_GT(extent(raw), 250);
  EXPECT_GE(extent(smoothed), 1);
  EXPECT_LT(extent(smoothed), 8);
  // The raw values are still there, blended towards white: lighter than the colour in red
  // and green (the blue channel of this blue is nearly white already).
  int faint = 0;
  for (int y = 0; y < smoothed.height; ++y)
    for (int x = 350; x < 450; ++x) {
      const Rgb p = pixel(smoothed, x, y);
      faint += p.r > colour.r + 20 && p.g > colour.g + 20 && p.r < 255 && p.b >= colour.b;
    }
  EXPECT_GT(faint, 1000);
}

TEST(PlotCurves, DenseSeriesKeepTheirExtremesInEveryColumn) {
  // 100000 points, ~140 per pixel column, mostly 5 with a 0 and a 10 every 7 points:
  // every column of the plot spans 0 to 10, however the points are thinned for drawing.
  const data::Image image = plot_curves(
      {series_of("dense", 100000, [](int i) { return i % 7 == 3 ? 0.0 : (i % 7 == 5 ? 10.0 : 5.0); })});
  const Rgb colour = series_colour(0);
  for (int x = 250; x < 550; ++x) {
    int top = image.height, bottom = -1;
    for (int y = 0; y < image.height; ++y)
      if (pixel(image, x, y) == colour) top = std::min(top, y), bottom = std::max(bottom, y);
    ASSERT_GT(bottom - top, 250) << "column " << x;
  }
}

TEST(PlotCurves, TheLegendShowsTheNamesWhereTheCurvesAreNot) {
  // Rising from the lower left to the upper right: the legend's first choice, the upper
  // right corner, is covered, the upper left is free.
  const auto rising = [](const std::string& name) { return series_of(name, 50, [](int i) { return 1.0 * i; }); };
  const data::Image short_name = plot_curves({rising("G")});
  const data::Image long_name = plot_curves({rising("generator loss")});
  int x0 = long_name.width, y0 = long_name.height, x1 = -1, y1 = -1, dark = 0;
  for (int y = 0; y < long_name.height; ++y)
    for (int x = 0; x < long_name.width; ++x) {
      if (pixel(short_name, x, y) == pixel(long_name, x, y)) continue;
      x0 = std::min(x0, x), y0 = std::min(y0, y), x1 = std::max(x1, x), y1 = std::max(y1, y);
      const Rgb p = pixel(long_name, x, y);
      dark += p.r < 100 && p.r == p.g && p.g == p.b;
    }
  EXPECT_GT(dark, 13 * 20) << "the text of 13 more characters";
  EXPECT_LT(x1, long_name.width / 2);
  EXPECT_LT(y1, long_name.height / 3);
  EXPECT_GT(x0, 40);  // inside the plot area, right of the y labels
  EXPECT_GT(y0, 10);
}

TEST(PlotCurves, NonFiniteValuesAndStepsLeaveAGap) {
  Series series = series_of("gappy", 41, [](int) { return 5.0; });
  for (int i = 15; i <= 25; ++i) series.values[i] = i % 3 == 0 ? kInf : kNaN;
  series.steps[20] = kNaN;
  expect_line_with_a_gap(plot_curves({series}), series_colour(0));
  expect_line_with_a_gap(plot_curves({series}, {.smoothing = 1}), series_colour(0));
}

TEST(PlotCurves, LogScaleSkipsValuesThatAreNotPositive) {
  Series series = series_of("log", 41, [](int) { return 5.0; });
  for (int i = 15; i <= 25; ++i) series.values[i] = i % 2 ? 0.0 : -3.0;
  expect_line_with_a_gap(plot_curves({series}, {.log_y = true}), series_colour(0));
  expect_line_with_a_gap(plot_curves({series}, {.smoothing = 3, .log_y = true}), series_colour(0));
}

TEST(PlotCurves, EmptyInputsAndSinglePointsGiveValidImages) {
  for (const data::Image& image : {plot_curves({}), plot_curves({}, {.log_y = true}),
                                   plot_curves({Series{"empty", {}, {}}}, {.smoothing = 5}),
                                   plot_curves({Series{"all NaN", {0, 1, 2}, {kNaN, kNaN, kNaN}}})}) {
    EXPECT_EQ(image.width, 800);
    EXPECT_EQ(image.height, 450);
    EXPECT_GT(count(image, {255, 255, 255}), 800 * 450 / 2);
  }
  // A single point is a dot in the middle of the plot (its ranges centred on it).
  const data::Image dot = plot_curves({Series{"one", {7}, {0.25}}});
  int near_centre = 0;
  for (int y = 150; y < 300; ++y)
    for (int x = 300; x < 500; ++x) near_centre += pixel(dot, x, y) == series_colour(0);
  EXPECT_GT(near_centre, 4);
}

TEST(PlotCurves, AConstantSeriesIsAFlatLineMidway) {
  const data::Image image = plot_curves({series_of("flat", 30, [](int) { return 0.693; })});
  const double row = mean_row(image, 400, series_colour(0));
  EXPECT_GT(row, 450 / 3.0);
  EXPECT_LT(row, 450 * 2 / 3.0);
  const Axis axis = linear_axis(0.693, 0.693);
  EXPECT_LT(axis.lo, 0.693);
  EXPECT_GT(axis.hi, 0.693);
  EXPECT_GE(axis.ticks.size(), 4u);
  const Axis subnormal = linear_axis(5e-324, 5e-324);
  EXPECT_LT(subnormal.lo, subnormal.hi);
  EXPECT_GT(count(plot_curves({Series{"tiny", {0, 1}, {5e-324, 5e-324}}}), series_colour(0)), 100);
}

TEST(PlotCurves, RangesAsWideAsTheDoublesAreDrawn) {
  const Series huge{"huge", {0, 1, 2, 3}, {-DBL_MAX, DBL_MAX, -1e300, 1e-300}};
  const data::Image image = plot_curves({huge}, {.smoothing = 2});
  EXPECT_GT(count(image, series_colour(0)), 200);
  const Series steps{"steps", {-1e308, 1e308}, {1, 2}};
  EXPECT_GT(count(plot_curves({steps}), series_colour(0)), 200);
  const Series decades = series_of("decades", 100, [](int i) { return std::pow(10.0, -300 + 6 * i); });
  EXPECT_GT(count(plot_curves({decades}, {.log_y = true}), series_colour(0)), 200);
}

TEST(PlotCurves, RejectsInconsistentInputs) {
  EXPECT_THROW(plot_curves({Series{"short", {0, 1, 2}, {1, 2}}}), std::invalid_argument);
  EXPECT_THROW(plot_curves({}, {.smoothing = -1}), std::invalid_argument);
  EXPECT_THROW(plot_curves({}, {.width = 60, .height = 40}), std::invalid_argument);
}

TEST(PlotCurves, WritesAReadableSamplePng) {
  // Two noisy GAN-like losses, kept in the test temp dir to be looked at.
  uint32_t state = 12345;
  const auto noise = [&] {
    state = state * 1664525u + 1013904223u;
    return (state >> 8) / double(1 << 24) - 0.5;
  };
  const Series d = series_of("loss_D", 1000, [&](int i) { return 1.4 * std::exp(-i / 300.0) + 0.5 + 0.4 * noise(); });
  const Series g = series_of("loss_G", 1000, [&](int i) { return 0.7 + 2 * (1 - std::exp(-i / 200.0)) + 0.8 * noise(); });
  const data::Image image = plot_curves({d, g}, {.title = "DCGAN losses", .smoothing = 25});
  const std::filesystem::path path = std::filesystem::path(::testing::TempDir()) / "ganforge_plot_sample.png";
  data::write_png(path, image);
  const data::Image back = data::read_image(path);
  EXPECT_EQ(back.pixels, image.pixels);
  std::cout << "sample plot: " << path.string() << "\n";
}

// linear_axis over ranges of every size and position: 4 to 6 ticks, one 1/2/5 x 10^k step
// apart, covering the range, and labels that read back as the ticks.
TEST(Axes, LinearTicksAreFourToSixNiceStepsCoveringTheRange) {
  uint32_t state = 7;
  const auto uniform = [&] {
    state = state * 1664525u + 1013904223u;
    return (state >> 8) / double(1 << 24);
  };
  for (int trial = 0; trial < 3000; ++trial) {
    const double width = std::pow(10.0, -8 + 16 * uniform());
    const double lo = (uniform() - 0.6) * width * std::pow(10.0, 4 * uniform());
    const double hi = lo + width;
    const Axis axis = linear_axis(lo, hi);
    SCOPED_TRACE("range [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
    ASSERT_GE(axis.ticks.size(), 4u);
    ASSERT_LE(axis.ticks.size(), 6u);
    ASSERT_EQ(axis.labels.size(), axis.ticks.size());
    EXPECT_LE(axis.lo, lo);
    EXPECT_GE(axis.hi, hi);
    const double step = axis.ticks[1] - axis.ticks[0];
    const double mantissa = step / std::pow(10.0, std::floor(std::log10(step) + 1e-9));
    EXPECT_TRUE(std::fabs(mantissa - 1) < 1e-6 || std::fabs(mantissa - 2) < 1e-6 || std::fabs(mantissa - 5) < 1e-6)
        << "step " << step;
    for (size_t k = 0; k < axis.ticks.size(); ++k) {
      EXPECT_GE(axis.ticks[k], axis.lo - step * 1e-6);
      EXPECT_LE(axis.ticks[k], axis.hi + step * 1e-6);
      EXPECT_NEAR(axis.ticks[k] / step, std::round(axis.ticks[k] / step), 1e-6);
      if (k > 0) {
        EXPECT_NEAR(axis.ticks[k] - axis.ticks[k - 1], step, step * 1e-6);
      }
      EXPECT_NEAR(std::stod(axis.labels[k]), axis.ticks[k], step * 1e-3) << axis.labels[k];
    }
  }
}

TEST(Axes, LabelsUseTheDigitsTheStepNeeds) {
  EXPECT_EQ(linear_axis(0, 1000).labels, (std::vector<std::string>{"0", "200", "400", "600", "800", "1000"}));
  EXPECT_EQ(linear_axis(0, 1).labels, (std::vector<std::string>{"0.0", "0.2", "0.4", "0.6", "0.8", "1.0"}));
  EXPECT_EQ(linear_axis(-0.3, 0.25).labels, (std::vector<std::string>{"-0.3", "-0.2", "-0.1", "0.0", "0.1", "0.2"}));
  EXPECT_EQ(linear_axis(0, 5e6).labels, (std::vector<std::string>{"0", "1e6", "2e6", "3e6", "4e6", "5e6"}));
  EXPECT_EQ(linear_axis(1e-4, 2.5e-4).labels, (std::vector<std::string>{"1e-4", "1.5e-4", "2e-4", "2.5e-4"}));
}

TEST(Axes, LogTicks) {
  const Axis one_decade = log_axis(1, 10);
  EXPECT_EQ(one_decade.labels, (std::vector<std::string>{"1", "2", "5", "10"}));
  const Axis ten_decades = log_axis(1e-5, 1e5);
  EXPECT_EQ(ten_decades.labels, (std::vector<std::string>{"1e-4", "1e-2", "1e0", "1e2", "1e4"}));
  const Axis narrow = log_axis(0.5, 3);  // under a decade: linear ticks, all positive
  EXPECT_EQ(narrow.labels, (std::vector<std::string>{"0.5", "1.0", "1.5", "2.0", "2.5", "3.0"}));
  const Axis constant = log_axis(2, 2);
  EXPECT_LT(constant.lo, 2);
  EXPECT_GT(constant.hi, 2);
  EXPECT_GE(constant.ticks.size(), 3u);
  const Axis all = log_axis(1e-300, 1e300);
  EXPECT_GE(all.ticks.size(), 3u);
  EXPECT_LE(all.ticks.size(), 6u);
  for (const Axis& axis : {one_decade, ten_decades, narrow, constant, all})
    for (double t : axis.ticks) {
      EXPECT_GT(t, 0);
      EXPECT_GE(t, axis.lo * (1 - 1e-9));
      EXPECT_LE(t, axis.hi * (1 + 1e-9));
    }
  EXPECT_THROW(log_axis(0, 1), std::invalid_argument);
  EXPECT_THROW(linear_axis(2, 1), std::invalid_argument);
}

// A glyph as the test spells it: 8 rows of 5 columns, '#' for a set pixel.
Glyph spelled(const std::vector<std::string>& rows) {
  Glyph glyph{};
  for (size_t r = 0; r < rows.size(); ++r)
    for (int c = 0; c < kGlyphWidth; ++c)
      if (rows[r][c] == '#') glyph[r] |= static_cast<uint8_t>(0x10 >> c);
  return glyph;
}

TEST(BitmapFont, GlyphsMatchTheirBitmaps) {
  EXPECT_EQ(glyph('A'), spelled({".###.", "#...#", "#...#", "#####", "#...#", "#...#", "#...#", "....."}));
  EXPECT_EQ(glyph('0'), spelled({".###.", "#...#", "#..##", "#.#.#", "##..#", "#...#", ".###.", "....."}));
  EXPECT_EQ(glyph('g'), spelled({".....", ".....", ".####", "#...#", "#...#", ".####", "....#", ".###."}));
  EXPECT_EQ(glyph('e'), spelled({".....", ".....", ".###.", "#...#", "#####", "#....", ".###.", "....."}));
  EXPECT_EQ(glyph('.'), spelled({".....", ".....", ".....", ".....", ".....", ".##..", ".##..", "....."}));
  EXPECT_EQ(glyph(' '), Glyph{});
  EXPECT_EQ(glyph('\x7f'), glyph('?'));
  EXPECT_EQ(glyph('\n'), glyph('?'));
  EXPECT_EQ(glyph(static_cast<char>(0xE9)), glyph('?'));
}

TEST(BitmapFont, EveryPrintableCharacterHasItsOwnGlyphWithinFiveColumns) {
  for (int c = 33; c < 127; ++c) {
    const Glyph& g = glyph(static_cast<char>(c));
    bool any = false;
    for (uint8_t row : g) {
      EXPECT_EQ(row & ~0x1F, 0) << "'" << static_cast<char>(c) << "' is wider than 5 columns";
      any = any || row;
    }
    EXPECT_TRUE(any) << "'" << static_cast<char>(c) << "' is blank";
    for (int d = 32; d < c; ++d)
      EXPECT_NE(g, glyph(static_cast<char>(d))) << "'" << static_cast<char>(c) << "' looks like '" << static_cast<char>(d) << "'";
  }
}

TEST(BitmapFont, DrawTextScalesEachFontPixelToABlockAndClips) {
  data::Image image(40, 30, 3);
  const Rgb ink{10, 20, 30};
  draw_text(image, 3, 2, "A1", ink, 2);
  for (int y = 0; y < image.height; ++y)
    for (int x = 0; x < image.width; ++x) {
      bool set = false;
      for (int i = 0; i < 2; ++i) {  // the characters at x = 3 and 3 + 6 * 2
        const int col = (x - 3 - i * kGlyphAdvance * 2) / 2, row = (y - 2) / 2;
        if (x - 3 - i * kGlyphAdvance * 2 >= 0 && y >= 2 && col < kGlyphWidth && row < kGlyphHeight)
          set = set || (glyph("A1"[i])[row] & (0x10 >> col));
      }
      EXPECT_EQ(pixel(image, x, y), set ? ink : Rgb{}) << x << ", " << y;
    }
  EXPECT_EQ(text_width("A1", 2), 22);
  EXPECT_EQ(text_width("", 3), 0);
  EXPECT_EQ(text_height(2), 16);
  data::Image corner(10, 10, 3);
  draw_text(corner, -3, 8, "#", ink);  // row 0 is .#.#.: columns -2 and 0, rows 8 and 9 only
  EXPECT_EQ(count(corner, ink), 2);
  EXPECT_EQ(pixel(corner, 0, 8), ink);
  EXPECT_EQ(pixel(corner, 0, 9), ink);
}

}  // namespace
}  // namespace ganforge::gan
