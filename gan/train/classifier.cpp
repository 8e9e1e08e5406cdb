#include "gan/train/classifier.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstdio>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "gan/data/loader.h"
#include "gan/data/locations.h"
#include "gan/train/data_source.h"
#include "nn/xxhash.h"

namespace fs = std::filesystem;

namespace ganforge::gan {
namespace {

void conv_bn_relu(nn::Sequential& layers, int64_t in, int64_t out, int64_t kernel, int64_t stride, int64_t padding) {
  layers.push_back(nn::make<nn::Conv2d>(in, out, kernel, nn::Conv2dOptions{.stride = stride, .padding = padding, .bias = false}));
  layers.push_back(nn::make<nn::BatchNorm2d>(out));
  layers.push_back(nn::make<nn::ReLU>());
}

// Global average pooling: [N, C, H, W] -> [N, C].
class GlobalAveragePool : public nn::Module {
 public:
  Tensor forward(const Tensor& x) override { return x.mean({2, 3}); }
  std::string type_name() const override { return "GlobalAveragePool"; }
};

// Puts the default random generator back as it was when the scope ends: classifiers are
// built and trained inside a GAN's training run (--eval-every), which must follow the same
// random stream as a run that is not evaluated.
class DefaultGeneratorKept {
 public:
  DefaultGeneratorKept() : saved_(default_generator()) {}
  ~DefaultGeneratorKept() { default_generator().set_state(saved_.seed(), saved_.offset()); }
  DefaultGeneratorKept(const DefaultGeneratorKept&) = delete;
  DefaultGeneratorKept& operator=(const DefaultGeneratorKept&) = delete;

