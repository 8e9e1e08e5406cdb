#include "gan/train/evaluate.h"

#include <chrono>
#include <cmath>
#include <iomanip>
#include <nlohmann/json.hpp>
#include <ostream>
#include <sstream>

#include "gan/data/folders.h"
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
#include "gan/models/infogan.h"
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

// The test split beside a training folder (facades/train -> facades/test), for pix2pix.
fs::path test_folder_of(const fs::path& train) {
  const fs::path test = train.parent_path() / "test";
  if (train.filename() != "train" || !fs::is_directory(test))
    throw std::invalid_argument("eval: no test split beside " + train.string() + " (expected " + test.string() + ")");
  return test;
}

// Every example of a data set in order, without augmentation, as one batch per image slot.
std::vector<Tensor> all_examples(const std::shared_ptr<const data::Dataset>& dataset) {
  data::DataLoader loader(dataset, {.batch_size = dataset->size(), .shuffle = false, .workers = 2});
  return loader.epoch(0).next()->images;
}

// Images [N, C, size, size] in [-1, 1] from files, resized to size x size.
Tensor read_images(const std::vector<fs::path>& files, int64_t size, int64_t channels) {
  std::vector<float> pixels;
  const int64_t plane = channels * size * size;
  for (const fs::path& file : files) {
    data::Image image = data::read_image(file);
    if (image.channels != channels)
      throw std::invalid_argument("eval: " + file.string() + " has " + std::to_string(image.channels) + " channels, expected " +
                                  std::to_string(channels));
    image = data::resize(image, static_cast<int>(size), static_cast<int>(size), data::Filter::Bicubic);
    pixels.resize(pixels.size() + static_cast<size_t>(plane));
    data::to_floats(image, pixels.data() + pixels.size() - plane);
  }
  return from_vector(pixels, {static_cast<int64_t>(files.size()), channels, size, size});
}

// The generator (reverse: CycleGAN's B -> A one) over images, a few at a time.
Tensor translate_all(Recipe& recipe, const Tensor& images, bool reverse, Device device) {
  std::vector<Tensor> parts;
  for (int64_t first = 0; first < images.size(0); first += 8)
    parts.push_back(recipe.translate(images.narrow(0, first, std::min<int64_t>(8, images.size(0) - first)).to(device), reverse)
                        .to(Device{}));
  return cat(parts, 0).contiguous();
}

struct HostImages {
  std::vector<float> pixels;
  eval::ImageBatch batch;
};

HostImages host_images(const Tensor& images) {
  HostImages h{images.to(Device{}).contiguous().to_vector<float>(), {}};
  h.batch = {h.pixels.data(), images.size(0), images.size(1), images.size(2), images.size(3)};
  return h;
}

// L1, PSNR and SSIM of `output` against `target`, with the given baselines in the same terms.
void add_image_metrics(EvalReport& report, const std::string& prefix, const std::string& what, const Tensor& output,
                       const Tensor& target, const std::vector<std::pair<std::string, Tensor>>& baselines) {
  const HostImages out = host_images(output), truth = host_images(target);
  std::vector<HostImages> base;
  for (const auto& [name, images] : baselines) base.push_back(host_images(images));
  auto row = [&](const std::string& name, bool higher, const std::string& description, auto metric) {
    Metric m{prefix + name, metric(out.batch, truth.batch), std::nullopt, higher, description + ", " + what};
    for (size_t i = 0; i < base.size(); ++i) m.baselines.emplace_back(baselines[i].first, metric(base[i].batch, truth.batch));
    report.metrics.push_back(m);
  };
  row("l1", false, "mean |output - target|, pixels in [-1, 1]",
      [](const eval::ImageBatch& a, const eval::ImageBatch& b) { return eval::mean_l1(a, b); });
  row("psnr", true, "PSNR in dB, range 2",
      [](const eval::ImageBatch& a, const eval::ImageBatch& b) { return eval::psnr(a, b); });
  row("ssim", true, "SSIM (11x11 Gaussian window)",
      [](const eval::ImageBatch& a, const eval::ImageBatch& b) { return eval::ssim(a, b); });
}

