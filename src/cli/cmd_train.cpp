// `srns train`: the flags declared (read into a TrainConfig by train_flags.cpp), dataset, backend,
// the training driver.
#include <algorithm>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <utility>
#include <vector>

#include "cli/cli_common.hpp"
#include "cli/commands.hpp"
#include "cli/train_flags.hpp"
#include "srns/sampler.hpp"
#include "srns/trainer.hpp"
#include "train/checkpoint.hpp"
#include "train/records.hpp"

namespace srns::cli {
namespace {

const char* kTrainExamples = R"(
How it works:
  Each epoch trains every positive (user, item) pair once against one sampled negative with
  the BPR loss; --sampler chooses how the negative is drawn (Samplers above). SRNS (the
  default) keeps a small memory of hard candidates per user (S1 slots, refreshed from S2 fresh
  pool candidates by softmax(score/tau)) and picks the candidate with the highest
  P_pos + alpha_t * std, where std is the spread of the model's recent predictions (W epochs):
  false negatives tend to be hard but stable, so favouring high variance avoids them. Validation runs every --eval-every epochs; training stops after
  --patience epochs without a better --metric, and the best model is tested.

Examples:
  srns train                                   # built-in synthetic data, SRNS, defaults
  srns split --input u.data --min-rating 4 --out ml100k
  srns train --data ml100k --dim 32 --epochs 300 --patience 100 --out runs/srns-ml100k
  srns train --data ml100k --sampler uniform --seed 3 --out runs/uni-s3
  srns train --data ml100k --alpha 0            # difficulty-only ablation
  srns train --data syn --fn-file syn/fn.tsv --sigma 0.5 --fn-num 1 --eval full

Output: one line per epoch; with --out DIR a run directory holding config.json,
epochs.jsonl (one JSON object per epoch), summary.json, model.bin (the best model) and
last_model.bin (the last). Ctrl-C (or kill) finishes the epoch under way, writes
checkpoint.bin and stops; `srns train --resume DIR` continues from it.
)";

std::string default_run_dir(const std::string& sampler) {
  char stamp[32];
  const std::time_t now = std::time(nullptr);
  std::strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", std::localtime(&now));
  return "runs/" + std::string(stamp) + "-" + sampler;
}

cxxopts::ParseResult parse_args(cxxopts::Options& options, const std::vector<std::string>& args) {
  std::vector<char*> argv = {const_cast<char*>("srns train")};
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  return options.parse(static_cast<int>(argv.size()), argv.data());
}

}  // namespace

