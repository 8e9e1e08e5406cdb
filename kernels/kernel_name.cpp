#include "kernels/kernel_name.h"

#include <cxxabi.h>

#include <cstdlib>
#include <memory>

namespace ganforge::kernels {

std::string short_kernel_name(const std::string& demangled) {
  std::string s = demangled;
  // the two builds of the CUDA kernels differ only in this namespace, which template arguments name
  for (const std::string noise : {"(anonymous namespace)::", "ganforge::kernels::cuda_device::",
                                  "ganforge::kernels::cuda_simt::"})
    for (size_t at; (at = s.find(noise)) != std::string::npos;) s.erase(at, noise.size());
  int depth = 0;
  size_t name_start = 0, end = s.size();
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '<') ++depth;
    if (s[i] == '>') --depth;
    if (depth != 0) continue;
    if (s[i] == '(') {
      end = i;
      break;
    }
    if (s[i] == ':' && i + 1 < s.size() && s[i + 1] == ':') name_start = i + 2;
    if (s[i] == ' ') name_start = i + 1;  // after a template's return type
  }
  return s.substr(name_start, end - name_start);
}

std::string short_kernel_name_of_symbol(const char* symbol) {
  int status = 0;
  const std::unique_ptr<char, decltype(&std::free)> demangled(abi::__cxa_demangle(symbol, nullptr, nullptr, &status),
                                                              &std::free);
  return status == 0 && demangled ? short_kernel_name(demangled.get()) : symbol;
}

}  // namespace ganforge::kernels
