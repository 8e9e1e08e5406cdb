// The metrics of gan/eval on real and on deliberately bad images, through GANForge's MNIST
// classifier (trained once by the CTest fixture eval_classifier_mnist into
// GANFORGE_CLASSIFIER_CACHE), and `ganforge eval` end to end on a short DCGAN run.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <nlohmann/json.hpp>

#include "gan/data/loader.h"
#include "gan/eval/class_coverage.h"
#include "gan/train/classifier.h"
#include "gan/eval/frechet.h"
#include "gan/eval/inception_score.h"
#include "gan/eval/manifold.h"
#include "gan/train/checkpoint.h"
#include "gan/train/data_source.h"
#include "tests/gan/train/run_folders.h"

namespace ganforge::gan {
namespace {

Classifier mnist_classifier() {
  std::string why;
  std::optional<Classifier> c = load_classifier("mnist", Device{}, &why);
  if (!c) throw std::runtime_error("the CTest fixture eval_classifier_mnist should have trained it: " + why);
  return *c;
}

// The first n images of an MNIST split, [n, 1, 28, 28] in [-1, 1].
Tensor mnist_images(data::Split split, int64_t n, std::vector<int64_t>* labels = nullptr) {
  const DataSource source = open_labelled_split("mnist", split);
  data::DataLoader loader(source.train, {.batch_size = n, .shuffle = split == data::Split::Train, .seed = 1});
  data::Batch batch = *loader.epoch(0).next();
  if (labels != nullptr) *labels = batch.labels.to_vector<int64_t>();
  return batch.images[0];
}

eval::FeatureMatrix features(const ClassifierOutputs& o) { return {o.features.data(), o.rows, o.feature_dim}; }
eval::FeatureMatrix probabilities(const ClassifierOutputs& o) { return {o.probabilities.data(), o.rows, o.classes}; }

constexpr int64_t kImages = 2000;

class MnistMetrics : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    classifier_ = new Classifier(mnist_classifier());
    test_ = new ClassifierOutputs(classify(*classifier_, mnist_images(data::Split::Test, kImages)));
    train_ = new ClassifierOutputs(classify(*classifier_, mnist_images(data::Split::Train, kImages)));
  }
  static void TearDownTestSuite() {
    delete classifier_;
    delete test_;
    delete train_;
  }
  static inline Classifier* classifier_ = nullptr;
  static inline ClassifierOutputs *test_ = nullptr, *train_ = nullptr;
};

TEST_F(MnistMetrics, TheClassifierReachesItsTarget) { EXPECT_GE(classifier_->test_accuracy, 0.99); }

// A classifier that is right on 99% of the digits and sure of itself gives real digits an
// inception score near the class count, 10, and a histogram near uniform.
TEST_F(MnistMetrics, RealDigitsScoreNearTen) {
  EXPECT_GE(eval::inception_score(probabilities(*test_)).mean, 9.5);
  const eval::ClassCoverage coverage = eval::class_coverage(probabilities(*test_));
  EXPECT_EQ(coverage.classes_covered, 10);
  EXPECT_LT(coverage.kl_from_uniform, 0.02);
}

