// expf_lanes' table and its once-per-process check against libm (expf_lanes.hpp).
#include "cpu/expf_lanes.hpp"

#include <cstdint>
#include <cstring>

namespace srns::cpu {

#if defined(SRNS_EXPF_LANES)
namespace expf_detail {
namespace {
long long table_entry(int j) {
  const double t = static_cast<double>(exp2l(static_cast<long double>(j) / 32));
  uint64_t bits;
  std::memcpy(&bits, &t, sizeof bits);
  return static_cast<long long>(bits - (static_cast<uint64_t>(j) << 47));
}
}  // namespace

alignas(64) const long long kTable[32] = {
    table_entry(0),  table_entry(1),  table_entry(2),  table_entry(3),  table_entry(4),
    table_entry(5),  table_entry(6),  table_entry(7),  table_entry(8),  table_entry(9),
    table_entry(10), table_entry(11), table_entry(12), table_entry(13), table_entry(14),
    table_entry(15), table_entry(16), table_entry(17), table_entry(18), table_entry(19),
    table_entry(20), table_entry(21), table_entry(22), table_entry(23), table_entry(24),
    table_entry(25), table_entry(26), table_entry(27), table_entry(28), table_entry(29),
    table_entry(30), table_entry(31)};
}  // namespace expf_detail

namespace {
float from_bits(uint32_t u) {
  float x;
  std::memcpy(&x, &u, sizeof x);
  return x;
}

bool bits_equal(float a, float b) { return std::memcmp(&a, &b, sizeof a) == 0; }

// Every 65,537th float bit pattern (both signs, subnormals, the special lanes, NaN), and the
// two inputs where glibc's unfused expf (no FMA) differs from its fused one.
bool check_against_libm() {
  alignas(64) float x[16], y[16];
  int n = 0;
  bool same = true;
  auto flush = [&] {
    _mm512_store_ps(y, expf_lanes(_mm512_load_ps(x)));
    for (int j = 0; j < n; ++j) {
      const float want = expf(x[j]);
      same = same && (bits_equal(y[j], want) || (std::isnan(y[j]) && std::isnan(want)));
    }
    n = 0;
  };
  auto add = [&](uint32_t bits) {
    x[n++] = from_bits(bits);
    if (n == 16) flush();
  };
  add(0x4202422fu);
  add(0xc27c65d9u);
  for (uint64_t u = 0; u <= 0xffffffffu; u += 65537) add(static_cast<uint32_t>(u));
  while (n > 0 && n < 16) add(0);
  return same;
}
}  // namespace

bool expf_lanes_exact() {
  static const bool exact = check_against_libm();
  return exact;
}
#else
bool expf_lanes_exact() { return false; }
#endif

}  // namespace srns::cpu
