// Each backend's kernels in a real training step: a small DCGAN step (and a CycleGAN step, for
// instance norm, reflection padding and the LSGAN losses) on `cuda-sim` (the CUDA kernels) or
// `onednn` and on `cpu` from the same seed give the same losses and the same updated weights,
// within float tolerance; and DCGAN on cuda-sim in the tf32 math mode (the tensor-core kernels)
// against cpu's FP32, within the bound of TF32's rounding, and against cpu's tf32 (the same
// operand rounding) within float tolerance.
#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "core/ganforge.h"
#include "gan/train/recipe.h"

using namespace ganforge;
using namespace ganforge::gan;

namespace {

struct StepResult {
  StepValues values;
  nn::StateDict weights;
  std::set<std::string> normalised_biases;
};

// "<net>.<path>.bias" of every conv that an instance norm follows: the norm subtracts the
// mean, so that bias's gradient is exactly zero, and what float arithmetic leaves of it is
// rounding noise, which Adam's first steps scale up to ±lr on either backend.
void find_normalised_biases(const std::string& net, nn::Module& root, std::set<std::string>& out) {
  for (auto& [name, module] : root.named_modules()) {
    auto* seq = dynamic_cast<nn::Sequential*>(module.get());
    if (!seq) continue;
    for (size_t i = 0; i + 1 < seq->size(); ++i)
      if (!(*seq)[i].named_parameters(false).empty() && dynamic_cast<nn::InstanceNorm2d*>(&(*seq)[i + 1]))
        out.insert(net + "." + (name.empty() ? "" : name + ".") + std::to_string(i) + ".bias");
  }
}

// The kernels a parity test compares with cpu, and the device their tensors live on.
struct Target {
  std::string kernels;
  Device device;
};

StepResult one_step(const TrainOptions& o, const Target& target, int steps, MathMode math = MathMode::Fp32) {
  KernelsGuard kernels(target.kernels);
  const MathGuard mode(math);
  const Device device = target.device;
  manual_seed(o.seed);
  data::Batch batch;
  Generator data_gen(77);
  const Shape image{2, o.channels, o.image_size, o.image_size};
  batch.images.push_back(rand(image, {}, &data_gen, -1, 1).to(device));
  if (o.arch == Arch::Cyclegan) batch.images.push_back(rand(image, {}, &data_gen, -1, 1).to(device));
  batch.labels = from_vector(std::vector<int64_t>{1, 7}, {2}).to(device);
  std::unique_ptr<Recipe> recipe = make_recipe(o, device, batch);
  StepResult result;
  for (int i = 0; i < steps; ++i) result.values = recipe->train_step(batch);
  for (auto& [net, module] : recipe->networks()) {
    for (auto& [key, t] : module->state_dict()) result.weights[net + "." + key] = t.to(Device{});
    find_normalised_biases(net, *module, result.normalised_biases);
  }
  return result;
}

bool compiled_in(const std::string& kernels) {
  for (const BackendStatus& s : backend_statuses())
    if (s.name == kernels) return s.compiled;
  return false;
}

class Parity : public ::testing::TestWithParam<std::string> {};

// How far the other backend's steps may be from cpu's FP32 ones: losses within loss_relative ·
// (1 + |loss|), and each weight tensor's mean difference within mean_lr · lr. (Every weight is
// also within 2 lr a step: Adam moves each by about lr, so a flipped gradient sign costs 2 lr.)
struct Bounds {
  double loss_relative = 1e-4;
  double mean_lr = 0.05;  // almost all weights agree far closer than lr
};

void expect_parity(TrainOptions o, int steps, const std::string& kernels, MathMode math = MathMode::Fp32,
                   Bounds bounds = {}, MathMode cpu_math = MathMode::Fp32) {
  o = resolve_options(o);
  if (!compiled_in(kernels)) GTEST_SKIP() << "this build has no " << kernels << " backend (`ganforge info` says why)";
  const Target other{kernels, kernels == "cuda-sim" ? parse_device("cuda-sim") : Device{}};
  const StepResult cpu = one_step(o, {"cpu", Device{}}, steps, cpu_math), gpu = one_step(o, other, steps, math);
  ASSERT_EQ(cpu.values.size(), gpu.values.size());
  for (size_t i = 0; i < cpu.values.size(); ++i)
    EXPECT_NEAR(cpu.values[i].second, gpu.values[i].second, bounds.loss_relative * (1 + std::abs(cpu.values[i].second)))
        << cpu.values[i].first;
  ASSERT_EQ(cpu.weights.size(), gpu.weights.size());
  for (const auto& [key, t] : cpu.weights) {
    const Tensor& other = gpu.weights.at(key);
    if (!is_floating(t.dtype())) {
      EXPECT_EQ(t.to_vector<int64_t>(), other.to_vector<int64_t>()) << key;
      continue;
    }
    const double worst = amax(abs(t - other)).item<double>();
    EXPECT_LT(worst, 2.0 * steps * o.lr + 1e-5) << key;
    if (!cpu.normalised_biases.count(key)) {
      EXPECT_LT(mean(abs(t - other)).item<double>(), bounds.mean_lr * o.lr + 1e-6) << key;
    }
  }
}

// DCGAN at 28x28 with widths 4: 4 transposed convolutions in G, 4 convolutions in D.
TrainOptions small_dcgan() {
  TrainOptions o;
  o.arch = Arch::Dcgan;
  o.data = "synthetic";
  o.image_size = 28;
  o.channels = 1;
  o.ngf = o.ndf = 4;
  o.seed = 5;
  return o;
}

TEST_P(Parity, DcganTrainingStepMatchesCpu) { expect_parity(small_dcgan(), 2, GetParam()); }

TEST_P(Parity, CycleganTrainingStepMatchesCpu) {
  TrainOptions o;
  o.arch = Arch::Cyclegan;
  o.data = "synthetic";
  o.image_size = 32;
  o.channels = 3;
  o.ngf = o.ndf = 2;
  o.blocks = 1;
  o.seed = 6;
  expect_parity(o, 1, GetParam());
}

// The tensor-core kernels in a training step: DCGAN on cuda-sim with --math tf32 against cpu's
// FP32. Each of the 8 convolutions a loss passes through (G's 4, D's 4) rounds its operands
// with unit roundoff v = 2^-11, so a result moves by at most 2v relative per layer: the losses
// agree within 8 · 2v. How many gradient signs the rounding flips depends on the gradients'
// distribution, not only on v, so the mean weight bound is not derived: it is the FP32 test's
// doubled, over the 0.037 lr measured on the worst tensor (D's second batch norm bias).
TEST(TensorCoreParity, DcganTf32TrainingStepMatchesCpuFp32) {
  const double layers = 8, v = kernels::math_unit_roundoff(MathMode::Tf32);
  expect_parity(small_dcgan(), 2, "cuda-sim", MathMode::Tf32, {.loss_relative = layers * 2 * v, .mean_lr = 0.1});
}

// The cpu backend in tf32 rounds the operands as the tensor cores' staging does
// (kernels/cpu/operand_rounding.h), so the two differ by the order of their f32 sums, as in
// fp32: the FP32 bounds. (An operand a few f32 ulps apart on the two can round to neighbouring
// TF32 values, but that happens to about one operand in 2^13 per ulp: a perturbation of the
// same order as the sums' own rounding.)
TEST(TensorCoreParity, DcganTf32TrainingStepMatchesCpuTf32) {
  expect_parity(small_dcgan(), 2, "cuda-sim", MathMode::Tf32, {}, MathMode::Tf32);
}

INSTANTIATE_TEST_SUITE_P(Backends, Parity, ::testing::Values("cuda-sim", "onednn"),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return info.param == "cuda-sim" ? std::string("cuda_sim") : info.param;
                         });

}  // namespace
