// Settings of a training run, with the official SRNS ML-1m hyper-parameters as defaults
// (DESIGN §4). The CLI maps flags onto these structs and validates them; library code never
// sees argv.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "srns/math.hpp"
#include "srns/scorer.hpp"

namespace srns {

enum class OptimizerKind { kAdam, kLazyAdam, kSgd, kAdagrad };
enum class HistoryMode { kAuto, kDense, kPooled };
enum class HistoryPrecision { kFloat, kHalf };
enum class EvalMode { kAuto, kSampled, kFull };
enum class Ties { kPessimistic, kOptimistic };

struct ModelConfig {
  ModelKind kind = ModelKind::kGmf;
  int dim = 32;            // F
  float init_std = 0.01f;  // N(0, init_std) truncated at 2 sd
  // --model mlp: hidden widths and activation; the default is NCF's tower at F = 32
  // (2F = 64 -> 32 -> 16 -> 8) with the SRNS paper's sigmoid.
  MlpShape mlp = {3, {32, 16, 8, 0}, kMlpSigmoid};
};

struct OptimConfig {
  OptimizerKind kind = OptimizerKind::kAdam;
  float lr = 1e-3f;
  float beta1 = 0.9f;
  float beta2 = 0.999f;
  float eps = 1e-8f;
  float reg = 0.01f;
  float adagrad_init = 0.1f;  // Adagrad's initial accumulator (TF's default; ENMF uses 1e-8)
  // SGD only, CPU only: each pair's update applied to its rows at once, lock-free across
  // threads (Hogwild!, Recht et al. 2011), without the batch's ordered reduction. Fast, and not
  // reproducible: results depend on thread timing. The head (shared by every pair) still
  // takes one step per batch from the batch's summed gradient.
  bool hogwild = false;
  // Dense Adam on the CPU: whether the rows a batch does not read take their zero-gradient
  // steps lazily, all at once when next read (cpu_ops.hpp: DeferredAdam; the same numbers).
  // Auto: where the sampler's selection reads no rows, or reads the batch's users and the user
  // table is too large for the caches to hold it beside the sampler's state.
  enum class DeferRows { kAuto, kAlways, kNever };
  DeferRows defer_rows = DeferRows::kAuto;
};

// Settings of SRNS and of the samplers built on its memory (sampler.hpp: srns_memory).
struct SrnsConfig {
  int s1 = 8;          // memory size
  int s2 = 64;         // extra uniform candidates per refresh
  float tau = 10.0f;   // softmax temperature of the refresh
  float alpha = 5.0f;  // weight of the history sd
  int t0 = 50;         // warm-up epochs of the alpha schedule
  int schedule = kAlphaIncrease;
  int window = 5;             // W: epochs of score history
  int pool_size = 3000;       // V: candidate pool per user
  int update_every = 1;       // E: refresh memory in epochs t with t % E == 0
  bool raw_variance = false;  // sd of raw recorded scores instead of P_pos
  HistoryMode history = HistoryMode::kAuto;
  // Recorded scores as float (default), or binary16: half the memory, ~3 significant digits.
  HistoryPrecision history_precision = HistoryPrecision::kFloat;
  // False-negative injection (paper §4.2): file of user<TAB>item, share sigma of each user's
  // set kept, fn_num memory slots filled from it at every refresh.
  std::string fn_file;
  float sigma = 1.0f;
  int fn_num = 1;
};

struct EvalConfig {
  EvalMode mode = EvalMode::kAuto;  // sampled where the split has negatives, else full
  Ties ties = Ties::kPessimistic;
  std::vector<int> ks{1, 3, 5, 10, 20};
  int every = 1;                    // validate every n epochs
  std::string metric = "recall@1";  // early-stopping metric
  int patience = 100;               // epochs without improvement before stopping (0: never)
  // Test of the best model over K negative draws (trainer.hpp: evaluate_over_draws): the
  // split's own and K - 1 fresh ones from seed neg_seed. 1: the split's own only.
  int neg_draws = 1;
  uint64_t neg_seed = 1;
};

struct TrainConfig {
  ModelConfig model;
  OptimConfig optim;
  int loss = kLossBpr;
  std::string sampler = "srns";  // a name of the sampler registry (sampler.hpp)
  SrnsConfig srns;
  // Flags of the chosen sampler's own options (SamplerInfo::options) that were set; the others
  // take the registry's defaults (sampler_option()).
  std::map<std::string, double> sampler_options;
  EvalConfig eval;
  int batch_size = 1000;
  bool keep_last_batch = false;  // the official code drops the remainder of each epoch
  int epochs = 400;
  uint64_t seed = 1;
  // A saved model.bin to start from (--init) instead of the random initialisation; it must have
  // the data's users and items and the run's --model and --dim.
  std::string init;
  int threads = 0;                 // 0: all hardware threads
  std::string device = "auto";     // auto | cpu | cuda
  bool deterministic = false;      // CUDA: ordered gradient reduction instead of atomics
  int gpu = 0;                     // CUDA device index
  std::string cuda_step = "warp";  // SRNS step kernel: warp (a warp per user) or thread
  // CUDA: time select+grad and optimizer apart (each batch's kernels launched directly with
  // events between them) instead of replaying the batch's CUDA Graph.
  bool phase_timing = false;
};

// Throws std::invalid_argument naming the setting when a combination cannot work.
void validate(const TrainConfig& config);

std::string to_string(ModelKind k);
std::string mlp_activation_name(int activation);
// "32,16,8"
std::string mlp_layers_text(const MlpShape& mlp);
std::string to_string(OptimizerKind k);
std::string to_string(HistoryMode k);
std::string to_string(HistoryPrecision k);
std::string to_string(EvalMode k);
std::string to_string(Ties k);
std::string alpha_schedule_name(int schedule);
std::string loss_name(int loss);

}  // namespace srns
