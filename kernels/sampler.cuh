// The GPU side of the Sampler unit (include/srns/sampler.hpp): the interface the CUDA batch
// loop drives, twin of src/cpu/sampler.hpp. Every call only enqueues work on `stream`; the
// batch-level calls (select, fused_step) are captured into the batch's CUDA Graph, so they
// must read the current batch from the device (BatchRefs::counters), never from the host.
#pragma once
#include <cuda_runtime.h>

#include <cstdint>
#include <iosfwd>
#include <memory>
#include <string>

#include "batch.cuh"
#include "srns/backend.hpp"
#include "srns/scorer.hpp"

namespace srns::gpu {

// What a sampler is set up with: the host data and settings, and the device copies the batch
// loop keeps of the training set (pointers valid while the backend lives).
struct SamplerSetup {
  const TrainingSet* set = nullptr;
  const TrainConfig* config = nullptr;
  DeviceCsr train;                     // training rows per user
  DeviceCsr fn_sets;                   // injected false negatives per user (may be empty)
  const int32_t* pair_user = nullptr;  // user of each training pair (CSR order)
  cudaStream_t stream = nullptr;
};

class Sampler {
 public:
  virtual ~Sampler() = default;
  virtual std::string describe() const { return ""; }
  // Device bytes the state will take for this run, before anything is allocated (the
  // backend's footprint check adds them up).
  virtual int64_t estimate_bytes(const TrainingSet& set, const TrainConfig& config) const = 0;
  // Local memory per thread of its kernels (cudaFuncGetAttributes); CUDA reserves it for every
  // thread the GPU can hold, so the footprint counts it.
  virtual int64_t local_bytes_per_thread() const { return 0; }
  virtual void setup(const SamplerSetup& setup, const ModelView& model) = 0;
  // Start of epoch t, after the epoch's pairs are in place (batch.counters->batch is 0).
  virtual void begin_epoch(int /*t*/, const BatchRefs& /*batch*/, cudaStream_t /*stream*/) {}
  // negative[k] for the current batch, with the model as it is at the batch's start.
  virtual void select(const BatchRefs& batch, const ModelView& model, int32_t* negative,
                      cudaStream_t stream) = 0;
  // The fast path: the negatives and the pair gradients, losses and label errors in one
  // kernel (what select + the generic pair_gradients kernel compute). Returns false when the
  // sampler has none; the batch loop then runs select and pair_gradients.
  virtual bool fused_step(const BatchRefs& /*batch*/, const ModelView& /*model*/,
                          const PairStepArgs& /*args*/, cudaStream_t /*stream*/) {
    return false;
  }
  // End of epoch t; t = -1 is before training.
  virtual void end_epoch(int /*t*/, const ModelView& /*model*/, cudaStream_t /*stream*/) {}
  // The state a checkpoint needs (the same bytes as the CPU twin's save, so a checkpoint
  // resumes on either backend).
  virtual void save(std::ostream& /*out*/, cudaStream_t /*stream*/) const {}
  virtual void load(std::istream& /*in*/, cudaStream_t /*stream*/) {}
};

// The GPU sampler called `name` (sampler_registry()); throws std::invalid_argument if none.
std::unique_ptr<Sampler> make_sampler(const std::string& name);

}  // namespace srns::gpu
