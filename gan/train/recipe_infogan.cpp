// InfoGAN (the authors' code): latent = [noise U(-1,1)^62 | one-hot category | U(-1,1)^2].
// Q predicts the codes from D's shared features; the mutual-information bound is the
// information loss L_I = CE(category) + ½·Σ(c - μ)² (unit-variance Gaussian), averaged over
// the batch. As the reference, D's optimizer (body, D head, Q head; lr 2e-4) minimises
// adv_D + λ·L_I on the detached fakes, and G's (lr 1e-3) minimises adv_G + λ·L_I.
// --instance-noise σ (not in the reference) adds N(0, σ²) to every image D and Q see.
#include "gan/models/infogan.h"
#include "gan/train/recipe_parts.h"
#include "gan/train/recipes.h"

namespace ganforge::gan {
namespace {

constexpr int64_t kSheetColumns = 10;  // noise vectors shared by a sheet's columns

class InfoganRecipe : public GeneratorDiscriminatorRecipe<InfoganGenerator, InfoganDiscriminator> {
 public:
  InfoganRecipe(const TrainOptions& o, Device device)
      : adversarial_(parse_loss(o.loss), o.label_smoothing),
        lambda_(o.lambda_info),
        instance_noise_(o.instance_noise),
        g_first_(o.order == "g-first"),
        model_{.channels = o.channels, .image_size = o.image_size} {
    // G's lr is 5x D's: the paper's 1e-3 against 2e-4.
    set_networks(std::make_shared<InfoganGenerator>(model_), std::make_shared<InfoganDiscriminator>(model_), device, 5 * o.lr, o.lr);
    Generator fixed(o.seed ^ 0x5eed5eedULL);
    fixed_noise_ = rand({kSheetColumns, model_.noise_dim}, TensorOptions{}.with_device(device), &fixed, -1, 1);
  }


  StepValues train_step(const data::Batch& batch) override {
    const Tensor& real = batch.images[0];
    const int64_t n = real.size(0);
    double loss_d = 0, loss_g = 0, loss_info = 0, d_real = 0, d_fake = 0;
    // Each half draws its own codes and fakes, as the reference's two trainer runs sample the
    // prior inside the graph.
    auto d_step = [&] {
      const Codes c = draw_codes(n, real.device());
      const Tensor fake = (*g_)(latent(c.noise, c.category, c.continuous)).detach();
      opt_d_->zero_grad();
      const Tensor real_out = d_->d_logits(d_->features(noisy(real)));
      const Tensor fake_features = d_->features(noisy(fake));
      const Tensor loss = adversarial_.real(real_out) + adversarial_.fake(d_->d_logits(fake_features)) +
                          info_loss(fake_features, c) * lambda_;
      loss.backward();
      opt_d_->step();
      loss_d = loss.item<double>();
      d_real = adversarial_.mean_output(real_out);
    };
    auto g_step = [&] {
      const Codes c = draw_codes(n, real.device());
      opt_g_->zero_grad();
      FrozenGuard frozen({d_.get()});
      const Tensor features = d_->features(noisy((*g_)(latent(c.noise, c.category, c.continuous))));
      const Tensor out = d_->d_logits(features);
      const Tensor info = info_loss(features, c);
      const Tensor loss = adversarial_.fooled(out) + info * lambda_;
      loss.backward();
      opt_g_->step();
      loss_g = loss.item<double>();
      loss_info = info.item<double>();
      d_fake = adversarial_.mean_output(out);
    };
    in_order(g_first_, d_step, g_step);
    return {{"loss_D", loss_d}, {"loss_G", loss_g}, {"loss_info", loss_info}, {"D(x)", d_real}, {"D(G(z))", d_fake}};
  }

