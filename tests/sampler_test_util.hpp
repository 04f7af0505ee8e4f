// Helpers shared by the sampler units' tests: a small generated dataset and a short training run
// of a registry sampler with its own options, on the CPU backend.
#pragma once
#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "srns/synthetic.hpp"
#include "srns/trainer.hpp"

namespace srns::testing {

inline Dataset small_generated_data(int32_t users = 200, int32_t items = 300,
                                    int64_t interactions = 6000, int32_t eval_negatives = 100) {
  GenConfig g;
  g.users = users;
  g.items = items;
  g.interactions = interactions;
  SplitOptions s;
  s.eval_negatives = eval_negatives;
  return generate_dataset(g, s);
}

// The config of a 3-epoch run of `sampler` (F = 16, lr 0.01, early stop metric ndcg@10).
inline TrainConfig short_run_config(const std::string& sampler,
                                    const std::map<std::string, double>& options) {
  TrainConfig c;
  c.sampler = sampler;
  c.sampler_options = options;
  c.model.dim = 16;
  c.optim.lr = 0.01f;
  c.epochs = 3;
  c.eval.ks = {1, 10};
  c.eval.metric = "ndcg@10";
  return c;
}

// Trains `config` on `data` on the CPU, quietly.
inline RunSummary train_quietly(const Dataset& data, const TrainConfig& config) {
  std::unique_ptr<Backend> b = make_cpu_backend(2);
  RunOptions run;
  run.quiet = true;
  return train(data, config, *b, run);
}

// Chi-square statistic of `draws` values of draw(d), d = 0 .. draws-1, against the
// probabilities `expect` of the cells [0, expect.size()); a value outside the cells, or in a cell
// of probability 0, fails the test.
inline double chi_square_of_draws(const std::vector<double>& expect, int draws,
                                  const std::function<int32_t(int)>& draw) {
  const int32_t cells = static_cast<int32_t>(expect.size());
  std::vector<int64_t> count(cells, 0);
  for (int d = 0; d < draws; ++d) {
    const int32_t x = draw(d);
    EXPECT_TRUE(x >= 0 && x < cells) << "draw " << d << " gave " << x;
    if (x >= 0 && x < cells) ++count[x];
  }
  double chi2 = 0;
  for (int32_t x = 0; x < cells; ++x) {
    if (expect[x] == 0.0) {
      EXPECT_EQ(count[x], 0) << "cell " << x << " has probability 0 but was drawn";
      continue;
    }
    const double e = expect[x] * draws;
    chi2 += (count[x] - e) * (count[x] - e) / e;
  }
  return chi2;
}

// Chi-square critical value for 8 degrees of freedom at p = 0.001.
constexpr double kChi2Crit8Dof = 26.12;

}  // namespace srns::testing