EvalReport new_report(const TrainOptions& options, const fs::path& checkpoint, int64_t step) {
  EvalReport report;
  report.arch = arch_name(options.arch);
  report.data = options.data;
  report.checkpoint = checkpoint.string();
  report.step = step;
  return report;
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

// What stays the same between evaluations of one run: the classifier and the real images'
// outputs, or the translation models' test images and baselines.
struct Evaluator::Reference {
  std::optional<Classifier> classifier;
  ImageSet test, real;
  std::vector<int64_t> test_labels;
  ClassifierOutputs test_out, real_out;
  double classifier_accuracy = 0;
  std::vector<Tensor> pairs;  // pix2pix: the test inputs and targets
  Tensor mean_target;
  Tensor test_a, test_b;      // CycleGAN
};

Evaluator::Evaluator(const TrainOptions& options, const EvalOptions& eval, std::ostream& out)
    : reference_(std::make_unique<Reference>()), options_(options), eval_(eval) {
  Reference& r = *reference_;
  if (options.arch == Arch::Pix2pix) {
    const data::Direction direction = options.direction == "AtoB" ? data::Direction::AtoB : data::Direction::BtoA;
    const data::AugmentOptions at_size{.load_size = static_cast<int>(options.image_size)};
    const fs::path train = locate_data(options.data);
    r.pairs = all_examples(std::make_shared<data::PairedDataset>(test_folder_of(train), direction, at_size));
    const Tensor train_targets = all_examples(std::make_shared<data::PairedDataset>(train, direction, at_size))[1];
    r.mean_target = train_targets.mean({0}, true).expand(r.pairs[1].shape()).contiguous();
    return;
  }
  if (options.arch == Arch::Cyclegan) {
    const data::UnpairedDataset test(locate_data(options.data, true), data::Split::Test);
    std::vector<fs::path> files_a, files_b;
    for (int64_t i = 0; i < test.size_a(); ++i) files_a.push_back(test.file_a(i));
    for (int64_t i = 0; i < test.size_b(); ++i) files_b.push_back(test.file_b(i));
    r.test_a = read_images(files_a, options.image_size, options.channels);
    r.test_b = read_images(files_b, options.image_size, options.channels);
    return;
  }
  if (eval.n < 10) throw std::invalid_argument("eval: --n must be at least 10 (precision and recall need k + 1 = 6 images)");
  classifier_spec(options.data);  // refuses a data set without a classifier, before any work
  r.classifier = load_or_train_classifier(options.data, eval.device, out);
  const ClassifierSpec& spec = r.classifier->spec;
  r.test = real_images(options.data, data::Split::Test, std::min<int64_t>(eval.n, 10000), options.image_size, false, 0, spec,
                       &r.test_labels);
  r.real = real_images(options.data, data::Split::Train, eval.n, options.image_size, true, eval.seed, spec);
  r.test_out = classify(*r.classifier, r.test.tensor());
  r.real_out = classify(*r.classifier, r.real.tensor());
  r.classifier_accuracy = accuracy(predicted_classes(r.test_out), r.test_labels);
}

Evaluator::~Evaluator() = default;

std::string Evaluator::primary_metric(Arch arch) {
  return arch == Arch::Pix2pix ? "l1" : arch == Arch::Cyclegan ? "cycle_l1" : "frechet_distance";
}

EvalReport Evaluator::evaluate(Recipe& recipe, int64_t step) {
  const auto start = std::chrono::steady_clock::now();
  const Reference& r = *reference_;
  const TrainOptions& options = options_;
  EvalReport report = new_report(options, "", step);
  if (options.arch == Arch::Pix2pix) {
    report.n = r.pairs[0].size(0);
    add_image_metrics(report, "", "the test pairs", translate_all(recipe, r.pairs[0], false, eval_.device), r.pairs[1],
                      {{"identity", r.pairs[0]}, {"mean target", r.mean_target}});
  } else if (options.arch == Arch::Cyclegan) {
    report.n = r.test_a.size(0) + r.test_b.size(0);
    double cycle_sum = 0;
    for (const bool from_b : {false, true}) {
      const Tensor& input = from_b ? r.test_b : r.test_a;
      const Tensor translated = translate_all(recipe, input, from_b, eval_.device);
      const Tensor back = translate_all(recipe, translated, !from_b, eval_.device);
      const std::string side = from_b ? "B" : "A", other = from_b ? "A" : "B";
      add_image_metrics(report, "cycle_" + side + "_", side + " -> " + other + " -> " + side + " against " + side, back, input, {});
      cycle_sum += report.find("cycle_" + side + "_l1")->value;
      const HostImages in = host_images(input), moved = host_images(translated);
      report.metrics.push_back({"change_" + side + "_l1", eval::mean_l1(moved.batch, in.batch), std::nullopt, true,
                                "mean |" + side + " -> " + other + " - " + side + "|: how much the translation changes (0: a copy)",
                                {{"identity", 0.0}}});
    }
    report.metrics.push_back({"cycle_l1", cycle_sum / 2, std::nullopt, false, "the mean of cycle_A_l1 and cycle_B_l1"});
  } else {
    evaluate_generator(recipe, report);
  }
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return report;
}

void Evaluator::evaluate_generator(Recipe& recipe, EvalReport& report) const {
  const Reference& r = *reference_;
  const TrainOptions& options = options_;
  Classifier classifier = *r.classifier;
  const ClassifierSpec& spec = classifier.spec;
  const int64_t n = eval_.n;
  report.n = n;
  report.classifier = spec.network + ", test accuracy " + fixed(100 * classifier.test_accuracy, 2) + "%";
  Generator gen(eval_.seed);
  ImageSet generated;
  for (int64_t first = 0; first < n; first += kBatch)
    append_at_classifier_scale(recipe.generate(std::min(kBatch, n - first), -1, gen), spec, generated);
  add_distribution_metrics(report, classify(classifier, generated.tensor()), generated, r.real_out, r.real, r.test_out);
  if (options.arch != Arch::Cgan && options.arch != Arch::Infogan) return;

  // n images drawn class by class (cGAN) or category by category (InfoGAN).
  const int64_t classes = options.arch == Arch::Cgan ? options.classes : InfoganOptions{}.categories;
  const int64_t per_class = (n + classes - 1) / classes;
  std::vector<int64_t> codes, predicted;
  for (int64_t k = 0; k < classes; ++k) {
    ImageSet drawn;
    for (int64_t first = 0; first < per_class; first += kBatch)
      append_at_classifier_scale(recipe.generate(std::min(kBatch, per_class - first), k, gen), spec, drawn);
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
    report.metrics.push_back({"label_accuracy", accuracy(predicted, codes), r.classifier_accuracy, true,
                              "images drawn for class k that the classifier puts in k"});
    return;
  }
  const int k = static_cast<int>(classes);
  const eval::CodeMatching generated_match = eval::match_codes(eval::confusion_matrix(codes, predicted, k, k));
  report.class_of_code = generated_match.class_of_code;
  report.metrics.push_back({"code_accuracy", generated_match.accuracy, r.classifier_accuracy, true,
                            "classifier's digit of images drawn per category code, best code -> digit matching"});
  if (options.image_size != spec.side) return;  // Q reads images at the model's size, the test set is at the classifier's
  std::vector<int64_t> q_codes;
  const Tensor test = r.test.tensor();
  for (int64_t first = 0; first < r.test.count; first += kBatch) {
    const Tensor images = test.narrow(0, first, std::min(kBatch, r.test.count - first)).to(eval_.device);
    const std::vector<int64_t> c = recipe.predict_category(images).to(Device{}).to_vector<int64_t>();
    q_codes.insert(q_codes.end(), c.begin(), c.end());
  }
  report.metrics.push_back({"q_accuracy_on_test", eval::match_codes(eval::confusion_matrix(q_codes, r.test_labels, k, k)).accuracy,
                            r.classifier_accuracy, true, "Q's category of real test digits, best code -> digit matching"});
}

EvalReport evaluate_checkpoint(const fs::path& path, const EvalOptions& o, std::ostream& out) {
  const auto start = std::chrono::steady_clock::now();
  const fs::path folder = find_checkpoint(path);
  const CheckpointState state = read_checkpoint_state(folder);
  std::unique_ptr<Recipe> recipe = make_recipe(state.options, o.device);
  load_weights(folder, *recipe);
  Evaluator evaluator(state.options, o, out);
  out << "eval: " << arch_name(state.options.arch) << " on " << state.options.data << " at step " << state.step << "\n"
      << std::flush;
  EvalReport report = evaluator.evaluate(*recipe, state.step);
  report.checkpoint = folder.string();
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return report;
}

std::string format_report(const EvalReport& r) {
  std::ostringstream s;
  s << r.arch << " on " << r.data << ", step " << r.step << " (" << r.checkpoint << ")\n"
    << r.n << " images; " << (r.classifier.empty() ? "" : "classifier " + r.classifier + "; ") << fixed(r.seconds, 1) << " s\n\n";
  size_t width = 0;
  for (const Metric& m : r.metrics) width = std::max(width, m.name.size());
  s << std::left << std::setw(static_cast<int>(width) + 2) << "metric" << std::right << std::setw(10) << "value"
    << std::setw(11) << "real data" << "  better  what\n";
  for (const Metric& m : r.metrics) {
    s << std::left << std::setw(static_cast<int>(width) + 2) << m.name << std::right << std::setw(10) << fixed(m.value, 4)
      << std::setw(11) << (m.ceiling ? fixed(*m.ceiling, 4) : "") << "  " << (m.higher_is_better ? "higher" : "lower ")
      << "  " << m.what;
    for (size_t i = 0; i < m.baselines.size(); ++i)
      s << (i == 0 ? " (" : ", ") << m.baselines[i].first << " " << fixed(m.baselines[i].second, 4)
        << (i + 1 == m.baselines.size() ? ")" : "");
    s << "\n";
  }
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
    for (const auto& [name, value] : m.baselines) j["metrics"][m.name]["baselines"][name] = value;
  }
  if (!r.class_histogram.empty()) j["class_histogram"] = r.class_histogram;
  if (!r.label_accuracy_per_class.empty()) j["label_accuracy_per_class"] = r.label_accuracy_per_class;
  if (!r.class_of_code.empty()) j["class_of_code"] = r.class_of_code;
  return j.dump(2) + "\n";
}

}  // namespace ganforge::gan
