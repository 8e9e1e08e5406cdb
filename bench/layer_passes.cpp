#include "bench/layer_passes.h"

#include <array>
#include <map>
#include <memory>
#include <stdexcept>

#include "core/ganforge.h"
#include "gan/train/recipe.h"

namespace ganforge::bench {
namespace {

constexpr double kF32 = 4;  // bytes of an element: every operand here is f32

double bytes(std::initializer_list<const Tensor*> tensors) {
  double total = 0;
  for (const Tensor* t : tensors) total += kF32 * static_cast<double>(t->numel());
  return total;
}

struct Prepare {
  const std::string& primitive;
  kernels::Backend& backend;
  int64_t batch;
  const GanModel& model;
  TensorOptions on{TensorOptions{}.with_device(Device{backend.device_type()})};
  std::shared_ptr<Generator> gen = std::make_shared<Generator>(1);

  Tensor random(const Shape& shape) const { return randn(shape, on, gen.get()); }

  [[noreturn]] void unknown() const { throw std::invalid_argument("bench: no primitive " + primitive + " for this layer"); }

  PreparedPass operator()(const ConvLayer& l) const {
    const int64_t o = l.out_side();
    const Tensor in = random({batch, l.cin, l.side, l.side}), out = random({batch, l.cout, o, o});
    const Tensor w = l.transposed ? random({l.cin, l.cout, l.k, l.k}) : random({l.cout, l.cin, l.k, l.k});
    const Tensor dw = empty(w.shape(), on);
    const Tensor bias = l.bias ? random({l.cout}) : Tensor(), dbias = l.bias ? empty({l.cout}, on) : Tensor();
    // The convolution behind the layer maps x to y: for a transposed layer, x is the layer's output.
    const Tensor x = l.transposed ? out : in, y = l.transposed ? in : out;
    const ConvParams p = conv_params(l.stride, l.pad);
    kernels::Backend& b = backend;
    // What core/ops/conv.cpp passes: a conv's bias to fprop and its gradient to wgrad; a
    // transposed conv's bias to dgrad, its forward (its bias gradient is a separate channel sum).
    // (Lambdas capture the tensors, not descriptors, so that the operands live as long as they.)
    const Tensor conv_bias = l.transposed ? Tensor() : bias, conv_dbias = l.transposed ? Tensor() : dbias;
    const Tensor dgrad_bias = l.transposed ? bias : Tensor();
    std::function<void()> run;
    if (primitive == "fprop")
      run = [=, &b] { b.conv2d_fprop(p, describe(x), describe(w), describe_optional(conv_bias), describe(y)); };
    else if (primitive == "dgrad")
      run = [=, &b] { b.conv2d_dgrad(p, describe(y), describe(w), describe_optional(dgrad_bias), describe(x)); };
    else if (primitive == "wgrad")
      run = [=, &b] { b.conv2d_wgrad(p, describe(x), describe(y), describe(dw), describe_optional(conv_dbias)); };
    else
      unknown();
    return {run, {l.flops(batch), 0}, ""};
  }

  PreparedPass operator()(const NormLayer& l) const {
    // instance norm runs as batch norm over [1, N·C, H·W], without affine or running statistics
    const Shape shape = l.instance ? Shape{1, batch * l.c, l.side * l.side} : Shape{batch, l.c, l.side * l.side};
    const int64_t c = shape[1];
    const Tensor x = random(shape), y = empty(shape, on), dy = random(shape), dx = empty(shape, on);
    const Tensor gamma = l.instance ? Tensor() : ones({c}, on), beta = l.instance ? Tensor() : zeros({c}, on);
    const Tensor running_mean = l.instance ? Tensor() : zeros({c}, on), running_var = l.instance ? Tensor() : ones({c}, on);
    const Tensor dgamma = l.instance ? Tensor() : empty({c}, on), dbeta = l.instance ? Tensor() : empty({c}, on);
    const Tensor mean = empty({c}, on), invstd = empty({c}, on);
    kernels::Backend& b = backend;
    const double momentum = l.instance ? 0 : 0.1;
    auto forward = [=, &b] {
      b.batch_norm_forward_train(describe(x), describe_optional(gamma), describe_optional(beta), describe_optional(running_mean),
                                 describe_optional(running_var), momentum, 1e-5, describe(y), describe(mean), describe(invstd));
    };
    if (primitive == "forward_train") return {forward, {0, bytes({&x, &y})}, ""};
    if (primitive != "backward") unknown();
    forward();  // the saved statistics the backward reads
    return {[=, &b] {
              b.batch_norm_backward(describe(dy), describe(x), describe_optional(gamma), describe(mean), describe(invstd),
                                    describe(dx), describe_optional(dgamma), describe_optional(dbeta));
            },
            {0, bytes({&dy, &x, &dx})},
            ""};
  }

