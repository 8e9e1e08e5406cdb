#include "nn/dropout.h"

#include <cstdio>
#include <stdexcept>

#include "core/layer_ops.h"

namespace ganforge::nn {
namespace {

double checked_probability(const char* layer, double p) {
  if (!(p >= 0 && p <= 1))
    throw std::invalid_argument(std::string(layer) + ": p must be in [0, 1]; got " + std::to_string(p));
  return p;
}

std::string p_repr(double p) {
  char text[32];
  std::snprintf(text, sizeof text, "p=%g", p);
  return text;
}

}  // namespace

Dropout::Dropout(double p_, Generator* generator) : p(checked_probability("Dropout", p_)), generator_(generator) {}
Tensor Dropout::forward(const Tensor& x) { return dropout(x, p, is_training(), generator_); }
std::string Dropout::extra_repr() const { return p_repr(p); }

Dropout2d::Dropout2d(double p_, Generator* generator) : p(checked_probability("Dropout2d", p_)), generator_(generator) {}
Tensor Dropout2d::forward(const Tensor& x) { return dropout2d(x, p, is_training(), generator_); }
std::string Dropout2d::extra_repr() const { return p_repr(p); }

}  // namespace ganforge::nn