  // One sheet per code: rows vary the code (category 0..9, or one continuous code from -1 to 1
  // in 10 steps with the other at 0), columns share noise.
  std::vector<SampleGrid> sample_grids() override {
    std::vector<SampleGrid> sheets;
    const Device device = fixed_noise_.device();
    const int64_t rows = model_.categories, n = rows * kSheetColumns;
    const Tensor noise = fixed_noise_.unsqueeze(0).expand({rows, kSheetColumns, model_.noise_dim}).reshape({n, model_.noise_dim});
    const Tensor row_index = arange(rows).unsqueeze(1).expand({rows, kSheetColumns}).reshape({n});
    // The category sheet: continuous codes 0.
    sheets.push_back({"category", draw(noise, row_index.to(device), zeros({n, model_.continuous}, TensorOptions{}.with_device(device)))});
    // Each continuous code: column j keeps category j, the code sweeps down the rows.
    for (int64_t k = 0; k < model_.continuous; ++k) {
      std::vector<float> codes(static_cast<size_t>(n * model_.continuous), 0.0f);
      for (int64_t r = 0; r < rows; ++r)
        for (int64_t c = 0; c < kSheetColumns; ++c)
          codes[static_cast<size_t>((r * kSheetColumns + c) * model_.continuous + k)] =
              static_cast<float>(-1 + 2.0 * static_cast<double>(r) / static_cast<double>(rows - 1));
      std::vector<int64_t> categories;
      for (int64_t i = 0; i < n; ++i) categories.push_back(i % kSheetColumns % model_.categories);
      sheets.push_back({"continuous" + std::to_string(k + 1),
                        draw(noise, from_vector(categories, {n}).to(device), from_vector(codes, {n, model_.continuous}).to(device))});
    }
    return sheets;
  }

  Tensor generate(int64_t n, int64_t label, Generator& gen) override {
    if (label >= model_.categories)
      throw std::invalid_argument("--class picks InfoGAN's category code, from 0 to " + std::to_string(model_.categories - 1) +
                                  "; got " + std::to_string(label));
    const TensorOptions on = TensorOptions{}.with_device(fixed_noise_.device());
    const Tensor noise = rand({n, model_.noise_dim}, on, &gen, -1, 1);
    const Tensor category = label >= 0 ? full({n}, static_cast<double>(label), on.with_dtype(DType::I64))
                                       : randint(0, model_.categories, {n}, on.with_dtype(DType::I64), &gen);
    const Tensor continuous = rand({n, model_.continuous}, on, &gen, -1, 1);
    return in_eval_mode({g_.get()}, [&] { return (*g_)(latent(noise, category, continuous)); });
  }

  Tensor predict_category(const Tensor& images) override {
    return in_eval_mode({d_.get()}, [&] { return d_->q(d_->features(images)).category_logits.argmax(1); });
  }

 private:
  struct Codes {
    Tensor noise, category, continuous;
  };

  Codes draw_codes(int64_t n, Device device) const {
    const TensorOptions on = TensorOptions{}.with_device(device);
    return {rand({n, model_.noise_dim}, on, nullptr, -1, 1), randint(0, model_.categories, {n}, on.with_dtype(DType::I64)),
            rand({n, model_.continuous}, on, nullptr, -1, 1)};
  }

  Tensor info_loss(const Tensor& features, const Codes& c) {
    const QOutput q = d_->q(features);
    return cross_entropy(q.category_logits, c.category) +
           mse_loss(q.continuous_means, c.continuous, Reduction::Sum) * (0.5 / static_cast<double>(features.size(0)));
  }

  // --instance-noise: what D and Q see of an image. Detail below the noise cannot carry a code.
  Tensor noisy(const Tensor& images) const {
    if (instance_noise_ == 0) return images;
    return images + randn(images.shape(), TensorOptions{}.with_device(images.device()), nullptr, 0, instance_noise_);
  }

  Tensor latent(const Tensor& noise, const Tensor& category, const Tensor& continuous) const {
    return cat({noise, one_hot(category, model_.categories).to(DType::F32), continuous}, 1);
  }

  data::Image draw(const Tensor& noise, const Tensor& category, const Tensor& continuous) {
    return in_eval_mode({g_.get()}, [&] { return sheet((*g_)(latent(noise, category, continuous)), kSheetColumns); });
  }

  Adversarial adversarial_;
  double lambda_;
  double instance_noise_;
  bool g_first_;
  InfoganOptions model_;
  Tensor fixed_noise_;
};

}  // namespace

std::unique_ptr<Recipe> make_infogan_recipe(const TrainOptions& options, Device device) {
  return std::make_unique<InfoganRecipe>(options, device);
}

}  // namespace ganforge::gan