 private:
  const Generator saved_;
};

std::string hex64(uint64_t value) {
  std::ostringstream s;
  s << std::hex << std::setw(16) << std::setfill('0') << value;
  return s.str();
}

// The data set's folders: IDX folders for MNIST-like sets, CIFAR-10's binary batches or both
// class-folder splits.
std::vector<fs::path> data_folders(const std::string& data) {
  const fs::path root = locate_data(data);
  if (data == "cifar10" && root.filename() == "train") return {root, root.parent_path() / "test"};
  return {root};
}

double test_accuracy(ClassifierNet& net, std::shared_ptr<const data::Dataset> test, Device device) {
  data::DataLoader loader(std::move(test), {.batch_size = 500, .shuffle = false, .workers = 2});
  data::DataLoader::Epoch batches = loader.epoch(0);
  int64_t correct = 0, total = 0;
  NoGradGuard no_grad;
  net.eval();
  while (std::optional<data::Batch> batch = batches.next()) {
    const std::vector<int64_t> predicted = net(batch->images[0].to(device)).argmax(1).to(Device{}).to_vector<int64_t>();
    const std::vector<int64_t> labels = batch->labels.to_vector<int64_t>();
    for (size_t i = 0; i < labels.size(); ++i) correct += predicted[i] == labels[i];
    total += static_cast<int64_t>(labels.size());
  }
  net.train();
  return total > 0 ? static_cast<double>(correct) / static_cast<double>(total) : 0;
}

std::string percent(double fraction) {
  std::ostringstream s;
  s << std::fixed << std::setprecision(2) << 100 * fraction << "%";
  return s.str();
}

}  // namespace

ClassifierSpec classifier_spec(const std::string& data) {
  if (data == "mnist" || data == "fashion-mnist")
    return {.data = data, .network = "lenet-bn-v1", .channels = 1, .side = 28, .epochs = data == "mnist" ? 2 : 6};
  if (data == "cifar10")
    return {.data = data, .network = "vgg-small-v2", .channels = 3, .side = 32, .epochs = 12, .batch = 128, .lr = 0.1,
            .sgd = true, .label_smoothing = 0.1,
            .augment = true};
  throw std::invalid_argument("classifier: no classifier for data set '" + data + "'; expected mnist, fashion-mnist or cifar10");
}

// LeNet-style (MNIST, Fashion-MNIST): 5x5 conv 32 at 28x28, then 4x4 stride-2 convs to 64 at
// 14x14 and 128 at 7x7 (strided convolutions in place of LeNet's pooling), each with batch
// norm and ReLU; then Linear 6272 -> 128 ReLU (the features) and Linear 128 -> 10.
// VGG-style (CIFAR-10): 3x3 convs 32 | 64 s2, 64 | 128 s2, 128 | 256 s2, 256, each with batch
// norm and ReLU, global average pooling (256 features) and Linear 256 -> 10.
ClassifierNet::ClassifierNet(const ClassifierSpec& s)
    : spec(s), body(register_module("body", nn::make<nn::Sequential>())), head(register_module("head", nn::make<nn::Sequential>())) {
  if (s.side == 28) {
    conv_bn_relu(*body, s.channels, 32, 5, 1, 2);
    conv_bn_relu(*body, 32, 64, 4, 2, 1);
    conv_bn_relu(*body, 64, 128, 4, 2, 1);
    body->push_back(nn::make<nn::Flatten>());
    body->push_back(nn::make<nn::Linear>(128 * 7 * 7, 128));
    body->push_back(nn::make<nn::ReLU>());
    head->push_back(nn::make<nn::Dropout>(0.3));
    head->push_back(nn::make<nn::Linear>(128, s.classes));
  } else {
    int64_t width = s.channels;
    for (int64_t next : {32, 64, 128, 256}) {
      if (width != s.channels) conv_bn_relu(*body, width, next, 3, 2, 1);
      conv_bn_relu(*body, width != s.channels ? next : width, next, 3, 1, 1);
      width = next;
    }
    body->push_back(nn::make<GlobalAveragePool>());
    head->push_back(nn::make<nn::Linear>(width, s.classes));
  }
}

Tensor ClassifierNet::features(const Tensor& images) {
  if (images.dim() != 4 || images.size(1) != spec.channels || images.size(2) != spec.side || images.size(3) != spec.side)
    throw std::invalid_argument("classifier for " + spec.data + ": expected images [N, " + std::to_string(spec.channels) +
                                ", " + std::to_string(spec.side) + ", " + std::to_string(spec.side) + "], got " +
                                shape_str(images.shape()));
  return (*body)(images);
}

Tensor ClassifierNet::logits_of_features(const Tensor& features) { return (*head)(features); }

Tensor ClassifierNet::forward(const Tensor& images) { return logits_of_features(features(images)); }

ClassifierOutputs classify(Classifier& classifier, const Tensor& images, int64_t batch) {
  ClassifierOutputs out;
  out.rows = images.size(0);
  out.classes = classifier.spec.classes;
  NoGradGuard no_grad;
  classifier.net->eval();
  for (int64_t first = 0; first < out.rows; first += batch) {
    const Tensor x = images.narrow(0, first, std::min(batch, out.rows - first)).to(classifier.net->body->parameters()[0].device());
    const Tensor features = classifier.net->features(x);
    const Tensor probabilities = softmax(classifier.net->logits_of_features(features), 1);
    out.feature_dim = features.size(1);
    const std::vector<float> f = features.to(Device{}).contiguous().to_vector<float>();
    const std::vector<float> p = probabilities.to(Device{}).contiguous().to_vector<float>();
    out.features.insert(out.features.end(), f.begin(), f.end());
    out.probabilities.insert(out.probabilities.end(), p.begin(), p.end());
  }
  return out;
}

std::string data_fingerprint(const std::string& data) {
  XXH3_state_t* state = XXH3_createState();
  XXH3_64bits_reset(state);
  for (const fs::path& folder : data_folders(data)) {
    std::vector<fs::path> files;
    for (const fs::directory_entry& entry : fs::recursive_directory_iterator(folder))
      if (entry.is_regular_file()) files.push_back(entry.path());
    std::sort(files.begin(), files.end());
    for (const fs::path& file : files) {
      const std::string name = fs::relative(file, folder).string();
      const uint64_t size = fs::file_size(file);
      std::string head(std::min<uint64_t>(size, 64 << 10), '\0');
      std::ifstream in(file, std::ios::binary);
      if (!in.read(head.data(), static_cast<std::streamsize>(head.size())))
        throw std::runtime_error("classifier: cannot read " + file.string() + " for the data fingerprint");
      XXH3_64bits_update(state, name.data(), name.size() + 1);
      XXH3_64bits_update(state, &size, sizeof size);
      XXH3_64bits_update(state, head.data(), head.size());
    }
  }
  const uint64_t digest = XXH3_64bits_digest(state);
  XXH3_freeState(state);
  return hex64(digest);
}

fs::path classifier_cache_file(const std::string& data) {
  const char* folder = std::getenv("GANFORGE_CLASSIFIER_CACHE");
  return (folder != nullptr && *folder != '\0' ? fs::path(folder) : data::cache_dir() / "classifiers") /
         (classifier_spec(data).data + ".safetensors");
}

Classifier train_classifier(const std::string& data, Device device, std::ostream& out, uint64_t seed) {
  const ClassifierSpec spec = classifier_spec(data);
  const data::AugmentOptions augment =
      spec.augment ? data::AugmentOptions{.pad = static_cast<int>(spec.side / 8), .crop_size = static_cast<int>(spec.side), .flip = true}
                   : data::AugmentOptions{};
  const DataSource train = open_labelled_split(data, data::Split::Train, augment);
  const DataSource test = open_labelled_split(data, data::Split::Test);
  const std::string fingerprint = data_fingerprint(data);

  const DefaultGeneratorKept kept;
  manual_seed(seed);
  auto net = std::make_shared<ClassifierNet>(spec);
  net->to(device);
  std::unique_ptr<nn::Optimizer> optimizer;
  if (spec.sgd)
    optimizer = std::make_unique<nn::SGD>(net->parameters(),
                                          nn::SgdOptions{.lr = spec.lr, .momentum = 0.9, .weight_decay = 5e-4, .nesterov = true});
  else
    optimizer = std::make_unique<nn::Adam>(net->parameters(), nn::AdamOptions{.lr = spec.lr});
  data::DataLoader loader(train.train, {.batch_size = spec.batch, .shuffle = true, .drop_last = true, .seed = seed, .workers = 2});
  const int64_t per_epoch = loader.batches_per_epoch(), total = per_epoch * spec.epochs;
  out << "training the " << data << " classifier (" << spec.network << ", " << net->num_parameters() << " parameters) on "
      << train.description << ": " << spec.epochs << " epochs of " << per_epoch << " steps, batch " << spec.batch << "\n"
      << std::flush;
  const auto start = std::chrono::steady_clock::now();
  double accuracy = 0;
  int64_t step = 0;
  for (int64_t epoch = 0; epoch < spec.epochs; ++epoch) {
    data::DataLoader::Epoch batches = loader.epoch(static_cast<uint64_t>(epoch));
    double loss_sum = 0;
    int64_t correct = 0, seen = 0;
    while (std::optional<data::Batch> batch = batches.next()) {
      const double warmup = spec.sgd ? std::min(1.0, static_cast<double>(step + 1) / static_cast<double>(per_epoch)) : 1;
      optimizer->set_lr(0, spec.lr * warmup * (1 - static_cast<double>(step) / static_cast<double>(total)));
      const Tensor labels = batch->labels.to(device);
      const Tensor logits = (*net)(batch->images[0].to(device));
      Tensor loss = cross_entropy(logits, labels);
      // Label smoothing: the cross-entropy against 1 - e on the class and e / C on every class,
      // (1 - e)·CE(y) + e·mean over classes of -log p.
      if (spec.label_smoothing > 0)
        loss = loss * (1 - spec.label_smoothing) - log_softmax(logits, 1).mean() * spec.label_smoothing;
      optimizer->zero_grad();
      loss.backward();
      optimizer->step();
      ++step;
      loss_sum += loss.item<float>();
      const std::vector<int64_t> predicted = logits.argmax(1).to(Device{}).to_vector<int64_t>();
      const std::vector<int64_t> truth = batch->labels.to_vector<int64_t>();
      for (size_t i = 0; i < truth.size(); ++i) correct += predicted[i] == truth[i];
      seen += static_cast<int64_t>(truth.size());
      if (step % std::max<int64_t>(per_epoch / 4, 1) == 0 || step == total) {
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        out << "  epoch " << epoch + 1 << "/" << spec.epochs << "  step " << step << "/" << total << "  loss "
            << std::fixed << std::setprecision(4) << loss_sum / static_cast<double>(step - epoch * per_epoch)
            << "  train accuracy " << percent(static_cast<double>(correct) / static_cast<double>(seen)) << "  "
            << std::setprecision(0) << static_cast<double>(step * spec.batch) / seconds << " img/s\n"
            << std::defaultfloat << std::flush;
      }
    }
    accuracy = test_accuracy(*net, test.train, device);
    out << "  epoch " << epoch + 1 << " test accuracy " << percent(accuracy) << "\n" << std::flush;
  }
  net->eval();

  const fs::path file = classifier_cache_file(data);
  fs::create_directories(file.parent_path());
  std::ostringstream accuracy_text;
  accuracy_text << std::setprecision(6) << accuracy;
  nn::save_safetensors(file.string(), net->state_dict(),
                       {{"network", spec.network}, {"data", data}, {"data_fingerprint", fingerprint},
                        {"test_accuracy", accuracy_text.str()}, {"epochs", std::to_string(spec.epochs)},
                        {"seed", std::to_string(seed)}});
  out << "classifier for " << data << ": test accuracy " << percent(accuracy) << ", saved to " << file.string() << "\n";
  return {spec, net, accuracy, file};
}

std::optional<Classifier> load_classifier(const std::string& data, Device device, std::string* why) {
  const ClassifierSpec spec = classifier_spec(data);
  const fs::path file = classifier_cache_file(data);
  auto refuse = [&](const std::string& reason) -> std::optional<Classifier> {
    if (why != nullptr) *why = reason;
    return std::nullopt;
  };
  if (!fs::exists(file)) return refuse("no classifier for " + data + " at " + file.string());
  nn::SafetensorsFile saved;
  try {
    saved = nn::load_safetensors(file.string());
  } catch (const std::exception& e) {
    return refuse(std::string("the cached classifier cannot be read: ") + e.what());
  }
  const auto meta = [&](const std::string& key) {
    const auto it = saved.metadata.find(key);
    return it == saved.metadata.end() ? std::string() : it->second;
  };
  if (!saved.verified) return refuse(file.string() + " has no digests (not written by GANForge)");
  if (meta("network") != spec.network)
    return refuse(file.string() + " holds network '" + meta("network") + "', not the current '" + spec.network + "'");
  if (meta("data_fingerprint") != data_fingerprint(data))
    return refuse(file.string() + " was trained on other " + data + " files (data fingerprint " + meta("data_fingerprint") + ")");
  std::shared_ptr<ClassifierNet> net;
  {
    const DefaultGeneratorKept kept;  // the initial weights drawn here are replaced by the cached ones
    net = std::make_shared<ClassifierNet>(spec);
  }
  try {
    net->load_state_dict(saved.tensors);
  } catch (const std::exception& e) {
    return refuse(file.string() + ": " + e.what());
  }
  net->to(device);
  net->eval();
  double accuracy = 0;
  try {
    accuracy = std::stod(meta("test_accuracy"));
  } catch (const std::exception&) {
    return refuse(file.string() + ": test_accuracy '" + meta("test_accuracy") + "' is not a number");
  }
  return Classifier{spec, net, accuracy, file};
}

Classifier load_or_train_classifier(const std::string& data, Device device, std::ostream& out) {
  std::string why;
  if (std::optional<Classifier> cached = load_classifier(data, device, &why)) return *cached;
  out << why << "; training one now (once; `ganforge train-classifier " << data << "` does the same)\n";
  return train_classifier(data, device, out);
}

}  // namespace ganforge::gan
