// The cudnn backend (see kernels/vendor/cudnn_backend.h for what it runs and the math modes).
//
// The idea: one cuDNN operation graph per shape, built through the backend descriptor API of
// cudnn_graph.h (cuDNN 9's graph API; the legacy cudnnConvolutionForward & co. are deprecated),
// and cached with its execution plan under a key of everything the plan depends on (primitive,
// dtype, dims, pointer alignments, geometry, math mode). Per-call values (batch norm's epsilon)
// are by-value tensors of the variant pack, so they are not part of the key.
//  - Convolutions: the heuristics' candidate plans (mode A, else FALLBACK; those the math mode
//    allows; precompiled engines only: a runtime-compiled one builds its kernel with NVRTC, for
//    seconds per shape) are each run once and then timed over three runs on the call's own
//    tensors, with up to 1 GiB of workspace from the caching allocator; the fastest is kept, and
//    recorded beside the heuristics' own first pick. The bias (fprop, a transposed convolution's
//    dgrad) is added by a kernel of this file after the convolution, as PyTorch adds cuDNN's; the
//    bias gradient is the cuda backend's reduce, as in cuda's own wgrad.
//  - Batch norm and activations: the heuristics' first plan the math mode allows (runtime
//    compiled or not), untimed: each is one memory-bound pass. Batch norm's running statistics
//    are updated by a kernel of this file from the saved mean and 1/sqrt(var + eps), with
//    PyTorch's unbiased variance (cuDNN's graph documentation does not say which it uses).
//  - GEMM: cuBLAS's strided-batched GEMM, the row-major operands read as column-major ones.
// The operation graphs are built without a cuDNN handle (CUDNN_ATTR_OPERATIONGRAPH_HANDLE is
// deprecated; cuDNN 9.8 and newer take a device-property descriptor in the heuristics instead)
// and executed with the backend's handle, whose stream is the cuda backend's.
// Anything cuDNN does not take goes to the cuda backend and is counted with its reason; a graph
// cuDNN refused once is not asked again. Every cuDNN and cuBLAS call is checked; descriptors are
// owned (RAII). The caches, handles and statistics live until the process ends (never
// destroyed: they may be used by destructors of static tensors, as the allocator).
#include "kernels/vendor/cudnn_backend.h"

#include <cublas_v2.h>
#include <cudnn_graph.h>

#include <algorithm>
#include <array>
#include <bit>
#include <climits>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "kernels/common/dtype_dispatch.h"
#include "kernels/common/layer_geometry.h"
#include "kernels/cuda/cuda_backend.h"

namespace ganforge::kernels {
namespace {

using cuda_device::check_cuda;
using cuda_device::grid_for;
using cuda_device::kThreadsPerBlock;
using cuda_device::launch;

constexpr int64_t kWorkspaceLimit = int64_t{1} << 30;  // a plan needing more is not a candidate
constexpr size_t kMaxTimedPlans = 16;
constexpr int kTimedRuns = 3;

// ---------------------------------------------------------------------------- errors

void check_cudnn(cudnnStatus_t status, const std::string& call) {
  if (status == CUDNN_STATUS_SUCCESS) return;
  std::string text = "cudnn backend: " + call + " failed: " + cudnnGetErrorString(status);
  char detail[1024] = {};
  cudnnGetLastErrorString(detail, sizeof detail);
  if (detail[0] != '\0') text += " (" + std::string(detail) + ")";
  throw std::runtime_error(text);
}

void check_cublas(cublasStatus_t status, const char* call) {
  if (status != CUBLAS_STATUS_SUCCESS)
    throw std::runtime_error(std::string("cudnn backend: ") + call + " failed: " + cublasGetStatusString(status));
}

// ---------------------------------------------------------------------------- state

const std::string& unavailable_reason() {
  static const std::string reason = []() -> std::string {
    if (const char* off = std::getenv("GANFORGE_CUDNN_DISABLE"); off != nullptr && *off != '\0' && std::string(off) != "0")
      return "disabled by GANFORGE_CUDNN_DISABLE";
    int count = 0;
    const cudaError_t status = cudaGetDeviceCount(&count);
    if (status != cudaSuccess) {
      cudaGetLastError();  // not an error of a later call
      return std::string("no usable GPU (") + cudaGetErrorString(status) + ")";
    }
    if (count == 0) return "no GPU visible";
    if (cudnnGetVersion() < 90800)
      return std::string("the cuDNN loaded is version ") + std::to_string(cudnnGetVersion()) +
             "; the backend needs 9.8 or newer (operation graphs without a handle)";
    return "";
  }();
  return reason;
}

void require_device() {
  const std::string& reason = unavailable_reason();
  if (!reason.empty()) throw std::runtime_error("cudnn backend cannot run: " + reason);
}

void check_cudnn_math(MathMode math) {
  if (math == MathMode::Bf16)
    throw std::invalid_argument(
        "the cudnn backend does not offer math mode bf16: cuDNN's bf16 engines need bf16 tensors in memory and GANForge's are "
        "f32, so every call would first convert its operands; use fp32, or tf32 for tensor cores");
}

// The math mode in force, refused when cuDNN cannot honour it.
MathMode cudnn_math() {
  const MathMode math = current_math();
  check_cudnn_math(math);
  return math;
}

struct Stats {
  std::mutex mutex;
  std::map<std::string, CudnnPrimitiveStats> primitives;
  std::vector<CudnnEngineChoice> choices;
};
Stats& stats() {
  static Stats* s = new Stats;
  return *s;
}

// Records a call; true when cuDNN ran it (`refusal` empty), false when the cuda backend must.
bool on_cudnn(const std::string& primitive, const std::string& refusal) {
  std::lock_guard<std::mutex> lock(stats().mutex);
  CudnnPrimitiveStats& s = stats().primitives[primitive];
  s.primitive = primitive;
  if (refusal.empty()) {
    ++s.on_cudnn;
    return true;
  }
  ++s.fell_through;
  s.last_reason = refusal;
  return false;
}

cudnnHandle_t cudnn_handle() {
  static const cudnnHandle_t handle = [] {
    cudnnHandle_t h = nullptr;
    check_cudnn(cudnnCreate(&h), "cudnnCreate");
    check_cudnn(cudnnSetStream(h, cuda_device::backend_stream()), "cudnnSetStream");
    return h;
  }();
  return handle;
}

cublasHandle_t cublas_handle() {
  static const cublasHandle_t handle = [] {
    cublasHandle_t h = nullptr;
    check_cublas(cublasCreate(&h), "cublasCreate");
    check_cublas(cublasSetStream(h, cuda_device::backend_stream()), "cublasSetStream");
    check_cublas(cublasSetMathMode(h, CUBLAS_DEFAULT_MATH), "cublasSetMathMode");  // TF32 only by compute type
    return h;
  }();
  return handle;
}

// ---------------------------------------------------------------------------- descriptors

// One backend descriptor, destroyed with its owner. An error names the call, the descriptor
// type and the attribute by number (cudnnBackendDescriptorType_t, cudnnBackendAttributeName_t).
class Descriptor {
 public:
  explicit Descriptor(cudnnBackendDescriptorType_t type) : type_(type) {
    check_cudnn(cudnnBackendCreateDescriptor(type, &raw_), std::string("cudnnBackendCreateDescriptor(type ") + std::to_string(type_) + ")");
  }
  Descriptor(Descriptor&& other) noexcept : type_(other.type_), raw_(std::exchange(other.raw_, nullptr)) {}
  Descriptor(const Descriptor&) = delete;
  Descriptor& operator=(const Descriptor&) = delete;
  Descriptor& operator=(Descriptor&& other) noexcept {
    std::swap(type_, other.type_);
    std::swap(raw_, other.raw_);
    return *this;
  }
  ~Descriptor() {
    if (raw_ != nullptr) cudnnBackendDestroyDescriptor(raw_);
  }

  cudnnBackendDescriptor_t get() const { return raw_; }

