// --device and --kernels, shared by train, sample and translate.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/ganforge.h"
#include "tools/ganforge/command.h"

namespace ganforge::cli {

Flag device_flag();
Flag kernels_flag();  // the kernels compiled into this build
Flag math_flag();
// The kernels compiled into this build, those of one device's tensors when it is given.
std::vector<std::string> compiled_kernels(std::optional<DeviceType> device);

// The device, with `kernels` selected for it when not empty; kernels that run another
// device's tensors are a UsageError naming the device they run on.
Device select_device(const std::string& device, const std::string& kernels);

}  // namespace ganforge::cli
