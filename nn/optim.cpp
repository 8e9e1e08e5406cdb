#include "nn/optim.h"

#include <map>
#include <set>
#include <stdexcept>

#include "core/autograd.h"
#include "core/layer_ops.h"

namespace ganforge::nn {
namespace {

Tensor f64_scalar(double v) { return scalar_tensor(v, TensorOptions{}.with_dtype(DType::F64)); }
Tensor i64_scalar(int64_t v) { return from_vector(std::vector<int64_t>{v}, Shape{}); }

// Reads the named tensors an optimizer expects, and reports everything missing, misshapen or
// unexpected at once.
class StateReader {
 public:
  StateReader(const char* optimizer, const StateDict& state) : optimizer_(optimizer), state_(state) {}

  // The tensor under `key`, which must have `shape` (its dtype is converted).
  Tensor take(const std::string& key, const Shape& shape, DType dtype) {
    auto it = state_.find(key);
    if (it == state_.end()) {
      problems_.push_back("missing key '" + key + "'");
      return Tensor();
    }
    used_.insert(key);
    if (it->second.shape() != shape) {
      problems_.push_back("'" + key + "' has shape " + shape_str(it->second.shape()) + "; expected " + shape_str(shape));
      return Tensor();
    }
    return it->second.to(dtype);
  }
  bool has(const std::string& key) const { return state_.count(key) > 0; }
  double number(const std::string& key) {
    Tensor t = take(key, {}, DType::F64);
    return t.defined() ? t.item<double>() : 0;
  }
  // Throws listing every problem (and every key that nothing read).
  void finish() {
    for (const auto& [key, t] : state_)
      if (!used_.count(key)) problems_.push_back("unexpected key '" + key + "'");
    if (problems_.empty()) return;
    std::string message = std::string(optimizer_) + ".load_state_dict:";
    for (const std::string& p : problems_) message += "\n  " + p;
    throw std::invalid_argument(message);
  }