  template <class T>
  Descriptor& set_values(cudnnBackendAttributeName_t name, cudnnBackendAttributeType_t type, std::span<const T> values) {
    check_cudnn(cudnnBackendSetAttribute(raw_, name, type, static_cast<int64_t>(values.size()), values.data()),
                call("cudnnBackendSetAttribute", name));
    return *this;
  }
  template <class T>
  Descriptor& set_value(cudnnBackendAttributeName_t name, cudnnBackendAttributeType_t type, const T& value) {
    return set_values(name, type, std::span<const T>(&value, 1));
  }
  Descriptor& set_descriptor(cudnnBackendAttributeName_t name, const Descriptor& value) {
    return set_value(name, CUDNN_TYPE_BACKEND_DESCRIPTOR, value.raw_);
  }
  // Reads up to out.size() elements; returns how many there are.
  template <class T>
  int64_t get_values(cudnnBackendAttributeName_t name, cudnnBackendAttributeType_t type, std::span<T> out) const {
    int64_t count = 0;
    check_cudnn(cudnnBackendGetAttribute(raw_, name, type, static_cast<int64_t>(out.size()), &count, out.data()),
                call("cudnnBackendGetAttribute", name));
    return count;
  }
  Descriptor& finalize() {
    check_cudnn(cudnnBackendFinalize(raw_), std::string("cudnnBackendFinalize(type ") + std::to_string(type_) + ")");
    return *this;
  }

 private:
  std::string call(const char* function, cudnnBackendAttributeName_t name) const {
    return std::string(function) + "(type " + std::to_string(type_) + ", attribute " + std::to_string(name) + ")";
  }

  cudnnBackendDescriptorType_t type_;
  cudnnBackendDescriptor_t raw_ = nullptr;
};

cudnnDataType_t cudnn_type(DType dtype) { return dtype == DType::F64 ? CUDNN_DATA_DOUBLE : CUDNN_DATA_FLOAT; }

// The device the heuristics choose engines for: the operation graphs carry no handle.
const Descriptor& device_properties() {
  static const Descriptor* properties = [] {
    int device = 0;
    check_cuda(cudaGetDevice(&device), "cudaGetDevice");
    auto* d = new Descriptor(CUDNN_BACKEND_DEVICEPROP_DESCRIPTOR);
    d->set_value(CUDNN_ATTR_DEVICEPROP_DEVICE_ID, CUDNN_TYPE_INT32, static_cast<int32_t>(device)).finalize();
    return d;
  }();
  return *properties;
}

// A tensor of a graph: uid, 4-D dims and strides, and where its data is for this call (host
// memory for a by-value scalar).
struct Operand {
  int64_t uid;
  std::array<int64_t, 4> dims, strides;
  void* data;
  bool by_value = false;
};

std::array<int64_t, 4> packed_strides(const std::array<int64_t, 4>& dims) {
  return {dims[1] * dims[2] * dims[3], dims[2] * dims[3], dims[3], 1};
}

Operand packed(int64_t uid, const std::array<int64_t, 4>& dims, void* data) { return {uid, dims, packed_strides(dims), data}; }

// A per-channel operand [1, C, 1, 1], strided as cuDNN's frontend lays them out (NHWC).
Operand per_channel(int64_t uid, int64_t channels, void* data) { return {uid, {1, channels, 1, 1}, {channels, 1, channels, channels}, data}; }

// The alignment of the operand's address (at most 16 bytes): plans are built for it.
int64_t alignment_of(const Operand& o) {
  const auto address = reinterpret_cast<uintptr_t>(o.data);
  int64_t alignment = 16;
  while (alignment > 1 && address % static_cast<uintptr_t>(alignment) != 0) alignment /= 2;
  return alignment;
}

Descriptor tensor(const Operand& o, DType dtype) {
  Descriptor t(CUDNN_BACKEND_TENSOR_DESCRIPTOR);
  t.set_value(CUDNN_ATTR_TENSOR_DATA_TYPE, CUDNN_TYPE_DATA_TYPE, cudnn_type(dtype))
      .set_values(CUDNN_ATTR_TENSOR_DIMENSIONS, CUDNN_TYPE_INT64, std::span<const int64_t>(o.dims))
      .set_values(CUDNN_ATTR_TENSOR_STRIDES, CUDNN_TYPE_INT64, std::span<const int64_t>(o.strides))
      .set_value(CUDNN_ATTR_TENSOR_UNIQUE_ID, CUDNN_TYPE_INT64, o.uid)
      .set_value(CUDNN_ATTR_TENSOR_BYTE_ALIGNMENT, CUDNN_TYPE_INT64, alignment_of(o));
  if (o.by_value) t.set_value(CUDNN_ATTR_TENSOR_IS_BY_VALUE, CUDNN_TYPE_BOOLEAN, true);
  return std::move(t.finalize());
}

// "[2,3,7,5]@16 [5,3,3,3]@16 ...": the operands' dims and alignments, for keys and reports.
std::string describe(std::span<const Operand> operands) {
  std::string text;
  for (const Operand& o : operands) {
    if (o.by_value) continue;
    text += text.empty() ? "[" : " [";
    for (size_t d = 0; d < o.dims.size(); ++d) {
      if (d > 0) text += ',';
      text += std::to_string(o.dims[d]);
    }
    text += "]@";
    text += std::to_string(alignment_of(o));
  }
  return text;
}

Descriptor variant_pack(std::span<const Operand> operands, void* workspace) {
  std::vector<int64_t> uids;
  std::vector<void*> pointers;
  for (const Operand& o : operands) {
    uids.push_back(o.uid);
    pointers.push_back(o.data);
  }
  Descriptor pack(CUDNN_BACKEND_VARIANT_PACK_DESCRIPTOR);
  pack.set_values(CUDNN_ATTR_VARIANT_PACK_UNIQUE_IDS, CUDNN_TYPE_INT64, std::span<const int64_t>(uids))
      .set_values(CUDNN_ATTR_VARIANT_PACK_DATA_POINTERS, CUDNN_TYPE_VOID_PTR, std::span<void* const>(pointers))
      .set_value(CUDNN_ATTR_VARIANT_PACK_WORKSPACE, CUDNN_TYPE_VOID_PTR, workspace);
  return std::move(pack.finalize());
}

// ---------------------------------------------------------------------------- engines and plans

struct EngineInfo {
  int64_t index = -1;  // cuDNN's global engine index
  std::vector<cudnnBackendNumericalNote_t> numerical;
  bool runtime_compiled = false;
};

EngineInfo engine_info(const Descriptor& config) {
  Descriptor engine(CUDNN_BACKEND_ENGINE_DESCRIPTOR);
  cudnnBackendDescriptor_t raw = engine.get();
  config.get_values(CUDNN_ATTR_ENGINECFG_ENGINE, CUDNN_TYPE_BACKEND_DESCRIPTOR, std::span<cudnnBackendDescriptor_t>(&raw, 1));
  EngineInfo e;
  engine.get_values(CUDNN_ATTR_ENGINE_GLOBAL_INDEX, CUDNN_TYPE_INT64, std::span<int64_t>(&e.index, 1));
  std::array<cudnnBackendNumericalNote_t, CUDNN_NUMERICAL_NOTE_TYPE_COUNT> numerical{};
  const int64_t n = engine.get_values(CUDNN_ATTR_ENGINE_NUMERICAL_NOTE, CUDNN_TYPE_NUMERICAL_NOTE,
                                     std::span<cudnnBackendNumericalNote_t>(numerical));
  e.numerical.assign(numerical.begin(), numerical.begin() + std::min<int64_t>(n, CUDNN_NUMERICAL_NOTE_TYPE_COUNT));
  std::array<cudnnBackendBehaviorNote_t, CUDNN_BEHAVIOR_NOTE_TYPE_COUNT> behavior{};
  const int64_t b = engine.get_values(CUDNN_ATTR_ENGINE_BEHAVIOR_NOTE, CUDNN_TYPE_BEHAVIOR_NOTE,
                                     std::span<cudnnBackendBehaviorNote_t>(behavior));
  for (int64_t i = 0; i < std::min<int64_t>(b, CUDNN_BEHAVIOR_NOTE_TYPE_COUNT); ++i)
    e.runtime_compiled = e.runtime_compiled || behavior[static_cast<size_t>(i)] == CUDNN_BEHAVIOR_NOTE_RUNTIME_COMPILATION;
  return e;
}

// The math modes of cudnn_backend.h as numerical notes: fp32 admits FP32 FMA with direct
// summation only (tensor cores are TF32 on f32 data; on f64 they are IEEE FP64 FMA).
bool allowed(const EngineInfo& e, MathMode math, DType dtype) {
  if (math == MathMode::Tf32) return true;
  for (cudnnBackendNumericalNote_t note : e.numerical) switch (note) {
      case CUDNN_NUMERICAL_NOTE_TENSOR_CORE:
        if (dtype == DType::F32) return false;
        break;
      case CUDNN_NUMERICAL_NOTE_DOWN_CONVERT_INPUTS:
      case CUDNN_NUMERICAL_NOTE_REDUCED_PRECISION_REDUCTION:
      case CUDNN_NUMERICAL_NOTE_FFT:
      case CUDNN_NUMERICAL_NOTE_WINOGRAD:
      case CUDNN_NUMERICAL_NOTE_WINOGRAD_TILE_4x4:
      case CUDNN_NUMERICAL_NOTE_WINOGRAD_TILE_6x6:
      case CUDNN_NUMERICAL_NOTE_WINOGRAD_TILE_13x13: return false;
      default: break;
    }
  return true;
}

// The engine configurations the heuristics offer for `graph`, best first.
std::vector<Descriptor> heuristic_configs(const Descriptor& graph, cudnnBackendHeurMode_t mode) {
  Descriptor heuristics(CUDNN_BACKEND_ENGINEHEUR_DESCRIPTOR);
  heuristics.set_descriptor(CUDNN_ATTR_ENGINEHEUR_OPERATION_GRAPH, graph)
      .set_value(CUDNN_ATTR_ENGINEHEUR_MODE, CUDNN_TYPE_HEUR_MODE, mode)
      .set_descriptor(CUDNN_ATTR_ENGINEHEUR_DEVICEPROP, device_properties())
      .finalize();
  const int64_t count = heuristics.get_values(CUDNN_ATTR_ENGINEHEUR_RESULTS, CUDNN_TYPE_BACKEND_DESCRIPTOR,
                                              std::span<cudnnBackendDescriptor_t>());
  std::vector<Descriptor> configs;
  std::vector<cudnnBackendDescriptor_t> raw;
  for (int64_t i = 0; i < count; ++i) {
    configs.emplace_back(CUDNN_BACKEND_ENGINECFG_DESCRIPTOR);
    raw.push_back(configs.back().get());
  }
  const int64_t returned = heuristics.get_values(CUDNN_ATTR_ENGINEHEUR_RESULTS, CUDNN_TYPE_BACKEND_DESCRIPTOR,
                                                 std::span<cudnnBackendDescriptor_t>(raw));
  configs.erase(configs.begin() + std::clamp<int64_t>(returned, 0, count), configs.end());
  return configs;
}

struct Candidate {
  Descriptor config, plan;
  int64_t engine = -1;
  int64_t workspace = 0;
};

// The plans the heuristics offer for `graph` (mode A's; FALLBACK's when none of A's is usable),
// in their order: those the math mode allows, that finalize and whose workspace fits, at most
// `limit`; runtime-compiled engines only when `runtime_compiled`. When there is none it throws,
// saying what each mode offered and why each was left out.
std::vector<Candidate> candidate_plans(const Descriptor& graph, DType dtype, MathMode math, bool runtime_compiled, size_t limit) {
  std::string why;
  for (const auto& [mode, mode_name] : {std::pair{CUDNN_HEUR_MODE_A, "heuristics A"}, std::pair{CUDNN_HEUR_MODE_FALLBACK, "fallback"}}) {
    std::vector<Descriptor> configs;
    try {
      configs = heuristic_configs(graph, mode);
    } catch (const std::runtime_error& e) {
      why += std::string(why.empty() ? "" : "; ") + mode_name + ": " + e.what();
      continue;
    }
    std::vector<Candidate> found;
    int by_notes = 0, compiled = 0, unfinalized = 0, too_large = 0;
    for (Descriptor& config : configs) {
      const EngineInfo e = engine_info(config);
      if (!allowed(e, math, dtype)) {
        ++by_notes;
        continue;
      }
      if (e.runtime_compiled && !runtime_compiled) {
        ++compiled;
        continue;
      }
      Descriptor plan(CUDNN_BACKEND_EXECUTION_PLAN_DESCRIPTOR);
      plan.set_descriptor(CUDNN_ATTR_EXECUTION_PLAN_ENGINE_CONFIG, config);
      if (cudnnBackendFinalize(plan.get()) != CUDNN_STATUS_SUCCESS) {  // this engine does not take the graph
        ++unfinalized;
        continue;
      }
      int64_t workspace = 0;
      plan.get_values(CUDNN_ATTR_EXECUTION_PLAN_WORKSPACE_SIZE, CUDNN_TYPE_INT64, std::span<int64_t>(&workspace, 1));
      if (workspace > kWorkspaceLimit) {
        ++too_large;
        continue;
      }
      found.push_back({std::move(config), std::move(plan), e.index, workspace});
      if (found.size() == limit) break;
    }
    if (!found.empty()) return found;
    why += std::string(why.empty() ? "" : "; ") + mode_name + " offered " + std::to_string(configs.size()) + " (" +
           std::to_string(by_notes) + " excluded by the " + math_name(math) + " math mode, " + std::to_string(compiled) +
           " runtime-compiled, " + std::to_string(unfinalized) + " did not finalize, " + std::to_string(too_large) +
           " over 1 GiB of workspace)";
  }
  throw std::runtime_error("no usable engine: " + why);
}

// Device memory for one call from the caching allocator: freeing it right after the launches
// that use it is safe, since all reuse is ordered on the backend's stream.
class Scratch {
 public:
  Scratch(Backend& backend, size_t bytes) : backend_(backend), data_(backend.allocate(bytes)) {}
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  ~Scratch() { backend_.deallocate(data_); }
  void* get() const { return data_; }

