// From a run-time dtype to C++ types: dispatch_dtype calls f(T{}) with the tensor's element
// type, dispatch_floating the same for the primitives that take f32 and f64 only, and typed<T>
// is a descriptor's data as T*.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

#include "kernels/backend.h"

namespace ganforge::kernels {

template <class T>
T* typed(const TensorDesc& t) {
  return static_cast<T*>(t.data);
}

template <class F>
void dispatch_dtype(DType dtype, F&& f) {
  switch (dtype) {
    case DType::F32: f(float{}); break;
    case DType::F64: f(double{}); break;
    case DType::I64: f(int64_t{}); break;
  }
}

template <class F>
void dispatch_floating(const char* primitive, DType dtype, F&& f) {
  switch (dtype) {
    case DType::F32: f(float{}); break;
    case DType::F64: f(double{}); break;
    case DType::I64: throw std::invalid_argument(std::string(primitive) + ": takes f32 or f64 tensors, not i64");
  }
}

}  // namespace ganforge::kernels
