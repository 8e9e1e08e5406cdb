#include "dist/replicas.h"

#include "core/autograd.h"
#include "nn/norm.h"

namespace ganforge::dist {

void broadcast_from_rank0(ProcessGroup& group, nn::Module& module) {
  if (group.world() == 1) return;
  NoGradGuard no_grad;
  for (std::vector<Tensor> tensors : {module.parameters(), module.buffers()})
    for (Tensor& t : tensors) {
      if (t.is_contiguous()) {
        group.broadcast(t, 0);
      } else {
        Tensor packed = t.contiguous();
        group.broadcast(packed, 0);
        t.copy_(packed);
      }
    }
}

Tensor sum_across_ranks(ProcessGroup& group, const Tensor& t) {
  Tensor out;
  {
    NoGradGuard no_grad;  // the op recorded is the whole sum, below
    out = t.contiguous().clone();
  }
  group.sum(out);
  record("sum_across_ranks", {t}, out, {}, [&group](const Tensor& grad, const BackwardContext&) {
    Tensor total = grad.contiguous().clone();
    group.sum(total);
    return std::vector<Tensor>{total};
  });
  return out;
}

int sync_batch_norm(ProcessGroup& group, nn::Module& module) {
  if (group.world() == 1) return 0;
  int changed = 0;
  for (auto& [name, child] : module.named_modules())
    if (auto* norm = dynamic_cast<nn::BatchNorm*>(child.get())) {
      norm->cross_replica =
          nn::CrossReplicaStats{[&group](const Tensor& t) { return sum_across_ranks(group, t); }, group.world()};
      ++changed;
    }
  return changed;
}

}  // namespace ganforge::dist
