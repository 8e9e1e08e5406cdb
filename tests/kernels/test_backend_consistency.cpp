// Every primitive of kernels/primitives.h on every backend compiled into this binary, against
// the float64 reference, on random and awkward shapes: 0-d, size-1 dims, odd sizes, empty
// tensors, transposed / strided / broadcast operands, and sizes large enough to take the
// threaded paths. Every backend must provide every primitive. Prints which primitive x backend
// pairs ran; a backend that cannot run here is reported as skipped, never silently left out.
#include <gtest/gtest.h>

#include <iostream>
#include <map>
#include <set>

#include "kernels/host_backend.h"
#include "kernels/primitive_names.h"
#include "kernels/registry.h"
#include "tests/kernels/cases.h"

using namespace ganforge;
using namespace ganforge::testing;

namespace {

std::vector<Case> all_cases() {
  std::vector<Case> cases;
  for (auto&& group : {core_cases(), conv_cases(), layer_cases()}) cases.insert(cases.end(), group.begin(), group.end());
  return cases;
}

// The case names kernels/primitives.h asks for: each primitive, and each op of a primitive
// that takes one.
std::set<std::string> every_primitive() {
  const std::vector<std::string>& names = kernels::primitive_op_names();
  return {names.begin(), names.end()};
}

// A primitive (or op) added to kernels/primitives.h without consistency cases fails here, and a
// case naming no primitive of the list does too.
TEST(BackendConsistency, EveryPrimitiveHasCases) {
  const std::set<std::string> wanted = every_primitive();
  std::set<std::string> covered;
  for (const Case& c : all_cases()) {
    covered.insert(c.primitive);
    EXPECT_TRUE(wanted.count(c.primitive)) << "case " << c.label << " names no primitive of the list: " << c.primitive;
  }
  for (const std::string& primitive : wanted) EXPECT_TRUE(covered.count(primitive)) << primitive << " has no case";
}

// The guard itself: a backend that lacks a primitive (here, every one) fails each case, and the
// message names the primitive.
TEST(BackendConsistency, ABackendThatLacksAPrimitiveFails) {
  struct Bare final : kernels::HostBackend {
    const char* name() const override { return "bare"; }
  } bare;
  for (const Case& c : all_cases()) {
    const Outcome outcome = check_case(c, bare);
    ASSERT_FALSE(outcome.ok) << c.primitive;
    EXPECT_NE(outcome.message.find("backend 'bare' does not provide the primitive "), std::string::npos) << outcome.message;
  }
}

TEST(BackendConsistency, EveryPrimitiveOnEveryBackendMatchesReference) {
  const std::vector<Case> cases = all_cases();
  std::map<std::string, std::map<std::string, int>> ran;  // primitive -> backend -> cases passed
  int pairs = 0;
  for (kernels::Backend* backend : kernels::all_backends()) {
    if (!backend->available()) {
      std::cout << "[ SKIPPED  ] backend " << backend->name() << ": compiled in but cannot run on this machine\n";
      continue;
    }
    const std::string name = backend->name();
    for (const Case& c : cases) {
      Outcome outcome = check_case(c, *backend);
      EXPECT_TRUE(outcome.ok) << name << " " << c.primitive << " " << c.label << ": " << outcome.message;
      if (outcome.ok) ++ran[c.primitive][name];
      ++pairs;
    }
  }
  std::cout << "primitive x backend: cases passed\n";
  for (const auto& [primitive, per_backend] : ran) {
    std::cout << "  " << primitive;
    for (const auto& [backend, count] : per_backend) std::cout << "  " << backend << ":" << count;
    std::cout << "\n";
  }
  std::cout << pairs << " case runs over " << cases.size() << " cases\n";
}

// The tensor-core math modes: every case of the primitives that follow the math mode (the
// convolutions and GEMM), on every backend that can run here but reference (cpu and cuda-sim
// always; cuda and cudnn on a GPU), within the bound of the mode's input rounding
// (consistency_harness.h); onednn computes them in FP32, which is within it. cudnn refuses bf16
// (kernels/vendor/cudnn_backend.h); that it says so is checked too.
TEST(BackendConsistency, TensorCoreMathModesMatchReference) {
  std::vector<Case> cases;
  for (const Case& c : all_cases())
    if (c.follows_math) cases.push_back(c);
  ASSERT_FALSE(cases.empty());
  int runs = 0;
  for (kernels::Backend* backend : kernels::all_backends()) {
    if (backend == &kernels::reference_backend()) continue;
    if (!backend->available()) {
      std::cout << "[ SKIPPED  ] backend " << backend->name() << ": compiled in but cannot run on this machine\n";
      continue;
    }
    const std::string name = backend->name();
    for (kernels::MathMode math : {kernels::MathMode::Tf32, kernels::MathMode::Bf16}) {
      int passed = 0;
      for (const Case& c : cases) {
        const Outcome outcome = check_case(c, *backend, math);
        if (name == "cudnn" && math == kernels::MathMode::Bf16) {
          EXPECT_NE(outcome.message.find("does not offer math mode bf16"), std::string::npos) << outcome.message;
          continue;
        }
        EXPECT_TRUE(outcome.ok) << name << " " << kernels::math_name(math) << " " << c.primitive << " " << c.label << ": "
                                << outcome.message;
        passed += outcome.ok;
        ++runs;
      }
      std::cout << name << " " << kernels::math_name(math) << ": " << passed << " of " << cases.size() << " cases passed\n";
    }
  }
  EXPECT_GT(runs, 0) << "no backend ran: cpu should always be built";
}

}  // namespace
