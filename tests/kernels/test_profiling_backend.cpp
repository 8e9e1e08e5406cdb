// The profiling decorator (kernels/profiling_backend.h) forwards every primitive with its
// arguments in order: around the cpu backend it passes every consistency case, and it counts
// each case's primitive under the case's name.
#include <gtest/gtest.h>

#include <set>

#include "kernels/profiling_backend.h"
#include "kernels/registry.h"
#include "tests/kernels/cases.h"

using namespace ganforge;
using namespace ganforge::testing;

namespace {

TEST(ProfilingBackend, ForwardsEveryPrimitiveOfEveryCase) {
  kernels::ProfilingBackend& profiled = kernels::profiling_backend(kernels::find_backend("cpu"));
  EXPECT_STREQ(profiled.name(), "cpu");
  EXPECT_EQ(&kernels::profiling_backend(profiled), &profiled) << "a decorator is not decorated again";
  kernels::PrimitiveCounts counts;
  kernels::count_primitives_on_this_thread(&counts);
  std::set<std::string> cases;
  for (auto&& group : {core_cases(), conv_cases(), layer_cases()})
    for (const Case& c : group) {
      const Outcome outcome = check_case(c, profiled);
      EXPECT_TRUE(outcome.ok) << c.primitive << " " << c.label << ": " << outcome.message;
      cases.insert(c.primitive);
    }
  kernels::count_primitives_on_this_thread(nullptr);
  std::set<std::string> called;
  for (const auto& [name, totals] : counts.called()) called.insert(name);
  for (const std::string& primitive : cases) EXPECT_TRUE(called.count(primitive)) << primitive << " was not counted";
}

}  // namespace