// Training and test digits are one distribution: their distance is sampling noise, far below
// that of images that are not digits (noise) or only one digit.
TEST_F(MnistMetrics, NoiseAndOneRepeatedDigitScoreFarWorseThanRealSplits) {
  const eval::GaussianStats test = eval::gaussian_stats(features(*test_));
  const double real = eval::frechet_distance(eval::gaussian_stats(features(*train_)), test);

  const Tensor noise = rand({kImages, 1, 28, 28}, {}, nullptr, -1, 1);
  const ClassifierOutputs noise_out = classify(*classifier_, noise);
  const double noise_distance = eval::frechet_distance(eval::gaussian_stats(features(noise_out)), test);

  // One test digit, repeated (with a little noise so the covariance is not singular).
  const Tensor one = mnist_images(data::Split::Test, 1).expand({kImages, 1, 28, 28}) + rand({kImages, 1, 28, 28}, {}, nullptr, -0.01, 0.01);
  const ClassifierOutputs one_out = classify(*classifier_, one);
  const double one_distance = eval::frechet_distance(eval::gaussian_stats(features(one_out)), test);
  EXPECT_LT(20 * real, noise_distance);
  EXPECT_LT(20 * real, one_distance);

  // Coverage catches the collapse; so do recall and Naeem's coverage.
  const eval::ClassCoverage collapsed = eval::class_coverage(probabilities(one_out));
  EXPECT_EQ(collapsed.classes_covered, 1);
  EXPECT_NEAR(collapsed.kl_from_uniform, std::log(10.0), 1e-6);
  EXPECT_LT(eval::inception_score(probabilities(one_out)).mean, 1.1);
  const eval::ManifoldMetrics m_one = eval::manifold_metrics(features(*test_), features(one_out));
  const eval::ManifoldMetrics m_real = eval::manifold_metrics(features(*test_), features(*train_));
  EXPECT_LT(m_one.recall, 0.05);
  EXPECT_LT(m_one.coverage, 0.05);
  EXPECT_GT(m_real.recall, 0.6);
  EXPECT_GT(m_real.coverage, 0.6);
  const eval::ManifoldMetrics m_noise = eval::manifold_metrics(features(*test_), features(noise_out));
  EXPECT_LT(m_noise.precision, 0.05);
}

TEST_F(MnistMetrics, ClassifyingTwiceGivesTheSameBits) {
  const Tensor images = mnist_images(data::Split::Test, 300);
  const ClassifierOutputs a = classify(*classifier_, images), b = classify(*classifier_, images);
  EXPECT_EQ(a.features, b.features);
  EXPECT_EQ(a.probabilities, b.probabilities);
}

TEST_F(MnistMetrics, ImagesAtAnotherScaleAreRefusedNamingTheExpectedShape) {
  try {
    classify(*classifier_, zeros({2, 1, 32, 32}));
    FAIL() << "32x32 images went through the 28x28 classifier";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("[N, 1, 28, 28]"), std::string::npos) << e.what();
  }
}

// A cached classifier is used only when it is GANForge's, of the current network, trained on
// the same data files; otherwise load_classifier says why (and eval trains a new one).
TEST(Classifier, ACachedFileOfAnotherNetworkOrDataOrWithoutDigestsIsNotUsed) {
  const nn::SafetensorsFile good = nn::load_safetensors(classifier_cache_file("mnist").string());
  const std::filesystem::path folder = testing::scratch_folder("classifier_cache");
  struct CacheFolder {  // the fixture's cache again when the test ends, for the tests after it in this process
    std::string saved = std::getenv("GANFORGE_CLASSIFIER_CACHE") ? std::getenv("GANFORGE_CLASSIFIER_CACHE") : "";
    explicit CacheFolder(const std::filesystem::path& f) { ::setenv("GANFORGE_CLASSIFIER_CACHE", f.c_str(), 1); }
    ~CacheFolder() { saved.empty() ? ::unsetenv("GANFORGE_CLASSIFIER_CACHE") : ::setenv("GANFORGE_CLASSIFIER_CACHE", saved.c_str(), 1); }
  } cache(folder);
  const std::string file = classifier_cache_file("mnist").string();
  auto why_refused = [&](const nn::Metadata& metadata) {
    nn::save_safetensors(file, good.tensors, metadata);
    std::string why;
    EXPECT_FALSE(load_classifier("mnist", Device{}, &why).has_value());
    return why;
  };
  nn::Metadata other_network = good.metadata, other_data = good.metadata;
  other_network["network"] = "lenet-v0";
  other_data["data_fingerprint"] = "0123456789abcdef";
  EXPECT_NE(why_refused(other_network).find("lenet-v0"), std::string::npos);
  EXPECT_NE(why_refused(other_data).find("trained on other mnist files"), std::string::npos);
  nn::save_safetensors(file, good.tensors, good.metadata);
  std::string why;
  EXPECT_TRUE(load_classifier("mnist", Device{}, &why).has_value()) << why;
  testing::write_text(file, testing::read_text(file).substr(0, 100));  // torn
  EXPECT_FALSE(load_classifier("mnist", Device{}, &why).has_value());
  EXPECT_NE(why.find("cannot be read"), std::string::npos) << why;
}

