// The one interface between the training driver and a compute backend (cpu, cuda).
//
// The driver owns the schedule (epochs, validation, early stopping, the best model); the
// backend owns the parameters, the optimiser state and the sampler unit (sampler.hpp) with its
// state, and does the work of an epoch: the shuffle, the batches (the sampler's negatives,
// the scorer's pair gradients, per-row sums, optimiser step), the sampler's end-of-epoch work
// (SRNS: the score history), and ranking for evaluation. The driver, the evaluator and the
// CLI never branch on which backend, sampler or scorer they hold.
#pragma once
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

#include "srns/config.hpp"
#include "srns/data.hpp"
#include "srns/metrics.hpp"
#include "srns/model.hpp"

namespace srns {

// Everything a backend needs to train, prepared on the host.
struct TrainingSet {
  const Dataset* data = nullptr;  // train CSR and sizes
  Csr fn_sets;  // per-user false negatives injected into memory (sigma share); may be empty
  Csr truth;    // per-user ground-truth false negatives for the label error ratio; may be empty
};

struct PhaseSeconds {
  double select_grad = 0;  // negative selection (memory refresh etc.) and pair gradients
  double optimizer = 0;    // gradient reduction and the parameter step
  double batches = 0;      // both, where they are not timed apart (CUDA Graph replay)
  double history = 0;      // the sampler's end-of-epoch work (SRNS: the score history)
  double eval = 0;         // validation ranking
  PhaseSeconds& operator+=(const PhaseSeconds& o);
  double total() const { return select_grad + optimizer + batches + history + eval; }
};

struct EpochStats {
  double loss = 0;    // summed loss (incl. L2) over the epoch's pairs
  int64_t pairs = 0;  // pairs trained
  int64_t batches = 0;
  int64_t false_negatives = 0;         // sampled negatives found in the truth set
  int64_t first_nonfinite_batch = -1;  // first batch whose loss was NaN/inf, or -1
  PhaseSeconds seconds;
};

// Called after each batch with (done, total); cheap to ignore.
using ProgressFn = std::function<void(int64_t, int64_t)>;

class Backend {
 public:
  virtual ~Backend() = default;
  // One line: which device, how many threads, which history layout.
  virtual std::string describe() const = 0;
  // Copies the data and the initial model in and builds all training state. Throws
  // std::runtime_error (e.g. not enough device memory, with the numbers) when it cannot.
  virtual void setup(const TrainingSet& set, const TrainConfig& config, const Model& init) = 0;
  // The sampler's end-of-epoch work for epoch `epoch` (-1: before training), e.g. SRNS scoring
  // its pools into the history; timed as the history phase.
  virtual void end_epoch(int epoch, PhaseSeconds* seconds) = 0;
  // Trains one epoch (0-based).
  virtual EpochStats train_epoch(int epoch, const ProgressFn& progress) = 0;
  // Sampled ranking: one RankCount per row of `set`, target against its negatives.
  virtual std::vector<RankCount> rank_sampled(const EvalSet& set) = 0;
  // Full ranking: for each user r and target t in targets.row(r), counts over all items not in
  // the user's training row nor in exclude.row(r) (exclude may have no rows), t excluded.
  virtual std::vector<RankCount> rank_full(const Csr& targets, const Csr& exclude) = 0;
  // Scores of a few users against every item, the canonical score of math.hpp (recommend):
  // out[k * n_items + i] = r(users[k], i). The caller keeps users.size() * n_items small.
  virtual std::vector<float> score_users(const std::vector<int32_t>& users) = 0;
  virtual Model get_model() const = 0;
  virtual void set_model(const Model& model) = 0;
  // The training state a checkpoint holds beside the model (checkpoint.hpp): Adam's step, the
  // optimiser moments (none for SGD) and the sampler unit's state, the same bytes on both
  // backends. load_state reads what save_state wrote for a backend set up with the same data and
  // config, and throws std::runtime_error naming what does not fit.
  virtual void save_state(std::ostream& out) const = 0;
  virtual void load_state(std::istream& in) = 0;
  // Kernels one batch launches (CUDA; measured on the last epoch's batch), 0 on the CPU.
  virtual int64_t kernels_per_batch() const { return 0; }
};

// Creates the backend for `device` ("auto", "cpu", "cuda"). `auto` takes CUDA where it is
// built and a usable GPU is present, else the CPU; `note` receives one line saying why when it
// falls back. "cuda" without a usable GPU throws std::runtime_error with the reason.
// `gpu` is the CUDA device index; no context is opened on the other devices.
std::unique_ptr<Backend> make_backend(const std::string& device, int threads, std::string* note,
                                      int gpu = 0);

std::unique_ptr<Backend> make_cpu_backend(int threads);

// CUDA availability: kernels/device_info.cu, or src/cuda_absent.cpp in builds without CUDA.
bool cuda_built();
// Empty when a usable GPU is present, else the reason.
std::string cuda_unusable_reason();
std::unique_ptr<Backend> make_cuda_backend(int gpu = 0);
// Devices, driver and runtime versions, memory: for `srns info`.
std::string cuda_device_report();

// Canonical epoch order of n training pairs: indices sorted by shuffle_key (sampler.hpp),
// ties by index. Both backends train pairs in this order. `threads` share the work on the CPU;
// the order is the same for any number of them.
std::vector<int64_t> epoch_order(uint64_t seed, int epoch, int64_t n, int threads = 1);

// The radix sort's buffers, kept from one epoch to the next by the CPU backend so that an
// epoch allocates (and page-faults) nothing.
struct EpochOrderScratch {
  std::vector<uint64_t> word, next;
};
// The same order written into *order, reusing its capacity and the scratch's.
void epoch_order(uint64_t seed, int epoch, int64_t n, int threads, EpochOrderScratch* scratch,
                 std::vector<int64_t>* order);

// Batches of an epoch of n > 0 pairs: n / B, or ceil(n / B) with keep_last; at least one
// (a single short batch when n < B). Zero when n = 0.
int64_t batches_per_epoch(int64_t n, int batch_size, bool keep_last);

}  // namespace srns
