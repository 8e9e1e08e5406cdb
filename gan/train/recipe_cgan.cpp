// Conditional GAN (PyTorch-GAN `cgan`): G(z, y) and D(x, y), least squares by default.
//   G step (first): y' ~ U{0..9}; loss_G = adv(D(G(z, y'), y'), 1)
//   D step: loss_D = ½[adv(D(x, y), real) + adv(D(G(z, y').detach, y'), fake)]
#include "gan/models/cgan.h"
#include "gan/train/recipe_parts.h"
#include "gan/train/recipes.h"

namespace ganforge::gan {
namespace {

class CganRecipe : public GeneratorDiscriminatorRecipe<CganGenerator, CganDiscriminator> {
 public:
  CganRecipe(const TrainOptions& o, Device device)
      : adversarial_(parse_loss(o.loss), o.label_smoothing), g_first_(o.order == "g-first"), classes_(o.classes) {
    if (classes_ < 2)
      throw std::invalid_argument("cgan needs a labelled data set with at least 2 classes; '" + o.data + "' has " +
                                  std::to_string(classes_));
    const CganOptions c{.latent_dim = latent_dim_, .classes = classes_, .channels = o.channels, .image_size = o.image_size};
    set_networks(std::make_shared<CganGenerator>(c), std::make_shared<CganDiscriminator>(c), device, o.lr, o.lr);
    // The sheet: one row per noise vector, column j = class j (a 10 x 10 grid for MNIST).
    Generator fixed(o.seed ^ 0x5eed5eedULL);
    const TensorOptions on = TensorOptions{}.with_device(device);
    fixed_noise_ = randn({classes_, latent_dim_}, on, &fixed).unsqueeze(1).expand({classes_, classes_, latent_dim_})
                       .reshape({classes_ * classes_, latent_dim_});
    fixed_labels_ = arange(classes_).unsqueeze(0).expand({classes_, classes_}).reshape({classes_ * classes_}).to(device);
  }


  StepValues train_step(const data::Batch& batch) override {
    const Tensor& real = batch.images[0];
    const int64_t n = real.size(0);
    const TensorOptions on = TensorOptions{}.with_device(real.device());
    const Tensor z = randn({n, latent_dim_}, on);
    const Tensor fake_labels = randint(0, classes_, {n}, on.with_dtype(DType::I64));
    const Tensor fake = g_->forward(z, fake_labels);
    double loss_g = 0, loss_d = 0, d_real = 0, d_fake = 0;
    auto g_step = [&] {
      opt_g_->zero_grad();
      FrozenGuard frozen({d_.get()});
      const Tensor out = d_->forward(fake, fake_labels);
      const Tensor loss = adversarial_.fooled(out);
      loss.backward();
      opt_g_->step();
      loss_g = loss.item<double>();
      d_fake = adversarial_.mean_output(out);
    };
    auto d_step = [&] {
      opt_d_->zero_grad();
      const Tensor out_real = d_->forward(real, batch.labels);
      const Tensor loss = (adversarial_.real(out_real) + adversarial_.fake(d_->forward(fake.detach(), fake_labels))) * 0.5;
      loss.backward();
      opt_d_->step();
      loss_d = loss.item<double>();
      d_real = adversarial_.mean_output(out_real);
    };
    in_order(g_first_, d_step, g_step);
    return {{"loss_D", loss_d}, {"loss_G", loss_g}, {"D(x)", d_real}, {"D(G(z))", d_fake}};
  }

  std::vector<SampleGrid> sample_grids() override {
    return {{"", in_eval_mode({g_.get()}, [&] { return sheet(g_->forward(fixed_noise_, fixed_labels_), static_cast<int>(classes_)); })}};
  }

  Tensor generate(int64_t n, int64_t label, Generator& gen) override {
    if (label >= classes_)
      throw std::invalid_argument("--class must be from 0 to " + std::to_string(classes_ - 1) + "; got " + std::to_string(label));
    const Device device = fixed_noise_.device();
    // Without a class: the classes in turn, so a grid with `classes` columns shows each in one.
    Tensor labels = label >= 0 ? full({n}, static_cast<double>(label), TensorOptions{}.with_dtype(DType::I64))
                               : from_vector(classes_in_turn(n), {n});
    return in_eval_mode({g_.get()}, [&] {
      return g_->forward(randn({n, latent_dim_}, TensorOptions{}.with_device(device), &gen), labels.to(device));
    });
  }

 private:
  std::vector<int64_t> classes_in_turn(int64_t n) const {
    std::vector<int64_t> labels;
    for (int64_t i = 0; i < n; ++i) labels.push_back(i % classes_);
    return labels;
  }

  const int64_t latent_dim_ = 100;
  Adversarial adversarial_;
  bool g_first_;
  int64_t classes_;
  Tensor fixed_noise_, fixed_labels_;
};

}  // namespace

std::unique_ptr<Recipe> make_cgan_recipe(const TrainOptions& options, Device device) {
  return std::make_unique<CganRecipe>(options, device);
}

}  // namespace ganforge::gan
