#include "nn/module.h"

#include <cstdio>
#include <set>
#include <stdexcept>

#include "core/autograd.h"

namespace ganforge::nn {
namespace {

// While Module::summary runs, every module call notes its output here (one thread only).
struct SummaryRecorder {
  struct Row {
    std::string name, type, shape;
    int64_t params = 0;
    int depth = 0;
  };
  std::map<const Module*, std::string> names;
  std::vector<Row> rows;
  int depth = 0;
};
thread_local SummaryRecorder* recorder = nullptr;

int64_t count(const std::vector<std::pair<std::string, Tensor>>& tensors) {
  int64_t n = 0;
  for (const auto& [name, t] : tensors) n += t.numel();
  return n;
}

std::string with_commas(int64_t n) {
  std::string digits = std::to_string(n), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

}  // namespace

Tensor Module::forward(const Tensor&) {
  throw std::logic_error(type_name() + " is not called with one tensor; use its own call operator");
}

bool Module::recording_summary() { return recorder != nullptr; }

Tensor Module::operator()(const Tensor& input) {
  if (!recorder) return forward(input);
  auto it = recorder->names.find(this);
  const size_t row = recorder->rows.size();
  recorder->rows.push_back({it == recorder->names.end() ? "?" : it->second, type_name(), "", count(named_parameters(false)),
                            recorder->depth});
  ++recorder->depth;
  Tensor out = forward(input);
  --recorder->depth;
  recorder->rows[row].shape = shape_str(out.shape());
  return out;
}

void Module::check_new_name(const std::string& name) const {
  if (name.empty() || name.find('.') != std::string::npos)
    throw std::invalid_argument(type_name() + ": a parameter, buffer or child name must be non-empty and contain no '.'; got '" +
                                name + "'");
  auto taken = [&](const auto& list) {
    for (const auto& entry : list)
      if (entry.first == name) return true;
    return false;
  };
  if (taken(parameters_) || taken(buffers_) || taken(children_))
    throw std::invalid_argument(type_name() + ": the name '" + name + "' is already registered");
}

Tensor Module::register_parameter(const std::string& name, Tensor value) {
  check_new_name(name);
  if (!value.defined()) throw std::invalid_argument(type_name() + ": parameter '" + name + "' is undefined");
  if (!value.is_leaf()) value = value.detach();
  value.requires_grad_(true);
  parameters_.emplace_back(name, value);
  return value;
}

Tensor Module::register_buffer(const std::string& name, Tensor value) {
  check_new_name(name);
  if (!value.defined()) throw std::invalid_argument(type_name() + ": buffer '" + name + "' is undefined");
  buffers_.emplace_back(name, value);
  return value;
}

void Module::add_child(const std::string& name, std::shared_ptr<Module> module) {
  check_new_name(name);
  if (!module) throw std::invalid_argument(type_name() + ": child module '" + name + "' is null");
  children_.emplace_back(name, std::move(module));
}

template <class Get>
void Module::collect(const std::string& prefix, bool recurse, Get get,
                     std::vector<std::pair<std::string, Tensor>>& out) const {
  for (const auto& [name, t] : get(*this)) out.emplace_back(prefix + name, t);
  if (!recurse) return;
  for (const auto& [name, child] : children_) child->collect(prefix + name + ".", true, get, out);
}

std::vector<std::pair<std::string, Tensor>> Module::named_parameters(bool recurse) const {
  std::vector<std::pair<std::string, Tensor>> out;
  collect("", recurse, [](const Module& m) -> const auto& { return m.parameters_; }, out);
  return out;
}

std::vector<std::pair<std::string, Tensor>> Module::named_buffers(bool recurse) const {
  std::vector<std::pair<std::string, Tensor>> out;
  collect("", recurse, [](const Module& m) -> const auto& { return m.buffers_; }, out);
  return out;
}

std::vector<Tensor> Module::parameters(bool recurse) const {
  std::vector<Tensor> out;
  for (auto& [name, t] : named_parameters(recurse)) out.push_back(t);
  return out;
}

std::vector<Tensor> Module::buffers(bool recurse) const {
  std::vector<Tensor> out;
  for (auto& [name, t] : named_buffers(recurse)) out.push_back(t);
  return out;
}

std::vector<std::pair<std::string, std::shared_ptr<Module>>> Module::named_children() const { return children_; }

std::vector<std::pair<std::string, std::shared_ptr<Module>>> Module::named_modules() {
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> out{{"", shared_from_this()}};
  for (const auto& [name, child] : children_)
    for (auto& [sub, module] : child->named_modules()) out.emplace_back(sub.empty() ? name : name + "." + sub, module);
  return out;
}

void Module::apply(const std::function<void(Module&)>& fn) {
  for (const auto& [name, child] : children_) child->apply(fn);
  fn(*this);
}

int64_t Module::num_parameters() const { return count(named_parameters()); }

void Module::train(bool on) {
  training_ = on;
  for (const auto& [name, child] : children_) child->train(on);
}

void Module::to(Device device) {
  NoGradGuard no_grad;
  auto move = [&](const Tensor& t) {
    t.set_grad(Tensor());
    if (t.device() == device) return;
    Tensor moved = t.detach().to(device).contiguous();
    // Swap the data under the existing handle, so every holder of it sees the new device.
    t.impl()->storage = moved.impl()->storage;
    t.impl()->strides = moved.strides();
    t.impl()->offset = moved.offset();
  };
  for (const Tensor& t : parameters()) move(t);
  for (const Tensor& t : buffers()) move(t);
}

void Module::zero_grad() {
  for (const Tensor& t : parameters()) t.set_grad(Tensor());
}

StateDict Module::state_dict() const {
  StateDict state;
  for (auto& [name, t] : named_parameters()) state[name] = t.detach();
  for (auto& [name, t] : named_buffers()) state[name] = t.detach();
  return state;
}

void Module::load_state_dict(const StateDict& state) {
  StateDict own = state_dict();
  std::vector<std::string> problems;
  for (const auto& [name, t] : own) {
    auto it = state.find(name);
    if (it == state.end()) {
      problems.push_back("missing key '" + name + "'");
    } else if (!it->second.defined()) {
      problems.push_back("'" + name + "' is undefined");
    } else if (it->second.shape() != t.shape()) {
      problems.push_back("'" + name + "' has shape " + shape_str(it->second.shape()) + " in the state dict but " +
                         shape_str(t.shape()) + " in the module");
    } else if (it->second.dtype() != t.dtype()) {
      problems.push_back("'" + name + "' has dtype " + dtype_name(it->second.dtype()) + " in the state dict but " +
                         dtype_name(t.dtype()) + " in the module");
    }
  }
  for (const auto& [name, t] : state)
    if (!own.count(name)) problems.push_back("unexpected key '" + name + "'");
  if (!problems.empty()) {
    std::string message = "load_state_dict into " + type_name() + ":";
    for (const std::string& p : problems) message += "\n  " + p;
    throw std::invalid_argument(message);
  }
  NoGradGuard no_grad;
  for (auto& [name, t] : own) t.copy_(state.at(name).to(t.device()));
}

void Module::print_tree(std::string& out, int indent) const {
  out += type_name() + "(" + extra_repr();
  if (!children_.empty()) {
    out += "\n";
    for (const auto& [name, child] : children_) {
      out += std::string(static_cast<size_t>(indent + 2), ' ') + "(" + name + "): ";
      child->print_tree(out, indent + 2);
      out += "\n";
    }
    out += std::string(static_cast<size_t>(indent), ' ');
  }
  out += ")";
}

std::string Module::to_string() const {
  std::string out;
  print_tree(out, 0);
  return out;
}

std::string Module::summary(const Tensor& input) {
  SummaryRecorder record;
  for (auto& [name, module] : named_modules()) record.names[module.get()] = name.empty() ? "(model)" : name;
  const bool was_training = training_;
  eval();
  recorder = &record;
  try {
    NoGradGuard no_grad;
    (*this)(input);
  } catch (...) {
    recorder = nullptr;
    train(was_training);
    throw;
  }
  recorder = nullptr;
  train(was_training);

  size_t name_width = 5, type_width = 4, shape_width = 12;
  for (const auto& row : record.rows) {
    name_width = std::max(name_width, row.name.size() + 2 * static_cast<size_t>(row.depth));
    type_width = std::max(type_width, row.type.size());
    shape_width = std::max(shape_width, row.shape.size());
  }
  std::string out;
  char line[512];
  auto emit = [&](const std::string& a, const std::string& b, const std::string& c, const std::string& d) {
    std::snprintf(line, sizeof line, "%-*s  %-*s  %-*s  %12s\n", static_cast<int>(name_width), a.c_str(),
                  static_cast<int>(type_width), b.c_str(), static_cast<int>(shape_width), c.c_str(), d.c_str());
    out += line;
  };
  emit("layer", "type", "output shape", "parameters");
  for (const auto& row : record.rows)
    emit(std::string(2 * static_cast<size_t>(row.depth), ' ') + row.name, row.type, row.shape, with_commas(row.params));
  out += "input " + shape_str(input.shape()) + "; " + with_commas(num_parameters()) + " trainable parameters\n";
  return out;
}

}  // namespace ganforge::nn
