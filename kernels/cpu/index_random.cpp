// cpu gathers/scatters along one dim, and the Philox fills (parallel: each element's value
// depends only on its index, so threads need no coordination).
#include "kernels/cpu/cpu_backend.h"
#include "kernels/cpu/map.h"
#include "kernels/philox.h"

namespace ganforge::kernels {

namespace {

// t with dimension `dim` pinned at position i (the extent becomes 1).
TensorDesc pinned(const TensorDesc& t, int dim, int64_t i) {
  TensorDesc view = t;
  view.shape[dim] = 1;
  view.data = static_cast<char*>(t.data) + i * t.strides[dim] * static_cast<int64_t>(dtype_size(t.dtype));
  return view;
}

int64_t index_at(const TensorDesc& index, int64_t i) { return typed<const int64_t>(index)[i * index.strides[0]]; }

// Fills out[i] = value(i) for the row-major flat index i of every element.
template <class T, class Value>
void fill_indexed(const TensorDesc& out, Value value) {
  T* o = typed<T>(out);
  StridedLoop<1> loop({&out});
  cpu::parallel_for(loop.size(), 16, [&](int64_t begin, int64_t end) {
    int64_t flat = begin;
    loop.for_elements(begin, end, [&](const auto& off, int64_t n) {
      for (int64_t k = 0; k < n; ++k) o[off[0] + k * loop.inner_stride(0)] = static_cast<T>(value(flat++));
    });
  });
}

}  // namespace

void CpuBackend::index_select(const TensorDesc& out, const TensorDesc& in, int dim, const TensorDesc& index) {
  const int64_t count = index.shape[0];
  for (int64_t i = 0; i < count; ++i) copy(pinned(out, dim, i), pinned(in, dim, index_at(index, i)));
}

void CpuBackend::index_add(const TensorDesc& out, int dim, const TensorDesc& index, const TensorDesc& src) {
  const int64_t count = index.shape[0];
  for (int64_t i = 0; i < count; ++i) {
    TensorDesc target = pinned(out, dim, index_at(index, i));
    binary(BinaryOp::Add, target, target, pinned(src, dim, i));  // in place: same element read then written
  }
}

void CpuBackend::random_uniform(const TensorDesc& out, PhiloxState rng, double low, double high) {
  dispatch_dtype(out.dtype, [&](auto type) {
    fill_indexed<decltype(type)>(out, [&](int64_t i) { return low + (high - low) * philox::uniform_at(rng.seed, rng.offset, i, out.dtype); });
  });
}

void CpuBackend::random_normal(const TensorDesc& out, PhiloxState rng, double mean, double stddev) {
  dispatch_dtype(out.dtype, [&](auto type) {
    fill_indexed<decltype(type)>(out, [&](int64_t i) { return mean + stddev * philox::normal_at(rng.seed, rng.offset, i, out.dtype); });
  });
}

void CpuBackend::random_int(const TensorDesc& out, PhiloxState rng, int64_t low, int64_t high) {
  dispatch_dtype(out.dtype, [&](auto type) {
    fill_indexed<decltype(type)>(out, [&](int64_t i) { return philox::int_at(rng.seed, rng.offset, i, low, high); });
  });
}


}  // namespace ganforge::kernels