int cmd_train(int argc, char** argv) {
  cxxopts::Options options("srns train", "Train a recommender from positive-only interactions.");
  TrainConfig d;  // defaults shown in --help come from the config struct
  options.set_width(100).add_options()("h,help", "Show this help");
  options.add_options("Data")(
      "data", "Split directory from `srns split`/`srns gen` (default: built-in synthetic data)",
      cxxopts::value<std::string>()->default_value(""))(
      "out", "Run directory to create (must not exist or be empty; default runs/<time>-<sampler>)",
      cxxopts::value<std::string>()->default_value(""))("no-out", "Write no run directory")(
      "seed", "Seed of every random draw (same seed and data: same numbers)",
      cxxopts::value<std::string>()->default_value(std::to_string(d.seed)));
  options.add_options("Model")(
      "model",
      "Scoring function: gmf (beta^T (p_u*q_i)), mf (beta fixed to 1), or mlp (NCF's MLP tower "
      "over [p_u; q_i]; SRNS paper Sec. 4.3.3)",
      cxxopts::value<std::string>()->default_value("gmf"))(
      "mlp-layers",
      "MLP hidden widths, input 2F (NCF's tower at F = 32: 32,16,8, halving); Glorot-uniform "
      "weights",
      cxxopts::value<std::string>()->default_value(mlp_layers_text(d.model.mlp)))(
      "mlp-activation",
      "MLP activation: sigmoid (the SRNS paper's), relu (NCF's) or tanh (trains where a "
      "hard-negative sampler, SRNS or DNS, stalls the sigmoid tower on small data)",
      cxxopts::value<std::string>()->default_value("sigmoid"))(
      "dim", "Embedding dimension F",
      cxxopts::value<std::string>()->default_value(std::to_string(d.model.dim)))(
      "init-std", "Embedding init sd (truncated normal)",
      cxxopts::value<std::string>()->default_value("0.01"))(
      "loss", "bpr, hinge or bce", cxxopts::value<std::string>()->default_value("bpr"))(
      "init",
      "Start from this model.bin (e.g. a Uniform-BPR pretrain) instead of a random model; it "
      "must match the data, --model and --dim",
      cxxopts::value<std::string>()->default_value(""));
  options.add_options("Optimiser")(
      "optimizer",
      "adam (dense, as TF1: paper parity), lazy-adam (touched rows only), sgd, or adagrad "
      "(TF1's; ENMF's)",
      cxxopts::value<std::string>()->default_value("adam"))(
      "hogwild",
      "With --optimizer sgd on the CPU: apply each pair's update at once, lock-free across "
      "threads (Hogwild!, as implicit's BPR), instead of one deterministic step per batch; "
      "faster, but not reproducible (results depend on thread timing)")(
      "adagrad-init", "Adagrad's initial accumulator",
      cxxopts::value<std::string>()->default_value("0.1"))(
      "lr", "Learning rate", cxxopts::value<std::string>()->default_value("0.001"))(
      "reg", "L2 weight: reg/2 * |row|^2 per pair on its user and item rows",
      cxxopts::value<std::string>()->default_value("0.01"))(
      "batch-size", "Pairs per optimiser step",
      cxxopts::value<std::string>()->default_value(std::to_string(d.batch_size)))(
      "keep-last-batch", "Train the partial last batch (the official code drops it)")(
      "epochs", "Maximum epochs",
      cxxopts::value<std::string>()->default_value(std::to_string(d.epochs)));
  options.add_options("Sampler")("sampler", "One of: " + sampler_names() + " (see Samplers below)",
                                 cxxopts::value<std::string>()->default_value(d.sampler))(
      "protocol",
      "syn-official: the official synthetic-data code (Fig. 2, 3) for every flag not given: "
      "--sampler srns-syn --s1 20 --s2 20 --tau 1 --alpha 10 --t0 50 --reg 0 --ties optimistic "
      "--eval full --ks 1,3,5 --patience 0",
      cxxopts::value<std::string>()->default_value("default"))(
      "s1", "SRNS memory size S1",
      cxxopts::value<std::string>()->default_value(std::to_string(d.srns.s1)))(
      "s2", "Fresh pool candidates per memory refresh S2",
      cxxopts::value<std::string>()->default_value(std::to_string(d.srns.s2)))(
      "tau", "Refresh temperature: keep S1 by softmax(score/tau)",
      cxxopts::value<std::string>()->default_value("10"))(
      "alpha", "Weight of the prediction sd (0: difficulty only)",
      cxxopts::value<std::string>()->default_value("5"))(
      "t0", "Warm-up epochs of the alpha schedule",
      cxxopts::value<std::string>()->default_value(std::to_string(d.srns.t0)))(
      "alpha-schedule", "increase (alpha*min(t/T0,1)), flat, or decrease",
      cxxopts::value<std::string>()->default_value("increase"))(
      "window", "Epochs of score history W",
      cxxopts::value<std::string>()->default_value(std::to_string(d.srns.window)))(
      "pool-size", "Candidate pool per user V",
      cxxopts::value<std::string>()->default_value(std::to_string(d.srns.pool_size)))(
      "update-every", "Refresh memories every E epochs",
      cxxopts::value<std::string>()->default_value("1"))(
      "variance-of", "p_pos (sigmoid(h_k - h_i), the paper) or raw recorded scores",
      cxxopts::value<std::string>()->default_value("p_pos"))(
      "history", "Score history layout: auto, dense (U x I per epoch) or pooled (the pools)",
      cxxopts::value<std::string>()->default_value("auto"))(
      "history-precision",
      "Recorded scores as float, or half (binary16: half the memory and bandwidth, ~3 "
      "significant digits, so selections differ slightly from float)",
      cxxopts::value<std::string>()->default_value("float"))(
      "fn-file", "False negatives to inject (user<TAB>item, dense ids); also counted as truth",
      cxxopts::value<std::string>()->default_value(""))(
      "sigma", "Share of each user's false negatives available for injection",
      cxxopts::value<std::string>()->default_value("1"))(
      "fn-num", "Memory slots holding injected false negatives",
      cxxopts::value<std::string>()->default_value("1"));
  options.add_options("Evaluation")(
      "eval", "auto (sampled when the split has negatives), sampled, or full ranking",
      cxxopts::value<std::string>()->default_value("auto"))(
      "ks", "Cut-offs k of Recall@k and NDCG@k",
      cxxopts::value<std::string>()->default_value("1,3,5,10,20"))(
      "eval-every", "Validate every n epochs", cxxopts::value<std::string>()->default_value("1"))(
      "metric", "Early-stopping metric",
      cxxopts::value<std::string>()->default_value(d.eval.metric))(
      "patience", "Stop after this many epochs without improvement (0: never)",
      cxxopts::value<std::string>()->default_value(std::to_string(d.eval.patience)))(
      "ties", "pessimistic (target below tied items) or optimistic (the official code)",
      cxxopts::value<std::string>()->default_value("pessimistic"))(
      "neg-draws",
      "Test the best model against K draws of sampled negatives: the split's own and K-1 fresh "
      "ones (mean and sd in the summary; sampled metrics move with the draw)",
      cxxopts::value<std::string>()->default_value("1"))(
      "neg-seed", "Seed of the fresh negative draws (the same for every model of a split)",
      cxxopts::value<std::string>()->default_value("1"));
  options.add_options("Runtime")("device", "auto, cpu or cuda",
                                 cxxopts::value<std::string>()->default_value("auto"))(
      "threads", "CPU threads (0: those not busy with other work)",
      cxxopts::value<std::string>()->default_value("0"))(
      "deterministic", "CUDA: ordered gradient sums (bitwise repeatable) instead of atomics")(
      "gpu", "CUDA device index (see `srns info`); no context is opened on the others",
      cxxopts::value<std::string>()->default_value("0"))(
      "cuda-step",
      "CUDA SRNS step kernel: warp (a warp per user, lanes over F) or thread (a thread per "
      "user, the CPU code on the device)",
      cxxopts::value<std::string>()->default_value(d.cuda_step))(
      "phase-timing",
      "CUDA: time select+grad and optimizer apart (each batch's kernels launched directly with "
      "events between them, instead of replaying the batch's CUDA Graph)")(
      "progress", "Progress bar: auto (on a terminal), on, off",
      cxxopts::value<std::string>()->default_value("auto"))("quiet", "No per-epoch lines")(
      "json", "Print summary.json to stdout at the end")(
      "checkpoint-every",
      "Write checkpoint.bin in the run directory every N epochs (0: only when SIGINT or SIGTERM "
      "stops the run, after the epoch under way); model.bin and last_model.bin beside it",
      cxxopts::value<std::string>()->default_value("0"))(
      "resume",
      "Continue the run in RUN_DIR from its checkpoint.bin, with the same numbers as if it had "
      "never stopped (its data and settings; --threads, --device, --gpu, --epochs may change)",
      cxxopts::value<std::string>()->default_value(""));

  for (const auto& [flag, samplers] : sampler_flags()) {
    const SamplerOption& o = option_of(samplers[0], flag);  // help and default: the first's
    std::string head = "[";
    for (size_t k = 0; k < samplers.size(); ++k) head += (k ? ", " : "") + samplers[k];
    head += "] ";
    // Numbers as text too: int_flag/real_flag name the flag and its range when one is bad.
    options.add_options("Sampler")(
        flag, head + o.help,
        cxxopts::value<std::string>()->default_value(sampler_option_text(o, o.default_value)));
  }

  std::vector<std::string> args(argv + 1, argv + argc);
  cxxopts::ParseResult r = parse_args(options, args);
  if (handle_help(options, r, samplers_help() + kTrainExamples,
                  {"", "Data", "Model", "Optimiser", "Sampler", "Evaluation", "Runtime"})) {
    return 0;
  }
  if (!r.unmatched().empty()) throw UsageError("unexpected argument '" + r.unmatched()[0] + "'");
  const std::string resume = r["resume"].as<std::string>();
  if (!resume.empty()) {
    // The run's own arguments, then this command's: a flag given again takes the new value, and
    // the driver refuses a change that would alter the numbers (checkpoint.hpp).
    args = resume_args(resume, r, args);
    r = parse_args(options, args);
  }
  const TrainConfig config = config_from(r);
  const bool quiet = r.count("quiet") > 0;

  std::string out = resume.empty() ? r["out"].as<std::string>() : resume;
  if (r.count("no-out")) {
    if (!out.empty()) throw UsageError("--out and --no-out contradict each other");
  } else if (out.empty()) {
    out = default_run_dir(config.sampler);
  }
  if (find_sampler(config.sampler)->generator && config.init.empty()) {
    std::cerr << "srns: note: --sampler " << config.sampler
              << " starts its generator and recommender from the same random model; the paper "
                 "starts both from a pretrained one (--init MODEL, e.g. the model.bin of a "
                 "--sampler uniform run)\n";
  }
  const Dataset data = load_dataset(r["data"].as<std::string>(), config.seed, quiet);
  std::unique_ptr<Backend> backend =
      make_cli_backend(config.device, config.threads, "training", config.gpu);

  RunOptions run;
  run.out_dir = out;
  run.quiet = quiet;
  run.checkpoint_every = integer(r, "checkpoint-every", 0);
  run.resume = !resume.empty();
  run.args = args;
  if (!out.empty()) run.stop = stop_on_signals();
  const std::string progress =
      choice("progress", r["progress"].as<std::string>(), {"auto", "on", "off"});
  run.progress = progress == "on" || (progress == "auto" && !quiet && stderr_is_terminal());
  RunSummary summary;
  try {
    summary = train(data, config, *backend, run);
  } catch (const RunInterrupted& e) {
    std::cerr << "srns train: " << e.what() << "\n";
    return 128 + e.signal();  // the shell's status for a process a signal stopped
  }
  if (r.count("json")) std::cout << to_json(summary).dump(2) << "\n";
  return 0;
}

}  // namespace srns::cli
