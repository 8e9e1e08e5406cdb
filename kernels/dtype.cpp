#include "kernels/dtype.h"

#include <stdexcept>

namespace ganforge {

const char* dtype_name(DType t) {
  switch (t) {
    case DType::F32: return "f32";
    case DType::F64: return "f64";
    case DType::I64: return "i64";
  }
  return "?";
}

std::string device_name(Device d) {
  switch (d.type) {
    case DeviceType::CPU: return "cpu";
    case DeviceType::CUDA: return "cuda:" + std::to_string(d.index);
    case DeviceType::CUDASim: return "cuda-sim";
  }
  return "?";
}

Device parse_device(const std::string& text) {
  if (text == "cpu") return {DeviceType::CPU, 0};
  if (text == "cuda-sim") return {DeviceType::CUDASim, 0};
  if (text == "cuda") return {DeviceType::CUDA, 0};
  if (text.rfind("cuda:", 0) == 0) {
    std::string index = text.substr(5);
    if (!index.empty() && index.find_first_not_of("0123456789") == std::string::npos && index.size() < 4)
      return {DeviceType::CUDA, std::stoi(index)};
  }
  throw std::invalid_argument("unknown device '" + text + "'; expected cpu, cuda, cuda:N or cuda-sim");
}

}  // namespace ganforge
