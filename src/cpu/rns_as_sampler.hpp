// cpu::RnsAsSampler: RNS-AS on the CPU (samplers/rns_as.hpp), the reference for
// kernels/rns_as_sampler.cu. cpu::AdvirSampler (advir_sampler.cpp) is this sampler with
// adversarial training of the recommender's pair loss.
//
// Per batch, select():
//   per pair k (threads split the pairs): S1 candidates, G's scores of them, the softmax draw,
//     D's reward of the drawn item                                  cand[B][S1], prob[B][S1]
//   per pair k: G's gradient row [user F | S1 slots F | head H]     candidate_generator_row
//   per-row sums in pair order (users by pair, items by (pair, slot), head by pair; RowSums),
//   one Adam step of G (cpu::Generator)
// so G moves after the batch's draws, from the rewards of D as it is at the batch's start.
#pragma once
#include <cstdint>
#include <vector>

#include "cpu/generator.hpp"
#include "cpu/row_sums.hpp"
#include "srns/samplers/gan.hpp"

namespace srns::cpu {

class RnsAsSampler : public GanSampler {
 public:
  explicit RnsAsSampler(uint32_t purpose) : purpose_(purpose) {}
  std::string describe() const override { return "generator over S1 candidates"; }
  void setup(const SamplerSetup& s, const ModelView& model) override;
  void select(const Batch& batch, const ModelView& model, int32_t* negative) override;

 protected:
  int threads_ = 1;
  GanSettings settings_;

 private:
  void step_generator(const Batch& batch);

  const uint32_t purpose_;
  const TrainingSet* set_ = nullptr;
  uint64_t seed_ = 0;
  std::vector<int32_t> cand_, pick_;  // [B][S1], [B]
  std::vector<float> prob_, reward_;  // [B][S1], [B]
  std::vector<float> rows_;           // G's gradient rows [B][(1 + S1) F + H]
  RowSums user_sums_, item_sums_;
  RowGradients grads_;
};

}  // namespace srns::cpu
