// Every primitive of kernels/backend.h on every backend compiled into this binary, against
// the float64 reference, on random and awkward shapes: 0-d, size-1 dims, odd sizes, empty
// tensors, transposed / strided / broadcast operands, and sizes large enough to take the
// threaded paths. Prints which primitive x backend pairs ran; a backend that cannot run here
// is reported as skipped, never silently left out.
#include <gtest/gtest.h>

#include <iostream>
#include <map>
#include <set>

#include "tests/kernels/cases.h"

using namespace ganforge;
using namespace ganforge::testing;

namespace {

// Every case of every family; a family lists the primitives it covers, so a primitive
// added to the interface without cases fails EveryPrimitiveHasCases.
std::vector<Case> all_cases() {
  std::vector<Case> cases;
  for (auto&& group : {core_cases(), conv_cases(), layer_cases()}) cases.insert(cases.end(), group.begin(), group.end());
  return cases;
}

std::set<std::string> every_primitive() {
  std::set<std::string> all;
  for (auto&& group : {core_primitives(), conv_primitives(), layer_primitives()}) all.insert(group.begin(), group.end());
  return all;
}

TEST(BackendConsistency, EveryPrimitiveHasCases) {
  std::set<std::string> covered;
  for (const Case& c : all_cases()) covered.insert(c.primitive);
  for (const std::string& primitive : every_primitive()) EXPECT_TRUE(covered.count(primitive)) << primitive << " has no case";
}

TEST(BackendConsistency, EveryPrimitiveOnEveryBackendMatchesReference) {
  const std::vector<Case> cases = all_cases();
  std::map<std::string, std::map<std::string, int>> ran;  // primitive -> backend -> cases passed
  std::map<std::string, std::set<std::string>> not_provided;  // backend -> primitives it lacks
  int pairs = 0;
  for (kernels::Backend* backend : kernels::all_backends()) {
    if (!backend->available()) {
      std::cout << "[ SKIPPED  ] backend " << backend->name() << ": compiled in but cannot run on this machine\n";
      continue;
    }
    const std::string name = backend->name();
    // GANForge's own backends provide every primitive; vendor ones (cudnn, onednn) may lend some.
    const bool must_provide_all = name == "reference" || name == "cpu" || name == "cuda" || name == "cuda-sim";
    for (const Case& c : cases) {
      Outcome outcome = check_case(c, *backend);
      if (outcome.unsupported && !must_provide_all) {
        not_provided[name].insert(c.primitive);
        continue;
      }
      EXPECT_TRUE(outcome.ok) << name << " " << c.primitive << " " << c.label << ": " << outcome.message;
      if (outcome.ok) ++ran[c.primitive][name];
      ++pairs;
    }
  }
  for (const auto& [backend, primitives] : not_provided) {
    std::cout << "[ SKIPPED  ] backend " << backend << " does not provide:";
    for (const std::string& p : primitives) std::cout << " " << p;
    std::cout << "\n";
  }
  std::cout << "primitive x backend: cases passed\n";
  for (const auto& [primitive, per_backend] : ran) {
    std::cout << "  " << primitive;
    for (const auto& [backend, count] : per_backend) std::cout << "  " << backend << ":" << count;
    std::cout << "\n";
  }
  std::cout << pairs << " case runs over " << cases.size() << " cases\n";
}

}  // namespace
