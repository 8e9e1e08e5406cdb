// Fused losses of the cuda / cuda-sim backend, over contiguous operands (as the core ops pass
// them). Terms and gradients are the shared formulas (kernels/common/loss_formulas.h), in
// double for f32 too, as on the cpu backend; so is softmax - 1 for cross-entropy.
//
// The forward is deterministic: two passes and no float atomics, so the same input gives the
// same loss bit for bit on every run.
// - loss_partial_sums: a grid-stride loop over the elements; each thread sums its terms, the
//   block adds its threads' sums (block_sum) and writes one partial per block.
// - cross_entropy_partial_sums: one warp per row (grid-stride over rows): the lanes stride over
//   the classes, and butterfly shuffles give every lane the row's maximum and then Σ exp(z - max),
//   hence log Σ exp; lane 0 adds each of its rows' terms (lse - z[label]) in row order; then
//   the block's partial as above. A warp per row keeps the 10-class rows of GAN classifiers from
//   idling whole blocks, and needs no barrier inside the row.
// - loss_final_sum: one block adds the partials in a fixed order and writes the loss (÷ the
//   number of terms for the mean).
// - loss_gradient_grid_stride: d term / d input times the upstream scalar, one element per
//   thread iteration.
// - cross_entropy_gradient: one warp per row again: log Σ exp as in the forward, then
//   softmax - one_hot along the row.
#include "kernels/common/loss_formulas.h"
#include "kernels/cuda/block_reduce.h"
#include "kernels/cuda/cuda_backend.h"

