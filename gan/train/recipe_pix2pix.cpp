// pix2pix (junyanz/pytorch-CycleGAN-and-pix2pix): a U-Net G(A) and a PatchGAN D on
// concat(A, image), D step first:
//   loss_D = ½[adv(D(A, B), real) + adv(D(A, G(A)).detach, fake)]
//   loss_G = adv(D(A, G(A)), 1) + λ_L1·|G(A) - B|₁
// Adam 2e-4 (0.5, 0.999); the lr is constant, then decays linearly to 0.
#include "gan/models/pix2pix.h"
#include "gan/train/recipe_parts.h"
#include "gan/train/recipes.h"

namespace ganforge::gan {
namespace {

class Pix2pixRecipe : public GeneratorDiscriminatorRecipe<UnetGenerator, PatchGanDiscriminator> {
 public:
  Pix2pixRecipe(const TrainOptions& o, Device device, const data::Batch& fixed)
      : adversarial_(parse_loss(o.loss), o.label_smoothing), lambda_l1_(o.lambda_l1), g_first_(o.order == "g-first") {
    auto g = std::make_shared<UnetGenerator>(
        UnetOptions{.input_channels = o.channels, .output_channels = o.channels, .depth = o.depth, .ngf = o.ngf, .dropout = true});
    auto d = std::make_shared<PatchGanDiscriminator>(PatchGanOptions{.input_channels = 2 * o.channels, .ndf = o.ndf});
    pix2pix_init(*g);
    pix2pix_init(*d);
    set_networks(g, d, device, o.lr, o.lr);
    schedule_g_ = std::make_unique<nn::LinearDecayLR>(*opt_g_, o.epochs - o.decay_epochs, o.decay_epochs);
    schedule_d_ = std::make_unique<nn::LinearDecayLR>(*opt_d_, o.epochs - o.decay_epochs, o.decay_epochs);
    if (fixed.images.size() == 2) {
      fixed_input_ = fixed.images[0];
      fixed_target_ = fixed.images[1];
    }
  }

  std::vector<std::pair<std::string, nn::LRScheduler*>> schedules() override {
    return {{"G", schedule_g_.get()}, {"D", schedule_d_.get()}};
  }

  StepValues train_step(const data::Batch& batch) override {
    const Tensor& input = batch.images.at(0);
    const Tensor& target = batch.images.at(1);
    const Tensor fake = (*g_)(input);
    double loss_d = 0, loss_g = 0, loss_l1 = 0, d_real = 0, d_fake = 0;
    auto d_step = [&] {
      opt_d_->zero_grad();
      const Tensor out_fake = (*d_)(cat({input, fake.detach()}, 1));  // fake pair first, as the reference
      const Tensor out_real = (*d_)(cat({input, target}, 1));
      const Tensor loss = (adversarial_.fake(out_fake) + adversarial_.real(out_real)) * 0.5;
      loss.backward();
      opt_d_->step();
      loss_d = loss.item<double>();
      d_real = adversarial_.mean_output(out_real);
    };
    auto g_step = [&] {
      opt_g_->zero_grad();
      FrozenGuard frozen({d_.get()});
      const Tensor out = (*d_)(cat({input, fake}, 1));
      const Tensor l1 = l1_loss(fake, target);
      const Tensor loss = adversarial_.fooled(out) + l1 * lambda_l1_;
      loss.backward();
      opt_g_->step();
      loss_g = loss.item<double>();
      loss_l1 = l1.item<double>();
      d_fake = adversarial_.mean_output(out);
    };
    in_order(g_first_, d_step, g_step);
    return {{"loss_D", loss_d}, {"loss_G", loss_g}, {"loss_L1", loss_l1}, {"D(x)", d_real}, {"D(G(z))", d_fake}};
  }

  // Rows of input | output | target.
  std::vector<SampleGrid> sample_grids() override {
    if (!fixed_input_.defined()) return {};
    return {{"", in_eval_mode({g_.get()}, [&] {
               const Tensor output = (*g_)(fixed_input_);
               return sheet(stack({fixed_input_, output, fixed_target_}, 1).flatten(0, 1), 3);
             })}};
  }

  Tensor translate(const Tensor& images, bool reverse) override {
    if (reverse) throw std::invalid_argument("pix2pix translates one way only (the direction it was trained in)");
    return in_eval_mode({g_.get()}, [&] { return (*g_)(images); });
  }

 private:
  Adversarial adversarial_;
  double lambda_l1_;
  bool g_first_;
  std::unique_ptr<nn::LinearDecayLR> schedule_g_, schedule_d_;
  Tensor fixed_input_, fixed_target_;
};

}  // namespace

std::unique_ptr<Recipe> make_pix2pix_recipe(const TrainOptions& options, Device device, const data::Batch& fixed) {
  return std::make_unique<Pix2pixRecipe>(options, device, fixed);
}

}  // namespace ganforge::gan
