// Reference GEMM (the textbook triple loop with a double accumulator) and row gathers.
#include <stdexcept>

#include "kernels/reference/element_access.h"
#include "kernels/reference/reference_backend.h"

namespace ganforge::kernels {
namespace {

using namespace reference;  // element_access.h

template <class T>
T& at(const MatrixDesc& m, int64_t b, int64_t i, int64_t j) {
  return static_cast<T*>(m.data)[b * m.batch_stride + i * m.row_stride + j * m.col_stride];
}

template <class T, class Acc>
void gemm_loops(const GemmDesc& g) {
  for (int64_t b = 0; b < g.batch; ++b)
    for (int64_t i = 0; i < g.m; ++i)
      for (int64_t j = 0; j < g.n; ++j) {
        Acc acc = 0;
        for (int64_t k = 0; k < g.k; ++k) acc += static_cast<Acc>(at<T>(g.a, b, i, k)) * static_cast<Acc>(at<T>(g.b, b, k, j));
        Acc result = static_cast<Acc>(g.alpha) * acc;
        if (g.beta != 0) result += static_cast<Acc>(g.beta) * static_cast<Acc>(at<T>(g.c, b, i, j));
        at<T>(g.c, b, i, j) = static_cast<T>(result);
      }
}

int64_t index_value(const TensorDesc& index, int64_t i) {
  return static_cast<const int64_t*>(index.data)[i * index.strides[0]];
}

}  // namespace

void ReferenceBackend::gemm(const GemmDesc& g) {
  switch (g.dtype) {
    case DType::F32: gemm_loops<float, double>(g); break;
    case DType::F64: gemm_loops<double, double>(g); break;
    case DType::I64: gemm_loops<int64_t, int64_t>(g); break;
  }
}

void ReferenceBackend::index_select(const TensorDesc& out, const TensorDesc& in, int dim, const TensorDesc& index) {
  for_each_index(out, [&](const int64_t* i) {
    int64_t from[kMaxDims];
    for (int d = 0; d < out.ndim; ++d) from[d] = d == dim ? index_value(index, i[dim]) : i[d];
    if (out.dtype == DType::I64)
      store_int(out, i, load_int(in, from));
    else
      store(out, i, load(in, from));
  });
}

void ReferenceBackend::index_add(const TensorDesc& out, int dim, const TensorDesc& index, const TensorDesc& src) {
  for_each_index(src, [&](const int64_t* i) {
    int64_t to[kMaxDims];
    for (int d = 0; d < src.ndim; ++d) to[d] = d == dim ? index_value(index, i[dim]) : i[d];
    if (out.dtype == DType::I64)
      store_int(out, to, load_int(out, to) + load_int(src, i));
    else
      store(out, to, load(out, to) + load(src, i));
  });
}


}  // namespace ganforge::kernels
