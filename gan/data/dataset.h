// The data set interface the DataLoader draws from: a size and a thread-safe get().
#pragma once

#include <cstdint>
#include <vector>

#include "gan/data/image.h"
#include "gan/data/random.h"

namespace ganforge::data {

// One example: one image (class data sets, MNIST, CIFAR) or two (A and B of a paired or
// unpaired set), and a class label (-1 where there is none).
struct Example {
  std::vector<Image> images;
  int64_t label = -1;
};

enum class Split { Train, Test };

class Dataset {
 public:
  virtual ~Dataset() = default;
  virtual int64_t size() const = 0;
  // Safe to call from several threads at once. `rng` carries this example's random
  // choices (augmentation, the unpaired B image), so a call is a function of its arguments.
  virtual Example get(int64_t index, SampleRng& rng) const = 0;
};

}  // namespace ganforge::data
