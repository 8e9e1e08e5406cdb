#include "kernels/math_mode.h"

#include <cstdlib>
#include <mutex>
#include <optional>
#include <stdexcept>

namespace ganforge::kernels {
namespace {

struct MathSetting {
  std::mutex mutex;
  std::optional<MathMode> mode;
};
MathSetting& setting() {
  static MathSetting* s = new MathSetting;  // never destroyed: kernels may ask while statics die
  return *s;
}

}  // namespace

MathMode parse_math(const std::string& name) {
  if (name == "fp32") return MathMode::Fp32;
  if (name == "tf32") return MathMode::Tf32;
  if (name == "bf16") return MathMode::Bf16;
  throw std::invalid_argument("unknown math mode '" + name + "'; the modes are fp32, tf32 and bf16");
}

const char* math_name(MathMode math) {
  switch (math) {
    case MathMode::Fp32:
      return "fp32";
    case MathMode::Tf32:
      return "tf32";
    case MathMode::Bf16:
      return "bf16";
  }
  return "?";
}

double math_unit_roundoff(MathMode math) {
  switch (math) {
    case MathMode::Fp32:
      return 0x1p-24;
    case MathMode::Tf32:
      return 0x1p-11;
    case MathMode::Bf16:
      return 0x1p-8;
  }
  return 0;
}

MathMode current_math() {
  MathSetting& s = setting();
  std::lock_guard<std::mutex> lock(s.mutex);
  if (!s.mode) {
    const char* name = std::getenv("GANFORGE_MATH");
    try {
      s.mode = name != nullptr && *name != '\0' ? parse_math(name) : MathMode::Fp32;
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument(std::string("GANFORGE_MATH: ") + e.what());
    }
  }
  return *s.mode;
}

void set_math(MathMode math) {
  MathSetting& s = setting();
  std::lock_guard<std::mutex> lock(s.mutex);
  s.mode = math;
}

MathGuard::MathGuard(MathMode math) : previous_(current_math()) { set_math(math); }
MathGuard::~MathGuard() { set_math(previous_); }

}  // namespace ganforge::kernels