namespace ganforge::kernels::GANFORGE_CUDA_NS {
namespace {

constexpr int kWarps = kThreadsPerBlock / 32;
constexpr int64_t kMaxRowBlocks = 4096;

struct Max {
  __device__ double operator()(double a, double b) const { return fmax(a, b); }  // fmax skips NaN, as the reference's
};
struct Sum {
  __device__ double operator()(double a, double b) const { return a + b; }
};

// log Σ_j exp(z_j) of one row, shifted by its maximum when that is finite; every lane of the
// warp calls it and gets the result.
template <class T>
__device__ double warp_log_sum_exp(const T* z, int64_t classes, int lane) {
  double max = -INFINITY;
  for (int64_t j = lane; j < classes; j += 32) max = fmax(max, static_cast<double>(z[j]));
  max = group_allreduce(max, 32, Max{});
  if (fabs(max) == INFINITY) max = 0;
  double sum = 0;
  for (int64_t j = lane; j < classes; j += 32) sum += exp(static_cast<double>(z[j]) - max);
  return max + log(group_allreduce(sum, 32, Sum{}));
}

template <class T>
__global__ void loss_partial_sums(LossOp op, const T* input, const T* target, int64_t n, double* partials) {
  __shared__ double scratch[kWarps];
  double sum = 0;
  const int64_t stride = int64_t{gridDim.x} * blockDim.x;
  for (int64_t i = int64_t{blockIdx.x} * blockDim.x + threadIdx.x; i < n; i += stride)
    sum += loss_term(op, static_cast<double>(input[i]), static_cast<double>(target[i]));
  sum = block_sum(sum, scratch);
  if (threadIdx.x == 0) partials[blockIdx.x] = sum;
}

template <class T>
__global__ void cross_entropy_partial_sums(const T* logits, const int64_t* labels, int64_t rows, int64_t classes,
                                           double* partials) {
  __shared__ double scratch[kWarps];
  const int lane = threadIdx.x % 32;
  const int64_t warps = int64_t{gridDim.x} * kWarps;
  double sum = 0;
  for (int64_t r = int64_t{blockIdx.x} * kWarps + threadIdx.x / 32; r < rows; r += warps) {  // the same trip count in a warp
    const T* z = logits + r * classes;
    const double lse = warp_log_sum_exp(z, classes, lane);
    if (lane == 0) sum += lse - static_cast<double>(z[labels[r]]);
  }
  sum = block_sum(sum, scratch);
  if (threadIdx.x == 0) partials[blockIdx.x] = sum;
}

template <class T>
__global__ void loss_final_sum(const double* partials, unsigned count, double divisor, T* loss) {
  __shared__ double scratch[kWarps];
  double sum = 0;
  for (unsigned i = threadIdx.x; i < count; i += blockDim.x) sum += partials[i];
  sum = block_sum(sum, scratch);
  if (threadIdx.x == 0) *loss = static_cast<T>(sum / divisor);
}

template <class T>
__global__ void loss_gradient_grid_stride(LossOp op, const T* input, const T* target, int64_t n, double g, T* grad) {
  const int64_t stride = int64_t{gridDim.x} * blockDim.x;
  for (int64_t i = int64_t{blockIdx.x} * blockDim.x + threadIdx.x; i < n; i += stride)
    grad[i] = static_cast<T>(g * loss_term_derivative(op, static_cast<double>(input[i]), static_cast<double>(target[i])));
}

// d/dz_rj = g·(softmax(z_r)_j - [j == label_r])
template <class T>
__global__ void cross_entropy_gradient(const T* logits, const int64_t* labels, int64_t rows, int64_t classes, double g,
                                       T* grad) {
  const int lane = threadIdx.x % 32;
  const int64_t warps = int64_t{gridDim.x} * kWarps;
  for (int64_t r = int64_t{blockIdx.x} * kWarps + threadIdx.x / 32; r < rows; r += warps) {
    const T* z = logits + r * classes;
    const double lse = warp_log_sum_exp(z, classes, lane);
    const int64_t label = labels[r];
    for (int64_t j = lane; j < classes; j += 32)
      grad[r * classes + j] = static_cast<T>(g * (exp(static_cast<double>(z[j]) - lse) - (j == label ? 1.0 : 0.0)));
  }
}

// Blocks of warps for one warp per row.
unsigned row_blocks(int64_t rows) {
  const int64_t wanted = (rows + kWarps - 1) / kWarps;
  return static_cast<unsigned>(wanted < 1 ? 1 : (wanted < kMaxRowBlocks ? wanted : kMaxRowBlocks));
}

}  // namespace

void CudaBackend::loss_forward(LossOp op, Reduction reduction, const TensorDesc& loss, const TensorDesc& input,
                               const TensorDesc& target) {
  const bool rows = op == LossOp::CrossEntropy;
  const unsigned blocks = rows ? row_blocks(input.shape[0]) : grid_for(input.numel());
  // Freed as soon as the final pass is queued: the allocator's reuse is ordered on the stream.
  struct Partials {
    CudaBackend& backend;
    double* data;
    ~Partials() { backend.deallocate(data); }
  } partials{*this, static_cast<double*>(allocate(blocks * sizeof(double)))};
  const double divisor = reduction == Reduction::Mean ? loss_terms(op, input.numel(), input.shape[0]) : 1.0;
  dispatch_floating("loss_forward", input.dtype, [&](auto type) {
    using T = decltype(type);
    const T* x = static_cast<const T*>(input.data);
    if (rows)
      launch(cross_entropy_partial_sums<T>, dim3(blocks), dim3(kThreadsPerBlock), 0, nullptr, x,
             static_cast<const int64_t*>(target.data), input.shape[0], input.shape[1], partials.data);
    else
      launch(loss_partial_sums<T>, dim3(blocks), dim3(kThreadsPerBlock), 0, nullptr, op, x,
             static_cast<const T*>(target.data), input.numel(), partials.data);
    launch(loss_final_sum<T>, dim3(1), dim3(kThreadsPerBlock), 0, nullptr, static_cast<const double*>(partials.data), blocks,
           divisor, static_cast<T*>(loss.data));
  });
}

void CudaBackend::loss_backward(LossOp op, Reduction reduction, double grad_loss, const TensorDesc& grad_input,
                                const TensorDesc& input, const TensorDesc& target) {
  const double g = reduction == Reduction::Mean ? grad_loss / loss_terms(op, input.numel(), input.shape[0]) : grad_loss;
  dispatch_floating("loss_backward", input.dtype, [&](auto type) {
    using T = decltype(type);
    const T* x = static_cast<const T*>(input.data);
    T* grad = static_cast<T*>(grad_input.data);
    if (op == LossOp::CrossEntropy)
      launch(cross_entropy_gradient<T>, dim3(row_blocks(input.shape[0])), dim3(kThreadsPerBlock), 0, nullptr, x,
             static_cast<const int64_t*>(target.data), input.shape[0], input.shape[1], g, grad);
    else if (input.numel() > 0)
      launch(loss_gradient_grid_stride<T>, dim3(grid_for(input.numel())), dim3(kThreadsPerBlock), 0, nullptr, op, x,
             static_cast<const T*>(target.data), input.numel(), g, grad);
  });
}

}  // namespace ganforge::kernels::GANFORGE_CUDA_NS
