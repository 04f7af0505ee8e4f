// The generator of a GAN sampler on the CPU (samplers/gan.hpp): a second model G of the run's
// scorer with its own dense Adam (TF1 form, the engine's cpu::optimizer_step), stepped once per
// batch from the batch's summed REINFORCE gradients, and the reward baseline (the mean reward of
// the previous epoch). Twin: kernels/generator.cuh (the same state, the same save bytes).
#pragma once
#include <cstdint>
#include <iosfwd>

#include "cpu/cpu_ops.hpp"
#include "cpu/sampler.hpp"

namespace srns::cpu {

class Generator {
 public:
  // G = a copy of `init` (n_users x n_items), zero Adam moments, learning rate lr.
  void setup(const ModelView& init, int32_t n_users, int32_t n_items, float lr, int threads);
  ModelView view() const { return view_of(model_); }
  const Model& model() const { return model_; }
  // One Adam step from the batch's summed gradients (their row lists; the slot maps are made
  // here, which the optimiser reads).
  void step(RowGradients* g) {
    map_row_slots(g, model_.n_users, model_.n_items);
    optimizer_step(optim_, *g, &model_, &state_, threads_);
  }
  // Adds a batch's rewards to the epoch's sum.
  void add_rewards(double sum, int64_t count) {
    reward_sum_ += sum;
    reward_count_ += count;
  }
  // Start of an epoch: the baseline becomes the mean reward of the epoch before (it stays 0
  // until an epoch has drawn).
  void begin_epoch();
  float baseline() const { return baseline_; }
  void save(std::ostream& out) const;
  void load(std::istream& in);
  int64_t bytes() const;

 private:
  Model model_;
  OptimState state_;
  OptimConfig optim_;
  int threads_ = 1;
  double reward_sum_ = 0;
  int64_t reward_count_ = 0;
  float baseline_ = 0;
};

// What every GAN sampler shares on the CPU: its generator and epoch, and its state.
class GanSampler : public Sampler {
 public:
  void begin_epoch(int t, const ModelView& /*model*/) override {
    epoch_ = t;
    generator_.begin_epoch();
  }
  void save(std::ostream& out) const override { generator_.save(out); }
  void load(std::istream& in) override { generator_.load(in); }
  int64_t footprint() const override { return generator_.bytes(); }
  const Generator& generator() const { return generator_; }

 protected:
  int epoch_ = 0;
  Generator generator_;
};

}  // namespace srns::cpu
