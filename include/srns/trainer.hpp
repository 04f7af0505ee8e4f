// The training driver: epochs, validation, early stopping, the best model, the run directory
// (DESIGN §2a: config.json, epochs.jsonl, summary.json, model.bin, last_model.bin), and
// checkpoints with exact resume (checkpoint.bin).
#pragma once
#include <atomic>
#include <cstdint>
#include <iosfwd>
#include <stdexcept>
#include <string>
#include <vector>

#include "srns/backend.hpp"
#include "srns/config.hpp"
#include "srns/data.hpp"
#include "srns/metrics.hpp"

namespace srns {

struct RunOptions {
  std::string out_dir;          // run directory; empty: write nothing
  bool progress = false;        // progress bar within an epoch (on a terminal)
  bool quiet = false;           // no per-epoch lines
  std::ostream* log = nullptr;  // where the per-epoch lines go (nullptr: std::cout)
  // Checkpoints (train/checkpoint.hpp) in out_dir: every n epochs (0: none), and whenever
  // *stop turns non-zero (the CLI's SIGINT/SIGTERM handler stores the signal's number): the
  // epoch under way is finished, the checkpoint written, and RunInterrupted thrown.
  int checkpoint_every = 0;
  const std::atomic<int>* stop = nullptr;
  std::vector<std::string> args;  // the `srns train` arguments, kept in each checkpoint
  // Continue the run in out_dir from its checkpoint.bin instead of starting one: the config and
  // data must be the checkpoint's (thread count, device and epoch limit may change).
  bool resume = false;
};

// Training stopped by *RunOptions::stop after writing a checkpoint; what() says where it is and
// how to resume.
class RunInterrupted : public std::runtime_error {
 public:
  RunInterrupted(const std::string& what, int signal) : std::runtime_error(what), signal_(signal) {}
  int signal() const { return signal_; }

 private:
  int signal_;
};

struct EpochRecord {
  int epoch = 0;                  // 1-based, as printed; 0 is the model before training
  double loss = 0;                // mean loss per trained pair (incl. L2)
  double seconds = 0;             // wall time of the epoch (training + history + validation)
  Metrics val;                    // validation metrics (empty when not evaluated this epoch)
  double label_error_ratio = -1;  // share of sampled negatives that are false; -1: unknown
  PhaseSeconds phases;
};

// Sampled metrics of one model over K negative draws of the same rows (evaluate_over_draws).
struct MetricsOverDraws {
  int draws = 0;                  // K
  uint64_t seed = 0;              // of the fresh draws
  Metrics mean, sd;               // per metric over the K draws (sd: sample sd, 0 when K = 1)
  std::vector<Metrics> per_draw;  // draw 0 is the split's own negatives
};

struct RunSummary {
  int best_epoch = 0;  // 1-based epoch of the best validation metric (0: untrained model)
  int epochs_run = 0;
  bool early_stopped = false;
  Metrics best_val;
  Metrics test;                 // of the best model
  MetricsOverDraws test_draws;  // of the best model, when config.eval.neg_draws > 1
  double seconds = 0;           // wall time of the whole run
  PhaseSeconds phases;          // summed over epochs
  std::string device;
  std::string val_eval_mode;   // "sampled" or "full"; empty without validation rows
  std::string test_eval_mode;  // the same for the test rows
  std::vector<EpochRecord> epochs;
};

// Builds the TrainingSet (false-negative share, truth) for `data` under `config`.
TrainingSet prepare_training_set(const Dataset& data, const TrainConfig& config);

RunSummary train(const Dataset& data, const TrainConfig& config, Backend& backend,
                 const RunOptions& options);

// How the validation (`test` false) or test rows are ranked: --eval auto takes sampled ranking
// where that set has sampled negatives, else full ranking, deciding for each set on its own.
// Throws std::invalid_argument when --eval sampled meets a set without negatives.
EvalMode eval_mode_for(const EvalConfig& eval, const EvalSet& set, bool test);

// Evaluates the backend's current model on the validation (`test` false) or test set; empty
// metrics when the set has no rows.
Metrics evaluate(Backend& backend, const Dataset& data, const EvalConfig& eval, bool test,
                 std::string* mode_used);

// Sampled metrics of the backend's current model over eval.neg_draws draws of negatives for the
// validation or test rows: draw 0 the split's own, draws 1.. fresh ones (src/eval/neg_draws.cpp
// states the streams), each row with as many negatives as the split gives it. Throws
// std::invalid_argument when the rows have no sampled negatives.
MetricsOverDraws evaluate_over_draws(Backend& backend, const Dataset& data, const EvalConfig& eval,
                                     bool test);

// "k  recall mean +- sd  ndcg mean +- sd" lines for the console.
std::string draws_table(const MetricsOverDraws& draws, const std::vector<int>& ks);

}  // namespace srns