  PreparedPass operator()(const ActivationLayer& l) const {
    const Shape shape{batch, l.c, l.side, l.side};
    const Tensor x = random(shape), y = empty(shape, on), dy = random(shape), dx = empty(shape, on);
    kernels::Backend& b = backend;
    const kernels::ActivationOp op = l.op;
    const double alpha = l.alpha();
    b.activation_forward(op, describe(y), describe(x), alpha);  // the backward reads x or y
    if (primitive == "forward") return {[=, &b] { b.activation_forward(op, describe(y), describe(x), alpha); }, {0, bytes({&x, &y})}, ""};
    if (primitive != "backward") unknown();
    return {[=, &b] { b.activation_backward(op, describe(dx), describe(dy), describe(x), describe(y), alpha); },
            {0, bytes({&dy, kernels::backward_reads(op) == kernels::Reads::Output ? &y : &x, &dx})},
            ""};
  }

  PreparedPass operator()(const ReflectPadLayer& l) const {
    const int64_t padded = l.side + 2 * l.pad;
    const Tensor x = random({batch, l.c, l.side, l.side}), y = empty({batch, l.c, padded, padded}, on);
    const Tensor dy = random(y.shape()), dx = empty(x.shape(), on);
    const std::array<int64_t, 4> pads{l.pad, l.pad, l.pad, l.pad};
    kernels::Backend& b = backend;
    const kernels::PadMode reflect = kernels::PadMode::Reflect;
    if (primitive == "forward")
      return {[=, &b] { b.pad2d_forward(reflect, describe(y), describe(x), pads.data()); }, {0, bytes({&x, &y})}, ""};
    if (primitive != "backward") unknown();
    return {[=, &b] { b.pad2d_backward(reflect, describe(dx), describe(dy), pads.data()); }, {0, bytes({&dy, &dx})}, ""};
  }

  PreparedPass operator()(const LossLayer& l) const {
    const Shape shape{batch, l.c, l.side, l.side};
    // adversarial losses against the real label, L1 against an image
    const Tensor input = random(shape), target = l.op == kernels::LossOp::L1 ? random(shape) : ones(shape, on);
    const Tensor loss = empty({}, on), grad = empty(shape, on);
    kernels::Backend& b = backend;
    const kernels::LossOp op = l.op;
    if (primitive == "forward")
      return {[=, &b] { b.loss_forward(op, Reduction::Mean, describe(loss), describe(input), describe(target)); },
              {0, bytes({&input, &target})},
              ""};
    if (primitive != "backward") unknown();
    return {[=, &b] { b.loss_backward(op, Reduction::Mean, 1.0, describe(grad), describe(input), describe(target)); },
            {0, bytes({&input, &target, &grad})},
            ""};
  }

  PreparedPass operator()(const AdamLayer& l) const {
    if (primitive != "adam_step_multi") unknown();
    // Google Benchmark calls a benchmark several times (to size its iterations, and once per
    // repetition): the recipe, built on the CPU only for its parameters' shapes, is built once.
    static std::map<std::string, std::vector<Shape>> shapes_of;
    std::vector<Shape>& shapes = shapes_of[model.name + "/" + l.optimizer];
    if (shapes.empty()) {
      KernelsGuard cpu("cpu");
      std::unique_ptr<gan::Recipe> recipe = gan::make_recipe(model.options, Device{});
      // optimizer "G" steps network G (CycleGAN: G_A and G_B), "D" likewise
      for (auto& [name, network] : recipe->networks())
        if (name == l.optimizer || name.rfind(l.optimizer + "_", 0) == 0)
          for (const Tensor& p : network->parameters()) shapes.push_back(p.shape());
    }
    if (shapes.empty()) throw std::invalid_argument("bench: " + model.name + " has no optimizer " + l.optimizer);
    auto tensors = std::make_shared<std::vector<Tensor>>();
    auto descs = std::make_shared<std::vector<kernels::AdamTensors>>();
    double elements = 0;
    for (const Shape& s : shapes) {
      const Tensor param = random(s), grad = random(s), m = zeros(s, on), v = zeros(s, on);
      tensors->insert(tensors->end(), {param, grad, m, v});
      descs->push_back({describe(param), describe(grad), describe(m), describe(v)});
      elements += static_cast<double>(param.numel());
    }
    AdamParams p;
    p.lr = 2e-4;
    p.beta1 = 0.5;
    p.step = 10;
    kernels::Backend& b = backend;
    // param, grad, exp_avg, exp_avg_sq read; param and the two moments written
    return {[p, descs, tensors, &b] { b.adam_step_multi(p, *descs); }, {0, 7 * kF32 * elements},
            std::to_string(static_cast<int64_t>(elements)) + " parameters in " + std::to_string(shapes.size()) + " tensors"};
  }
};

}  // namespace

std::vector<std::string> layer_primitives(const LayerSpec& spec) {
  if (std::holds_alternative<ConvLayer>(spec)) return {"fprop", "dgrad", "wgrad"};
  if (std::holds_alternative<NormLayer>(spec)) return {"forward_train", "backward"};
  if (std::holds_alternative<AdamLayer>(spec)) return {"adam_step_multi"};
  return {"forward", "backward"};
}

PreparedPass prepare_pass(const GanModel& model, const Layer& layer, const std::string& primitive, kernels::Backend& backend,
                          int64_t batch) {
  PreparedPass pass = std::visit(Prepare{primitive, backend, batch, model}, layer.spec);
  pass.label = layer.where + (pass.label.empty() ? "" : "; " + pass.label);
  return pass;
}

}  // namespace ganforge::bench
