// Validation and names of the training settings (config.hpp).
#include "srns/config.hpp"

#include <set>
#include <stdexcept>
#include <string>

#include "srns/metrics.hpp"
#include "srns/sampler.hpp"
#include "srns/samplers/srns.hpp"

namespace srns {
namespace {

void require(bool ok, const std::string& message) {
  if (!ok) throw std::invalid_argument(message);
}

std::string format_number(double x) {
  std::string s = std::to_string(x);
  s.erase(s.find_last_not_of('0') + 1);
  if (!s.empty() && s.back() == '.') s.pop_back();
  return s;
}

}  // namespace

void validate(const TrainConfig& c) {
  require(c.model.dim > 0 && c.model.dim <= kMaxDim,
          "--dim must be in [1, " + std::to_string(kMaxDim) + "]");
  require(c.model.init_std > 0, "--init-std must be positive");
  require(c.optim.lr > 0, "--lr must be positive");
  require(c.optim.reg >= 0, "--reg must be >= 0");
  require(c.optim.beta1 >= 0 && c.optim.beta1 < 1, "Adam beta1 must be in [0, 1)");
  require(c.optim.beta2 >= 0 && c.optim.beta2 < 1, "Adam beta2 must be in [0, 1)");
  require(c.optim.eps > 0, "Adam epsilon must be positive");
  require(!c.optim.hogwild || c.optim.kind == OptimizerKind::kSgd,
          "--hogwild needs --optimizer sgd (it applies plain SGD updates pair by pair)");
  require(c.batch_size > 0, "--batch-size must be positive");
  require(c.epochs >= 0, "--epochs must be >= 0");
  require(c.loss == kLossBpr || c.loss == kLossHinge || c.loss == kLossBce, "unknown --loss");
  require(c.eval.every > 0, "--eval-every must be positive");
  require(c.eval.patience >= 0, "--patience must be >= 0");
  require(!c.eval.ks.empty(), "--ks needs at least one cut-off");
  for (int k : c.eval.ks) require(k > 0, "--ks cut-offs must be positive");
  std::string kind;
  int k = 0;
  parse_metric_name(c.eval.metric, &kind, &k);
  require(std::set<int>(c.eval.ks.begin(), c.eval.ks.end()).count(k) == 1,
          "--metric " + c.eval.metric + " needs its cut-off " + std::to_string(k) + " in --ks");
  require(c.device == "auto" || c.device == "cpu" || c.device == "cuda",
          "--device must be auto, cpu or cuda");
  require(c.threads >= 0, "--threads must be >= 0");
  require(c.gpu >= 0, "--gpu must be >= 0");
  require(c.cuda_step == "warp" || c.cuda_step == "thread", "--cuda-step must be warp or thread");
  const SamplerInfo* info = find_sampler(c.sampler);
  require(info != nullptr,
          "--sampler must be one of " + sampler_names() + " (got '" + c.sampler + "')");
  require(!c.optim.hogwild || !info->generator,
          "--hogwild applies plain per-pair SGD to the recommender, but --sampler " + c.sampler +
              " trains a generator beside it in its own step: drop --hogwild");
  for (const auto& [flag, value] : c.sampler_options) {
    const SamplerOption* option = nullptr;
    for (const SamplerOption& o : info->options) {
      if (o.flag == flag) option = &o;
    }
    require(option != nullptr, "--" + flag + " is not an option of --sampler " + c.sampler);
    require(value >= option->min && value <= option->max,
            "--" + flag + " must be in [" + format_number(option->min) + ", " +
                format_number(option->max) + "] (got " + format_number(value) + ")");
    require(!option->integer || value == static_cast<double>(static_cast<int64_t>(value)),
            "--" + flag + " must be a whole number (got " + format_number(value) + ")");
  }
  if (info->srns_memory) {
    const SrnsConfig& s = c.srns;
    require(s.s1 > 0 && s.s1 <= kMaxMemory,
            "--s1 must be in [1, " + std::to_string(kMaxMemory) + "]");
    require(s.s2 > 0, "--s2 must be positive");
    require(s.s1 + s.s2 <= kMaxCandidates,
            "--s1 + --s2 must be at most " + std::to_string(kMaxCandidates));
    require(s.pool_size >= s.s1 + s.s2,
            "--pool-size (" + std::to_string(s.pool_size) + ") must be at least --s1 + --s2 (" +
                std::to_string(s.s1 + s.s2) + "): a refresh draws S2 pool slots outside memory");
    require(s.tau > 0, "--tau must be positive");
    require(s.alpha >= 0, "--alpha must be >= 0");
    require(s.t0 >= 0, "--t0 must be >= 0");
    require(s.window >= 1 && s.window <= kMaxWindow,
            "--window must be in [1, " + std::to_string(kMaxWindow) + "]");
    require(s.update_every >= 1, "--update-every must be >= 1");
    require(s.sigma >= 0 && s.sigma <= 1, "--sigma must be in [0, 1]");
    require(s.fn_num >= 0 && s.fn_num < s.s1, "--fn-num must be in [0, S1)");
    require(
        s.schedule == kAlphaIncrease || s.schedule == kAlphaFlat || s.schedule == kAlphaDecrease,
        "unknown --alpha-schedule");
  }
}

std::string to_string(ModelKind k) { return k == ModelKind::kMf ? "mf" : "gmf"; }

std::string to_string(OptimizerKind k) {
  switch (k) {
    case OptimizerKind::kLazyAdam:
      return "lazy-adam";
    case OptimizerKind::kSgd:
      return "sgd";
    default:
      return "adam";
  }
}

std::string to_string(HistoryMode k) {
  switch (k) {
    case HistoryMode::kDense:
      return "dense";
    case HistoryMode::kPooled:
      return "pooled";
    default:
      return "auto";
  }
}

std::string to_string(HistoryPrecision k) {
  return k == HistoryPrecision::kHalf ? "half" : "float";
}

std::string to_string(EvalMode k) {
  switch (k) {
    case EvalMode::kSampled:
      return "sampled";
    case EvalMode::kFull:
      return "full";
    default:
      return "auto";
  }
}

std::string to_string(Ties k) { return k == Ties::kOptimistic ? "optimistic" : "pessimistic"; }

std::string alpha_schedule_name(int schedule) {
  if (schedule == kAlphaFlat) return "flat";
  if (schedule == kAlphaDecrease) return "decrease";
  return "increase";
}

std::string loss_name(int loss) {
  if (loss == kLossHinge) return "hinge";
  if (loss == kLossBce) return "bce";
  return "bpr";
}

}  // namespace srns
