// The classifiers GANForge trains itself to judge generated images ([eval]): a LeNet-style
// network for MNIST and Fashion-MNIST and a small VGG-style one for CIFAR-10. Their
// penultimate features are the space of the Fréchet distance and of precision / recall, their
// class probabilities give the inception score, class coverage and label accuracy.
//
// A trained classifier is cached as <data cache>/classifiers/<data>.safetensors (the folder:
// GANFORGE_CLASSIFIER_CACHE when set) with its
// network's name, the data's fingerprint (data_fingerprint) and its test accuracy in the
// metadata, and the safetensors digests over its tensors; a cached file whose network or data
// differs from the current ones is not used (load_classifier says why).
#pragma once

#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>

#include "core/ganforge.h"
#include "nn/nn.h"

namespace ganforge::gan {

// What a classifier is for: a data set by name, its image form and its training recipe.
struct ClassifierSpec {
  std::string data;     // mnist, fashion-mnist or cifar10
  std::string network;  // the network and its version ("lenet-v1"): a cache of another is retrained
  int64_t channels = 1, side = 28, classes = 10;
  int64_t epochs = 2, batch = 128;
  double lr = 1e-3;    // decayed linearly to 0 over the run
  // SGD with Nesterov momentum 0.9 and weight decay 5e-4, its lr warmed up over the first
  // epoch; else Adam.
  bool sgd = false;
  double label_smoothing = 0;  // the target: 1 - label_smoothing on the class, the rest spread evenly
  bool augment = false;  // a black border of side/8, a random side x side crop, and horizontal flips
};

// Throws std::invalid_argument naming the data sets there are classifiers for.
ClassifierSpec classifier_spec(const std::string& data);

// images [N, C, side, side] in [-1, 1] -> features [N, F] (the penultimate layer, after its
// activation) and logits [N, classes].
class ClassifierNet : public nn::Module {
 public:
  explicit ClassifierNet(const ClassifierSpec& spec);
  Tensor forward(const Tensor& images) override;  // logits
  Tensor features(const Tensor& images);
  Tensor logits_of_features(const Tensor& features);
  std::string type_name() const override { return "ClassifierNet"; }

  const ClassifierSpec spec;
  std::shared_ptr<nn::Sequential> body, head;
};

struct Classifier {
  ClassifierSpec spec;
  std::shared_ptr<ClassifierNet> net;  // in eval mode
  double test_accuracy = 0;
  std::filesystem::path file;
};

// Per-image outputs of a classifier over many images, in batches, without gradients.
struct ClassifierOutputs {
  std::vector<float> features;       // [N, F] row-major
  std::vector<float> probabilities;  // [N, classes]
  int64_t rows = 0, feature_dim = 0, classes = 0;
};
// `images` [N, C, side, side] in [-1, 1] on any device.
ClassifierOutputs classify(Classifier& classifier, const Tensor& images, int64_t batch = 500);

// A short digest of the data set's files (names, sizes and the first 64 KiB of each): what the
// cache compares to notice that the data under a name has changed.
std::string data_fingerprint(const std::string& data);

// $GANFORGE_CLASSIFIER_CACHE/<data>.safetensors, else <data cache>/classifiers/<data>.safetensors.
std::filesystem::path classifier_cache_file(const std::string& data);

// Trains the data set's classifier from scratch on `device`, printing progress and each
// epoch's test accuracy to `out`, and caches it (replacing any cached one).
Classifier train_classifier(const std::string& data, Device device, std::ostream& out, uint64_t seed = 0);

// The cached classifier, or nullopt with `why` set when there is none usable.
std::optional<Classifier> load_classifier(const std::string& data, Device device, std::string* why = nullptr);

// The cached classifier, trained first (saying so on `out`) when none is usable.
Classifier load_or_train_classifier(const std::string& data, Device device, std::ostream& out);

}  // namespace ganforge::gan
