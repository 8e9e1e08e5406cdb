// How close generated images are to their targets (pix2pix, CycleGAN reconstructions), and how
// much a batch of generated images varies; on float images [N, C, H, W], row-major, computed in
// float64.
//
// - mean_l1: mean |output - target| over every element.
// - psnr: per image 10 log10(R^2 / MSE) for a data range R (2 for images in [-1, 1]), averaged
//   over the images. An image equal to its target has MSE 0 and a PSNR of +infinity
//   (std::numeric_limits<double>::infinity()), and so then does the mean.
// - ssim (Wang et al. 2004, "Image quality assessment: from error visibility to structural
//   similarity"): per channel, with local statistics under an 11 x 11 Gaussian window of sigma
//   1.5 (weights exp(-t^2 / 2 sigma^2), t in [-5, 5], normalised), population (co)variances and
//   C1 = (0.01 R)^2, C2 = (0.03 R)^2:
//     SSIM = (2 mu_x mu_y + C1)(2 s_xy + C2) / ((mu_x^2 + mu_y^2 + C1)(s_x^2 + s_y^2 + C2))
//   averaged over the 'valid' positions only, where the whole window lies inside the image (the
//   (H - 10) x (W - 10) centres), then over channels and images: the value of skimage's
//   structural_similarity(gaussian_weights=True, use_sample_covariance=False), which computes
//   every position and then crops the 5 pixels its boundary padding touched.
// - sample_spread: at each pixel (c, h, w), the population standard deviation across the N
//   images, averaged over the pixels. A generator that collapsed to one image gives ~0; real
//   MNIST digits in [-1, 1] give about 0.6.
#pragma once

#include <cstdint>

namespace ganforge::eval {

// count x channels x height x width floats, row-major.
struct ImageBatch {
  const float* data = nullptr;
  int64_t count = 0, channels = 0, height = 0, width = 0;
};

constexpr double kSignedUnitRange = 2.0;  // the data range of images in [-1, 1]

// output and target: the same shape, every size >= 1, finite values; data_range finite and > 0.
double mean_l1(const ImageBatch& output, const ImageBatch& target);
double psnr(const ImageBatch& output, const ImageBatch& target, double data_range = kSignedUnitRange);
// Also needs height and width >= 11, the window's size.
double ssim(const ImageBatch& output, const ImageBatch& target, double data_range = kSignedUnitRange);
// images: count >= 2, every other size >= 1, finite values.
double sample_spread(const ImageBatch& images);

}  // namespace ganforge::eval
