#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <set>
#include <thread>

#include "gan/data/error.h"
#include "gan/data/loader.h"

namespace ganforge::data {
namespace {

// Example i: a 2x1 gray image {i mod 256, a random byte} and label i mod 10; index `bad`
// throws a DataError, and every get() is counted.
class Numbers : public Dataset {
 public:
  explicit Numbers(int64_t n, int64_t bad = -1) : n_(n), bad_(bad) {}
  int64_t size() const override { return n_; }
  Example get(int64_t index, SampleRng& rng) const override {
    ++gets;
    if (index == bad_) throw DataError("number_" + std::to_string(index) + ".png", "planted failure");
    Image image(2, 1, 1);
    image.pixels = {static_cast<uint8_t>(index % 256), static_cast<uint8_t>(rng.below(256))};
    return Example{{image}, index % 10};
  }
  mutable std::atomic<int> gets{0};

 private:
  int64_t n_, bad_;
};

std::vector<Batch> run_epoch(const DataLoader& loader, uint64_t epoch) {
  std::vector<Batch> batches;
  auto pass = loader.epoch(epoch);
  while (auto batch = pass.next()) batches.push_back(std::move(*batch));
  return batches;
}

TEST(DataLoader, BatchesCoverEveryExampleOnce) {
  auto data = std::make_shared<Numbers>(37);
  DataLoader loader(data, LoaderOptions{.batch_size = 8, .seed = 5});
  EXPECT_EQ(loader.batches_per_epoch(), 5);
  std::vector<Batch> batches = run_epoch(loader, 0);
  ASSERT_EQ(batches.size(), 5u);
  EXPECT_EQ(batches.back().indices.size(), 5u);
  std::set<int64_t> seen;
  for (const Batch& b : batches) {
    ASSERT_EQ(b.images.size(), 1u);
    const int64_t n = static_cast<int64_t>(b.indices.size());
    EXPECT_EQ(b.images[0].shape(), (Shape{n, 1, 1, 2}));
    EXPECT_EQ(b.labels.dtype(), DType::I64);
    std::vector<float> pixels = b.images[0].to_vector<float>();
    std::vector<int64_t> labels = b.labels.to_vector<int64_t>();
    for (int64_t i = 0; i < n; ++i) {
      EXPECT_FLOAT_EQ(pixels[2 * i], static_cast<float>(b.indices[i]) / 127.5f - 1);
      EXPECT_EQ(labels[i], b.indices[i] % 10);
      seen.insert(b.indices[i]);
    }
  }
  EXPECT_EQ(seen.size(), 37u);
  std::vector<int64_t> order;
  for (const Batch& b : batches) order.insert(order.end(), b.indices.begin(), b.indices.end());
  EXPECT_FALSE(std::is_sorted(order.begin(), order.end()));
}

TEST(DataLoader, DropLastAndNoShuffle) {
  auto data = std::make_shared<Numbers>(37);
  DataLoader loader(data, LoaderOptions{.batch_size = 8, .shuffle = false, .drop_last = true});
  EXPECT_EQ(loader.batches_per_epoch(), 4);
  std::vector<Batch> batches = run_epoch(loader, 3);
  ASSERT_EQ(batches.size(), 4u);
  for (size_t b = 0; b < 4; ++b)
    for (size_t i = 0; i < 8; ++i) EXPECT_EQ(batches[b].indices[i], static_cast<int64_t>(8 * b + i));
}

TEST(DataLoader, OrderDependsOnSeedAndEpochOnly) {
  auto data = std::make_shared<Numbers>(50);
  auto order = [&](uint64_t seed, uint64_t epoch) {
    std::vector<int64_t> all;
    for (const Batch& b : run_epoch(DataLoader(data, LoaderOptions{.batch_size = 7, .seed = seed}), epoch))
      all.insert(all.end(), b.indices.begin(), b.indices.end());
    return all;
  };
  EXPECT_EQ(order(1, 0), order(1, 0));
  EXPECT_NE(order(1, 0), order(1, 1));
  EXPECT_NE(order(1, 0), order(2, 0));
}

TEST(DataLoader, SameBatchesWhateverTheNumberOfWorkers) {
  auto data = std::make_shared<Numbers>(103);
  std::vector<Batch> reference = run_epoch(DataLoader(data, LoaderOptions{.batch_size = 6, .seed = 11}), 2);
  for (int workers : {1, 2, 5})
    for (int queue : {1, 3}) {
      std::vector<Batch> got = run_epoch(
          DataLoader(data, LoaderOptions{.batch_size = 6, .seed = 11, .workers = workers, .queue_size = queue}), 2);
      ASSERT_EQ(got.size(), reference.size());
      for (size_t b = 0; b < got.size(); ++b) {
        EXPECT_EQ(got[b].indices, reference[b].indices) << workers << " workers, batch " << b;
        EXPECT_EQ(got[b].images[0].to_vector<float>(), reference[b].images[0].to_vector<float>());
      }
    }
}

TEST(DataLoader, PrefetchQueueIsBounded) {
  auto data = std::make_shared<Numbers>(100);
  DataLoader loader(data, LoaderOptions{.batch_size = 1, .seed = 1, .workers = 4, .queue_size = 2});
  auto pass = loader.epoch(0);
  ASSERT_TRUE(pass.next().has_value());
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  // One batch taken, at most two made ahead of the consumer.
  EXPECT_LE(data->gets.load(), 3);
  EXPECT_GE(data->gets.load(), 2);
}

TEST(DataLoader, AWorkersErrorReachesTheConsumer) {
  for (int workers : {0, 3}) {
    auto data = std::make_shared<Numbers>(40, 13);
    DataLoader loader(data, LoaderOptions{.batch_size = 4, .shuffle = false, .workers = workers});
    auto pass = loader.epoch(0);
    for (int b = 0; b < 3; ++b) ASSERT_TRUE(pass.next().has_value());
    try {
      pass.next();
      ADD_FAILURE() << "the batch holding example 13 should fail";
    } catch (const DataError& e) {
      EXPECT_NE(std::string(e.what()).find("number_13.png: planted failure"), std::string::npos) << e.what();
    }
    EXPECT_FALSE(pass.next().has_value());  // the epoch ends with its first error
  }
}

TEST(DataLoader, StoppingEarlyJoinsTheWorkers) {
  auto data = std::make_shared<Numbers>(1000);
  DataLoader loader(data, LoaderOptions{.batch_size = 2, .workers = 3});
  for (uint64_t epoch = 0; epoch < 5; ++epoch) {
    auto pass = loader.epoch(epoch);
    ASSERT_TRUE(pass.next().has_value());
  }
  EXPECT_LT(data->gets.load(), 1000);
}

TEST(DataLoader, RejectsBadOptionsAndUnequalImages) {
  auto data = std::make_shared<Numbers>(4);
  EXPECT_THROW(DataLoader(data, LoaderOptions{.batch_size = 0}), std::invalid_argument);
  EXPECT_THROW(DataLoader(data, LoaderOptions{.queue_size = 0}), std::invalid_argument);
  EXPECT_THROW(DataLoader(nullptr, LoaderOptions{}), std::invalid_argument);
  Example small{{Image(2, 2, 3)}, 0}, large{{Image(3, 2, 3)}, 1};
  EXPECT_THROW(collate({small, large}, {0, 1}), std::runtime_error);
}

}  // namespace
}  // namespace ganforge::data
