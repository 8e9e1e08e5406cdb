// A device buffer for the emulator's self-tests: n T's from cudaMalloc, freed on scope exit.
#pragma once

#include <gtest/gtest.h>

#include <vector>

#include "kernels/cuda/device.h"

template <class T>
struct DeviceBuffer {
  explicit DeviceBuffer(size_t n, int byte = 0) : count(n) {
    EXPECT_EQ(cudaMalloc(&data, n * sizeof(T)), cudaSuccess);
    cudaMemset(data, byte, n * sizeof(T));
  }
  ~DeviceBuffer() { cudaFree(data); }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  std::vector<T> to_host() const {
    std::vector<T> host(count);
    cudaMemcpy(host.data(), data, count * sizeof(T), cudaMemcpyDeviceToHost);
    return host;
  }
  T* data = nullptr;
  size_t count;
};
