// Data-parallel training's pieces (dist/), run as one process and under `mpirun -np 2`
// (tests/dist/CMakeLists.txt): the tests that need two ranks skip in one process. Inside an MPI
// job, every rank also trains the one-process reference on the whole global batch, without a
// group.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "core/ganforge.h"
#include "dist/gradient_averager.h"
#include "dist/replicas.h"
#include "gan/data/loader.h"
#include "kernels/registry.h"
#include "nn/nn.h"

using namespace ganforge;

namespace {

dist::ProcessGroup& world() { return dist::world_group(); }

#define NEEDS_TWO_RANKS() \
  if (world().world() != 2) GTEST_SKIP() << "runs under mpirun -np 2 (test dist_two_ranks)"

// Rows [rank·n, (rank+1)·n) of a tensor of world·n rows.
Tensor my_rows(const Tensor& all, const dist::ProcessGroup& group) {
  const int64_t n = all.size(0) / group.world();
  return all.narrow(0, group.rank() * n, n).contiguous();
}

// A two-layer perceptron whose weights, inputs and targets are small integers: with a batch and
// learning rate that are powers of two, every sum in two SGD steps is exact in f32 (checked
// against f64 below), so any order of reduction gives the same bits, and so must two ranks.
struct IntegerMlp {
  std::shared_ptr<nn::Sequential> net;
  explicit IntegerMlp(DType dtype) {
    const TensorOptions options = TensorOptions{}.with_dtype(dtype);
    net = std::shared_ptr<nn::Sequential>(new nn::Sequential{
        nn::make<nn::Linear>(4, 4, true, options), nn::make<nn::ReLU>(), nn::make<nn::Linear>(4, 1, true, options)});
    NoGradGuard no_grad;
    int k = 0;
    for (Tensor& p : net->parameters()) {
      std::vector<double> values;
      for (int64_t i = 0; i < p.numel(); ++i) values.push_back(static_cast<double>((k++ * 5) % 3) - 1);
      p.copy_(from_vector(values, p.shape()).to(dtype));
    }
  }
};

std::pair<Tensor, Tensor> integer_batch(int64_t n) {
  std::vector<double> x, y;
  for (int64_t i = 0; i < n; ++i) {
    for (int j = 0; j < 4; ++j) x.push_back(static_cast<double>((i * 3 + j * 7) % 3) - 1);
    y.push_back(static_cast<double>(i % 3));
  }
  return {from_vector(x, {n, 4}), from_vector(y, {n, 1})};
}

// Two SGD steps of the mean squared error over the batch; the averager (when given a group of
// more than one rank) averages the gradients before each step.
std::vector<Tensor> train_two_steps(IntegerMlp& mlp, const Tensor& x, const Tensor& y, dist::ProcessGroup* group) {
  nn::SGD sgd(mlp.net->parameters(), {.lr = 1.0 / 4});
  if (group != nullptr) dist::GradientAverager::attach(*group, sgd, /*bucket_bytes=*/40);  // several buckets
  for (int step = 0; step < 2; ++step) {
    sgd.zero_grad();
    const Tensor diff = mlp.net->forward(x) - y;
    (diff * diff).mean().backward();
    sgd.step();
  }
  std::vector<Tensor> weights;
  for (const Tensor& p : mlp.net->parameters()) weights.push_back(p.to(DType::F64));
  return weights;
}

TEST(ShardedGenerator, EachRankDrawsItsSliceOfTheSingleProcessDraw) {
  Generator single(7);
  const std::vector<float> all = randn({8, 10}, {}, &single).to_vector<float>();
  for (int rank = 0; rank < 2; ++rank) {
    Generator shard(7);
    shard.set_shard(rank, 2);
    const std::vector<float> mine = randn({4, 10}, {}, &shard).to_vector<float>();
    EXPECT_EQ(mine, std::vector<float>(all.begin() + rank * 40, all.begin() + (rank + 1) * 40)) << "rank " << rank;
    EXPECT_EQ(shard.offset(), single.offset());
  }
  Generator odd(7);  // 3 values do not fill Philox blocks: each rank still gets its own range
  odd.set_shard(1, 2);
  const uint64_t first = odd.take(3, 4);
  EXPECT_EQ(first, 1u);
  EXPECT_EQ(odd.offset(), 2u);
  EXPECT_THROW(odd.set_shard(2, 2), std::invalid_argument);
}

class Numbers final : public data::Dataset {
 public:
  int64_t size() const override { return 21; }
  data::Example get(int64_t index, data::SampleRng&) const override {
    data::Example e;
    e.images.emplace_back(1, 1, 1);
    e.label = index;
    return e;
  }
};

TEST(ShardedLoader, RanksTakeDisjointSharesOfEachGlobalBatch) {
  auto numbers = std::make_shared<Numbers>();
  const data::DataLoader single(numbers, {.batch_size = 6, .drop_last = true, .seed = 3});
  auto whole = single.epoch(1);
  std::vector<std::vector<int64_t>> shares(2);
  for (int rank = 0; rank < 2; ++rank) {
    const data::DataLoader loader(numbers, {.batch_size = 3, .drop_last = true, .seed = 3, .rank = rank, .world = 2});
    EXPECT_EQ(loader.batches_per_epoch(), 3);  // 21 examples, global batches of 6
    auto epoch = loader.epoch(1);
    while (auto batch = epoch.next())
      shares[rank].insert(shares[rank].end(), batch->indices.begin(), batch->indices.end());
  }
  for (int b = 0; b < 3; ++b) {
    const std::vector<int64_t> global = whole.next()->indices;
    EXPECT_EQ(std::vector<int64_t>(global.begin(), global.begin() + 3),
              std::vector<int64_t>(shares[0].begin() + 3 * b, shares[0].begin() + 3 * b + 3));
    EXPECT_EQ(std::vector<int64_t>(global.begin() + 3, global.end()),
              std::vector<int64_t>(shares[1].begin() + 3 * b, shares[1].begin() + 3 * b + 3));
  }
  EXPECT_THROW(data::DataLoader(numbers, {.batch_size = 3, .rank = 0, .world = 2}),
               std::invalid_argument);  // no drop_last
  EXPECT_THROW(data::DataLoader(numbers, {.batch_size = 3, .drop_last = true, .rank = 2, .world = 2}),
               std::invalid_argument);
}

TEST(GradientAverager, TwoRanksOfBatchFourGiveTheBitsOfOneRankOfBatchEight) {
  NEEDS_TWO_RANKS();
  const auto [x, y] = integer_batch(8);
  IntegerMlp reference(DType::F32), exact(DType::F64), replica(DType::F32);
  const std::vector<Tensor> single = train_two_steps(reference, x, y, nullptr);
  const std::vector<Tensor> in_f64 = train_two_steps(exact, x.to(DType::F64), y.to(DType::F64), nullptr);
  const std::vector<Tensor> data_parallel =
      train_two_steps(replica, my_rows(x, world()), my_rows(y, world()), &world());
  for (size_t i = 0; i < single.size(); ++i) {
    ASSERT_EQ(single[i].to_vector<double>(), in_f64[i].to_vector<double>())
        << "the f32 run is not exact: the test's premise";
    EXPECT_EQ(data_parallel[i].to_vector<double>(), single[i].to_vector<double>()) << "parameter " << i;
  }
}

TEST(GradientAverager, ASecondBackwardBeforeTheStepIsAveragedToo) {
  NEEDS_TWO_RANKS();
  Tensor w = full({3}, 1.0).requires_grad_();
  nn::SGD sgd({w}, {.lr = 1});
  dist::GradientAverager::attach(world(), sgd);
  const double r = world().rank();
  (w * (r + 1)).sum().backward();  // the bucket starts here
  (w * (r + 1)).sum().backward();  // and is out of date after this one
  sgd.step();                      // w - mean over ranks of 2(r + 1) = 1 - 3
  EXPECT_EQ(w.to_vector<float>(), std::vector<float>(3, -2.0f));
}

TEST(Replicas, BroadcastMakesEveryRankHoldRankZerosParametersAndBuffers) {
  NEEDS_TWO_RANKS();
  manual_seed(100 + static_cast<uint64_t>(world().rank()));  // different weights on each rank
  nn::BatchNorm1d norm(3);
  nn::Linear linear(3, 2);
  {
    NoGradGuard no_grad;
    norm.running_mean.fill_(world().rank());
  }
  dist::broadcast_from_rank0(world(), linear);
  dist::broadcast_from_rank0(world(), norm);
  manual_seed(100);
  nn::Linear rank0(3, 2);
  EXPECT_EQ(linear.weight.to_vector<float>(), rank0.weight.to_vector<float>());
  EXPECT_EQ(norm.running_mean.to_vector<float>(), std::vector<float>(3, 0.0f));
}

TEST(SyncBatchNorm, TwoRanksNormaliseAsOneProcessOverTheWholeBatch) {
  NEEDS_TWO_RANKS();
  manual_seed(5);
  const Tensor x_all = randn({8, 3, 5, 5}) * 3 + 1;
  const Tensor v_all = randn({8, 3, 5, 5});  // the upstream gradient
  nn::BatchNorm2d full_batch(3);
  const auto synced_module = nn::make<nn::BatchNorm2d>(3);
  nn::BatchNorm2d& synced = *synced_module;
  EXPECT_EQ(dist::sync_batch_norm(world(), synced), 1);
  const Tensor x_ref = x_all.clone().requires_grad_();
  const Tensor y_ref = full_batch.forward(x_ref);
  (y_ref * v_all).sum().backward();
  const Tensor x = my_rows(x_all, world()).requires_grad_();
  const Tensor y = synced.forward(x);
  (y * my_rows(v_all, world())).sum().backward();
  Tensor dweight = synced.weight.grad().clone();
  world().sum(dweight);  // each rank's loss is its share of the whole batch's
  // Each statistic is a sum of n = 200 values per channel, in a different order: every result
  // is within n·u of its size (u = 2^-24), times the few steps that follow; 4n·u bounds it.
  const double tolerance = 4 * 200 * std::ldexp(1.0, -24);
  auto expect_close = [&](const Tensor& got, const Tensor& want, const char* what) {
    const std::vector<float> g = got.to_vector<float>(), w = want.to_vector<float>();
    double scale = 0;
    for (float v : w) scale = std::max(scale, std::abs(static_cast<double>(v)));
    for (size_t i = 0; i < g.size(); ++i) ASSERT_NEAR(g[i], w[i], tolerance * (scale + 1)) << what << " element " << i;
  };
  expect_close(y, my_rows(y_ref.detach(), world()), "output");
  expect_close(x.grad(), my_rows(x_ref.grad(), world()), "input gradient");
  expect_close(dweight, full_batch.weight.grad(), "weight gradient");
  expect_close(synced.running_var, full_batch.running_var, "running variance");
}

// Tensors of a device without NCCL (here the emulator's) travel through host copies.
TEST(ProcessGroup, SumsAndBroadcastsEmulatedGpuTensorsThroughTheHost) {
  NEEDS_TWO_RANKS();
  const TensorOptions on_sim = TensorOptions{}.with_device(Device{DeviceType::CUDASim});
  EXPECT_EQ(world().transport(DeviceType::CUDASim), "mpi through host copies");
  const double rank = world().rank();
  const Tensor sum = full({100}, rank + 1, on_sim);
  world().sum(sum);
  EXPECT_EQ(sum.to(Device{}).to_vector<float>(), std::vector<float>(100, 3.0f));
  const Tensor copy = full({5}, rank + 7, on_sim);
  world().broadcast(copy, 0);
  EXPECT_EQ(copy.to(Device{}).to_vector<float>(), std::vector<float>(5, 7.0f));
}

// On a GPU machine under mpirun (tools/gpu-check.sh, one rank per GPU; one rank is enough):
// NCCL sums and broadcasts CUDA tensors in place on every rank.
TEST(Nccl, SumsAndBroadcastsCudaTensors) {
  if (world().transport(DeviceType::CUDA) != "nccl") GTEST_SKIP() << "needs mpirun and a build with NCCL";
  if (!kernels::find_backend("cuda").available()) GTEST_SKIP() << "no GPU here";
  const double rank = world().rank(), ranks = world().world();
  const Tensor sum = full({1000}, rank + 1, TensorOptions{}.with_device(Device{DeviceType::CUDA}));
  world().sum(sum);
  EXPECT_EQ(sum.to(Device{}).to_vector<float>(), std::vector<float>(1000, static_cast<float>(ranks * (ranks + 1) / 2)));
  const Tensor copy = full({7}, rank, TensorOptions{}.with_device(Device{DeviceType::CUDA}).with_dtype(DType::I64));
  world().broadcast(copy, 0);
  EXPECT_EQ(copy.to(Device{}).to_vector<int64_t>(), std::vector<int64_t>(7, 0));
}

}  // namespace
