// SRNS state for step tests (tests/srns_step_test.cpp, tests/cuda/srns_step_parity_test.cu):
// false-negative sets and a random score history in a layout's value type.
#pragma once
#include <cstdint>
#include <random>
#include <vector>

#include "srns/data.hpp"
#include "srns/half.hpp"
#include "train/srns_layout.hpp"

namespace srns::testing {

// False negatives for every other user: 1 to 5 random items outside the user's training row.
inline Csr random_fn_sets(const Dataset& d, uint32_t seed = 4) {
  std::mt19937 rng(seed);
  std::vector<Pair> pairs;
  for (int32_t u = 0; u < d.n_users; u += 2) {
    for (int k = 0, want = 1 + static_cast<int>(rng() % 5); k < want; ++k) {
      const int32_t i = static_cast<int32_t>(rng() % d.n_items);
      if (!d.train.contains(u, i)) pairs.push_back({u, i});
    }
  }
  return Csr::from_pairs(pairs, d.n_users);
}

// A history of scores uniform in [-2, 2) for `layout`: float, or binary16 bits with
// layout.half (one pair of vectors stays empty).
struct RandomHistory {
  std::vector<float> hist, tracked;
  std::vector<uint16_t> hist16, tracked16;
  bool half;

  explicit RandomHistory(const SrnsLayout& layout, uint32_t seed = 99) : half(layout.half) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> score(-2.0f, 2.0f);
    (half ? hist16.resize(layout.hist_elems()) : hist.resize(layout.hist_elems()));
    (half ? tracked16.resize(layout.tracked_elems()) : tracked.resize(layout.tracked_elems()));
    for (float& h : hist) h = score(rng);
    for (float& h : tracked) h = score(rng);
    for (uint16_t& h : hist16) h = half_bits(score(rng));
    for (uint16_t& h : tracked16) h = half_bits(score(rng));
  }
  // SrnsView::hist / hist_tracked over these values, or over device copies `h` and `t` of the
  // same type (null where there is no tracked history).
  template <class H, class T>
  static const void* pick(const H* h16, const T* h32, bool half) {
    return half ? static_cast<const void*>(h16) : static_cast<const void*>(h32);
  }
  const void* hist_data() const { return pick(hist16.data(), hist.data(), half); }
  const void* tracked_data() const {
    return tracked.empty() && tracked16.empty() ? nullptr
                                                : pick(tracked16.data(), tracked.data(), half);
  }
};

}  // namespace srns::testing