 private:
  Backend& backend_;
  void* data_;
};

struct Event {
  cudaEvent_t event = nullptr;
  Event() { check_cuda(cudaEventCreate(&event), "cudaEventCreate"); }
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;
  ~Event() { cudaEventDestroy(event); }
};

// The mean time of kTimedRuns runs after a warm-up, or nothing when the plan does not run.
std::optional<double> time_plan(const Descriptor& plan, const Descriptor& pack) {
  const cudaStream_t stream = cuda_device::backend_stream();
  if (cudnnBackendExecute(cudnn_handle(), plan.get(), pack.get()) != CUDNN_STATUS_SUCCESS) return std::nullopt;
  Event start, stop;
  check_cuda(cudaEventRecord(start.event, stream), "cudaEventRecord");
  for (int run = 0; run < kTimedRuns; ++run)
    if (cudnnBackendExecute(cudnn_handle(), plan.get(), pack.get()) != CUDNN_STATUS_SUCCESS) return std::nullopt;
  check_cuda(cudaEventRecord(stop.event, stream), "cudaEventRecord");
  check_cuda(cudaEventSynchronize(stop.event), "cudaEventSynchronize");
  float ms = 0;
  check_cuda(cudaEventElapsedTime(&ms, start.event, stop.event), "cudaEventElapsedTime");
  return static_cast<double>(ms) / kTimedRuns;
}

// A graph cuDNN runs: the descriptors its plan was built from (kept alive with it), the plan and
// its workspace; or, with no plan, why cuDNN does not take the graph.
struct Prepared {
  std::deque<Descriptor> parts;  // a deque: references to parts stay valid as it grows
  std::optional<Descriptor> plan;
  int64_t workspace = 0;
  std::string reason;

