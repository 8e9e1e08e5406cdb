// GAN (MLP, PyTorch-GAN) and DCGAN (pytorch/examples): z ~ N(0, 1) -> G -> D.
//   D step: loss_D = adv(D(x), real) + adv(D(G(z)).detach, fake)   (the MLP GAN halves it)
//   G step: loss_G = adv(D(G(z)), 1) on the same fakes, non-saturating.
// DCGAN steps D first, so G's step sees the updated D; the MLP GAN's reference steps G first.
#include "gan/models/dcgan.h"
#include "gan/models/mlp_gan.h"
#include "gan/train/recipe_parts.h"
#include "gan/train/recipes.h"

namespace ganforge::gan {
namespace {

constexpr int64_t kSheetSide = 8;  // 8 x 8 samples a sheet

class UnconditionalRecipe : public GeneratorDiscriminatorRecipe<nn::Module, nn::Module> {
 public:
  UnconditionalRecipe(const TrainOptions& o, Device device)
      : adversarial_(parse_loss(o.loss), o.label_smoothing), g_first_(o.order == "g-first"),
        halve_d_loss_(o.arch == Arch::Gan) {
    if (o.arch == Arch::Gan) {
      const MlpGanOptions mlp{.latent_dim = latent_dim_, .channels = o.channels, .image_size = o.image_size};
      set_networks(std::make_shared<MlpGanGenerator>(mlp), std::make_shared<MlpGanDiscriminator>(mlp), device, o.lr, o.lr);
    } else {
      const DcganOptions dc{.image_size = o.image_size, .channels = o.channels, .latent_dim = latent_dim_, .ngf = o.ngf, .ndf = o.ndf};
      auto g = std::make_shared<DcganGenerator>(dc);
      auto d = std::make_shared<DcganDiscriminator>(dc);
      dcgan_init(*g);
      dcgan_init(*d);
      set_networks(g, d, device, o.lr, o.lr);
    }
    Generator fixed(o.seed ^ 0x5eed5eedULL);  // the same sample noise for the whole run
    fixed_noise_ = randn({kSheetSide * kSheetSide, latent_dim_}, TensorOptions{}.with_device(device), &fixed);
  }


  StepValues train_step(const data::Batch& batch) override {
    const Tensor& real = batch.images[0];
    const Tensor z = randn({real.size(0), latent_dim_}, TensorOptions{}.with_device(real.device()));
    const Tensor fake = (*g_)(z);
    double loss_g = 0, loss_d = 0, d_real = 0, d_fake = 0;
    auto d_step = [&] {
      opt_d_->zero_grad();
      const Tensor out_real = (*d_)(real), out_fake = (*d_)(fake.detach());
      Tensor loss = adversarial_.real(out_real) + adversarial_.fake(out_fake);
      if (halve_d_loss_) loss = loss * 0.5;
      loss.backward();
      opt_d_->step();
      loss_d = loss.item<double>();
      d_real = adversarial_.mean_output(out_real);
    };
    auto g_step = [&] {
      opt_g_->zero_grad();
      FrozenGuard frozen({d_.get()});
      const Tensor out = (*d_)(fake);
      const Tensor loss = adversarial_.fooled(out);
      loss.backward();
      opt_g_->step();
      loss_g = loss.item<double>();
      d_fake = adversarial_.mean_output(out);
    };
    in_order(g_first_, d_step, g_step);
    return {{"loss_D", loss_d}, {"loss_G", loss_g}, {"D(x)", d_real}, {"D(G(z))", d_fake}};
  }

  std::vector<SampleGrid> sample_grids() override {
    return {{"", in_eval_mode({g_.get()}, [&] { return sheet((*g_)(fixed_noise_), kSheetSide); })}};
  }

  Tensor generate(int64_t n, int64_t label, Generator& gen) override {
    if (label >= 0) throw std::invalid_argument("this model is unconditional: it has no classes to choose from");
    return in_eval_mode({g_.get()}, [&] {
      return (*g_)(randn({n, latent_dim_}, TensorOptions{}.with_device(fixed_noise_.device()), &gen));
    });
  }

 private:
  const int64_t latent_dim_ = 100;
  Adversarial adversarial_;
  bool g_first_, halve_d_loss_;
  Tensor fixed_noise_;
};

}  // namespace

std::unique_ptr<Recipe> make_unconditional_recipe(const TrainOptions& options, Device device) {
  return std::make_unique<UnconditionalRecipe>(options, device);
}

}  // namespace ganforge::gan
