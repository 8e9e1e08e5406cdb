#include "gan/train/evaluate.h"

#include <chrono>
#include <cmath>
#include <iomanip>
#include <nlohmann/json.hpp>
#include <ostream>
#include <sstream>

#include "gan/data/image.h"
#include "gan/data/loader.h"
#include "gan/data/transforms.h"
#include "gan/eval/class_coverage.h"
#include "gan/train/classifier.h"
#include "gan/eval/code_matching.h"
#include "gan/eval/frechet.h"
#include "gan/eval/image_quality.h"
#include "gan/eval/inception_score.h"
#include "gan/eval/manifold.h"
#include "gan/train/checkpoint.h"
#include "gan/train/data_source.h"

namespace fs = std::filesystem;

namespace ganforge::gan {
namespace {

constexpr int64_t kBatch = 500;

// Images [count, C, side, side] in [-1, 1] on the host, at the classifier's scale.
struct ImageSet {
  std::vector<float> pixels;
  int64_t count = 0, channels = 0, side = 0;

  eval::ImageBatch batch() const { return {pixels.data(), count, channels, side, side}; }
  Tensor tensor() const { return from_vector(pixels, {count, channels, side, side}); }
};

// Appends images [B, C, S, S] in [-1, 1] rounded to 8-bit pixels (as the data sets store them)
// and resized to the classifier's side where S differs.
void append_at_classifier_scale(const Tensor& images, const ClassifierSpec& spec, ImageSet& set) {
  if (images.size(1) != spec.channels)
    throw std::invalid_argument("eval: the model makes " + std::to_string(images.size(1)) + "-channel images, the " +
                                spec.data + " classifier takes " + std::to_string(spec.channels));
  set.channels = spec.channels;
  set.side = spec.side;
  const Tensor host = images.to(Device{}).contiguous();
  const int64_t plane = spec.channels * spec.side * spec.side;
  for (int64_t i = 0; i < host.size(0); ++i) {
    data::Image image = data::from_tensor(host.select(0, i));
    if (image.width != spec.side || image.height != spec.side)
      image = data::resize(image, static_cast<int>(spec.side), static_cast<int>(spec.side), data::Filter::Bicubic);
    set.pixels.resize(static_cast<size_t>((set.count + 1) * plane));
    data::to_floats(image, set.pixels.data() + set.count * plane);
    ++set.count;
  }
}

// The first n images of a data set's split (shuffled by `seed` when `shuffle`), loaded at the
// model's training size as its training data was, with their labels.
ImageSet real_images(const std::string& data, data::Split split, int64_t n, int64_t train_size, bool shuffle,
                     uint64_t seed, const ClassifierSpec& spec, std::vector<int64_t>* labels = nullptr) {
  data::AugmentOptions load;
  if (train_size != spec.side) load.load_size = static_cast<int>(train_size);
  const DataSource source = open_labelled_split(data, split, load);
  if (source.train->size() < n)
    throw std::invalid_argument("eval: --n " + std::to_string(n) + " is more than the " + std::to_string(source.train->size()) +
                                " images of " + source.description);
  data::DataLoader loader(source.train, {.batch_size = kBatch, .shuffle = shuffle, .seed = seed, .workers = 2});
  data::DataLoader::Epoch batches = loader.epoch(0);
  ImageSet set;
  while (set.count < n) {
    const std::optional<data::Batch> batch = batches.next();
    const int64_t take = std::min(batch->images[0].size(0), n - set.count);
    append_at_classifier_scale(batch->images[0].narrow(0, 0, take), spec, set);
    if (labels != nullptr) {
      const std::vector<int64_t> l = batch->labels.to_vector<int64_t>();
      labels->insert(labels->end(), l.begin(), l.begin() + take);
    }
  }
  return set;
}

std::vector<int64_t> predicted_classes(const ClassifierOutputs& o) {
  std::vector<int64_t> classes(static_cast<size_t>(o.rows));
  for (int64_t i = 0; i < o.rows; ++i) {
    const float* p = o.probabilities.data() + i * o.classes;
    classes[static_cast<size_t>(i)] = std::max_element(p, p + o.classes) - p;
  }
  return classes;
}

eval::FeatureMatrix features_of(const ClassifierOutputs& o) { return {o.features.data(), o.rows, o.feature_dim}; }
eval::FeatureMatrix probabilities_of(const ClassifierOutputs& o) { return {o.probabilities.data(), o.rows, o.classes}; }

double accuracy(const std::vector<int64_t>& predicted, const std::vector<int64_t>& truth) {
  int64_t right = 0;
  for (size_t i = 0; i < truth.size(); ++i) right += predicted[i] == truth[i];
  return truth.empty() ? 0 : static_cast<double>(right) / static_cast<double>(truth.size());
}

// The sample-quality metrics of `generated` against the real test features, each with the
// value of `real` (real training images) in its place as the ceiling.
void add_distribution_metrics(EvalReport& report, const ClassifierOutputs& generated, const ImageSet& generated_images,
                              const ClassifierOutputs& real, const ImageSet& real_images, const ClassifierOutputs& test) {
  const eval::GaussianStats test_stats = eval::gaussian_stats(features_of(test));
  report.metrics.push_back({"frechet_distance",
                            eval::frechet_distance(eval::gaussian_stats(features_of(generated)), test_stats),
                            eval::frechet_distance(eval::gaussian_stats(features_of(real)), test_stats), false,
                            "Fréchet distance to the test split, classifier features"});
  report.metrics.push_back({"inception_score", eval::inception_score(probabilities_of(generated)).mean,
                            eval::inception_score(probabilities_of(real)).mean, true,
                            "inception score, classifier probabilities (at most the class count)"});
  const eval::ClassCoverage coverage = eval::class_coverage(probabilities_of(generated));
  const eval::ClassCoverage real_coverage = eval::class_coverage(probabilities_of(real));
  report.class_histogram = coverage.histogram;
  report.metrics.push_back({"classes_covered", static_cast<double>(coverage.classes_covered),
                            static_cast<double>(real_coverage.classes_covered), true,
                            "classes with at least 10% of a uniform share of the images"});
  report.metrics.push_back({"class_kl_uniform", coverage.kl_from_uniform, real_coverage.kl_from_uniform, false,
                            "KL(class histogram || uniform), nats"});
  const eval::ManifoldMetrics m = eval::manifold_metrics(features_of(test), features_of(generated));
  const eval::ManifoldMetrics r = eval::manifold_metrics(features_of(test), features_of(real));
  report.metrics.push_back({"precision", m.precision, r.precision, true, "share of images inside the test split's manifold (k=5)"});
  report.metrics.push_back({"recall", m.recall, r.recall, true, "share of test images inside the images' manifold (k=5)"});
  report.metrics.push_back({"density", m.density, r.density, true, "Naeem et al.: about 1 for real data"});
  report.metrics.push_back({"coverage", m.coverage, r.coverage, true, "Naeem et al.: test images with an image near them"});
  report.metrics.push_back({"sample_spread", eval::sample_spread(generated_images.batch()),
                            eval::sample_spread(real_images.batch()), true,
                            "mean per-pixel std across images; near 0: one image for every input"});
}

std::string fixed(double value, int digits) {
  std::ostringstream s;
  s << std::fixed << std::setprecision(digits) << value;
  return s.str();
}

}  // namespace

const Metric* EvalReport::find(const std::string& name) const {
  for (const Metric& m : metrics)
    if (m.name == name) return &m;
  return nullptr;
}

EvalReport evaluate_checkpoint(const fs::path& path, const EvalOptions& o, std::ostream& out) {
  const auto start = std::chrono::steady_clock::now();
  const fs::path folder = find_checkpoint(path);
  const CheckpointState state = read_checkpoint_state(folder);
  const TrainOptions& options = state.options;
  if (options.arch == Arch::Pix2pix || options.arch == Arch::Cyclegan)
    throw std::invalid_argument("eval: " + folder.string() + " holds a " + arch_name(options.arch) +
                                " model; its metrics (L1, PSNR, SSIM on the test split) are not built yet");
  if (o.n < 10) throw std::invalid_argument("eval: --n must be at least 10 (precision and recall need k + 1 = 6 images)");
  const std::string data = options.data;
  classifier_spec(data);  // refuses a data set without a classifier, before any work
  std::unique_ptr<Recipe> recipe = make_recipe(options, o.device);
  load_weights(folder, *recipe);
  Classifier classifier = load_or_train_classifier(data, o.device, out);

  EvalReport report;
  report.arch = arch_name(options.arch);
  report.data = data;
  report.checkpoint = folder.string();
  report.step = state.step;
  report.n = o.n;
  report.classifier = classifier.spec.network + ", test accuracy " + fixed(100 * classifier.test_accuracy, 2) + "%";

  out << "eval: " << report.arch << " on " << data << " at step " << state.step << ": " << o.n
      << " generated and real images through the " << data << " classifier\n" << std::flush;
  const ClassifierSpec& spec = classifier.spec;
  std::vector<int64_t> test_labels;
  const ImageSet test = real_images(data, data::Split::Test, std::min<int64_t>(o.n, 10000), options.image_size, false, 0, spec,
                                    &test_labels);
  const ImageSet real = real_images(data, data::Split::Train, o.n, options.image_size, true, o.seed, spec);
  Generator gen(o.seed);
  ImageSet generated;
  for (int64_t first = 0; first < o.n; first += kBatch)
    append_at_classifier_scale(recipe->generate(std::min(kBatch, o.n - first), -1, gen), spec, generated);
  const ClassifierOutputs test_out = classify(classifier, test.tensor());
  const ClassifierOutputs real_out = classify(classifier, real.tensor());
  const ClassifierOutputs generated_out = classify(classifier, generated.tensor());
  add_distribution_metrics(report, generated_out, generated, real_out, real, test_out);
  const double classifier_accuracy = accuracy(predicted_classes(test_out), test_labels);

  if (options.arch == Arch::Cgan || options.arch == Arch::Infogan) {
    // n images drawn class by class (cGAN) or category by category (InfoGAN).
    const int64_t classes = options.arch == Arch::Cgan ? options.classes : 10;
    const int64_t per_class = (o.n + classes - 1) / classes;
    std::vector<int64_t> codes, predicted;
    for (int64_t k = 0; k < classes; ++k) {
      ImageSet drawn;
      for (int64_t first = 0; first < per_class; first += kBatch)
        append_at_classifier_scale(recipe->generate(std::min(kBatch, per_class - first), k, gen), spec, drawn);
      const std::vector<int64_t> p = predicted_classes(classify(classifier, drawn.tensor()));
      predicted.insert(predicted.end(), p.begin(), p.end());
      codes.insert(codes.end(), static_cast<size_t>(per_class), k);
    }
    if (options.arch == Arch::Cgan) {
      for (int64_t k = 0; k < classes; ++k) {
        const auto begin = static_cast<std::ptrdiff_t>(k * per_class);
        report.label_accuracy_per_class.push_back(
            accuracy(std::vector<int64_t>(predicted.begin() + begin, predicted.begin() + begin + per_class),
                     std::vector<int64_t>(codes.begin() + begin, codes.begin() + begin + per_class)));
      }
      report.metrics.push_back({"label_accuracy", accuracy(predicted, codes), classifier_accuracy, true,
                                "images drawn for class k that the classifier puts in k"});
    } else {
      const eval::CodeMatching generated_match =
          eval::match_codes(eval::confusion_matrix(codes, predicted, static_cast<int>(classes), static_cast<int>(classes)));
      report.class_of_code = generated_match.class_of_code;
      report.metrics.push_back({"code_accuracy", generated_match.accuracy, classifier_accuracy, true,
                                "classifier's digit of images drawn per category code, best code -> digit matching"});
      if (options.image_size != spec.side) {  // Q reads images at the model's size, the test set is at the classifier's
        report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        return report;
      }
      std::vector<int64_t> q_codes;
      for (int64_t first = 0; first < test.count; first += kBatch) {
        const Tensor images = test.tensor().narrow(0, first, std::min(kBatch, test.count - first));
        const std::vector<int64_t> c = recipe->predict_category(images.to(o.device)).to(Device{}).to_vector<int64_t>();
        q_codes.insert(q_codes.end(), c.begin(), c.end());
      }
      report.metrics.push_back(
          {"q_accuracy_on_test",
           eval::match_codes(eval::confusion_matrix(q_codes, test_labels, static_cast<int>(classes), static_cast<int>(classes))).accuracy,
           classifier_accuracy, true, "Q's category of real test digits, best code -> digit matching"});
    }
  }
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return report;
}

std::string format_report(const EvalReport& r) {
  std::ostringstream s;
  s << r.arch << " on " << r.data << ", step " << r.step << " (" << r.checkpoint << ")\n"
    << r.n << " images; classifier " << r.classifier << "; " << fixed(r.seconds, 1) << " s\n\n";
  size_t width = 0;
  for (const Metric& m : r.metrics) width = std::max(width, m.name.size());
  s << std::left << std::setw(static_cast<int>(width) + 2) << "metric" << std::right << std::setw(10) << "value"
    << std::setw(11) << "real data" << "  better  what\n";
  for (const Metric& m : r.metrics)
    s << std::left << std::setw(static_cast<int>(width) + 2) << m.name << std::right << std::setw(10) << fixed(m.value, 4)
      << std::setw(11) << (m.ceiling ? fixed(*m.ceiling, 4) : "") << "  " << (m.higher_is_better ? "higher" : "lower ")
      << "  " << m.what << "\n";
  if (!r.class_histogram.empty()) {
    s << "\nclasses of the generated images:";
    for (size_t k = 0; k < r.class_histogram.size(); ++k) s << " " << k << ":" << r.class_histogram[k];
    s << "\n";
  }
  if (!r.label_accuracy_per_class.empty()) {
    s << "label accuracy per class:";
    for (size_t k = 0; k < r.label_accuracy_per_class.size(); ++k) s << " " << k << ":" << fixed(r.label_accuracy_per_class[k], 3);
    s << "\n";
  }
  if (!r.class_of_code.empty()) {
    s << "category code -> digit:";
    for (size_t k = 0; k < r.class_of_code.size(); ++k) s << " " << k << "->" << r.class_of_code[k];
    s << "\n";
  }
  return s.str();
}

std::string report_json(const EvalReport& r) {
  nlohmann::json j = {{"arch", r.arch}, {"data", r.data}, {"checkpoint", r.checkpoint}, {"step", r.step},
                      {"n", r.n},       {"classifier", r.classifier}, {"seconds", r.seconds}};
  for (const Metric& m : r.metrics) {
    j["metrics"][m.name] = {{"value", m.value}, {"higher_is_better", m.higher_is_better}};
    if (m.ceiling) j["metrics"][m.name]["real_data"] = *m.ceiling;
  }
  if (!r.class_histogram.empty()) j["class_histogram"] = r.class_histogram;
  if (!r.label_accuracy_per_class.empty()) j["label_accuracy_per_class"] = r.label_accuracy_per_class;
  if (!r.class_of_code.empty()) j["class_of_code"] = r.class_of_code;
  return j.dump(2) + "\n";
}

}  // namespace ganforge::gan