  // The graph of one operation, built from it and kept in parts.
  const Descriptor& graph_of(Descriptor operation) {
    operation.finalize();
    const cudnnBackendDescriptor_t raw = operation.get();
    parts.push_back(std::move(operation));
    Descriptor graph(CUDNN_BACKEND_OPERATIONGRAPH_DESCRIPTOR);
    graph.set_value(CUDNN_ATTR_OPERATIONGRAPH_OPS, CUDNN_TYPE_BACKEND_DESCRIPTOR, raw).finalize();
    parts.push_back(std::move(graph));
    return parts.back();
  }
  void use(Candidate& c) {
    workspace = c.workspace;
    parts.push_back(std::move(c.config));
    plan.emplace(std::move(c.plan));
  }
};

// The graphs built so far, by key. The mutex also serialises the use of the one cuDNN handle.
struct Cache {
  std::mutex mutex;
  std::map<std::string, std::unique_ptr<Prepared>> graphs;
};
Cache& cache() {
  static Cache* c = new Cache;
  return *c;
}

// The graph under `key` (the caller holds cache().mutex), built by `build` on first use; a build
// that throws leaves the reason instead of a plan, and the key is not tried again.
const Prepared& prepared(const std::string& key, const std::function<void(Prepared&)>& build) {
  auto it = cache().graphs.find(key);
  if (it == cache().graphs.end()) {
    auto p = std::make_unique<Prepared>();
    try {
      build(*p);
    } catch (const std::exception& e) {
      p->plan.reset();
      p->reason = e.what();
    }
    it = cache().graphs.emplace(key, std::move(p)).first;
  }
  return *it->second;
}

void execute(Backend& backend, const Prepared& p, std::span<const Operand> operands, const std::string& key) {
  const Scratch workspace(backend, static_cast<size_t>(p.workspace));
  const Descriptor pack = variant_pack(operands, workspace.get());
  check_cudnn(cudnnBackendExecute(cudnn_handle(), p.plan->get(), pack.get()), "cudnnBackendExecute(" + key + ")");
}

// ---------------------------------------------------------------------------- convolution

enum class ConvPass { Fprop, Dgrad, Wgrad };

// The three tensors of every pass are the image side [N, Ci, H, W] (x or dx), the filter side
// (w or dw) and the response side [N, Co, Ho, Wo] (y or dy); the operation names them per pass.
struct PassAttributes {
  const char* primitive;
  cudnnBackendDescriptorType_t operation;
  cudnnBackendAttributeName_t image, filter, response, conv, alpha, beta;
};
constexpr PassAttributes kPasses[] = {
    {"conv2d_fprop", CUDNN_BACKEND_OPERATION_CONVOLUTION_FORWARD_DESCRIPTOR, CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_X,
     CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_W, CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_Y,
     CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_CONV_DESC, CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_ALPHA,
     CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_BETA},
    {"conv2d_dgrad", CUDNN_BACKEND_OPERATION_CONVOLUTION_BACKWARD_DATA_DESCRIPTOR, CUDNN_ATTR_OPERATION_CONVOLUTION_BWD_DATA_DX,
     CUDNN_ATTR_OPERATION_CONVOLUTION_BWD_DATA_W, CUDNN_ATTR_OPERATION_CONVOLUTION_BWD_DATA_DY,
     CUDNN_ATTR_OPERATION_CONVOLUTION_BWD_DATA_CONV_DESC, CUDNN_ATTR_OPERATION_CONVOLUTION_BWD_DATA_ALPHA,
     CUDNN_ATTR_OPERATION_CONVOLUTION_BWD_DATA_BETA},
    {"conv2d_wgrad", CUDNN_BACKEND_OPERATION_CONVOLUTION_BACKWARD_FILTER_DESCRIPTOR, CUDNN_ATTR_OPERATION_CONVOLUTION_BWD_FILTER_X,
     CUDNN_ATTR_OPERATION_CONVOLUTION_BWD_FILTER_DW, CUDNN_ATTR_OPERATION_CONVOLUTION_BWD_FILTER_DY,
     CUDNN_ATTR_OPERATION_CONVOLUTION_BWD_FILTER_CONV_DESC, CUDNN_ATTR_OPERATION_CONVOLUTION_BWD_FILTER_ALPHA,
     CUDNN_ATTR_OPERATION_CONVOLUTION_BWD_FILTER_BETA},
};

// cuDNN's geometry of image * filter -> response. cuDNN wants the bottom / right padding that
// makes (in + pre + post - extent) / stride + 1 the response size exactly; GANForge's may be
// larger (never read: a transposed convolution's output padding), so it is recomputed.
struct ConvGeometry {
  std::array<int64_t, 2> pre{}, post{}, stride{}, dilation{};
  bool valid = true;
};

ConvGeometry conv_geometry(const ConvParams& p, const TensorDesc& image, const TensorDesc& filter, const TensorDesc& response) {
  ConvGeometry g{{p.pad_top, p.pad_left}, {0, 0}, {p.stride_h, p.stride_w}, {p.dilation_h, p.dilation_w}};
  for (size_t d = 0; d < 2; ++d) {
    const int64_t in = image.shape[2 + d], out = response.shape[2 + d], extent = g.dilation[d] * (filter.shape[2 + d] - 1) + 1;
    g.post[d] = std::max<int64_t>(0, (out - 1) * g.stride[d] + extent - in - g.pre[d]);
    const int64_t span = in + g.pre[d] + g.post[d] - extent;
    g.valid = g.valid && span >= 0 && span / g.stride[d] + 1 == out;
  }
  return g;
}

std::string pair_text(const std::array<int64_t, 2>& v) { return std::to_string(v[0]) + "," + std::to_string(v[1]); }

// Builds the pass's graph and keeps its fastest candidate plan, timed on `operands` (whose
// response or gradient side is written while timing; the call then writes it again).
void build_conv(Prepared& p, Backend& backend, const PassAttributes& a, const ConvGeometry& g, std::span<const Operand> operands,
                DType dtype, MathMode math, const std::string& key) {
  for (const Operand& o : operands) p.parts.push_back(tensor(o, dtype));
  const Descriptor& image = p.parts[0];
  const Descriptor& filter = p.parts[1];
  const Descriptor& response = p.parts[2];
  const int64_t spatial_dims = 2;
  Descriptor& conv = p.parts.emplace_back(CUDNN_BACKEND_CONVOLUTION_DESCRIPTOR);
  conv.set_value(CUDNN_ATTR_CONVOLUTION_COMP_TYPE, CUDNN_TYPE_DATA_TYPE, cudnn_type(dtype))
      .set_value(CUDNN_ATTR_CONVOLUTION_CONV_MODE, CUDNN_TYPE_CONVOLUTION_MODE, CUDNN_CROSS_CORRELATION)
      .set_value(CUDNN_ATTR_CONVOLUTION_SPATIAL_DIMS, CUDNN_TYPE_INT64, spatial_dims)
      .set_values(CUDNN_ATTR_CONVOLUTION_PRE_PADDINGS, CUDNN_TYPE_INT64, std::span<const int64_t>(g.pre))
      .set_values(CUDNN_ATTR_CONVOLUTION_POST_PADDINGS, CUDNN_TYPE_INT64, std::span<const int64_t>(g.post))
      .set_values(CUDNN_ATTR_CONVOLUTION_DILATIONS, CUDNN_TYPE_INT64, std::span<const int64_t>(g.dilation))
      .set_values(CUDNN_ATTR_CONVOLUTION_FILTER_STRIDES, CUDNN_TYPE_INT64, std::span<const int64_t>(g.stride))
      .finalize();
  Descriptor operation(a.operation);
  operation.set_descriptor(a.image, image).set_descriptor(a.filter, filter).set_descriptor(a.response, response).set_descriptor(a.conv, conv);
  if (dtype == DType::F64)  // alpha and beta in the compute type
    operation.set_value(a.alpha, CUDNN_TYPE_DOUBLE, 1.0).set_value(a.beta, CUDNN_TYPE_DOUBLE, 0.0);
  else
    operation.set_value(a.alpha, CUDNN_TYPE_FLOAT, 1.0f).set_value(a.beta, CUDNN_TYPE_FLOAT, 0.0f);
  const Descriptor& graph = p.graph_of(std::move(operation));

  std::vector<Candidate> plans = candidate_plans(graph, dtype, math, false, kMaxTimedPlans);
  int64_t workspace = 0;
  for (const Candidate& c : plans) workspace = std::max(workspace, c.workspace);
  const Scratch memory(backend, static_cast<size_t>(workspace));
  const Descriptor pack = variant_pack(operands, memory.get());
  std::optional<size_t> best;
  double best_ms = 0, first_ms = -1;
  int timed = 0;
  for (size_t i = 0; i < plans.size(); ++i) {
    const std::optional<double> ms = time_plan(plans[i].plan, pack);
    if (!ms) continue;
    ++timed;
    if (i == 0) first_ms = *ms;
    if (!best || *ms < best_ms) {
      best = i;
      best_ms = *ms;
    }
  }
  if (!best) throw std::runtime_error(std::string("none of the ") + std::to_string(plans.size()) + " candidate plans ran");
  {
    std::lock_guard<std::mutex> lock(stats().mutex);
    stats().choices.push_back({key, plans[*best].engine, best_ms, plans[0].engine, first_ms, timed});
  }
  p.use(plans[*best]);
}

template <class T>
__global__ void add_channel_bias(int64_t total, int64_t channels, int64_t spatial, const T* bias, T* out) {
  const int64_t step = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < total; i += step)
    out[i] += bias[i / spatial % channels];
}

// out [N, C, H, W] += bias [C] per channel.
void add_bias(const TensorDesc& bias, const TensorDesc& out) {
  if (!bias.present()) return;
  const ChannelLayout g(out);
  const int64_t total = out.numel();
  dispatch_floating("conv bias", out.dtype, [&](auto type) {
    using T = decltype(type);
    launch(add_channel_bias<T>, dim3(grid_for(total)), dim3(kThreadsPerBlock), 0, nullptr, total, g.c, g.s, typed<const T>(bias),
           typed<T>(out));
  });
}

// ---------------------------------------------------------------------------- batch norm

// PyTorch's running statistics from the batch's mean and invstd = 1/sqrt(var + eps): the biased
// variance is 1/invstd² - eps, made unbiased with unbias = count / (count - 1).
template <class T>
__global__ void update_running_stats(int64_t channels, double momentum, double eps, double unbias, const T* mean,
                                     const T* invstd, T* running_mean, T* running_var) {
  for (int64_t c = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; c < channels;
       c += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    if (running_mean != nullptr)
      running_mean[c] = static_cast<T>((1 - momentum) * static_cast<double>(running_mean[c]) + momentum * static_cast<double>(mean[c]));
    if (running_var != nullptr) {
      const double s = static_cast<double>(invstd[c]);
      running_var[c] = static_cast<T>((1 - momentum) * static_cast<double>(running_var[c]) + momentum * (1 / (s * s) - eps) * unbias);
    }
  }
}

// invstd = 1/sqrt(var + eps): cuDNN's inference takes it in place of the running variance.
template <class T>
__global__ void inverse_std(int64_t channels, double eps, const T* var, T* invstd) {
  for (int64_t c = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; c < channels;
       c += static_cast<int64_t>(gridDim.x) * blockDim.x)
    invstd[c] = static_cast<T>(1 / sqrt(static_cast<double>(var[c]) + eps));
}

// x [N, C, S] as cuDNN's batch norm takes it: its engines take packed NHWC, CNHW or CHWN
// tensors, not NCHW. The same memory is NHWC when S = 1 or C = 1, and CNHW when N = 1; any other
// shape is offered as NCHW, for which cuDNN has no engine (it falls through).
Operand batch_norm_data(int64_t uid, const ChannelLayout& c, void* data) {
  const std::array<int64_t, 4> dims = {c.n, c.c, c.s, 1};
  if (c.s == 1 || c.c == 1) return {uid, dims, {c.s * c.c, 1, c.c, c.c}, data};
  if (c.n == 1) return {uid, dims, {c.s, c.s, 1, 1}, data};
  return packed(uid, dims, data);
}

// Why these operands are not cuDNN's (present ones: contiguous, floating, of one dtype), or "".
std::string layout_refusal(std::initializer_list<const TensorDesc*> tensors, DType dtype) {
  if (!is_floating(dtype)) return "i64 tensors";
  for (const TensorDesc* t : tensors) {
    if (!t->present()) continue;
    if (t->dtype != dtype) return "operands of mixed dtypes";
    if (!t->is_contiguous()) return "a non-contiguous operand";
  }
  return "";
}

// ---------------------------------------------------------------------------- activations

cudnnPointwiseMode_t pointwise_mode(ActivationOp op, bool backward) {
  switch (op) {
    case ActivationOp::Relu:
    case ActivationOp::LeakyRelu: return backward ? CUDNN_POINTWISE_RELU_BWD : CUDNN_POINTWISE_RELU_FWD;
    case ActivationOp::Elu: return backward ? CUDNN_POINTWISE_ELU_BWD : CUDNN_POINTWISE_ELU_FWD;
    case ActivationOp::Tanh: return backward ? CUDNN_POINTWISE_TANH_BWD : CUDNN_POINTWISE_TANH_FWD;
    case ActivationOp::Sigmoid: return backward ? CUDNN_POINTWISE_SIGMOID_BWD : CUDNN_POINTWISE_SIGMOID_FWD;
  }
  return CUDNN_POINTWISE_IDENTITY;
}

// ReLU is cuDNN's clipped ReLU with lower clip 0, no upper clip and the negative slope (0, or
// leaky ReLU's); ELU takes its α.
Descriptor activation_descriptor(ActivationOp op, bool backward, DType dtype, double alpha) {
  Descriptor pw(CUDNN_BACKEND_POINTWISE_DESCRIPTOR);
  pw.set_value(CUDNN_ATTR_POINTWISE_MODE, CUDNN_TYPE_POINTWISE_MODE, pointwise_mode(op, backward))
      .set_value(CUDNN_ATTR_POINTWISE_MATH_PREC, CUDNN_TYPE_DATA_TYPE, cudnn_type(dtype));
  if (op == ActivationOp::Relu || op == ActivationOp::LeakyRelu)
    pw.set_value(CUDNN_ATTR_POINTWISE_RELU_LOWER_CLIP, CUDNN_TYPE_DOUBLE, 0.0)
        .set_value(CUDNN_ATTR_POINTWISE_RELU_UPPER_CLIP, CUDNN_TYPE_DOUBLE, std::numeric_limits<double>::infinity())
        .set_value(CUDNN_ATTR_POINTWISE_RELU_LOWER_CLIP_SLOPE, CUDNN_TYPE_DOUBLE, op == ActivationOp::LeakyRelu ? alpha : 0.0);
  if (op == ActivationOp::Elu) pw.set_value(CUDNN_ATTR_POINTWISE_ELU_ALPHA, CUDNN_TYPE_DOUBLE, alpha);
  return std::move(pw.finalize());
}

// An elementwise operand of n values as [1, n, 1, 1], strided as a packed NHWC tensor (the
// layout cuDNN's pointwise engines take; the same memory as NCHW with H = W = 1).
Operand elementwise(int64_t uid, const TensorDesc& t) {
  const int64_t n = t.numel();
  return {uid, {1, n, 1, 1}, {n, 1, n, n}, t.data};
}

// ---------------------------------------------------------------------------- GEMM

// One matrix of a GEMM as a row-major BLAS operand: 'N' with leading dimension = its row stride,
// or 'T' (stored transposed) with leading dimension = its column stride.
struct BlasOperand {
  cublasOperation_t op = CUBLAS_OP_N;
  int64_t ld = 1;
  bool representable = false;
};

BlasOperand blas_operand(const MatrixDesc& m, int64_t rows, int64_t cols) {
  if (m.col_stride == 1 && (rows == 1 || m.row_stride >= std::max<int64_t>(cols, 1)))
    return {CUBLAS_OP_N, rows == 1 ? std::max<int64_t>(cols, 1) : m.row_stride, true};
  if (m.row_stride == 1 && (cols == 1 || m.col_stride >= std::max<int64_t>(rows, 1)))
    return {CUBLAS_OP_T, cols == 1 ? std::max<int64_t>(rows, 1) : m.col_stride, true};
  return {};
}

bool fits_int(std::initializer_list<int64_t> values) {
  return std::all_of(values.begin(), values.end(), [](int64_t v) { return v >= 0 && v <= INT_MAX; });
}

// ---------------------------------------------------------------------------- the backend

// CudaBackend's memory, stream and every primitive not overridden here.
class CudnnBackend final : public cuda_device::CudaBackend {
 public:
  CudnnBackend() {
    if (const char* report = std::getenv("GANFORGE_CUDNN_REPORT"); report != nullptr && *report != '\0' && std::string(report) != "0")
      std::atexit([] { std::fputs(cudnn_report().c_str(), stderr); });
  }

