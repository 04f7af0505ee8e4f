// Helpers shared by the sampler units' tests: a small generated dataset and a short training run
// of a registry sampler with its own options, on the CPU backend.
#pragma once
#include <map>
#include <memory>
#include <string>

#include "srns/synthetic.hpp"
#include "srns/trainer.hpp"

namespace srns::testing {

inline Dataset small_generated_data(int32_t users = 200, int32_t items = 300,
                                    int64_t interactions = 6000) {
  GenConfig g;
  g.users = users;
  g.items = items;
  g.interactions = interactions;
  return generate_dataset(g, SplitOptions());
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

}  // namespace srns::testing