 private:
  const char* optimizer_;
  const StateDict& state_;
  std::set<std::string> used_;
  std::vector<std::string> problems_;
};

void check_lr(const char* optimizer, double lr) {
  if (!(lr >= 0)) throw std::invalid_argument(std::string(optimizer) + ": learning rate must be >= 0; got " + std::to_string(lr));
}

void check(const AdamOptions& o) {
  check_lr("Adam", o.lr);
  if (!(o.beta1 >= 0 && o.beta1 < 1) || !(o.beta2 >= 0 && o.beta2 < 1))
    throw std::invalid_argument("Adam: betas must be in [0, 1); got (" + std::to_string(o.beta1) + ", " + std::to_string(o.beta2) + ")");
  if (!(o.eps >= 0)) throw std::invalid_argument("Adam: eps must be >= 0; got " + std::to_string(o.eps));
  if (!(o.weight_decay >= 0)) throw std::invalid_argument("Adam: weight_decay must be >= 0; got " + std::to_string(o.weight_decay));
}

void check(const SgdOptions& o) {
  check_lr("SGD", o.lr);
  if (!(o.momentum >= 0)) throw std::invalid_argument("SGD: momentum must be >= 0; got " + std::to_string(o.momentum));
  if (!(o.weight_decay >= 0)) throw std::invalid_argument("SGD: weight_decay must be >= 0; got " + std::to_string(o.weight_decay));
  if (o.nesterov && (o.momentum <= 0 || o.dampening != 0))
    throw std::invalid_argument("SGD: nesterov momentum needs momentum > 0 and dampening 0");
}

std::string group_key(size_t g, const char* field) { return "param_groups." + std::to_string(g) + "." + field; }
std::string state_key(size_t i, const char* field) { return "state." + std::to_string(i) + "." + field; }

// "param_groups.<g>.params": the positions, over all groups, of each group's parameters.
template <class Options>
std::vector<std::vector<int64_t>> param_positions(const std::vector<ParamGroup<Options>>& groups) {
  std::vector<std::vector<int64_t>> positions;
  int64_t next = 0;
  for (const auto& group : groups) {
    positions.emplace_back();
    for (size_t i = 0; i < group.params.size(); ++i) positions.back().push_back(next++);
  }
  return positions;
}

template <class Options>
void write_param_lists(StateDict& out, const std::vector<ParamGroup<Options>>& groups) {
  const auto positions = param_positions(groups);
  for (size_t g = 0; g < groups.size(); ++g)
    out[group_key(g, "params")] = from_vector(positions[g], {static_cast<int64_t>(positions[g].size())});
}

// Every group of the state must list the parameters this optimizer's group has.
template <class Options>
void read_param_lists(StateReader& reader, const std::vector<ParamGroup<Options>>& groups) {
  const auto positions = param_positions(groups);
  for (size_t g = 0; g < groups.size(); ++g) {
    Tensor ids = reader.take(group_key(g, "params"), {static_cast<int64_t>(positions[g].size())}, DType::I64);
    if (ids.defined() && ids.to_vector<int64_t>() != positions[g])
      throw std::invalid_argument("load_state_dict: parameter group " + std::to_string(g) + " lists other parameters");
  }
}

}  // namespace

void Optimizer::step() {
  for (const auto& hook : pre_hooks_) hook();
  update();
}

void Optimizer::zero_grad() {
  for (const Tensor& p : all_parameters()) p.set_grad(Tensor());
}

template <class Options>
GroupedOptimizer<Options>::GroupedOptimizer(const char* name, std::vector<ParamGroup<Options>> groups)
    : name_(name), groups_(std::move(groups)) {
  if (groups_.empty()) throw std::invalid_argument(std::string(name) + ": needs at least one parameter group");
  std::set<const TensorImpl*> seen;
  for (size_t g = 0; g < groups_.size(); ++g) {
    check(groups_[g].options);
    for (const Tensor& p : groups_[g].params) {
      if (!p.defined() || !p.requires_grad() || !p.is_leaf())
        throw std::invalid_argument(std::string(name) + ": group " + std::to_string(g) +
                                    " holds a tensor that is not a leaf requiring grad (a module's parameter)");
      if (!p.is_contiguous())
        throw std::invalid_argument(std::string(name) + ": parameters must be contiguous; group " + std::to_string(g) +
                                    " holds one of shape " + shape_str(p.shape()) + " that is not");
      if (!seen.insert(p.impl()).second)  // it would be updated twice a step
        throw std::invalid_argument(std::string(name) + ": a parameter of shape " + shape_str(p.shape()) +
                                    " appears more than once (group " + std::to_string(g) + ")");
    }
  }
}

template <class Options>
void GroupedOptimizer<Options>::set_lr(size_t group, double lr) {
  check_lr(name_, lr);
  groups_.at(group).options.lr = lr;
}

template <class Options>
std::vector<Tensor> GroupedOptimizer<Options>::all_parameters() const {
  std::vector<Tensor> all;
  for (const auto& g : groups_) all.insert(all.end(), g.params.begin(), g.params.end());
  return all;
}

template class GroupedOptimizer<AdamOptions>;
template class GroupedOptimizer<SgdOptions>;

// ------------------------------------------------------------------------------ Adam
Adam::Adam(std::vector<Tensor> params, AdamOptions options) : Adam(std::vector<AdamGroup>{{std::move(params), options}}) {}

Adam::Adam(std::vector<AdamGroup> groups) : GroupedOptimizer("Adam", std::move(groups)) {
  state_.resize(all_parameters().size());
}

void Adam::update() {
  NoGradGuard no_grad;
  const std::vector<Tensor> all = all_parameters();
  size_t index = 0;
  for (const AdamGroup& group : groups_) {
    // Parameters at the same step count share one multi-tensor update.
    std::map<int64_t, std::vector<size_t>> by_step;
    for (const Tensor& p : group.params) {
      const size_t i = index++;
      if (!p.grad().defined()) continue;
      State& s = state_[i];
      if (!s.exp_avg.defined()) {
        s.exp_avg = zeros_like(p);
        s.exp_avg_sq = zeros_like(p);
      }
      by_step[++s.step].push_back(i);
    }
    for (const auto& [step, members] : by_step) {
      std::vector<Tensor> params, grads, exp_avgs, exp_avg_sqs;
      for (size_t i : members) {
        params.push_back(all[i]);
        grads.push_back(all[i].grad().contiguous());
        exp_avgs.push_back(state_[i].exp_avg);
        exp_avg_sqs.push_back(state_[i].exp_avg_sq);
      }
      const AdamOptions& o = group.options;
      adam_step(params, grads, exp_avgs, exp_avg_sqs, AdamParams{o.lr, o.beta1, o.beta2, o.eps, o.weight_decay, step});
    }
  }
}

StateDict Adam::state_dict() const {
  StateDict out;
  write_param_lists(out, groups_);
  for (size_t g = 0; g < groups_.size(); ++g) {
    const AdamOptions& o = groups_[g].options;
    out[group_key(g, "lr")] = f64_scalar(o.lr);
    out[group_key(g, "betas")] = from_vector(std::vector<double>{o.beta1, o.beta2}, {2});
    out[group_key(g, "eps")] = f64_scalar(o.eps);
    out[group_key(g, "weight_decay")] = f64_scalar(o.weight_decay);
  }
  for (size_t i = 0; i < state_.size(); ++i) {
    if (!state_[i].exp_avg.defined()) continue;
    out[state_key(i, "step")] = i64_scalar(state_[i].step);
    out[state_key(i, "exp_avg")] = state_[i].exp_avg.detach();
    out[state_key(i, "exp_avg_sq")] = state_[i].exp_avg_sq.detach();
  }
  return out;
}

void Adam::load_state_dict(const StateDict& state) {
  StateReader reader("Adam", state);
  std::vector<AdamGroup> groups = groups_;
  read_param_lists(reader, groups);
  for (size_t g = 0; g < groups.size(); ++g) {
    AdamOptions& o = groups[g].options;
    o.lr = reader.number(group_key(g, "lr"));
    if (Tensor betas = reader.take(group_key(g, "betas"), {2}, DType::F64); betas.defined()) {
      o.beta1 = betas.to_vector<double>()[0];
      o.beta2 = betas.to_vector<double>()[1];
    }
    o.eps = reader.number(group_key(g, "eps"));
    o.weight_decay = reader.number(group_key(g, "weight_decay"));
  }
  const std::vector<Tensor> params = all_parameters();
  std::vector<State> states(params.size());
  for (size_t i = 0; i < params.size(); ++i) {
    if (!reader.has(state_key(i, "step"))) continue;
    Tensor step = reader.take(state_key(i, "step"), {}, DType::I64);
    states[i].step = step.defined() ? step.item<int64_t>() : 0;
    const TensorOptions like = TensorOptions{}.with_dtype(params[i].dtype()).with_device(params[i].device());
    for (auto [field, target] : {std::pair{"exp_avg", &states[i].exp_avg}, std::pair{"exp_avg_sq", &states[i].exp_avg_sq}}) {
      Tensor t = reader.take(state_key(i, field), params[i].shape(), params[i].dtype());
      *target = t.defined() ? t.to(like.device).contiguous().clone() : Tensor();
    }
  }
  reader.finish();
  for (const AdamGroup& g : groups) check(g.options);
  groups_ = std::move(groups);
  state_ = std::move(states);
}

// ------------------------------------------------------------------------------- SGD
SGD::SGD(std::vector<Tensor> params, SgdOptions options) : SGD(std::vector<SgdGroup>{{std::move(params), options}}) {}

SGD::SGD(std::vector<SgdGroup> groups) : GroupedOptimizer("SGD", std::move(groups)) {
  momentum_buffers_.resize(all_parameters().size());
}

void SGD::update() {
  NoGradGuard no_grad;
  size_t index = 0;
  const std::vector<Tensor> all = all_parameters();
  for (const SgdGroup& group : groups_) {
    const SgdOptions& o = group.options;
    // One update for the parameters whose momentum buffer starts now, one for the rest.
    std::vector<Tensor> params[2], grads[2], buffers[2];
    for (size_t k = 0; k < group.params.size(); ++k) {
      const size_t i = index++;
      if (!all[i].grad().defined()) continue;
      const int first = o.momentum != 0 && !momentum_buffers_[i].defined() ? 1 : 0;
      if (o.momentum != 0 && first) momentum_buffers_[i] = zeros_like(all[i]);
      params[first].push_back(all[i]);
      grads[first].push_back(all[i].grad().contiguous());
      if (o.momentum != 0) buffers[first].push_back(momentum_buffers_[i]);
    }
    for (int first = 0; first < 2; ++first) {
      if (params[first].empty()) continue;
      sgd_step(params[first], grads[first], buffers[first],
               SgdParams{o.lr, o.momentum, o.dampening, o.weight_decay, o.nesterov, first == 1});
    }
  }
}

StateDict SGD::state_dict() const {
  StateDict out;
  write_param_lists(out, groups_);
  for (size_t g = 0; g < groups_.size(); ++g) {
    const SgdOptions& o = groups_[g].options;
    out[group_key(g, "lr")] = f64_scalar(o.lr);
    out[group_key(g, "momentum")] = f64_scalar(o.momentum);
    out[group_key(g, "dampening")] = f64_scalar(o.dampening);
    out[group_key(g, "weight_decay")] = f64_scalar(o.weight_decay);
    out[group_key(g, "nesterov")] = f64_scalar(o.nesterov ? 1 : 0);
  }
  for (size_t i = 0; i < momentum_buffers_.size(); ++i)
    if (momentum_buffers_[i].defined()) out[state_key(i, "momentum_buffer")] = momentum_buffers_[i].detach();
  return out;
}

void SGD::load_state_dict(const StateDict& state) {
  StateReader reader("SGD", state);
  std::vector<SgdGroup> groups = groups_;
  read_param_lists(reader, groups);
  for (size_t g = 0; g < groups.size(); ++g) {
    SgdOptions& o = groups[g].options;
    o.lr = reader.number(group_key(g, "lr"));
    o.momentum = reader.number(group_key(g, "momentum"));
    o.dampening = reader.number(group_key(g, "dampening"));
    o.weight_decay = reader.number(group_key(g, "weight_decay"));
    o.nesterov = reader.number(group_key(g, "nesterov")) != 0;
  }
  const std::vector<Tensor> params = all_parameters();
  std::vector<Tensor> buffers(params.size());
  for (size_t i = 0; i < params.size(); ++i) {
    if (!reader.has(state_key(i, "momentum_buffer"))) continue;
    Tensor t = reader.take(state_key(i, "momentum_buffer"), params[i].shape(), params[i].dtype());
    if (t.defined()) buffers[i] = t.to(params[i].device()).contiguous().clone();
  }
  reader.finish();
  for (const SgdGroup& g : groups) check(g.options);
  groups_ = std::move(groups);
  momentum_buffers_ = std::move(buffers);
}

}  // namespace ganforge::nn