  const char* name() const override { return "cudnn"; }
  bool available() const override { return unavailable_reason().empty(); }
  void check_math(MathMode math) const override { check_cudnn_math(math); }
  void* allocate(size_t bytes) override {
    require_device();
    return CudaBackend::allocate(bytes);
  }

  void gemm(const GemmDesc& g) override {
    require_device();
    if (!on_cudnn("gemm", try_gemm(g))) CudaBackend::gemm(g);
  }

  void conv2d_fprop(const ConvParams& p, const TensorDesc& x, const TensorDesc& w, const TensorDesc& bias,
                    const TensorDesc& y) override {
    require_device();
    if (on_cudnn("conv2d_fprop", try_conv(ConvPass::Fprop, p, x, w, y, bias)))
      add_bias(bias, y);
    else
      CudaBackend::conv2d_fprop(p, x, w, bias, y);
  }
  void conv2d_dgrad(const ConvParams& p, const TensorDesc& dy, const TensorDesc& w, const TensorDesc& bias,
                    const TensorDesc& dx) override {
    require_device();
    if (on_cudnn("conv2d_dgrad", try_conv(ConvPass::Dgrad, p, dx, w, dy, bias)))
      add_bias(bias, dx);
    else
      CudaBackend::conv2d_dgrad(p, dy, w, bias, dx);
  }
  void conv2d_wgrad(const ConvParams& p, const TensorDesc& x, const TensorDesc& dy, const TensorDesc& dw,
                    const TensorDesc& dbias) override {
    require_device();
    if (on_cudnn("conv2d_wgrad", try_conv(ConvPass::Wgrad, p, x, dw, dy, absent)))
      bias_gradient(dy, dbias);
    else
      CudaBackend::conv2d_wgrad(p, x, dy, dw, dbias);
  }

