// expf_many (cpu/expf_lanes.hpp) against libm's expf, bit for bit: over every 257th float bit
// pattern (16.7 million values: both signs, subnormals, |x| >= 88, infinities, NaN), in
// blocks of sixteen and with a tail, in place and out of place. Where the build has the lanes
// and they matched libm at startup (expf_lanes_exact), this checks them on a sweep 255 times
// denser than the startup check; elsewhere it checks the libm fallback.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "cpu/expf_lanes.hpp"

namespace srns {
namespace {

float from_bits(uint32_t u) {
  float x;
  std::memcpy(&x, &u, sizeof x);
  return x;
}

bool same_value(float a, float b) {
  return std::memcmp(&a, &b, sizeof a) == 0 || (std::isnan(a) && std::isnan(b));
}

TEST(ExpfLanes, EqualsLibmOnASweepOfEveryFloat) {
#if defined(SRNS_EXPF_LANES)
  EXPECT_TRUE(cpu::expf_lanes_exact())
      << "this libm's expf is not glibc's fused form: expf_many falls back to libm (correct, "
         "slower)";
#endif
  std::vector<float> x;
  x.reserve((uint64_t{1} << 32) / 257 + 3);
  for (uint64_t u = 0; u <= 0xffffffffu; u += 257) x.push_back(from_bits(static_cast<uint32_t>(u)));
  x.push_back(from_bits(0x4202422fu));  // where glibc's unfused expf differs from its fused one
  x.push_back(from_bits(0xc27c65d9u));
  std::vector<float> y(x.size());
  cpu::expf_many(x.data(), y.data(), static_cast<int>(x.size()));  // a tail of x.size() % 16
  int64_t wrong = 0;
  for (size_t k = 0; k < x.size(); ++k) {
    if (!same_value(y[k], expf(x[k])) && wrong++ < 5) {
      ADD_FAILURE() << "expf(" << x[k] << ") = " << y[k] << ", libm " << expf(x[k]);
    }
  }
  EXPECT_EQ(wrong, 0) << "of " << x.size();
  // In place, starting off the sixteen-float grid.
  std::vector<float> z(x.begin() + 3, x.begin() + 3 + 1000);
  cpu::expf_many(z.data(), z.data(), static_cast<int>(z.size()));
  for (size_t k = 0; k < z.size(); ++k) EXPECT_TRUE(same_value(z[k], y[k + 3])) << k;
}

}  // namespace
}  // namespace srns
