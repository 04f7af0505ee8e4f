// The CPU side of the Sampler unit (include/srns/sampler.hpp): the interface the CPU batch
// loop drives, and the registry of CPU samplers (samplers/all.hpp).
#pragma once
#include <cstdint>
#include <iosfwd>
#include <memory>
#include <stdexcept>
#include <string>

#include "srns/backend.hpp"
#include "srns/scorer.hpp"

namespace srns::cpu {

struct StepOutput;    // cpu_ops.hpp: per-pair losses and gradient rows
struct RowGradients;  // cpu_ops.hpp
struct EpochPairs;    // cpu_ops.hpp: the epoch's pairs in training order

// What a non-sampling objective's batch trained: its loss (with L2) and the positive pairs.
struct BatchLoss {
  double loss = 0;
  int64_t pairs = 0;
};

// A batch of training pairs: CSR index e, user and item of pair k = 0 .. size-1.
struct Batch {
  int64_t index = 0;  // batch number within the epoch
  int32_t size = 0;
  const int64_t* pair = nullptr;
  const int32_t* user = nullptr;
  const int32_t* item = nullptr;
};

// Whether a and b are the same batch: the same pairs, read from the same buffers.
inline bool same_batch(const Batch& a, const Batch& b) {
  return a.index == b.index && a.size == b.size && a.pair == b.pair && a.user == b.user &&
         a.item == b.item;
}

// What a sampler is set up with. The pointers outlive the sampler's use of them.
struct SamplerSetup {
  const TrainingSet* set = nullptr;
  const TrainConfig* config = nullptr;
  int threads = 1;
};

class Sampler {
 public:
  virtual ~Sampler() = default;
  // Said after the device on the run's first line, e.g. "dense score history" (or empty).
  virtual std::string describe() const { return ""; }
  // Builds the state. `model` is the initial model.
  virtual void setup(const SamplerSetup& setup, const ModelView& model) = 0;
  // Start of epoch t (0-based).
  virtual void begin_epoch(int /*t*/, const ModelView& /*model*/) {}
  // The epoch's pairs, after begin_epoch and before its first batch: batch b of the epoch is
  // pairs.batch(b, batch_size), and the pairs stay put until the next begin_epoch. For a
  // sampler that prepares batches ahead (SRNS: its refresh draws); a batch it is given that
  // is not from these pairs it must still take.
  virtual void begin_batches(const EpochPairs& /*pairs*/, int32_t /*batch_size*/) {}
  // negative[k] for every pair k of the batch, with the model as it is at the batch's start.
  virtual void select(const Batch& batch, const ModelView& model, int32_t* negative) = 0;
  // The sampler's own batch step: negative[k] and every pair's loss and gradient row in `out`,
  // what select + cpu::pair_gradients compute, for a sampler that changes the recommender's
  // pair loss (AdvIR's adversarial training) or that has the pairs' scores at hand after its
  // selection (SRNS: the same loss, without scoring the pairs again). Returns false when the
  // sampler has none; the batch loop then runs select and pair_gradients.
  virtual bool fused_step(const Batch& /*batch*/, const ModelView& /*model*/, int /*loss_kind*/,
                          float /*reg*/, int32_t* /*negative*/, StepOutput* /*out*/) {
    return false;
  }
  // End of epoch t; t = -1 is before training.
  virtual void end_epoch(int /*t*/, const ModelView& /*model*/) {}
  // The state a checkpoint needs to resume the run exactly.
  virtual void save(std::ostream& /*out*/) const {}
  virtual void load(std::istream& /*in*/) {}
  // Bytes of the state held after setup().
  virtual int64_t footprint() const { return 0; }
  // Whether select() may run for several batches of an epoch at once, from several threads
  // (each call then runs on its calling thread alone): true for samplers whose select changes
  // no state and reads no model (uniform, popularity). --hogwild then trains a whole epoch in
  // one parallel region.
  virtual bool batches_independent() const { return false; }
  // The model rows select() and fused_step() read, so that the dense Adam can defer the rest
  // (cpu_ops.hpp: DeferredAdam): any row (the default, always safe); the batch's users' rows
  // and any item rows (DNS, SRNS); none (uniform, popularity: the pair gradients then read the
  // batch's users, positives and negatives alone).
  enum class ModelReads { kAny, kBatchUsers, kNone };
  virtual ModelReads select_reads() const { return ModelReads::kAny; }

  // Non-sampling objectives (SamplerInfo::row_gradients, ENMF) only: batches of epoch t (the
  // unit's own; `pair_batches` is what a sampler's epoch has), and batch b's summed row
  // gradients with the model as it is at the batch's start.
  virtual int64_t batches(int64_t pair_batches) const { return pair_batches; }
  virtual BatchLoss batch_row_gradients(int64_t /*b*/, const ModelView& /*model*/,
                                        RowGradients* /*g*/) {
    throw std::logic_error("this sampler gives negatives, not row gradients");
  }
};

// The CPU sampler called `name` (sampler_registry()); throws std::invalid_argument if none.
std::unique_ptr<Sampler> make_sampler(const std::string& name);

}  // namespace srns::cpu
