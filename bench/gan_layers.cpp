#include "bench/gan_layers.h"

#include <set>
#include <stdexcept>

#include "core/layer_ops.h"
#include "gan/train/recipe.h"
#include "kernels/flops.h"

namespace ganforge::bench {

int64_t ConvLayer::out_side() const {
  return transposed ? conv_transpose2d_output_size(side, k, stride, pad, pad, 1, output_padding)
                    : conv2d_output_size(side, k, stride, pad, pad, 1);
}

double ConvLayer::flops(int64_t batch) const {
  // the convolution behind a transposed layer has the layer's input as its output
  const int64_t positions = transposed ? side * side : out_side() * out_side();
  return kernels::conv2d_flops(batch, positions, cout, cin, k, k);
}

double ActivationLayer::alpha() const { return op == kernels::ActivationOp::LeakyRelu ? 0.2 : 0.0; }

namespace {

std::string chw(int64_t c, int64_t side) {
  std::string s = "@";  // appended piece by piece: "@" + to_string(...) trips GCC 12's -Wrestrict (bug 105329)
  for (int64_t v : {c, side, side}) {
    if (s.size() > 1) s += "x";
    s += std::to_string(v);
  }
  return s;
}

struct IdOf {
  std::string operator()(const ConvLayer& l) const {
    return std::string(l.transposed ? "convT" : "conv") + std::to_string(l.cin) + "-" + std::to_string(l.cout) + "k" +
           std::to_string(l.k) + "s" + std::to_string(l.stride) + "p" + std::to_string(l.pad) +
           (l.output_padding ? "op" + std::to_string(l.output_padding) : "") + (l.bias ? "b" : "") + "@" +
           std::to_string(l.side) + "x" + std::to_string(l.side);
  }
  std::string operator()(const NormLayer& l) const { return (l.instance ? "in" : "bn") + chw(l.c, l.side); }
  std::string operator()(const ActivationLayer& l) const {
    return std::string(l.op == kernels::ActivationOp::LeakyRelu ? "lrelu" : kernels::op_name(l.op)) + chw(l.c, l.side);
  }
  std::string operator()(const ReflectPadLayer& l) const { return "reflectpad" + std::to_string(l.pad) + chw(l.c, l.side); }
  std::string operator()(const LossLayer& l) const { return kernels::op_name(l.op) + chw(l.c, l.side); }
  std::string operator()(const AdamLayer& l) const { return "adam-" + l.optimizer; }
};

// The table builders: PyTorch's argument order, plus the input side.
ConvLayer conv(int64_t cin, int64_t cout, int64_t k, int64_t s, int64_t p, int64_t side, bool bias = false) {
  return {cin, cout, k, s, p, side, false, 0, bias};
}
ConvLayer convT(int64_t cin, int64_t cout, int64_t k, int64_t s, int64_t p, int64_t side, bool bias = false,
                int64_t output_padding = 0) {
  return {cin, cout, k, s, p, side, true, output_padding, bias};
}
NormLayer bn(int64_t c, int64_t side) { return {false, c, side}; }
NormLayer in(int64_t c, int64_t side) { return {true, c, side}; }
ActivationLayer relu(int64_t c, int64_t side) { return {kernels::ActivationOp::Relu, c, side}; }
ActivationLayer lrelu(int64_t c, int64_t side) { return {kernels::ActivationOp::LeakyRelu, c, side}; }
ActivationLayer tanh(int64_t c, int64_t side) { return {kernels::ActivationOp::Tanh, c, side}; }
ReflectPadLayer reflectpad(int64_t pad, int64_t c, int64_t side) { return {pad, c, side}; }
LossLayer loss(kernels::LossOp op, int64_t c, int64_t side) { return {op, c, side}; }
AdamLayer adam(const char* optimizer) { return {optimizer}; }

class ModelBuilder {
 public:
  ModelBuilder(std::string name, std::vector<int64_t> batches, gan::TrainOptions options) {
    model_.name = std::move(name);
    model_.batches = std::move(batches);
    model_.options = gan::resolve_options(options);
  }
  ModelBuilder& add(std::string where, LayerSpec spec) {
    std::string id = layer_id(spec);
    if (!ids_.insert(id).second)  // each layer once: a second module of this shape joins the first's `where`
      throw std::logic_error("bench/gan_layers.cpp: " + model_.name + " lists " + id + " twice");
    model_.layers.push_back({std::move(id), std::move(where), std::move(spec)});
    return *this;
  }
  GanModel done() { return std::move(model_); }

