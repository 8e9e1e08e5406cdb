#include "gan/train/divergence.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace ganforge::gan {
namespace {

std::string number(double v) {
  char text[32];
  std::snprintf(text, sizeof text, "%.3g", v);
  return text;
}

double parameter_norm(nn::Module& network) {
  double squares = 0;
  for (const Tensor& p : network.parameters())
    for (double v : p.detach().to_vector<double>()) squares += v * v;
  return std::sqrt(squares);
}

}  // namespace

std::optional<std::string> DivergenceCheck::after_step(int64_t step, const StepValues& values, bool weights) {
  const bool first = first_step_ == 0;
  if (first) first_step_ = step;
  auto grown = [&](const std::string& what, double value, double reference) {
    return what + " is " + number(value) + ", more than " + std::to_string(static_cast<int64_t>(kGrowth)) + " times its value at step " +
           std::to_string(first_step_) + " (" + number(reference) + ")";
  };
  for (const auto& [name, v] : values) {
    if (!std::isfinite(v)) return name + " is " + std::to_string(v);
    if (name.rfind("loss", 0) != 0) continue;
    if (first) first_losses_[name] = std::abs(v);
    if (std::abs(v) > kGrowth * std::max(1.0, first_losses_[name])) return grown(name, v, first_losses_[name]);
  }
  if (!first && !weights) return std::nullopt;
  for (auto& [name, network] : recipe_.networks()) {
    const double norm = parameter_norm(*network);
    if (first) first_norms_[name] = norm;
    if (!std::isfinite(norm)) return "the parameters of " + name + " are not finite";
    if (first_norms_[name] > 0 && norm > kGrowth * first_norms_[name])
      return grown("the parameter norm of " + name, norm, first_norms_[name]);
  }
  return std::nullopt;
}

}  // namespace ganforge::gan
