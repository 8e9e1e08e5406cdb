// Batched matrix product on Backend::gemm. Batch dims broadcast; operands are passed with
// their strides, so transposed views (as in the backward) need no copy.
#include <stdexcept>

#include "core/dispatch.h"
#include "core/ops.h"

namespace ganforge {
namespace {

// x ([..., rows, cols], already expanded to the batch shape) as one strided batch of
// matrices; copies only if its batch dims cannot be walked with a single stride.
Tensor batchable(const Tensor& x, int64_t batch) {
  const int batch_dims = x.dim() - 2;
  if (batch <= 1 || batch_dims <= 1) return x;
  for (int d = 0; d + 1 < batch_dims; ++d)
    if (x.strides()[d] != x.strides()[d + 1] * x.shape()[d + 1]) return x.contiguous();
  return x;
}

kernels::MatrixDesc matrix_of(const Tensor& x) {
  const int n = x.dim();
  kernels::MatrixDesc m;
  m.data = x.data_ptr();
  m.row_stride = x.strides()[n - 2];
  m.col_stride = x.strides()[n - 1];
  m.batch_stride = n > 2 ? x.strides()[n - 3] : 0;
  return m;
}

}  // namespace

// d(AB)/dA = g Bᵀ, d(AB)/dB = Aᵀ g (summed over broadcast batch dims)
Tensor matmul(const Tensor& a_in, const Tensor& b_in) {
  check_same_device("matmul", {a_in, b_in});
  if (a_in.dim() < 2 || b_in.dim() < 2)
    throw std::invalid_argument("matmul: both operands must be at least 2-D; got shapes " + shape_str(a_in.shape()) +
                                " and " + shape_str(b_in.shape()));
  const int64_t m = a_in.size(-2), k = a_in.size(-1), n = b_in.size(-1);
  if (b_in.size(-2) != k)
    throw std::invalid_argument("matmul: inner dims differ: " + shape_str(a_in.shape()) + " @ " +
                                shape_str(b_in.shape()) + " (" + std::to_string(k) + " vs " +
                                std::to_string(b_in.size(-2)) + ")");
  DType dtype = promote(a_in.dtype(), b_in.dtype());
  Tensor a = a_in.to(dtype), b = b_in.to(dtype);
  Shape batch_shape = broadcast_shapes(Shape(a.shape().begin(), a.shape().end() - 2),
                                       Shape(b.shape().begin(), b.shape().end() - 2), "matmul");
  const int64_t batch = shape_numel(batch_shape);
  Shape a_shape = batch_shape, b_shape = batch_shape, out_shape = batch_shape;
  a_shape.insert(a_shape.end(), {m, k});
  b_shape.insert(b_shape.end(), {k, n});
  out_shape.insert(out_shape.end(), {m, n});
  Tensor a_batched = batchable(a.expand(a_shape), batch), b_batched = batchable(b.expand(b_shape), batch);

  Tensor out = empty(out_shape, TensorOptions{dtype, a.device(), false});
  kernels::GemmDesc g;
  g.dtype = dtype;
  g.batch = batch;
  g.m = m;
  g.n = n;
  g.k = k;
  g.a = matrix_of(a_batched);
  g.b = matrix_of(b_batched);
  g.c = matrix_of(out);
  if (out.dim() == 2) g.c.batch_stride = 0;
  backend_for(a.device()).gemm(g);

  record("matmul", {a, b}, out, {a, b}, [](const Tensor& grad, const BackwardContext& ctx) -> std::vector<Tensor> {
    const Tensor &x = ctx[0], &y = ctx[1];
    Tensor ga = ctx.needs(0) ? sum_to(matmul(grad, y.transpose(-1, -2)), x.shape()) : Tensor();
    Tensor gb = ctx.needs(1) ? sum_to(matmul(x.transpose(-1, -2), grad), y.shape()) : Tensor();
    return {ga, gb};
  });
  return out;
}

}  // namespace ganforge