 private:
  GanModel model_;
  std::set<std::string> ids_;
};

gan::TrainOptions options(gan::Arch arch, int64_t image_size, int64_t channels) {
  gan::TrainOptions o;
  o.arch = arch;
  o.data = "random images";
  o.image_size = image_size;
  o.channels = channels;
  return o;
}

using kernels::LossOp;

// Batches: DCGAN trains at 64 (pytorch/examples; the paper used 128); 16 and 128 show how each
// pass scales around it. Batch 1 is no DCGAN training batch (its BN would normalise single
// images), so it is left out. pix2pix and CycleGAN train at batch 1 (the reference's default),
// at 256x256: that is all they run at.

// docs/models.md §2, 64x64, nz 100, ngf = ndf = 64, nc 3. BCE on logits; two Adams.
GanModel dcgan64() {
  return ModelBuilder("dcgan64", {16, 64, 128}, options(gan::Arch::Dcgan, 64, 3))
      .add("G.main.0", convT(100, 512, 4, 1, 0, 1))
      .add("G.main.1, D.main.9", bn(512, 4))
      .add("G.main.2", relu(512, 4))
      .add("G.main.3", convT(512, 256, 4, 2, 1, 4))
      .add("G.main.4, D.main.6", bn(256, 8))
      .add("G.main.5", relu(256, 8))
      .add("G.main.6", convT(256, 128, 4, 2, 1, 8))
      .add("G.main.7, D.main.3", bn(128, 16))
      .add("G.main.8", relu(128, 16))
      .add("G.main.9", convT(128, 64, 4, 2, 1, 16))
      .add("G.main.10", bn(64, 32))
      .add("G.main.11", relu(64, 32))
      .add("G.main.12", convT(64, 3, 4, 2, 1, 32))
      .add("G.main.13", tanh(3, 64))
      .add("D.main.0", conv(3, 64, 4, 2, 1, 64))
      .add("D.main.1", lrelu(64, 32))
      .add("D.main.2", conv(64, 128, 4, 2, 1, 32))
      .add("D.main.4", lrelu(128, 16))
      .add("D.main.5", conv(128, 256, 4, 2, 1, 16))
      .add("D.main.7", lrelu(256, 8))
      .add("D.main.8", conv(256, 512, 4, 2, 1, 8))
      .add("D.main.10", lrelu(512, 4))
      .add("D.main.11", conv(512, 1, 4, 1, 0, 4))
      .add("D(x), D(G(z)) against 1 / 0", loss(LossOp::BceWithLogits, 1, 1))
      .add("G's Adam", adam("G"))
      .add("D's Adam", adam("D"))
      .done();
}

// docs/models.md §2, 28x28 (MNIST), nc 1.
GanModel dcgan_mnist() {
  return ModelBuilder("dcgan-mnist", {16, 64, 128}, options(gan::Arch::Dcgan, 28, 1))
      .add("G.main.0", convT(100, 256, 4, 1, 0, 1))
      .add("G.main.1", bn(256, 4))
      .add("G.main.2", relu(256, 4))
      .add("G.main.3", convT(256, 128, 3, 2, 1, 4))
      .add("G.main.4, D.main.3", bn(128, 7))
      .add("G.main.5", relu(128, 7))
      .add("G.main.6", convT(128, 64, 4, 2, 1, 7))
      .add("G.main.7", bn(64, 14))
      .add("G.main.8", relu(64, 14))
      .add("G.main.9", convT(64, 1, 4, 2, 1, 14))
      .add("G.main.10", tanh(1, 28))
      .add("D.main.0", conv(1, 64, 4, 2, 1, 28))
      .add("D.main.1", lrelu(64, 14))
      .add("D.main.2", conv(64, 128, 4, 2, 1, 14))
      .add("D.main.4", lrelu(128, 7))
      .add("D.main.5", conv(128, 256, 4, 2, 1, 7))
      .add("D.main.6", bn(256, 3))
      .add("D.main.7", lrelu(256, 3))
      .add("D.main.8", conv(256, 1, 3, 1, 0, 3))
      .add("D(x), D(G(z)) against 1 / 0", loss(LossOp::BceWithLogits, 1, 1))
      .add("G's Adam", adam("G"))
      .add("D's Adam", adam("D"))
      .done();
}

// docs/models.md §5: unet_256 (level i: down conv, BN; up ReLU, convT, BN) and the 70x70
// PatchGAN on 6 channels, at 256x256. A level's BN on the way down has the shape of the
// level above's BN on the way up; the PatchGAN's second and third convs are U-Net levels 1
// and 2. Dropout (a random mask and a product) and the skip concatenations are not primitives
// of the list, so they are not here.
GanModel pix2pix256() {
  return ModelBuilder("pix2pix256", {1}, options(gan::Arch::Pix2pix, 256, 3))
      .add("G level 0 down", conv(3, 64, 4, 2, 1, 256))
      .add("G level 1 down, D.model.1", lrelu(64, 128))
      .add("G level 1 down, D.model.2", conv(64, 128, 4, 2, 1, 128))
      .add("G level 1 down, level 2 up, D.model.3", bn(128, 64))
      .add("G level 2 down, D.model.4", lrelu(128, 64))
      .add("G level 2 down, D.model.5", conv(128, 256, 4, 2, 1, 64))
      .add("G level 2 down, level 3 up, D.model.6", bn(256, 32))
      .add("G level 3 down, D.model.7", lrelu(256, 32))
      .add("G level 3 down", conv(256, 512, 4, 2, 1, 32))
      .add("G level 3 down, level 4 up", bn(512, 16))
      .add("G level 4 down", lrelu(512, 16))
      .add("G level 4 down", conv(512, 512, 4, 2, 1, 16))
      .add("G level 4 down, level 5 up", bn(512, 8))
      .add("G level 5 down", lrelu(512, 8))
      .add("G level 5 down", conv(512, 512, 4, 2, 1, 8))
      .add("G level 5 down, level 6 up", bn(512, 4))
      .add("G level 6 down", lrelu(512, 4))
      .add("G level 6 down", conv(512, 512, 4, 2, 1, 4))
      .add("G level 6 down, level 7 up", bn(512, 2))
      .add("G level 7 down", lrelu(512, 2))
      .add("G level 7 down", conv(512, 512, 4, 2, 1, 2))
      .add("G level 7 up", relu(512, 1))
      .add("G level 7 up", convT(512, 512, 4, 2, 1, 1))
      .add("G level 6 up", relu(1024, 2))
      .add("G level 6 up", convT(1024, 512, 4, 2, 1, 2))
      .add("G level 5 up", relu(1024, 4))
      .add("G level 5 up", convT(1024, 512, 4, 2, 1, 4))
      .add("G level 4 up", relu(1024, 8))
      .add("G level 4 up", convT(1024, 512, 4, 2, 1, 8))
      .add("G level 3 up", relu(1024, 16))
      .add("G level 3 up", convT(1024, 256, 4, 2, 1, 16))
      .add("G level 2 up", relu(512, 32))
      .add("G level 2 up", convT(512, 128, 4, 2, 1, 32))
      .add("G level 1 up", relu(256, 64))
      .add("G level 1 up", convT(256, 64, 4, 2, 1, 64))
      .add("G level 1 up", bn(64, 128))
      .add("G level 0 up", relu(128, 128))
      .add("G level 0 up", convT(128, 3, 4, 2, 1, 128, true))
      .add("G level 0 up", tanh(3, 256))
      .add("D.model.0", conv(6, 64, 4, 2, 1, 256, true))
      .add("D.model.8", conv(256, 512, 4, 1, 1, 32))
      .add("D.model.9", bn(512, 31))
      .add("D.model.10", lrelu(512, 31))
      .add("D.model.11", conv(512, 1, 4, 1, 1, 31, true))
      .add("D(A, B), D(A, G(A)) against 1 / 0", loss(LossOp::BceWithLogits, 1, 30))
      .add("|G(A) - B|", loss(LossOp::L1, 3, 256))
      .add("G's Adam", adam("G"))
      .add("D's Adam", adam("D"))
      .done();
}

// docs/models.md §6: resnet_9blocks and the instance-norm PatchGAN, at 256x256. Every
// convolution has a bias. Two generators and two discriminators of these shapes; one Adam over
// both generators, one over both discriminators. The residual sums are elementwise adds, not
// in the list.
GanModel cyclegan256() {
  return ModelBuilder("cyclegan256", {1}, options(gan::Arch::Cyclegan, 256, 3))
      .add("G.model.0", reflectpad(3, 3, 256))
      .add("G.model.1", conv(3, 64, 7, 1, 0, 262, true))
      .add("G.model.2, G.model.23", in(64, 256))
      .add("G.model.3, G.model.24", relu(64, 256))
      .add("G.model.4", conv(64, 128, 3, 2, 1, 256, true))
      .add("G.model.5, G.model.20", in(128, 128))
      .add("G.model.6, G.model.21", relu(128, 128))
      .add("G.model.7", conv(128, 256, 3, 2, 1, 128, true))
      .add("G.model.8, 9 x 2 in G.model.10-18", in(256, 64))
      .add("G.model.9, 9 in G.model.10-18", relu(256, 64))
      .add("9 x 2 in G.model.10-18 (conv_block.0, .4)", reflectpad(1, 256, 64))
      .add("9 x 2 in G.model.10-18 (conv_block.1, .5)", conv(256, 256, 3, 1, 0, 66, true))
      .add("G.model.19", convT(256, 128, 3, 2, 1, 64, true, 1))
      .add("G.model.22", convT(128, 64, 3, 2, 1, 128, true, 1))
      .add("G.model.25", reflectpad(3, 64, 256))
      .add("G.model.26", conv(64, 3, 7, 1, 0, 262, true))
      .add("G.model.27", tanh(3, 256))
      .add("D.model.0", conv(3, 64, 4, 2, 1, 256, true))
      .add("D.model.1", lrelu(64, 128))
      .add("D.model.2", conv(64, 128, 4, 2, 1, 128, true))
      .add("D.model.3", in(128, 64))
      .add("D.model.4", lrelu(128, 64))
      .add("D.model.5", conv(128, 256, 4, 2, 1, 64, true))
      .add("D.model.6", in(256, 32))
      .add("D.model.7", lrelu(256, 32))
      .add("D.model.8", conv(256, 512, 4, 1, 1, 32, true))
      .add("D.model.9", in(512, 31))
      .add("D.model.10", lrelu(512, 31))
      .add("D.model.11", conv(512, 1, 4, 1, 1, 31, true))
      .add("D_A(B), D_A(G_A(A)) against 1 / 0 (least squares)", loss(LossOp::Mse, 1, 30))
      .add("cycle and identity terms", loss(LossOp::L1, 3, 256))
      .add("Adam of G_A and G_B", adam("G"))
      .add("Adam of D_A and D_B", adam("D"))
      .done();
}

}  // namespace

std::string layer_id(const LayerSpec& spec) { return std::visit(IdOf{}, spec); }

const std::vector<GanModel>& gan_models() {
  static const std::vector<GanModel> models = {dcgan64(), dcgan_mnist(), pix2pix256(), cyclegan256()};
  return models;
}

}  // namespace ganforge::bench
