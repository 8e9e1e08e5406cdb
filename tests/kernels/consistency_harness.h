// The backend consistency harness (after ggml's test-backend-ops): a case declares its
// operands (shape, dtype, how to fill, memory layout) and how to call one primitive; the
// harness runs it on `reference` and on another backend from the same data and compares.
//
// Every operand lives in a buffer with guard elements before and after it (and in the gaps
// of strided layouts) holding a sentinel: a write out of bounds, a write to an input, or
// an output element left unwritten all show up.
//
// Tolerance, from the dtype and the reduction length rather than trial and error: with
// unit roundoff u (2^-24 for f32, 2^-53 for f64), a result accumulated from n terms has
// |error| <= (ulps + 2n)·u·M, where M bounds the magnitude of the computation: |result| for
// elementwise ops, or Σ|terms| for sums and GEMM (obtained by running the same primitive on
// the absolute values of the inputs with the reference backend). Integer-valued data and
// i64 results must match exactly.
//
// Convolutions and GEMM follow the math mode (kernels/math_mode.h): in tf32 and bf16 each f32
// operand is first rounded with unit roundoff v (2^-11, 2^-8), so each product a·b becomes
// a(1+δ₁)·b(1+δ₂) with |δ| <= v, off by at most (2v + v²)|a·b|; summing those rounded products
// in f32 adds (ulps + 2n)·u·(1+v)²·Σ|a·b|. So the bound is ((ulps + 2n)·u·(1+v)² + 2v + v²)·M.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "core/shape.h"
#include "kernels/backend.h"
#include "kernels/math_mode.h"

namespace ganforge::testing {

enum class Role { Input, Output, InOut };
enum class Fill {
  Uniform,   // U(-1, 1)
  Positive,  // U(0.5, 2): safe for log, sqrt, division, pow bases
  Integer,   // integers in [-4, 4]: sums and products are exact in f32
  Index,     // integers in [0, bound)
  Special,   // ±1e4, ±inf, NaN, 0 and ordinary values: edge semantics
};
enum class Layout {
  Contiguous,
  Transposed,  // the last two dims stored the other way round
  Strided,     // every other element (gaps in between)
  Broadcast,   // the first non-unit dim has stride 0 (inputs only)
};

struct Operand {
  Role role = Role::Input;
  Shape shape;
  DType dtype = DType::F32;
  Fill fill = Fill::Uniform;
  Layout layout = Layout::Contiguous;
  int64_t bound = 0;  // Fill::Index: values in [0, bound)
};

using Descs = std::vector<kernels::TensorDesc>;

struct Case {
  std::string primitive;  // "binary.add", "reduce.sum", "gemm", ...
  std::string label;      // shapes, dtype, layout
  std::vector<Operand> operands;
  std::function<void(kernels::Backend&, const Descs&)> run;
  int64_t reduction_length = 1;  // terms accumulated into each output element
  double ulps = 4;               // rounding budget of the elementwise work per output
  bool exact = false;            // results must be identical
  bool bound_by_absolute_inputs = false;  // M = Σ|terms| (sums, GEMM) instead of |result|
  bool follows_math = false;              // its f32 products are rounded as the math mode says
  // For outputs that cancel (|result| far below the terms behind it) and are not a plain sum:
  // M per element of each operand, given every operand's elements in row-major order (inputs
  // and in-outs as uploaded, outputs as the reference computed them). An empty vector for an
  // operand keeps |result|.
  std::function<std::vector<std::vector<double>>(const std::vector<std::vector<double>>& values)> terms_magnitude;
};

struct Outcome {
  bool ok = true;
  std::string message;  // first mismatch, guard violation or exception (UnsupportedPrimitive too)
};

// Runs `c` on `backend` in math mode `math` and on reference, compares. The backend must be
// available.
Outcome check_case(const Case& c, kernels::Backend& backend, kernels::MathMode math = kernels::MathMode::Fp32);

std::string describe_shape(const Shape& shape, DType dtype, Layout layout);

}  // namespace ganforge::testing