  void batch_norm_forward_train(const TensorDesc& x, const TensorDesc& gamma, const TensorDesc& beta, const TensorDesc& running_mean,
                                const TensorDesc& running_var, double momentum, double eps, const TensorDesc& y,
                                const TensorDesc& save_mean, const TensorDesc& save_invstd) override {
    require_device();
    if (!on_cudnn("batch_norm_forward_train",
                  try_batch_norm_train(x, gamma, beta, running_mean, running_var, momentum, eps, y, save_mean, save_invstd)))
      CudaBackend::batch_norm_forward_train(x, gamma, beta, running_mean, running_var, momentum, eps, y, save_mean, save_invstd);
  }
  void batch_norm_forward_eval(const TensorDesc& x, const TensorDesc& gamma, const TensorDesc& beta, const TensorDesc& running_mean,
                               const TensorDesc& running_var, double eps, const TensorDesc& y) override {
    require_device();
    if (!on_cudnn("batch_norm_forward_eval", try_batch_norm_eval(x, gamma, beta, running_mean, running_var, eps, y)))
      CudaBackend::batch_norm_forward_eval(x, gamma, beta, running_mean, running_var, eps, y);
  }
  void batch_norm_backward(const TensorDesc& dy, const TensorDesc& x, const TensorDesc& gamma, const TensorDesc& save_mean,
                           const TensorDesc& save_invstd, const TensorDesc& dx, const TensorDesc& dgamma,
                           const TensorDesc& dbeta) override {
    require_device();
    if (!on_cudnn("batch_norm_backward", try_batch_norm_backward(dy, x, gamma, save_mean, save_invstd, dx, dgamma, dbeta)))
      CudaBackend::batch_norm_backward(dy, x, gamma, save_mean, save_invstd, dx, dgamma, dbeta);
  }

  void activation_forward(ActivationOp op, const TensorDesc& y, const TensorDesc& x, double alpha) override {
    require_device();
    if (!on_cudnn(std::string("activation_forward.") + op_name(op), try_activation(op, false, y, x, absent, alpha)))
      CudaBackend::activation_forward(op, y, x, alpha);
  }
  void activation_backward(ActivationOp op, const TensorDesc& dx, const TensorDesc& dy, const TensorDesc& x, const TensorDesc& y,
                           double alpha) override {
    require_device();
    if (!on_cudnn(std::string("activation_backward.") + op_name(op), try_activation(op, true, dx, dy, x, alpha)))
      CudaBackend::activation_backward(op, dx, dy, x, y, alpha);
  }

 private:
  // Each try_ runs its primitive on cuDNN (cuBLAS) and returns "", or returns why cuDNN does not
  // take it; then the cuda backend runs it (whatever cuDNN wrote is overwritten).

  // `bias`: the one this file's kernel adds afterwards (fprop, dgrad), or absent.
  std::string try_conv(ConvPass pass, const ConvParams& params, const TensorDesc& image, const TensorDesc& filter,
                       const TensorDesc& response, const TensorDesc& bias) {
    const std::string refusal = layout_refusal({&image, &filter, &response, &bias}, image.dtype);
    if (!refusal.empty()) return refusal;
    for (const TensorDesc* t : {&image, &filter, &response}) {
      if (t->ndim != 4) return "an operand that is not 4-D";
      if (t->numel() == 0) return "an empty operand";
    }
    const ConvGeometry g = conv_geometry(params, image, filter, response);
    if (!g.valid) return "padding that does not give the output size";
    const PassAttributes& a = kPasses[static_cast<int>(pass)];
    const MathMode math = cudnn_math();
    auto dims = [](const TensorDesc& t) { return std::array<int64_t, 4>{t.shape[0], t.shape[1], t.shape[2], t.shape[3]}; };
    const std::array<Operand, 3> operands = {packed(1, dims(image), image.data), packed(2, dims(filter), filter.data),
                                             packed(3, dims(response), response.data)};
    const std::string key = std::string(a.primitive) + " " + dtype_name(image.dtype) + " " + describe(operands) + " stride " +
                            pair_text(g.stride) + " pad " + pair_text(g.pre) + "/" + pair_text(g.post) + " dilation " +
                            pair_text(g.dilation) + " " + math_name(math);
    std::lock_guard<std::mutex> lock(cache().mutex);
    const Prepared& p =
        prepared(key, [&](Prepared& fresh) { build_conv(fresh, *this, a, g, operands, image.dtype, math, key); });
    if (!p.plan) return p.reason;
    execute(*this, p, operands, key);
    return "";
  }

  // dbias = Σ dy over N, H, W, by the cuda backend's reduce (as its own wgrad does).
  void bias_gradient(const TensorDesc& dy, const TensorDesc& dbias) {
    if (!dbias.present()) return;
    const int64_t channels = dy.shape[1];
    TensorDesc out = dbias;  // as [1, C, 1, 1], the keepdim form of the reduction
    out.ndim = 4;
    const int64_t shape[] = {1, channels, 1, 1}, strides[] = {channels, 1, 1, 1};
    std::copy(shape, shape + 4, out.shape);
    std::copy(strides, strides + 4, out.strides);
    reduce(ReduceOp::Sum, out, dy, ReduceParams{});
  }

  // A per-channel operand: the caller's tensor, or (absent) scratch holding `value` when given.
  void* channel_values(const TensorDesc& t, std::optional<Scratch>& scratch, const ChannelLayout& c, DType dtype,
                       std::optional<double> value) {
    if (t.present()) return t.data;
    scratch.emplace(*this, static_cast<size_t>(c.c) * dtype_size(dtype));
    if (value) {
      TensorDesc d;
      d.data = scratch->get();
      d.dtype = dtype;
      d.ndim = 1;
      d.shape[0] = c.c;
      d.strides[0] = 1;
      fill(d, *value);
    }
    return scratch->get();
  }

  // Builds a one-operation graph (its tensors from `operands`, in parts in their order) into the
  // heuristics' first usable plan and runs it; `operation` sets the operation's attributes and may
  // keep more descriptors in parts.
  std::string run_single(const std::string& key, std::span<const Operand> operands, DType dtype, MathMode math,
                         cudnnBackendDescriptorType_t type, const std::function<void(Descriptor&, Prepared&)>& operation) {
    std::lock_guard<std::mutex> lock(cache().mutex);
    const Prepared& p = prepared(key, [&](Prepared& fresh) {
      for (const Operand& o : operands) fresh.parts.push_back(tensor(o, dtype));
      Descriptor op(type);
      operation(op, fresh);
      const Descriptor& graph = fresh.graph_of(std::move(op));
      std::vector<Candidate> plans = candidate_plans(graph, dtype, math, true, 1);
      fresh.use(plans.front());
    });
    if (!p.plan) return p.reason;
    execute(*this, p, operands, key);
    return "";
  }

