#include "core/gradcheck.h"

#include <cmath>
#include <sstream>
#include <stdexcept>

#include "core/ops.h"

namespace ganforge {
namespace {

// A 0-d view of element `flat` (row-major) of x, so it can be changed in place.
Tensor element_view(const Tensor& x, int64_t flat) {
  Tensor view = x.detach();
  Shape strides = contiguous_strides(x.shape());
  for (int d = 0; d < x.dim(); ++d) {
    view = view.select(0, flat / strides[d]);
    flat %= strides[d];
  }
  return view;
}

double contract(const Tensor& out, const Tensor& v) { return sum(out.detach() * v).item<double>(); }

std::vector<Tensor> analytic_gradients(const GradcheckFunction& f, const std::vector<Tensor>& inputs, const Tensor& v) {
  Tensor out = f(inputs);
  out.backward(v);
  std::vector<Tensor> grads;
  for (const Tensor& x : inputs) {
    if (!x.requires_grad()) {
      grads.emplace_back();
      continue;
    }
    grads.push_back(x.grad().defined() ? x.grad() : zeros_like(x));
  }
  return grads;
}

}  // namespace

GradcheckResult gradcheck(const GradcheckFunction& f, const std::vector<Tensor>& inputs, const GradcheckOptions& options) {
  for (size_t i = 0; i < inputs.size(); ++i)
    if (inputs[i].requires_grad() && inputs[i].dtype() != DType::F64)
      throw std::invalid_argument("gradcheck: input " + std::to_string(i) + " requires grad but is " +
                                  dtype_name(inputs[i].dtype()) + "; use f64 inputs");
  for (const Tensor& x : inputs)
    if (x.requires_grad()) x.set_grad(Tensor());

  Tensor probe = [&] {
    NoGradGuard no_grad;
    return f(inputs);
  }();
  Generator gen(options.seed);
  Tensor v = randn(probe.shape(), TensorOptions{}.with_dtype(DType::F64), &gen);

  GradcheckResult result;
  std::vector<Tensor> analytic = analytic_gradients(f, inputs, v);

  for (size_t i = 0; i < inputs.size() && result.ok; ++i) {
    const Tensor& x = inputs[i];
    if (!x.requires_grad()) continue;
    std::vector<double> a = analytic[i].to_vector<double>();
    for (int64_t j = 0; j < x.numel(); ++j) {
      NoGradGuard no_grad;
      Tensor element = element_view(x, j);
      const double original = element.item<double>();
      element.fill_(original + options.eps);
      const double plus = contract(f(inputs), v);
      element.fill_(original - options.eps);
      const double minus = contract(f(inputs), v);
      element.fill_(original);
      const double numeric = (plus - minus) / (2 * options.eps);
      const double error = std::fabs(a[j] - numeric);
      result.max_error = std::max(result.max_error, error);
      if (!(error <= options.atol + options.rtol * std::fabs(numeric))) {
        std::ostringstream msg;
        msg << "gradient of input " << i << " (shape " << shape_str(x.shape()) << ") element " << j
            << ": analytic " << a[j] << ", numeric " << numeric << ", |difference| " << error;
        result.ok = false;
        result.message = msg.str();
        break;
      }
    }
  }

  if (result.ok && options.check_accumulation) {
    // Pre-fill every .grad with a known tensor; a second backward must add to it.
    std::vector<Tensor> prefill;
    for (size_t i = 0; i < inputs.size(); ++i) {
      if (!inputs[i].requires_grad()) {
        prefill.emplace_back();
        continue;
      }
      prefill.push_back(randn(inputs[i].shape(), TensorOptions{}.with_dtype(DType::F64), &gen));
      inputs[i].set_grad(prefill[i].clone());
    }
    f(inputs).backward(v);
    for (size_t i = 0; i < inputs.size() && result.ok; ++i) {
      if (!inputs[i].requires_grad() || inputs[i].numel() == 0) continue;
      double difference = amax(abs(inputs[i].grad() - (prefill[i] + analytic[i]))).item<double>();
      if (!(difference <= 1e-12 * (1 + amax(abs(prefill[i] + analytic[i])).item<double>()))) {
        result.ok = false;
        result.message = "backward did not accumulate into the existing gradient of input " + std::to_string(i) +
                         " (max deviation from prefill + gradient: " + std::to_string(difference) + ")";
      }
    }
  }
  for (const Tensor& x : inputs)
    if (x.requires_grad()) x.set_grad(Tensor());
  return result;
}

}  // namespace ganforge
