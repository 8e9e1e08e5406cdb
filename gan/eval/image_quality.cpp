#include "gan/eval/image_quality.h"

#include <Eigen/Core>
#include <array>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "gan/eval/checks.h"

namespace ganforge::eval {
namespace {

constexpr int kWindowRadius = 5;  // 11 x 11: skimage's size for sigma 1.5 (truncate 3.5)
constexpr int kWindow = 2 * kWindowRadius + 1;
constexpr double kWindowSigma = 1.5, kK1 = 0.01, kK2 = 0.03;

std::string shape_text(const ImageBatch& images) {
  // Appended piece by piece: GCC 12 warns falsely (-Wrestrict) on "literal" + std::string&& here.
  std::string text = "[";
  for (const int64_t size : {images.count, images.channels, images.height, images.width})
    text.append(text.size() > 1 ? ", " : "").append(std::to_string(size));
  return text.append("]");
}

void check_images(const std::string& function, const std::string& name, const ImageBatch& images, int64_t min_count = 1,
                  int64_t min_side = 1) {
  if (images.count < min_count || images.channels < 1 || images.height < min_side || images.width < min_side)
    detail::fail(function, name + " must be [N, C, H, W] with N >= " + std::to_string(min_count) +
                               ", C >= 1, H and W >= " + std::to_string(min_side) + "; got " + shape_text(images));
  if (images.data == nullptr) detail::fail(function, name + " has a null data pointer");
  const int64_t elements = images.count * images.channels * images.height * images.width;
  for (int64_t i = 0; i < elements; ++i)
    if (!std::isfinite(images.data[i]))
      detail::fail(function, name + " must hold finite values; element " + std::to_string(i) + " is " +
                                 std::to_string(images.data[i]));
}

void check_pair(const std::string& function, const ImageBatch& output, const ImageBatch& target, int64_t min_side = 1) {
  check_images(function, "output", output, 1, min_side);
  check_images(function, "target", target, 1, min_side);
  if (output.count != target.count || output.channels != target.channels || output.height != target.height ||
      output.width != target.width)
    detail::fail(function,
                 "target must have the shape of output " + shape_text(output) + "; got " + shape_text(target));
}

void check_range(const std::string& function, double data_range) {
  if (!(std::isfinite(data_range) && data_range > 0))
    detail::fail(function,
                 "data_range must be finite and positive (2 for images in [-1, 1]); got " + std::to_string(data_range));
}

using Plane = Eigen::MatrixXd;  // one channel of one image, height x width
using PlaneMap = Eigen::Map<const Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>;

std::array<double, kWindow> gaussian_window() {
  std::array<double, kWindow> weights{};
  double sum = 0;
  for (int t = -kWindowRadius; t <= kWindowRadius; ++t)
    sum += weights[t + kWindowRadius] = std::exp(-0.5 * t * t / (kWindowSigma * kWindowSigma));
  for (double& weight : weights) weight /= sum;
  return weights;
}

// The window's weighted mean at each valid position: (H - 10) x (W - 10), separable.
Plane filter_valid(const Plane& plane, const std::array<double, kWindow>& weights) {
  const Eigen::Index rows = plane.rows() - 2 * kWindowRadius, cols = plane.cols() - 2 * kWindowRadius;
  Plane across = Plane::Zero(plane.rows(), cols);
  for (int t = 0; t < kWindow; ++t) across += weights[t] * plane.middleCols(t, cols);
  Plane filtered = Plane::Zero(rows, cols);
  for (int t = 0; t < kWindow; ++t) filtered += weights[t] * across.middleRows(t, rows);
  return filtered;
}

double plane_ssim(const Plane& x, const Plane& y, double data_range, const std::array<double, kWindow>& weights) {
  const double c1 = (kK1 * data_range) * (kK1 * data_range), c2 = (kK2 * data_range) * (kK2 * data_range);
  const Plane mu_x = filter_valid(x, weights), mu_y = filter_valid(y, weights);
  const Plane xx = filter_valid(x.cwiseProduct(x), weights), yy = filter_valid(y.cwiseProduct(y), weights);
  const Plane xy = filter_valid(x.cwiseProduct(y), weights);
  const Eigen::ArrayXXd var_x = (xx - mu_x.cwiseProduct(mu_x)).array(), var_y = (yy - mu_y.cwiseProduct(mu_y)).array();
  const Eigen::ArrayXXd cov_xy = (xy - mu_x.cwiseProduct(mu_y)).array();
  const Eigen::ArrayXXd mx = mu_x.array(), my = mu_y.array();
  const Eigen::ArrayXXd map =
      ((2 * mx * my + c1) * (2 * cov_xy + c2)) / ((mx * mx + my * my + c1) * (var_x + var_y + c2));
  return map.mean();
}

}  // namespace

double mean_l1(const ImageBatch& output, const ImageBatch& target) {
  check_pair("mean_l1", output, target);
  const int64_t elements = output.count * output.channels * output.height * output.width;
  double sum = 0;
  for (int64_t i = 0; i < elements; ++i)
    sum += std::abs(static_cast<double>(output.data[i]) - static_cast<double>(target.data[i]));
  return sum / static_cast<double>(elements);
}

double psnr(const ImageBatch& output, const ImageBatch& target, double data_range) {
  check_range("psnr", data_range);
  check_pair("psnr", output, target);
  const int64_t per_image = output.channels * output.height * output.width;
  double sum = 0;
  for (int64_t n = 0; n < output.count; ++n) {
    double squared_error = 0;
    for (int64_t i = n * per_image; i < (n + 1) * per_image; ++i) {
      const double difference = static_cast<double>(output.data[i]) - static_cast<double>(target.data[i]);
      squared_error += difference * difference;
    }
    if (squared_error == 0) return std::numeric_limits<double>::infinity();
    sum += 10.0 * std::log10(data_range * data_range / (squared_error / static_cast<double>(per_image)));
  }
  return sum / static_cast<double>(output.count);
}

double ssim(const ImageBatch& output, const ImageBatch& target, double data_range) {
  check_range("ssim", data_range);
  check_pair("ssim", output, target, kWindow);
  const std::array<double, kWindow> weights = gaussian_window();
  const int64_t plane_size = output.height * output.width;
  double sum = 0;
  for (int64_t plane = 0; plane < output.count * output.channels; ++plane) {
    const Plane x = PlaneMap(output.data + plane * plane_size, output.height, output.width).cast<double>();
    const Plane y = PlaneMap(target.data + plane * plane_size, target.height, target.width).cast<double>();
    sum += plane_ssim(x, y, data_range, weights);
  }
  return sum / static_cast<double>(output.count * output.channels);
}

double sample_spread(const ImageBatch& images) {
  check_images("sample_spread", "images", images, 2);
  const int64_t pixels = images.channels * images.height * images.width;
  std::vector<double> mean(pixels, 0.0), squared_deviation(pixels, 0.0);
  for (int64_t n = 0; n < images.count; ++n)
    for (int64_t p = 0; p < pixels; ++p) mean[p] += images.data[n * pixels + p];
  for (double& value : mean) value /= static_cast<double>(images.count);
  for (int64_t n = 0; n < images.count; ++n)
    for (int64_t p = 0; p < pixels; ++p) {
      const double deviation = images.data[n * pixels + p] - mean[p];
      squared_deviation[p] += deviation * deviation;
    }
  double spread = 0;
  for (double value : squared_deviation) spread += std::sqrt(value / static_cast<double>(images.count));
  return spread / static_cast<double>(pixels);
}

}  // namespace ganforge::eval