  std::string try_batch_norm_train(const TensorDesc& x, const TensorDesc& gamma, const TensorDesc& beta,
                                   const TensorDesc& running_mean, const TensorDesc& running_var, double momentum, double eps,
                                   const TensorDesc& y, const TensorDesc& save_mean, const TensorDesc& save_invstd) {
    const std::string refusal =
        layout_refusal({&x, &gamma, &beta, &running_mean, &running_var, &y, &save_mean, &save_invstd}, x.dtype);
    if (!refusal.empty()) return refusal;
    const ChannelLayout c(x);
    if (c.c == 0 || c.count() == 0) return "an empty operand";
    const MathMode math = cudnn_math();
    std::optional<Scratch> ones, zeros, mean_scratch, invstd_scratch;
    void* scale = channel_values(gamma, ones, c, x.dtype, 1.0);
    void* shift = channel_values(beta, zeros, c, x.dtype, 0.0);
    void* mean = channel_values(save_mean, mean_scratch, c, x.dtype, std::nullopt);
    void* invstd = channel_values(save_invstd, invstd_scratch, c, x.dtype, std::nullopt);
    alignas(16) const double eps64 = eps;  // by value: read when the plan is launched
    alignas(16) const float eps32 = static_cast<float>(eps);
    Operand epsilon{4, {1, 1, 1, 1}, {1, 1, 1, 1}, const_cast<void*>(x.dtype == DType::F64 ? static_cast<const void*>(&eps64) : &eps32), true};
    const std::array<Operand, 7> operands = {batch_norm_data(1, c, x.data), per_channel(2, c.c, scale),
                                             per_channel(3, c.c, shift), epsilon, batch_norm_data(5, c, y.data),
                                             per_channel(6, c.c, mean), per_channel(7, c.c, invstd)};
    const std::string key = std::string("batch_norm_forward_train ") + dtype_name(x.dtype) + " " + describe(operands) + " " + math_name(math);
    const std::string outcome = run_single(key, operands, x.dtype, math, CUDNN_BACKEND_OPERATION_NORM_FORWARD_DESCRIPTOR,
                                           [](Descriptor& op, Prepared& p) {
                        const std::deque<Descriptor>& t = p.parts;
                                             op.set_value(CUDNN_ATTR_OPERATION_NORM_FWD_MODE, CUDNN_TYPE_NORM_MODE, CUDNN_BATCH_NORM)
                                                 .set_value(CUDNN_ATTR_OPERATION_NORM_FWD_PHASE, CUDNN_TYPE_NORM_FWD_PHASE, CUDNN_NORM_FWD_TRAINING)
                                                 .set_descriptor(CUDNN_ATTR_OPERATION_NORM_FWD_XDESC, t[0])
                                                 .set_descriptor(CUDNN_ATTR_OPERATION_NORM_FWD_SCALE_DESC, t[1])
                                                 .set_descriptor(CUDNN_ATTR_OPERATION_NORM_FWD_BIAS_DESC, t[2])
                                                 .set_descriptor(CUDNN_ATTR_OPERATION_NORM_FWD_EPSILON_DESC, t[3])
                                                 .set_descriptor(CUDNN_ATTR_OPERATION_NORM_FWD_YDESC, t[4])
                                                 .set_descriptor(CUDNN_ATTR_OPERATION_NORM_FWD_MEAN_DESC, t[5])
                                                 .set_descriptor(CUDNN_ATTR_OPERATION_NORM_FWD_INV_VARIANCE_DESC, t[6]);
                                           });
    if (!outcome.empty() || (!running_mean.present() && !running_var.present())) return outcome;
    const double count = static_cast<double>(c.count());
    dispatch_floating("batch_norm_forward_train", x.dtype, [&](auto type) {
      using T = decltype(type);
      launch(update_running_stats<T>, dim3(grid_for(c.c)), dim3(kThreadsPerBlock), 0, nullptr, c.c, momentum, eps, count / (count - 1),
             static_cast<const T*>(mean), static_cast<const T*>(invstd), typed<T>(running_mean), typed<T>(running_var));
    });
    return "";
  }

  std::string try_batch_norm_eval(const TensorDesc& x, const TensorDesc& gamma, const TensorDesc& beta, const TensorDesc& running_mean,
                                  const TensorDesc& running_var, double eps, const TensorDesc& y) {
    const std::string refusal = layout_refusal({&x, &gamma, &beta, &running_mean, &running_var, &y}, x.dtype);
    if (!refusal.empty()) return refusal;
    const ChannelLayout c(x);
    if (c.c == 0 || c.count() == 0) return "an empty operand";
    const MathMode math = cudnn_math();
    std::optional<Scratch> ones, zeros;
    void* scale = channel_values(gamma, ones, c, x.dtype, 1.0);
    void* shift = channel_values(beta, zeros, c, x.dtype, 0.0);
    const Scratch invstd(*this, static_cast<size_t>(c.c) * dtype_size(x.dtype));
    dispatch_floating("batch_norm_forward_eval", x.dtype, [&](auto type) {
      using T = decltype(type);
      launch(inverse_std<T>, dim3(grid_for(c.c)), dim3(kThreadsPerBlock), 0, nullptr, c.c, eps, typed<const T>(running_var),
             static_cast<T*>(invstd.get()));
    });
    const std::array<Operand, 6> operands = {batch_norm_data(1, c, x.data), per_channel(2, c.c, running_mean.data),
                                             per_channel(3, c.c, invstd.get()), per_channel(4, c.c, scale),
                                             per_channel(5, c.c, shift), batch_norm_data(6, c, y.data)};
    const std::string key = std::string("batch_norm_forward_eval ") + dtype_name(x.dtype) + " " + describe(operands) + " " + math_name(math);
    return run_single(key, operands, x.dtype, math, CUDNN_BACKEND_OPERATION_NORM_FORWARD_DESCRIPTOR,
                      [](Descriptor& op, Prepared& p) {
                        const std::deque<Descriptor>& t = p.parts;
                        op.set_value(CUDNN_ATTR_OPERATION_NORM_FWD_MODE, CUDNN_TYPE_NORM_MODE, CUDNN_BATCH_NORM)
                            .set_value(CUDNN_ATTR_OPERATION_NORM_FWD_PHASE, CUDNN_TYPE_NORM_FWD_PHASE, CUDNN_NORM_FWD_INFERENCE)
                            .set_descriptor(CUDNN_ATTR_OPERATION_NORM_FWD_XDESC, t[0])
                            .set_descriptor(CUDNN_ATTR_OPERATION_NORM_FWD_MEAN_DESC, t[1])
                            .set_descriptor(CUDNN_ATTR_OPERATION_NORM_FWD_INV_VARIANCE_DESC, t[2])
                            .set_descriptor(CUDNN_ATTR_OPERATION_NORM_FWD_SCALE_DESC, t[3])
                            .set_descriptor(CUDNN_ATTR_OPERATION_NORM_FWD_BIAS_DESC, t[4])
                            .set_descriptor(CUDNN_ATTR_OPERATION_NORM_FWD_YDESC, t[5]);
                      });
  }

  std::string try_batch_norm_backward(const TensorDesc& dy, const TensorDesc& x, const TensorDesc& gamma, const TensorDesc& save_mean,
                                      const TensorDesc& save_invstd, const TensorDesc& dx, const TensorDesc& dgamma,
                                      const TensorDesc& dbeta) {
    const std::string refusal = layout_refusal({&dy, &x, &gamma, &save_mean, &save_invstd, &dx, &dgamma, &dbeta}, x.dtype);
    if (!refusal.empty()) return refusal;
    const ChannelLayout c(x);
    if (c.c == 0 || c.count() == 0) return "an empty operand";
    if (!dx.present() && !dgamma.present() && !dbeta.present()) return "no gradient wanted";
    const MathMode math = cudnn_math();
    std::optional<Scratch> ones, dscale_scratch, dbias_scratch, dx_scratch;
    void* scale = channel_values(gamma, ones, c, x.dtype, 1.0);
    void* dscale = channel_values(dgamma, dscale_scratch, c, x.dtype, std::nullopt);
    void* dbias = channel_values(dbeta, dbias_scratch, c, x.dtype, std::nullopt);
    if (!dx.present()) dx_scratch.emplace(*this, static_cast<size_t>(x.numel()) * dtype_size(x.dtype));
    const std::array<Operand, 8> operands = {
        batch_norm_data(1, c, x.data),          batch_norm_data(2, c, dy.data),
        per_channel(3, c.c, scale),                     per_channel(4, c.c, save_mean.data),
        per_channel(5, c.c, save_invstd.data),          per_channel(6, c.c, dscale),
        per_channel(7, c.c, dbias),                     batch_norm_data(8, c, dx.present() ? dx.data : dx_scratch->get())};
    const std::string key = std::string("batch_norm_backward ") + dtype_name(x.dtype) + " " + describe(operands) + " " + math_name(math);
    return run_single(key, operands, x.dtype, math, CUDNN_BACKEND_OPERATION_NORM_BACKWARD_DESCRIPTOR,
                      [](Descriptor& op, Prepared& p) {
                        const std::deque<Descriptor>& t = p.parts;
                        op.set_value(CUDNN_ATTR_OPERATION_NORM_BWD_MODE, CUDNN_TYPE_NORM_MODE, CUDNN_BATCH_NORM)
                            .set_descriptor(CUDNN_ATTR_OPERATION_NORM_BWD_XDESC, t[0])
                            .set_descriptor(CUDNN_ATTR_OPERATION_NORM_BWD_DYDESC, t[1])
                            .set_descriptor(CUDNN_ATTR_OPERATION_NORM_BWD_SCALE_DESC, t[2])
                            .set_descriptor(CUDNN_ATTR_OPERATION_NORM_BWD_MEAN_DESC, t[3])
                            .set_descriptor(CUDNN_ATTR_OPERATION_NORM_BWD_INV_VARIANCE_DESC, t[4])
                            .set_descriptor(CUDNN_ATTR_OPERATION_NORM_BWD_DSCALE_DESC, t[5])
                            .set_descriptor(CUDNN_ATTR_OPERATION_NORM_BWD_DBIAS_DESC, t[6])
                            .set_descriptor(CUDNN_ATTR_OPERATION_NORM_BWD_DXDESC, t[7]);
                      });
  }

