// Element types and device kinds: the vocabulary shared by kernels/ and core/.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace ganforge {

enum class DType : uint8_t { F32, F64, I64 };

constexpr size_t dtype_size(DType t) { return t == DType::F32 ? 4 : 8; }
constexpr bool is_floating(DType t) { return t != DType::I64; }
const char* dtype_name(DType t);

// Result type of a binary op on two dtypes: i64 < f32 < f64, as in NumPy/PyTorch.
constexpr DType promote(DType a, DType b) {
  if (a == DType::F64 || b == DType::F64) return DType::F64;
  if (a == DType::F32 || b == DType::F32) return DType::F32;
  return DType::I64;
}

// Where a tensor's memory lives. cuda-sim memory is host memory owned by the SIMT emulator.
enum class DeviceType : uint8_t { CPU, CUDA, CUDASim };

struct Device {
  DeviceType type = DeviceType::CPU;
  int index = 0;
  friend bool operator==(const Device&, const Device&) = default;
};

std::string device_name(Device d);
Device parse_device(const std::string& text);  // "cpu", "cuda", "cuda:1", "cuda-sim"

}  // namespace ganforge
