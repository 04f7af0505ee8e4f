// `srns train`'s flags read into a TrainConfig (train_flags.hpp).
#include "cli/train_flags.hpp"

#include <algorithm>
#include <filesystem>
#include <limits>
#include <sstream>
#include <stdexcept>

#include "cli/cli_common.hpp"
#include "train/checkpoint.hpp"

namespace srns::cli {
namespace {

// " (defaults it sets: --optimizer adagrad --lr 0.05)" or empty.
std::string flag_defaults_text(const SamplerInfo& info) {
  std::string s;
  for (const auto& [flag, value] : info.flag_defaults) s += " --" + flag + " " + value;
  return s.empty() ? s : ". Defaults it sets unless given:" + s;
}

// A general flag's value from a unit's flag_defaults (SamplerInfo), as if it had been given.
void apply_flag_default(TrainConfig* c, const std::string& flag, const std::string& value) {
  if (flag == "optimizer") {
    c->optim.kind = value == "adagrad"     ? OptimizerKind::kAdagrad
                    : value == "sgd"       ? OptimizerKind::kSgd
                    : value == "lazy-adam" ? OptimizerKind::kLazyAdam
                                           : OptimizerKind::kAdam;
  } else if (flag == "lr") {
    c->optim.lr = std::stof(value);
  } else if (flag == "adagrad-init") {
    c->optim.adagrad_init = std::stof(value);
  } else if (flag == "reg") {
    c->optim.reg = std::stof(value);
  } else if (flag == "batch-size") {
    c->batch_size = std::stoi(value);
  } else {
    throw std::logic_error("flag_defaults: --" + flag + " cannot be given a default");
  }
}

constexpr double kInf = std::numeric_limits<double>::infinity();

// --protocol syn-official: the official synthetic-data code's settings (SRNS_syn/main.py and
// run_srns.sh) for every flag the user did not give.
void apply_syn_official(const cxxopts::ParseResult& r, TrainConfig* c) {
  auto unless_given = [&](const char* flag, auto apply) {
    if (!r.count(flag)) apply();
  };
  unless_given("sampler", [&] { c->sampler = "srns-syn"; });
  // The official synthetic code has SRNS and uniform sampling only; any other sampler (the
  // real-data `srns` above all) would run under this protocol's other settings unnoticed.
  if (c->sampler != "srns-syn" && c->sampler != "uniform") {
    throw UsageError("--protocol syn-official runs the official synthetic code's SRNS (--sampler "
                     "srns-syn, implied) or --sampler uniform; got --sampler " + c->sampler +
                     " (for the real-data SRNS on this data, drop --protocol syn-official)");
  }
  unless_given("s1", [&] { c->srns.s1 = 20; });
  unless_given("s2", [&] { c->srns.s2 = 20; });
  unless_given("tau", [&] { c->srns.tau = 1.0f; });
  unless_given("alpha", [&] { c->srns.alpha = 10.0f; });
  unless_given("t0", [&] { c->srns.t0 = 50; });
  unless_given("window", [&] { c->srns.window = 5; });
  unless_given("reg", [&] { c->optim.reg = 0.0f; });
  unless_given("ties", [&] { c->eval.ties = Ties::kOptimistic; });
  unless_given("eval", [&] { c->eval.mode = EvalMode::kFull; });
  unless_given("patience", [&] { c->eval.patience = 0; });
  unless_given("ks", [&] { c->eval.ks = {1, 3, 5}; });
}

}  // namespace

// "Samplers:" and a paragraph per registered sampler: what it does and where it comes from.
std::string samplers_help() {
  std::ostringstream s;
  s << "\nSamplers (--sampler NAME):\n";
  for (const SamplerInfo& info : sampler_registry()) {
    s << "  " << info.name << "\n";
    std::istringstream words(info.summary + flag_defaults_text(info) + ". [" + info.reference +
                             "]");
    std::string word, line = "     ";
    while (words >> word) {
      if (line.size() + word.size() + 1 > 96) {
        s << line << "\n";
        line = "     ";
      }
      line += " " + word;
    }
    s << line << "\n";
  }
  return s.str();
}

// Each sampler option's flag with the samplers that take it, in registry order (samplers may
// share a flag, e.g. the GAN samplers' --gen-lr).
std::vector<std::pair<std::string, std::vector<std::string>>> sampler_flags() {
  std::vector<std::pair<std::string, std::vector<std::string>>> flags;
  for (const SamplerInfo& info : sampler_registry()) {
    for (const SamplerOption& o : info.options) {
      auto at = std::find_if(flags.begin(), flags.end(),
                             [&](const auto& f) { return f.first == o.flag; });
      if (at == flags.end()) at = flags.insert(flags.end(), {o.flag, {}});
      at->second.push_back(info.name);
    }
  }
  return flags;
}

// Sampler `name`'s option `flag` (both exist).
const SamplerOption& option_of(const std::string& name, const std::string& flag) {
  const SamplerInfo* info = find_sampler(name);
  for (const SamplerOption& o : info->options) {
    if (o.flag == flag) return o;
  }
  throw std::logic_error("sampler " + name + " has no option --" + flag);
}



// An int flag >= lo; finer ranges that depend on other flags are validate()'s (config.hpp).
int integer(const cxxopts::ParseResult& r, const std::string& flag, int lo) {
  return static_cast<int>(int_flag(r, flag, lo, std::numeric_limits<int>::max()));
}


// --resume RUN_DIR: the arguments the run was started with (kept in its checkpoint), then
// `given` without --resume.
std::vector<std::string> resume_args(const std::string& dir, const cxxopts::ParseResult& r,
                                     const std::vector<std::string>& given) {
  if (r.count("out") || r.count("no-out")) {
    throw UsageError("--resume continues in its own run directory: drop --out and --no-out");
  }
  namespace fs = std::filesystem;
  if (!fs::is_directory(dir)) throw UsageError("--resume " + dir + ": no such run directory");
  if (fs::exists(dir + "/summary.json")) {
    throw UsageError("--resume " + dir + ": that run finished (summary.json): nothing to resume");
  }
  const std::string path = dir + "/checkpoint.bin";
  if (!fs::exists(path)) {
    throw UsageError("--resume " + dir +
                     ": no checkpoint.bin there (a run writes one every --checkpoint-every N "
                     "epochs, and when SIGINT or SIGTERM stops it)");
  }
  std::vector<std::string> args;
  for (const auto& a : read_checkpoint_meta(path).args) args.push_back(a.get<std::string>());
  for (size_t k = 0; k < given.size(); ++k) {
    if (given[k] == "--resume") {
      ++k;  // and its value
    } else if (given[k].rfind("--resume=", 0) != 0) {
      args.push_back(given[k]);
    }
  }
  return args;
}

TrainConfig config_from(const cxxopts::ParseResult& r) {
  TrainConfig c;
  const std::string model = choice("model", r["model"].as<std::string>(), {"gmf", "mf", "mlp"});
  c.model.kind = model == "mlp"  ? ModelKind::kMlp
                 : model == "mf" ? ModelKind::kMf
                                 : ModelKind::kGmf;
  const std::vector<int> widths = parse_int_list("mlp-layers", r["mlp-layers"].as<std::string>());
  if (widths.empty() || widths.size() > static_cast<size_t>(kMaxMlpDepth)) {
    throw UsageError("--mlp-layers takes 1 to " + std::to_string(kMaxMlpDepth) +
                     " hidden widths, e.g. 32,16,8");
  }
  c.model.mlp.depth = static_cast<int32_t>(widths.size());
  for (size_t k = 0; k < widths.size(); ++k) c.model.mlp.width[k] = widths[k];
  const std::string act =
      choice("mlp-activation", r["mlp-activation"].as<std::string>(), {"sigmoid", "relu", "tanh"});
  c.model.mlp.activation = act == "relu" ? kMlpRelu : act == "tanh" ? kMlpTanh : kMlpSigmoid;
  if (model != "mlp" && (r.count("mlp-layers") || r.count("mlp-activation"))) {
    throw UsageError("--mlp-layers and --mlp-activation shape --model mlp (got --model " + model +
                     ")");
  }
  c.model.dim = integer(r, "dim", 1);
  c.model.init_std = static_cast<float>(real_flag(r, "init-std", 0, kInf, Lower::kExclusive));
  const std::string loss = choice("loss", r["loss"].as<std::string>(), {"bpr", "hinge", "bce"});
  c.loss = loss == "hinge" ? kLossHinge : loss == "bce" ? kLossBce : kLossBpr;
  const std::string opt = choice("optimizer", r["optimizer"].as<std::string>(),
                                 {"adam", "lazy-adam", "sgd", "adagrad"});
  apply_flag_default(&c, "optimizer", opt);
  c.optim.adagrad_init =
      static_cast<float>(real_flag(r, "adagrad-init", 0, kInf, Lower::kExclusive));
  c.optim.hogwild = r["hogwild"].as<bool>();
  c.optim.lr = static_cast<float>(real_flag(r, "lr", 0, kInf, Lower::kExclusive));
  c.optim.reg = static_cast<float>(real_flag(r, "reg", 0));
  c.batch_size = integer(r, "batch-size", 1);
  c.keep_last_batch = r["keep-last-batch"].as<bool>();
  c.epochs = integer(r, "epochs", 0);
  c.sampler = r["sampler"].as<std::string>();
  if (!find_sampler(c.sampler)) {
    throw UsageError("--sampler must be one of " + sampler_names() + " (got '" + c.sampler + "')");
  }
  for (const auto& [flag, samplers] : sampler_flags()) {
    if (!r.count(flag)) continue;
    if (std::find(samplers.begin(), samplers.end(), c.sampler) == samplers.end()) {
      std::string names;
      for (const std::string& name : samplers) names += (names.empty() ? "" : ", ") + name;
      throw UsageError("--" + flag + " is an option of --sampler " + names + ", not of --sampler " +
                       c.sampler);
    }
    const SamplerOption& o = option_of(c.sampler, flag);
    if (o.choices.empty()) {
      c.sampler_options[flag] =
          o.integer ? static_cast<double>(int_flag(r, flag, static_cast<int64_t>(o.min),
                                                   static_cast<int64_t>(o.max)))
                    : real_flag(r, flag, o.min, o.max);
    } else {
      const std::string word = r[flag].as<std::string>();
      const auto at = std::find(o.choices.begin(), o.choices.end(), word);
      if (at == o.choices.end()) {
        std::string list;
        for (const std::string& w : o.choices) list += (list.empty() ? "" : ", ") + w;
        throw UsageError("--" + flag + " must be one of " + list + " (got '" + word + "')");
      }
      c.sampler_options[flag] = static_cast<double>(at - o.choices.begin());
    }
  }
  c.init = r["init"].as<std::string>();
  SrnsConfig& s = c.srns;
  s.s1 = integer(r, "s1", 1);
  s.s2 = integer(r, "s2", 1);
  s.tau = static_cast<float>(real_flag(r, "tau", 0, kInf, Lower::kExclusive));
  s.alpha = static_cast<float>(real_flag(r, "alpha", 0));
  s.t0 = integer(r, "t0", 0);
  const std::string sched = choice("alpha-schedule", r["alpha-schedule"].as<std::string>(),
                                   {"increase", "flat", "decrease"});
  s.schedule = sched == "flat" ? kAlphaFlat : sched == "decrease" ? kAlphaDecrease : kAlphaIncrease;
  s.window = integer(r, "window", 1);
  s.pool_size = integer(r, "pool-size", 1);
  s.update_every = integer(r, "update-every", 1);
  s.raw_variance =
      choice("variance-of", r["variance-of"].as<std::string>(), {"p_pos", "raw"}) == "raw";
  const std::string hist =
      choice("history", r["history"].as<std::string>(), {"auto", "dense", "pooled"});
  s.history = hist == "dense"    ? HistoryMode::kDense
              : hist == "pooled" ? HistoryMode::kPooled
                                 : HistoryMode::kAuto;
  s.history_precision = choice("history-precision", r["history-precision"].as<std::string>(),
                               {"float", "half"}) == "half"
                            ? HistoryPrecision::kHalf
                            : HistoryPrecision::kFloat;
  s.fn_file = r["fn-file"].as<std::string>();
  s.sigma = static_cast<float>(real_flag(r, "sigma", 0, 1));
  s.fn_num = integer(r, "fn-num", 0);
  const std::string eval = choice("eval", r["eval"].as<std::string>(), {"auto", "sampled", "full"});
  c.eval.mode = eval == "sampled" ? EvalMode::kSampled
                : eval == "full"  ? EvalMode::kFull
                                  : EvalMode::kAuto;
  c.eval.ties =
      choice("ties", r["ties"].as<std::string>(), {"pessimistic", "optimistic"}) == "optimistic"
          ? Ties::kOptimistic
          : Ties::kPessimistic;
  c.eval.ks = parse_int_list("ks", r["ks"].as<std::string>());
  c.eval.every = integer(r, "eval-every", 1);
  c.eval.metric = r["metric"].as<std::string>();
  c.eval.patience = integer(r, "patience", 0);
  c.eval.neg_draws = static_cast<int>(int_flag(r, "neg-draws", 1, 1000));
  c.eval.neg_seed = seed_flag(r, "neg-seed");
  c.seed = seed_flag(r, "seed");
  c.threads = threads_flag(r);
  c.device = choice("device", r["device"].as<std::string>(), {"auto", "cpu", "cuda"});
  c.deterministic = r["deterministic"].as<bool>();
  c.gpu = integer(r, "gpu", 0);
  c.cuda_step = choice("cuda-step", r["cuda-step"].as<std::string>(), {"warp", "thread"});
  c.phase_timing = r.count("phase-timing") > 0;
  const std::string protocol =
      choice("protocol", r["protocol"].as<std::string>(), {"default", "syn-official"});
  if (protocol == "syn-official") apply_syn_official(r, &c);
  for (const auto& [flag, value] : find_sampler(c.sampler)->flag_defaults) {
    if (!r.count(flag)) apply_flag_default(&c, flag, value);
  }
  if (!s.fn_file.empty() && !find_sampler(c.sampler)->srns_memory && r.count("fn-num")) {
    throw UsageError(
        "--fn-num injects false negatives into SRNS memory; it needs --sampler srns or "
        "memory-random");
  }
  try {
    validate(c);
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  }
  return c;
}

}  // namespace srns::cli
