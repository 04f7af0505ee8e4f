// The built-in synthetic data as a split dataset (synthetic.hpp: generate_dataset): the
// generated log split like any other (split_log), and the generator's false negatives (its
// liked but unexposed items) carried over to the split's dense ids as the dataset's truth.
#include <string>
#include <vector>

#include "srns/synthetic.hpp"

namespace srns {
namespace {

// Generator id -> dense id of the split (-1: absent from the log, so unknown to the dataset).
// Raw ids are the generator ids in decimal; an empty map means the identity.
std::vector<int32_t> generator_to_dense(const std::vector<std::string>& raw, int32_t n_dense,
                                        int32_t n_generated) {
  std::vector<int32_t> dense(n_generated, -1);
  for (int32_t d = 0; d < n_dense; ++d) {
    const int32_t generated = raw.empty() ? d : std::stoi(raw[d]);
    if (generated >= 0 && generated < n_generated) dense[generated] = d;
  }
  return dense;
}

// Pairs already sorted by user (as generate() returns the truth) as CSR rows.
Csr rows_of_sorted_pairs(const std::vector<Pair>& pairs, int32_t n_rows) {
  Csr rows;
  rows.offsets.assign(static_cast<size_t>(n_rows) + 1, 0);
  rows.cols.resize(pairs.size());
  for (size_t k = 0; k < pairs.size(); ++k) {
    ++rows.offsets[pairs[k].user + 1];
    rows.cols[k] = pairs[k].item;
  }
  for (int32_t r = 0; r < n_rows; ++r) rows.offsets[r + 1] += rows.offsets[r];
  return rows;
}

}  // namespace

Dataset generate_dataset(const GenConfig& config, const SplitOptions& split) {
  SyntheticData data = generate(config);
  // Half the memory of the pairs while the split runs: the truth rows in generator ids.
  const Csr generated_truth = rows_of_sorted_pairs(data.truth, config.users);
  data.truth = std::vector<Pair>();
  Dataset dataset = split_log(data.log, split);
  dataset.source = "synthetic";
  data.log = InteractionLog();

  const std::vector<int32_t> user_dense =
      generator_to_dense(dataset.user_raw, dataset.n_users, config.users);
  const std::vector<int32_t> item_dense =
      generator_to_dense(dataset.item_raw, dataset.n_items, config.items);
  std::vector<Pair> truth;
  truth.reserve(generated_truth.nnz());
  for (int32_t u = 0; u < config.users; ++u) {
    for (int64_t k = generated_truth.offsets[u]; k < generated_truth.offsets[u + 1]; ++k) {
      const int32_t item = item_dense[generated_truth.cols[k]];
      // Pairs whose item never appears in the log are dropped: the dataset has no such item.
      if (user_dense[u] >= 0 && item >= 0) truth.push_back({user_dense[u], item});
    }
  }
  dataset.truth = Csr::from_pairs(truth, dataset.n_users);
  return dataset;
}

}  // namespace srns
