#include "dist/gradient_averager.h"

#include <chrono>
#include <stdexcept>

#include "core/autograd.h"
#include "core/ops.h"

namespace ganforge::dist {
namespace {

using Clock = std::chrono::steady_clock;

double since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

}  // namespace

std::shared_ptr<GradientAverager> GradientAverager::attach(ProcessGroup& group, nn::Optimizer& optimizer,
                                                           int64_t bucket_bytes) {
  std::shared_ptr<GradientAverager> averager(new GradientAverager(group, optimizer.all_parameters(), bucket_bytes));
  for (size_t b = 0; b < averager->buckets_.size(); ++b)
    for (size_t i = 0; i < averager->buckets_[b].params.size(); ++i)
      averager->buckets_[b].params[i].register_post_accumulate_grad_hook(
          [weak = std::weak_ptr<GradientAverager>(averager), b, i](const Tensor&) {
            if (const auto averager = weak.lock()) averager->on_gradient(b, i);  // none once the optimizer is gone
          });
  optimizer.register_step_pre_hook([averager] { averager->finish(); });
  return averager;
}

GradientAverager::GradientAverager(ProcessGroup& group, std::vector<Tensor> params, int64_t bucket_bytes)
    : group_(group) {
  if (bucket_bytes <= 0) throw std::invalid_argument("GradientAverager: bucket_bytes must be positive");
  int64_t filled = 0;
  for (auto p = params.rbegin(); p != params.rend(); ++p) {
    if (p->dtype() != DType::F32)
      throw std::invalid_argument("GradientAverager: parameters must be f32; got " +
                                  std::string(dtype_name(p->dtype())));
    const int64_t bytes = p->numel() * static_cast<int64_t>(dtype_size(p->dtype()));
    const bool other_device = !buckets_.empty() && !(buckets_.back().params.front().device() == p->device());
    if (buckets_.empty() || filled + bytes > bucket_bytes || other_device) {
      buckets_.emplace_back();
      filled = 0;
    }
    buckets_.back().params.push_back(*p);
    buckets_.back().complete.push_back(false);
    filled += bytes;
  }
}

void GradientAverager::on_gradient(size_t b, size_t position) {
  for (Bucket& started : buckets_)
    if (started.pending) started.pending->advance();
  Bucket& bucket = buckets_[b];
  if (bucket.started) {  // a second backward pass before the step: this sum is out of date
    bucket.stale = true;
    return;
  }
  if (!bucket.complete[position]) {
    bucket.complete[position] = true;
    ++bucket.ready;
  }
  if (bucket.ready == static_cast<int64_t>(bucket.params.size())) start(bucket);
}

void GradientAverager::start(Bucket& bucket) {
  const auto started = Clock::now();
  NoGradGuard no_grad;
  bucket.packed.clear();
  std::vector<Tensor> flat_grads;
  for (const Tensor& p : bucket.params)
    if (Tensor g = p.grad(); g.defined()) {
      bucket.packed.push_back(p);
      flat_grads.push_back(g.reshape({-1}));
    }
  bucket.started = true;
  if (bucket.packed.empty()) return;
  bucket.flat = cat(flat_grads, 0).mul_(1.0 / group_.world());
  bucket.pending = group_.start_sum(bucket.flat);
  totals_.bytes += bucket.flat.numel() * static_cast<int64_t>(sizeof(float));
  totals_.seconds += since(started);
}

void GradientAverager::finish() {
  for (Bucket& bucket : buckets_) {
    if (!bucket.started) start(bucket);  // some parameters got no gradient on this step
    const auto waiting = Clock::now();
    if (bucket.pending) bucket.pending->wait();
    totals_.seconds += since(waiting);
    if (bucket.stale) {
      bucket.pending.reset();
      start(bucket);
      const auto again = Clock::now();
      if (bucket.pending) bucket.pending->wait();
      totals_.seconds += since(again);
    }
    NoGradGuard no_grad;
    int64_t offset = 0;
    for (const Tensor& p : bucket.packed) {
      const int64_t n = p.numel();
      Tensor grad = p.grad();
      grad.copy_(bucket.flat.narrow(0, offset, n).reshape(p.shape()));
      offset += n;
    }
    bucket.pending.reset();
    bucket.flat = Tensor();
    bucket.packed.clear();
    bucket.started = bucket.stale = false;
    bucket.ready = 0;
    bucket.complete.assign(bucket.complete.size(), false);
  }
}

}  // namespace ganforge::dist
