// CycleGAN (junyanz/pytorch-CycleGAN-and-pix2pix): G_A: A -> B and G_B: B -> A (ResNet
// generators), D_A judges B-domain images and D_B A-domain ones (PatchGANs with instance
// norm), least squares. G step first, then both D steps:
//   loss_G = adv(D_A(G_A(A)), 1) + adv(D_B(G_B(B)), 1)
//          + λ_cyc·(|G_B(G_A(A)) - A|₁ + |G_A(G_B(B)) - B|₁)
//          + λ_cyc·λ_idt·(|G_A(B) - B|₁ + |G_B(A) - A|₁)
//   loss_D_A = ½[adv(D_A(B), real) + adv(D_A(pool_B(G_A(A))), fake)], likewise D_B.
// One Adam over both generators, one over both discriminators; linear decay of the lr.
#include "gan/models/cyclegan.h"
#include "gan/models/pix2pix.h"
#include "gan/train/image_pool.h"
#include "gan/train/recipe_parts.h"
#include "gan/train/recipes.h"

namespace ganforge::gan {
namespace {

class CycleganRecipe : public Recipe {
 public:
  CycleganRecipe(const TrainOptions& o, Device device, const data::Batch& fixed)
      : adversarial_(parse_loss(o.loss), o.label_smoothing), lambda_cycle_(o.lambda_cycle),
        lambda_identity_(o.lambda_identity), pool_a_(o.pool_size), pool_b_(o.pool_size), device_(device) {
    const ResnetOptions generator{.input_channels = o.channels, .output_channels = o.channels, .ngf = o.ngf, .blocks = o.blocks};
    const PatchGanOptions discriminator{.input_channels = o.channels, .ndf = o.ndf, .norm = PatchNorm::Instance};
    g_a_ = std::make_shared<ResnetGenerator>(generator);
    g_b_ = std::make_shared<ResnetGenerator>(generator);
    d_a_ = std::make_shared<PatchGanDiscriminator>(discriminator);
    d_b_ = std::make_shared<PatchGanDiscriminator>(discriminator);
    for (nn::Module* m : all()) {
      pix2pix_init(*m);
      m->to(device);
    }
    opt_g_ = adam_for({g_a_.get(), g_b_.get()}, o.lr);
    opt_d_ = adam_for({d_a_.get(), d_b_.get()}, o.lr);
    schedule_g_ = std::make_unique<nn::LinearDecayLR>(*opt_g_, o.epochs - o.decay_epochs, o.decay_epochs);
    schedule_d_ = std::make_unique<nn::LinearDecayLR>(*opt_d_, o.epochs - o.decay_epochs, o.decay_epochs);
    reverse_ = o.direction == "BtoA";
    if (fixed.images.size() == 2) {
      fixed_a_ = fixed.images[reverse_ ? 1 : 0];
      fixed_b_ = fixed.images[reverse_ ? 0 : 1];
    }
  }

  std::vector<std::pair<std::string, nn::Module*>> networks() override {
    return {{"G_A", g_a_.get()}, {"G_B", g_b_.get()}, {"D_A", d_a_.get()}, {"D_B", d_b_.get()}};
  }
  std::vector<std::pair<std::string, nn::Optimizer*>> optimizers() override {
    return {{"G", opt_g_.get()}, {"D", opt_d_.get()}};
  }
  std::vector<std::pair<std::string, nn::LRScheduler*>> schedules() override {
    return {{"G", schedule_g_.get()}, {"D", schedule_d_.get()}};
  }
  nn::StateDict extra_state() const override {
    nn::StateDict state;
    for (auto& [key, t] : pool_a_.state_dict()) state["pool_A." + key] = t;
    for (auto& [key, t] : pool_b_.state_dict()) state["pool_B." + key] = t;
    return state;
  }
  void load_extra_state(const nn::StateDict& state) override {
    nn::StateDict a, b;
    for (const auto& [key, t] : state) {
      if (key.rfind("pool_A.", 0) == 0) a[key.substr(7)] = t;
      else if (key.rfind("pool_B.", 0) == 0) b[key.substr(7)] = t;
      else throw std::invalid_argument("CycleGAN checkpoint: unexpected extra state '" + key + "'");
    }
    pool_a_.load_state_dict(a, device_);
    pool_b_.load_state_dict(b, device_);
  }

