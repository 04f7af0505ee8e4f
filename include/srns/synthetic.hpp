// The built-in synthetic dataset: implicit feedback with known false negatives.
//
// Users and items carry latent factors x_u, y_i ~ N(0, I/d). Item popularity follows a power
// law pop_i ∝ (rank_i + 1)^(-popularity_exponent) over a random ranking of the items.
// A user *likes* the L_u items of highest affinity <x_u, y_i> + b_i, where b_i is the item's
// standardised log-popularity scaled by popularity_bias / sqrt(d) (L_u log-normal around the mean
// needed for the requested interaction count); on benchmark-sized sets (U * I > 2e9) among a
// seeded random subset of 4 L_u candidates instead of all items.
// An item is *exposed* to a user with probability min(1, exposure * pop_i / mean(pop)).
// The user interacts with an item only when it is both liked and exposed; liked but
// unexposed items are the ground-truth false negatives (`truth`): unobserved, yet positive.
// Every user gets at least `min_per_user` interactions (the most-liked items are exposed first
// when too few are). Interactions carry timestamps so leave-one-out by time applies.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "srns/data.hpp"

namespace srns {

struct GenConfig {
  int32_t users = 1000;
  int32_t items = 1000;
  int64_t interactions = 50000;      // expected number of observed interactions
  int dim = 16;                      // latent dimension of the generator
  double popularity_exponent = 0.8;  // power law of item exposure
  double exposure = 0.5;             // exposure probability of an average-popularity item
  double popularity_bias = 0.5;      // weight of popularity in what users like (0: none)
  int min_per_user = 3;
  uint64_t seed = 1;
};

struct SyntheticData {
  InteractionLog log;       // observed interactions (raw ids are the dense ids as strings)
  std::vector<Pair> truth;  // liked-but-unexposed pairs
};

SyntheticData generate(const GenConfig& config);

// Generates and splits (leave-one-out by time unless `split` says otherwise); the dataset's
// truth CSR holds the false negatives.
Dataset generate_dataset(const GenConfig& config, const SplitOptions& split);

}  // namespace srns