  // Forward: out = act(in). Backward: out = dx from in = dy and x, the forward's input: cuDNN's
  // backward modes differentiate from x, which the primitive has for ReLU and leaky ReLU only
  // (tanh, sigmoid and ELU are given y = act(x); x is not kept for them).
  std::string try_activation(ActivationOp op, bool backward, const TensorDesc& out, const TensorDesc& in, const TensorDesc& x,
                             double alpha) {
    if (backward && backward_reads(op) != Reads::Input)
      return std::string("cuDNN's ") + op_name(op) + " backward differentiates from x; the primitive is given y";
    const std::string refusal = layout_refusal({&out, &in, &x}, in.dtype);
    if (!refusal.empty()) return refusal;
    if (in.numel() == 0) return "an empty operand";
    const MathMode math = cudnn_math();
    std::vector<Operand> operands = {elementwise(1, in), elementwise(2, out)};
    if (backward) operands.push_back(elementwise(3, x));
    const std::string key = std::string(backward ? "activation_backward." : "activation_forward.") + op_name(op) + " " +
                            dtype_name(in.dtype) + " " + describe(operands) + " alpha " + std::to_string(std::bit_cast<uint64_t>(alpha)) +
                            " " + math_name(math);
    return run_single(key, operands, in.dtype, math, CUDNN_BACKEND_OPERATION_POINTWISE_DESCRIPTOR,
                      [&](Descriptor& operation, Prepared& p) {
                        const std::deque<Descriptor>& t = p.parts;
                        const Descriptor& pointwise = p.parts.emplace_back(activation_descriptor(op, backward, in.dtype, alpha));
                        operation.set_descriptor(CUDNN_ATTR_OPERATION_POINTWISE_PW_DESCRIPTOR, pointwise);
                        if (backward)
                          operation.set_descriptor(CUDNN_ATTR_OPERATION_POINTWISE_DYDESC, t[0])
                              .set_descriptor(CUDNN_ATTR_OPERATION_POINTWISE_DXDESC, t[1])
                              .set_descriptor(CUDNN_ATTR_OPERATION_POINTWISE_XDESC, t[2]);
                        else
                          operation.set_descriptor(CUDNN_ATTR_OPERATION_POINTWISE_XDESC, t[0]).set_descriptor(CUDNN_ATTR_OPERATION_POINTWISE_YDESC, t[1]);
                      });
  }

  // C^T = B^T A^T in cuBLAS's column-major terms: a row-major matrix is its transpose in column
  // major, so B takes cuBLAS's first operand slot and A its second, each with its own op.
  std::string try_gemm(const GemmDesc& g) {
    if (!is_floating(g.dtype)) return "i64 matrices";
    if (g.m == 0 || g.n == 0 || g.k == 0) return "an empty dimension";
    const BlasOperand a = blas_operand(g.a, g.m, g.k), b = blas_operand(g.b, g.k, g.n), c = blas_operand(g.c, g.m, g.n);
    if (!a.representable || !b.representable || !c.representable || c.op != CUBLAS_OP_N)
      return "a matrix with neither unit row nor unit column stride";
    if (!fits_int({g.m, g.n, g.k, g.batch, a.ld, b.ld, c.ld})) return "a dimension beyond cuBLAS's int";
    const bool f64 = g.dtype == DType::F64;
    const cudaDataType type = f64 ? CUDA_R_64F : CUDA_R_32F;
    const cublasComputeType_t compute =
        f64 ? CUBLAS_COMPUTE_64F : (cudnn_math() == MathMode::Tf32 ? CUBLAS_COMPUTE_32F_FAST_TF32 : CUBLAS_COMPUTE_32F);
    const double alpha64 = g.alpha, beta64 = g.beta;
    const float alpha32 = static_cast<float>(g.alpha), beta32 = static_cast<float>(g.beta);
    const void* alpha = f64 ? static_cast<const void*>(&alpha64) : &alpha32;
    const void* beta = f64 ? static_cast<const void*>(&beta64) : &beta32;
    std::lock_guard<std::mutex> lock(cache().mutex);  // the one cuBLAS handle
    check_cublas(cublasGemmStridedBatchedEx(cublas_handle(), b.op, a.op, static_cast<int>(g.n), static_cast<int>(g.m),
                                            static_cast<int>(g.k), alpha, g.b.data, type, static_cast<int>(b.ld), g.b.batch_stride,
                                            g.a.data, type, static_cast<int>(a.ld), g.a.batch_stride, beta, g.c.data, type,
                                            static_cast<int>(c.ld), g.c.batch_stride, static_cast<int>(g.batch), compute,
                                            CUBLAS_GEMM_DEFAULT),
                 "cublasGemmStridedBatchedEx");
    return "";
  }
};

}  // namespace

Backend& cudnn_backend() {
  static CudnnBackend backend;
  return backend;
}

std::string cudnn_unavailable_reason() { return unavailable_reason(); }

std::vector<CudnnPrimitiveStats> cudnn_primitive_stats() {
  std::lock_guard<std::mutex> lock(stats().mutex);
  std::vector<CudnnPrimitiveStats> all;
  for (const auto& [name, s] : stats().primitives) all.push_back(s);
  return all;
}

std::vector<CudnnEngineChoice> cudnn_engine_choices() {
  std::lock_guard<std::mutex> lock(stats().mutex);
  return stats().choices;
}

std::string cudnn_report() {
  std::string math;
  try {
    math = math_name(current_math());
  } catch (const std::invalid_argument& e) {
    math = e.what();
  }
  std::ostringstream out;
  out << "cudnn report (math " << math << "): per primitive, calls run on cuDNN / cuBLAS and calls that fell through to cuda\n";
  for (const CudnnPrimitiveStats& s : cudnn_primitive_stats())
    out << "cudnn primitive " << s.primitive << ": " << s.on_cudnn << " on cuDNN, " << s.fell_through << " fell through"
        << (s.last_reason.empty() ? "" : " (last: " + s.last_reason + ")") << "\n";
  const std::vector<CudnnEngineChoice> choices = cudnn_engine_choices();
  const auto same = std::count_if(choices.begin(), choices.end(), [](const CudnnEngineChoice& c) { return c.chosen_engine == c.heuristic_engine; });
  out << "cudnn engines: " << choices.size() << " convolution graphs; the fastest timed plan is the heuristics' first pick in "
      << same << "\n";
  for (const CudnnEngineChoice& c : choices)
    out << "cudnn engine " << c.graph << ": chosen engine " << c.chosen_engine << " (" << c.chosen_ms << " ms), heuristics' pick engine "
        << c.heuristic_engine << " (" << (c.heuristic_ms < 0 ? std::string("did not run") : std::to_string(c.heuristic_ms) + " ms")
        << "), " << c.timed << " plans timed\n";
  return out.str();
}

}  // namespace ganforge::kernels