  StepValues train_step(const data::Batch& batch) override {
    const Tensor& real_a = batch.images.at(reverse_ ? 1 : 0);
    const Tensor& real_b = batch.images.at(reverse_ ? 0 : 1);
    Tensor fake_a, fake_b;
    double loss_g = 0, loss_cycle = 0, loss_idt = 0, d_fake = 0;
    {
      opt_g_->zero_grad();
      FrozenGuard frozen({d_a_.get(), d_b_.get()});
      fake_b = (*g_a_)(real_a);
      fake_a = (*g_b_)(real_b);
      const Tensor out_b = (*d_a_)(fake_b), out_a = (*d_b_)(fake_a);
      const Tensor cycle = l1_loss((*g_b_)(fake_b), real_a) + l1_loss((*g_a_)(fake_a), real_b);
      Tensor loss = adversarial_.fooled(out_b) + adversarial_.fooled(out_a) + cycle * lambda_cycle_;
      if (lambda_identity_ > 0) {
        const Tensor identity = l1_loss((*g_a_)(real_b), real_b) + l1_loss((*g_b_)(real_a), real_a);
        loss = loss + identity * (lambda_cycle_ * lambda_identity_);
        loss_idt = identity.item<double>();
      }
      loss.backward();
      opt_g_->step();
      loss_g = loss.item<double>();
      loss_cycle = cycle.item<double>();
      d_fake = 0.5 * (adversarial_.mean_output(out_a) + adversarial_.mean_output(out_b));
    }
    opt_d_->zero_grad();
    const Tensor out_real_b = (*d_a_)(real_b), out_real_a = (*d_b_)(real_a);
    const Tensor loss_d_a = (adversarial_.real(out_real_b) + adversarial_.fake((*d_a_)(pool_b_.query(fake_b.detach())))) * 0.5;
    const Tensor loss_d_b = (adversarial_.real(out_real_a) + adversarial_.fake((*d_b_)(pool_a_.query(fake_a.detach())))) * 0.5;
    (loss_d_a + loss_d_b).backward();
    opt_d_->step();
    const double d_real = 0.5 * (adversarial_.mean_output(out_real_a) + adversarial_.mean_output(out_real_b));
    return {{"loss_D_A", loss_d_a.item<double>()}, {"loss_D_B", loss_d_b.item<double>()}, {"loss_G", loss_g},
            {"loss_cycle", loss_cycle}, {"loss_idt", loss_idt}, {"D(x)", d_real}, {"D(G(z))", d_fake}};
  }

  // Rows of A | G_A(A) | G_B(G_A(A)), then B | G_B(B) | G_A(G_B(B)).
  std::vector<SampleGrid> sample_grids() override {
    if (!fixed_a_.defined()) return {};
    return {{"", in_eval_mode({g_a_.get(), g_b_.get()}, [&] {
               const Tensor ab = (*g_a_)(fixed_a_), ba = (*g_b_)(fixed_b_);
               const Tensor rows_a = stack({fixed_a_, ab, (*g_b_)(ab)}, 1).flatten(0, 1);
               const Tensor rows_b = stack({fixed_b_, ba, (*g_a_)(ba)}, 1).flatten(0, 1);
               return sheet(cat({rows_a, rows_b}, 0), 3);
             })}};
  }

  Tensor translate(const Tensor& images, bool reverse) override {
    ResnetGenerator& g = reverse ? *g_b_ : *g_a_;
    return in_eval_mode({&g}, [&] { return g(images); });
  }

 private:
  std::vector<nn::Module*> all() { return {g_a_.get(), g_b_.get(), d_a_.get(), d_b_.get()}; }

  Adversarial adversarial_;
  double lambda_cycle_, lambda_identity_;
  ImagePool pool_a_, pool_b_;
  Device device_;
  bool reverse_ = false;
  std::shared_ptr<ResnetGenerator> g_a_, g_b_;
  std::shared_ptr<PatchGanDiscriminator> d_a_, d_b_;
  std::unique_ptr<nn::Adam> opt_g_, opt_d_;
  std::unique_ptr<nn::LinearDecayLR> schedule_g_, schedule_d_;
  Tensor fixed_a_, fixed_b_;
};

}  // namespace

std::unique_ptr<Recipe> make_cyclegan_recipe(const TrainOptions& options, Device device, const data::Batch& fixed) {
  return std::make_unique<CycleganRecipe>(options, device, fixed);
}

}  // namespace ganforge::gan
