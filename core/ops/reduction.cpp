// Reductions over any set of dims. The backend always produces the keepdim shape; the
// result is reshaped afterwards when keepdim is false, and every backward starts by
// broadcasting the gradient back over the reduced dims.
#include <algorithm>
#include <stdexcept>

#include "core/dispatch.h"
#include "core/ops.h"

namespace ganforge {
namespace {

using kernels::ReduceOp;

struct Reduction {
  Shape keep_shape;  // input shape with reduced dims set to 1
  Shape out_shape;   // what the caller gets back
  std::vector<int> dims;
  int64_t count = 1;  // elements reduced into each output
};

Reduction plan(const Tensor& x, const std::vector<int>& dims, bool keepdim, const char* op) {
  Reduction r;
  std::vector<bool> reduced(static_cast<size_t>(x.dim()), dims.empty());
  for (int d : dims) reduced[wrap_dim(d, x.dim(), op)] = true;
  for (int d = 0; d < x.dim(); ++d) {
    if (reduced[d]) {
      r.dims.push_back(d);
      r.count *= x.shape()[d];
      r.keep_shape.push_back(1);
      if (keepdim) r.out_shape.push_back(1);
    } else {
      r.keep_shape.push_back(x.shape()[d]);
      r.out_shape.push_back(x.shape()[d]);
    }
  }
  return r;
}

Tensor run(ReduceOp op, const Tensor& x, const Reduction& r, DType out_dtype, kernels::ReduceParams p = {}) {
  Tensor out = empty(r.keep_shape, TensorOptions{out_dtype, x.device(), false});
  backend_for(x.device()).reduce(op, describe(out), describe(x), p);
  return out;
}

void require_floating(const Tensor& x, const char* op) {
  if (!is_floating(x.dtype()))
    throw std::invalid_argument(std::string(op) + ": expects a floating tensor (f32 or f64); got " + dtype_name(x.dtype()));
}

void require_elements(const Reduction& r, const Tensor& x, const char* op) {
  if (r.count == 0)
    throw std::invalid_argument(std::string(op) + ": cannot reduce an empty dim of shape " + shape_str(x.shape()));
}

// The gradient of a keepdim-shaped result, broadcast back to the input's shape.
Tensor spread(const Tensor& g, const Reduction& r, const Shape& input_shape) {
  return g.reshape(r.keep_shape).expand(input_shape);
}

Tensor extreme(ReduceOp op, const Tensor& x, const std::vector<int>& dims, bool keepdim) {
  const char* name = op == ReduceOp::Max ? "amax" : "amin";
  Reduction r = plan(x, dims, keepdim, name);
  require_elements(r, x, name);
  Tensor y = run(op, x, r, x.dtype());
  Tensor out = y.reshape(r.out_shape);
  // d max/dx_i = [x_i == max] / (number of maxima): ties share the gradient evenly
  record(name, {x}, out, {x, y}, [r](const Tensor& g, const BackwardContext& ctx) -> std::vector<Tensor> {
    Tensor mask = eq(ctx[0], ctx[1]);
    Tensor ties = sum(mask, r.dims, true);
    return {spread(g, r, ctx[0].shape()) * mask / ties};
  });
  return out;
}

}  // namespace

// d sum/dx_i = 1
Tensor sum(const Tensor& x, const std::vector<int>& dims, bool keepdim) {
  Reduction r = plan(x, dims, keepdim, "sum");
  Tensor out = run(ReduceOp::Sum, x, r, x.dtype()).reshape(r.out_shape);
  Shape input_shape = x.shape();
  record("sum", {x}, out, {}, [r, input_shape](const Tensor& g, const BackwardContext&) -> std::vector<Tensor> {
    return {spread(g, r, input_shape)};
  });
  return out;
}

// d mean/dx_i = 1/n
Tensor mean(const Tensor& x, const std::vector<int>& dims, bool keepdim) {
  require_floating(x, "mean");
  Reduction r = plan(x, dims, keepdim, "mean");
  Tensor out = run(ReduceOp::Mean, x, r, x.dtype()).reshape(r.out_shape);
  Shape input_shape = x.shape();
  record("mean", {x}, out, {}, [r, input_shape](const Tensor& g, const BackwardContext&) -> std::vector<Tensor> {
    return {spread(g, r, input_shape) * (1.0 / static_cast<double>(r.count))};
  });
  return out;
}

Tensor amax(const Tensor& x, const std::vector<int>& dims, bool keepdim) { return extreme(ReduceOp::Max, x, dims, keepdim); }
Tensor amin(const Tensor& x, const std::vector<int>& dims, bool keepdim) { return extreme(ReduceOp::Min, x, dims, keepdim); }

// d var/dx_i = 2 (x_i - mean) / (n - correction)
Tensor var(const Tensor& x, const std::vector<int>& dims, int64_t correction, bool keepdim) {
  require_floating(x, "var");
  if (correction < 0) throw std::invalid_argument("var: correction must be >= 0");
  Reduction r = plan(x, dims, keepdim, "var");
  Tensor out = run(ReduceOp::Var, x, r, x.dtype(), {correction}).reshape(r.out_shape);
  record("var", {x}, out, {x}, [r, correction](const Tensor& g, const BackwardContext& ctx) -> std::vector<Tensor> {
    const Tensor& input = ctx[0];
    Tensor centred = input - mean(input, r.dims, true);
    return {spread(g, r, input.shape()) * centred * (2.0 / static_cast<double>(r.count - correction))};
  });
  return out;
}

Tensor argmax(const Tensor& x, int dim, bool keepdim) {
  Reduction r = plan(x, {wrap_dim(dim, x.dim(), "argmax")}, keepdim, "argmax");
  require_elements(r, x, "argmax");
  return run(ReduceOp::ArgMax, x, r, DType::I64).reshape(r.out_shape);
}

Tensor argmin(const Tensor& x, int dim, bool keepdim) {
  Reduction r = plan(x, {wrap_dim(dim, x.dim(), "argmin")}, keepdim, "argmin");
  require_elements(r, x, "argmin");
  return run(ReduceOp::ArgMin, x, r, DType::I64).reshape(r.out_shape);
}

Tensor sum_to(const Tensor& x, const Shape& shape) {
  if (x.shape() == shape) return x;
  const int lead = x.dim() - static_cast<int>(shape.size());
  if (lead < 0) throw std::invalid_argument("sum_to: cannot sum shape " + shape_str(x.shape()) + " to " + shape_str(shape));
  std::vector<int> dims;
  for (int d = 0; d < x.dim(); ++d) {
    if (d < lead) {
      dims.push_back(d);
    } else if (shape[d - lead] == 1 && x.shape()[d] != 1) {
      dims.push_back(d);
    } else if (shape[d - lead] != x.shape()[d]) {
      throw std::invalid_argument("sum_to: cannot sum shape " + shape_str(x.shape()) + " to " + shape_str(shape));
    }
  }
  return dims.empty() ? x.reshape(shape) : sum(x, dims, true).reshape(shape);
}

Tensor Tensor::sum(const std::vector<int>& dims, bool keepdim) const { return ganforge::sum(*this, dims, keepdim); }
Tensor Tensor::mean(const std::vector<int>& dims, bool keepdim) const { return ganforge::mean(*this, dims, keepdim); }
Tensor Tensor::max(const std::vector<int>& dims, bool keepdim) const { return amax(*this, dims, keepdim); }
Tensor Tensor::min(const std::vector<int>& dims, bool keepdim) const { return amin(*this, dims, keepdim); }
Tensor Tensor::var(const std::vector<int>& dims, int64_t correction, bool keepdim) const {
  return ganforge::var(*this, dims, correction, keepdim);
}
Tensor Tensor::argmax(int dim, bool keepdim) const { return ganforge::argmax(*this, dim, keepdim); }
Tensor Tensor::argmin(int dim, bool keepdim) const { return ganforge::argmin(*this, dim, keepdim); }

}  // namespace ganforge