TEST(Classifier, SpecRefusesAnUnknownDataSetNamingTheKnownOnes) {
  try {
    classifier_spec("svhn");
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("mnist, fashion-mnist or cifar10"), std::string::npos) << e.what();
  }
}

using testing::run_ganforge;
using testing::scratch_folder;

// A short DCGAN run on real MNIST, then `ganforge eval` twice: the same numbers, every metric
// with its real-data value, and a sensible range for each.
TEST(EvalCli, ReportsEveryMetricBesideRealDataAndIsDeterministic) {
  const std::filesystem::path run = scratch_folder("eval_cli") / "run";
  const testing::Outcome trained =
      run_ganforge("train dcgan --data mnist --steps 30 --limit 1920 --out " + run.string());
  ASSERT_EQ(trained.status, 0) << trained.output;
  const std::filesystem::path first = run.parent_path() / "first.json", second = run.parent_path() / "second.json";
  for (const std::filesystem::path& json : {first, second}) {
    const testing::Outcome evaluated = run_ganforge("eval " + run.string() + " --n 500 --json " + json.string());
    ASSERT_EQ(evaluated.status, 0) << evaluated.output;
    EXPECT_NE(evaluated.output.find("frechet_distance"), std::string::npos) << evaluated.output;
  }
  nlohmann::json a = nlohmann::json::parse(testing::read_text(first)), b = nlohmann::json::parse(testing::read_text(second));
  EXPECT_EQ(a["metrics"], b["metrics"]);
  for (const char* name : {"frechet_distance", "inception_score", "classes_covered", "class_kl_uniform", "precision", "recall",
                           "density", "coverage", "sample_spread"}) {
    ASSERT_TRUE(a["metrics"].contains(name)) << name;
    EXPECT_TRUE(a["metrics"][name].contains("real_data")) << name;
  }
  EXPECT_GE(a["metrics"]["inception_score"]["value"].get<double>(), 1.0);
  EXPECT_LE(a["metrics"]["inception_score"]["value"].get<double>(), 10.0);
  EXPECT_GT(a["metrics"]["inception_score"]["real_data"].get<double>(), 9.0);
  EXPECT_EQ(a["step"].get<int64_t>(), 30);
}

// pix2pix on the facades test pairs: the identity baseline (label map as photo) is far off and
// the mean photo close, as measured by hand before; a trained model's figures sit beside them.
TEST(EvalCli, Pix2pixIsScoredAgainstBothBaselinesOnTheTestPairs) {
  const std::filesystem::path run = scratch_folder("eval_pix2pix") / "run";
  const testing::Outcome trained =
      run_ganforge("train pix2pix --data facades --image-size 64 --ngf 8 --ndf 8 --steps 4 --out " + run.string());
  ASSERT_EQ(trained.status, 0) << trained.output;
  const std::filesystem::path json = run.parent_path() / "eval.json";
  const testing::Outcome evaluated = run_ganforge("eval " + run.string() + " --json " + json.string());
  ASSERT_EQ(evaluated.status, 0) << evaluated.output;
  const nlohmann::json report = nlohmann::json::parse(testing::read_text(json));
  EXPECT_EQ(report["n"].get<int64_t>(), 106);  // the facades test split
  const nlohmann::json& l1 = report["metrics"]["l1"];
  EXPECT_GT(l1["baselines"]["identity"].get<double>(), 0.7);
  EXPECT_LT(l1["baselines"]["mean target"].get<double>(), 0.4);
  for (const char* name : {"l1", "psnr", "ssim"}) EXPECT_TRUE(report["metrics"].contains(name)) << name;
}

