// Image transforms on 8-bit images, and the random augmentation of a training example.
// A pair (pix2pix A and B) gets the same random choices by sampling Augment once and
// applying it to both images.
#pragma once

#include "gan/data/image.h"
#include "gan/data/random.h"

namespace ganforge::data {

enum class Filter { Bilinear, Bicubic };

// Resampled with stb_image_resize (bilinear = triangle filter, bicubic = Catmull-Rom; both
// widen on downscaling, so a shrunk image is antialiased), edges clamped.
Image resize(const Image& image, int width, int height, Filter filter = Filter::Bilinear);
Image crop(const Image& image, int x, int y, int width, int height);
Image hflip(const Image& image);
// The image inside a black border `border` pixels wide.
Image pad(const Image& image, int border);
// Left and right halves of a side-by-side image (pix2pix's A|B); the width must be even.
Image left_half(const Image& image);
Image right_half(const Image& image);

// What augmentation does: resize to load_size x load_size (0: keep the size), add a black
// border of `pad` pixels on every side, take a crop_size x crop_size crop (0: none; random when
// training, else centred), and flip horizontally with probability 1/2 when `flip` is set.
// (CIFAR's usual augmentation, torchvision's RandomCrop(32, padding=4): pad 4, crop 32, flip.)
struct AugmentOptions {
  int load_size = 0;
  int pad = 0;
  int crop_size = 0;
  bool flip = false;
  bool random_crop = true;
  Filter filter = Filter::Bicubic;
};

// The random choices for one example, drawn once and applied to every image of it.
struct Augment {
  AugmentOptions options;
  double crop_x = 0.5, crop_y = 0.5;  // the crop's offset as a fraction of the slack
  bool flipped = false;

  static Augment sample(const AugmentOptions& options, SampleRng& rng);
  Image apply(const Image& image) const;
};

}  // namespace ganforge::data
