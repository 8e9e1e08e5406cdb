#include "gan/train/options.h"

#include <nlohmann/json.hpp>
#include <stdexcept>

namespace ganforge::gan {
namespace {

constexpr Arch kArchs[] = {Arch::Gan, Arch::Dcgan, Arch::Cgan, Arch::Infogan, Arch::Pix2pix, Arch::Cyclegan};

}  // namespace

const char* arch_name(Arch arch) {
  switch (arch) {
    case Arch::Gan: return "gan";
    case Arch::Dcgan: return "dcgan";
    case Arch::Cgan: return "cgan";
    case Arch::Infogan: return "infogan";
    case Arch::Pix2pix: return "pix2pix";
    case Arch::Cyclegan: return "cyclegan";
  }
  return "?";
}

std::vector<std::string> arch_names() {
  std::vector<std::string> names;
  for (Arch a : kArchs) names.push_back(arch_name(a));
  return names;
}

Arch parse_arch(const std::string& name) {
  std::string names;
  for (Arch a : kArchs) {
    if (name == arch_name(a)) return a;
    names += std::string(names.empty() ? "" : ", ") + arch_name(a);
  }
  throw std::invalid_argument("unknown model '" + name + "'; expected one of " + names);
}

// One table of (key, member) so that writing and reading cannot disagree.
template <class F>
void for_each_field(TrainOptions& o, F&& f) {
  f("data", o.data);
  f("epochs", o.epochs);
  f("steps", o.steps);
  f("batch", o.batch);
  f("lr", o.lr);
  f("image_size", o.image_size);
  f("device", o.device);
  f("kernels", o.kernels);
  f("math", o.math);
  f("seed", o.seed);
  f("out", o.out);
  f("sample_every", o.sample_every);
  f("checkpoint_every", o.checkpoint_every);
  f("checkpoint_minutes", o.checkpoint_minutes);
  f("log_every", o.log_every);
  f("eval_every", o.eval_every);
  f("eval_n", o.eval_n);
  f("workers", o.workers);
  f("sync_bn", o.sync_bn);
  f("limit", o.limit);
  f("channels", o.channels);
  f("classes", o.classes);
  f("loss", o.loss);
  f("order", o.order);
  f("label_smoothing", o.label_smoothing);
  f("ngf", o.ngf);
  f("ndf", o.ndf);
  f("depth", o.depth);
  f("blocks", o.blocks);
  f("direction", o.direction);
  f("lambda_l1", o.lambda_l1);
  f("lambda_cycle", o.lambda_cycle);
  f("lambda_identity", o.lambda_identity);
  f("lambda_info", o.lambda_info);
  f("instance_noise", o.instance_noise);
  f("pool_size", o.pool_size);
  f("decay_epochs", o.decay_epochs);
}

AdversarialLoss parse_loss(const std::string& name) {
  if (name == "bce") return AdversarialLoss::Bce;
  if (name == "lsgan") return AdversarialLoss::LeastSquares;
  throw std::invalid_argument("--loss must be bce or lsgan; got '" + name + "'");
}

std::string options_to_json(const TrainOptions& options) {
  TrainOptions copy = options;
  nlohmann::json j;
  j["arch"] = arch_name(copy.arch);
  for_each_field(copy, [&](const char* key, auto& value) { j[key] = value; });
  return j.dump(2);
}

TrainOptions options_from_json(const std::string& text) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw std::invalid_argument(std::string("training options are not valid JSON: ") + e.what());
  }
  if (!j.is_object()) throw std::invalid_argument("training options must be a JSON object");
  TrainOptions o;
  size_t known = 0;
  try {
    if (j.contains("arch")) o.arch = parse_arch(j.at("arch").get<std::string>()), ++known;
    for_each_field(o, [&](const char* key, auto& value) {
      if (!j.contains(key)) return;
      value = j.at(key).get<std::remove_reference_t<decltype(value)>>();
      ++known;
    });
  } catch (const nlohmann::json::exception& e) {
    throw std::invalid_argument(std::string("training options: ") + e.what());
  }
  if (known != j.size()) {
    std::string unknown;
    for (const auto& item : j.items()) {
      const std::string key = item.key();
      bool found = key == "arch";
      for_each_field(o, [&](const char* k, auto&) { found = found || key == k; });
      if (!found) unknown += " '" + key + "'";
    }
    throw std::invalid_argument("training options: unknown keys" + unknown);
  }
  return o;
}

}  // namespace ganforge::gan