// --eval-every: metrics in log.jsonl at every K steps and at the end, the best checkpoint named
// and kept through the pruning of older checkpoints, the curve of its metric under the losses.
TEST(EvalEvery, LogsMetricsAndKeepsTheBestCheckpoint) {
  const std::filesystem::path run = scratch_folder("eval_every") / "run";
  const testing::Outcome trained = run_ganforge("train dcgan --data mnist --limit 640 --batch 32 --ngf 8 --ndf 8 --steps 25 "
                                                "--eval-every 10 --eval-n 100 --checkpoint-every 5 --out " + run.string());
  ASSERT_EQ(trained.status, 0) << trained.output;
  std::vector<int64_t> evaluated;
  std::istringstream log(testing::read_text(run / "log.jsonl"));
  for (std::string line; std::getline(log, line);) {
    const nlohmann::json entry = nlohmann::json::parse(line);
    if (!entry.contains("eval")) continue;
    evaluated.push_back(entry["step"].get<int64_t>());
    EXPECT_TRUE(entry["eval"].contains("frechet_distance")) << line;
  }
  EXPECT_EQ(evaluated, (std::vector<int64_t>{10, 20, 25}));
  const std::optional<BestCheckpoint> best = read_best_checkpoint(run);
  ASSERT_TRUE(best.has_value());
  EXPECT_EQ(best->metric, "frechet_distance");
  char name[32];
  std::snprintf(name, sizeof name, "step-%08lld", static_cast<long long>(best->step));
  EXPECT_TRUE(std::filesystem::is_directory(run / "checkpoints" / name)) << name << " was pruned";
  const testing::Outcome sampled = run_ganforge("sample " + (run / "checkpoints" / name).string() + " --n 4 --out " +
                                                (run.parent_path() / "best.png").string());
  EXPECT_EQ(sampled.status, 0) << sampled.output;
  EXPECT_NE(trained.output.find("eval at step 10:"), std::string::npos) << trained.output;
}

// Evaluating draws from its own random generator and restores every mode it changes, so a run
// evaluated along the way resumes bit for bit as well.
TEST(EvalEvery, ARunEvaluatedAlongTheWayResumesBitExactly) {
  const std::filesystem::path whole = scratch_folder("eval_whole") / "run", split = scratch_folder("eval_split") / "run";
  const std::string flags = "train dcgan --data mnist --limit 640 --batch 32 --ngf 8 --ndf 8 --eval-every 4 --eval-n 100 ";
  ASSERT_EQ(run_ganforge(flags + "--steps 12 --out " + whole.string()).status, 0);
  ASSERT_EQ(run_ganforge(flags + "--steps 6 --out " + split.string()).status, 0);
  const testing::Outcome resumed = run_ganforge("train dcgan --resume --steps 12 --out " + split.string());
  ASSERT_EQ(resumed.status, 0) << resumed.output;
  for (const char* file : {"weights.safetensors", "training_state.safetensors"}) {
    const std::string a = testing::read_text(whole / "checkpoints/step-00000012" / file);
    const std::string b = testing::read_text(split / "checkpoints/step-00000012" / file);
    EXPECT_TRUE(a == b) << file << " differs between the whole and the resumed run";
  }
}

TEST(EvalEvery, ABestCheckpointFileOfAnotherFormIsRefusedNamingIt) {
  const std::filesystem::path run = scratch_folder("eval_best_bad");
  testing::write_text(run / "best_checkpoint.json", R"({"checkpoint": "../../etc", "step": 3, "metric": "l1", "value": 1})");
  try {
    read_best_checkpoint(run);
    FAIL() << "a best checkpoint outside the run was accepted";
  } catch (const CheckpointError& e) {
    EXPECT_NE(std::string(e.what()).find("best_checkpoint.json"), std::string::npos) << e.what();
  }
}

TEST(EvalCli, RefusesABadNAndAMissingCheckpoint) {
  const testing::Outcome bad_n = run_ganforge("eval somewhere --n 3");
  EXPECT_EQ(bad_n.status, 2);
  EXPECT_NE(bad_n.output.find("--n"), std::string::npos) << bad_n.output;
  const testing::Outcome missing = run_ganforge("eval " + (scratch_folder("eval_missing") / "nothing").string());
  EXPECT_EQ(missing.status, 2) << missing.output;
}

}  // namespace
}  // namespace ganforge::gan
