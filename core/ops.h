// The public op API. Every op here is differentiable unless it says otherwise; its
// forward and backward live side by side in core/ops/<family>.cpp.
#pragma once

#include <vector>

#include "core/autograd.h"
#include "core/random.h"
#include "core/tensor.h"

namespace ganforge {

// ------------------------------------------------------------- elementwise (ops/elementwise.cpp)
// Binary ops broadcast NumPy-style and promote dtypes (i64 < f32 < f64).
Tensor add(const Tensor& a, const Tensor& b);
Tensor sub(const Tensor& a, const Tensor& b);
Tensor mul(const Tensor& a, const Tensor& b);
Tensor div(const Tensor& a, const Tensor& b);  // integer operands give f32, as true division
Tensor pow(const Tensor& base, const Tensor& exponent);
Tensor minimum(const Tensor& a, const Tensor& b);  // NaN propagates; ties split the gradient
Tensor maximum(const Tensor& a, const Tensor& b);

Tensor add(const Tensor& a, double b);
Tensor mul(const Tensor& a, double b);
Tensor pow(const Tensor& base, double exponent);
Tensor neg(const Tensor& x);
Tensor exp(const Tensor& x);
Tensor log(const Tensor& x);
Tensor sqrt(const Tensor& x);
Tensor abs(const Tensor& x);
// Limits to [low, high]; the gradient passes where low <= x <= high. NaN stays NaN.
Tensor clamp(const Tensor& x, double low, double high);

// Comparisons (not differentiable): 1 where true, 0 where false, in the promoted dtype of
// the operands (GANForge has no bool dtype, so masks multiply directly).
Tensor eq(const Tensor& a, const Tensor& b);
Tensor ne(const Tensor& a, const Tensor& b);
Tensor lt(const Tensor& a, const Tensor& b);
Tensor le(const Tensor& a, const Tensor& b);
Tensor gt(const Tensor& a, const Tensor& b);
Tensor ge(const Tensor& a, const Tensor& b);
// cond != 0 ? a : b, broadcasting all three; differentiable in a and b.
Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b);

Tensor operator+(const Tensor& a, const Tensor& b);
Tensor operator-(const Tensor& a, const Tensor& b);
Tensor operator*(const Tensor& a, const Tensor& b);
Tensor operator/(const Tensor& a, const Tensor& b);
Tensor operator-(const Tensor& x);
Tensor operator+(const Tensor& a, double b);
Tensor operator+(double a, const Tensor& b);
Tensor operator-(const Tensor& a, double b);
Tensor operator-(double a, const Tensor& b);
Tensor operator*(const Tensor& a, double b);
Tensor operator*(double a, const Tensor& b);
Tensor operator/(const Tensor& a, double b);
Tensor operator/(double a, const Tensor& b);

// ----------------------------------------------------------------- reductions (ops/reduction.cpp)
// dims empty = all dims. Max/min over ties send the gradient evenly to every maximum.
Tensor sum(const Tensor& x, const std::vector<int>& dims = {}, bool keepdim = false);
Tensor mean(const Tensor& x, const std::vector<int>& dims = {}, bool keepdim = false);
Tensor amax(const Tensor& x, const std::vector<int>& dims = {}, bool keepdim = false);
Tensor amin(const Tensor& x, const std::vector<int>& dims = {}, bool keepdim = false);
// Variance with `correction` (1: unbiased, 0: population).
Tensor var(const Tensor& x, const std::vector<int>& dims = {}, int64_t correction = 1, bool keepdim = false);
Tensor argmax(const Tensor& x, int dim, bool keepdim = false);  // i64, not differentiable
Tensor argmin(const Tensor& x, int dim, bool keepdim = false);
// Sums a gradient of a broadcast result back to `shape` (the inverse of broadcasting).
Tensor sum_to(const Tensor& x, const Shape& shape);

// ------------------------------------------------------------------------ linear algebra (ops/matmul.cpp)
// [..., m, k] @ [..., k, n] -> [..., m, n]; batch dims broadcast. Both operands are >= 2-D.
Tensor matmul(const Tensor& a, const Tensor& b);

// ----------------------------------------------------------------- joining and indexing (ops/join.cpp)
Tensor cat(const std::vector<Tensor>& tensors, int dim);
Tensor stack(const std::vector<Tensor>& tensors, int dim);
// Rows (along dim) picked by a 1-D i64 index; the backward scatters-adds into those rows.
Tensor index_select(const Tensor& x, int dim, const Tensor& index);
// i64 labels of any shape -> labels.shape + [num_classes] of 0/1 (i64). num_classes -1:
// one more than the largest label.
Tensor one_hot(const Tensor& labels, int64_t num_classes = -1);

}  // namespace ganforge
