// The cudnn backend: NVIDIA's libraries on GANForge's GPU tensors, as the yardstick for the cuda
// backend's own kernels (`--kernels cudnn`). It derives from the cuda backend (memory, stream and
// every primitive it does not override are cuda's) and runs, on contiguous NCHW f32 / f64:
//  - conv2d_fprop / dgrad / wgrad, batch_norm_forward_train / eval, batch_norm_backward and
//    activation_forward / backward (relu, leaky relu; tanh, sigmoid and elu forward) on cuDNN's
//    graph API, one operation graph per shape;
//  - gemm on cuBLAS.
// Whatever cuDNN or cuBLAS does not take (a layout, dtype or shape without an engine, a graph
// that does not finalize) runs on the cuda backend instead, and is counted, with the reason.
// Nothing here includes a CUDA or cuDNN header: kernels/vendor/cudnn_backend.cu holds the class.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "kernels/backend.h"
#include "kernels/math_mode.h"

namespace ganforge::kernels {

// available() is false without a usable GPU, with a cuDNN older than 9.8 at run time, or when
// GANFORGE_CUDNN_DISABLE is set (tools/gpu-check.sh's memcheck run, which checks GANForge's
// own kernels); then every primitive throws, naming the reason.
Backend& cudnn_backend();
std::string cudnn_unavailable_reason();  // "" when the backend can run

// The math mode (kernels/math_mode.h, `--math`) decides which arithmetic cuDNN and cuBLAS may
// use on f32 data:
//  - fp32: FP32 FMA with direct summation, the arithmetic of GANForge's own FP32 kernels: no
//    engine with cuDNN's tensor-core (TF32), down-converting, reduced-precision, Winograd or FFT
//    numerical notes; cuBLAS with CUBLAS_COMPUTE_32F, TF32 off. Integer-valued inputs give
//    exact sums, as the consistency test requires.
//  - tf32: every engine cuDNN offers (TF32 tensor cores, Winograd, FFT); cuBLAS with
//    CUBLAS_COMPUTE_32F_FAST_TF32. Results differ from FP32 by TF32's 10-bit mantissa.
//  - bf16: refused (each primitive cuDNN would run throws, naming it): cuDNN's bf16 engines need bf16
//    tensors in memory, GANForge's are f32, and converting on every call would time the
//    conversion. Its check_math says so before a run starts.
// f64 always computes in f64. Plans are cached per mode.

// Per overridden primitive (activations as "activation_forward.relu", ...): the calls that ran
// on cuDNN / cuBLAS and those that fell through to the cuda backend, with the latest reason.
struct CudnnPrimitiveStats {
  std::string primitive;
  int64_t on_cudnn = 0;
  int64_t fell_through = 0;
  std::string last_reason;
};
std::vector<CudnnPrimitiveStats> cudnn_primitive_stats();  // by primitive name

// One per convolution graph (pass, dtype, shapes, geometry, math mode): cuDNN's global engine
// index of the fastest timed plan, and of the heuristics' own first pick under the same rules
// (heuristic_ms < 0 when that plan did not run).
struct CudnnEngineChoice {
  std::string graph;
  int64_t chosen_engine = -1;
  double chosen_ms = 0;
  int64_t heuristic_engine = -1;
  double heuristic_ms = 0;
  int timed = 0;  // candidate plans timed
};
std::vector<CudnnEngineChoice> cudnn_engine_choices();  // in the order the graphs were built

// Both tables as text; GANFORGE_CUDNN_REPORT=1 prints it to stderr when the process exits.
std::string cudnn_report();

}  // namespace ganforge::kernels
