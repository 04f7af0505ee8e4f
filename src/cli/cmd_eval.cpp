// `srns eval`: rank a saved model on a split's validation or test rows.
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/cli_common.hpp"
#include "cli/commands.hpp"
#include "cli/saved_run.hpp"
#include "srns/model.hpp"
#include "srns/trainer.hpp"
#include "train/records.hpp"

namespace srns::cli {
namespace {

const char* kEvalExamples = R"(
Examples:
  srns eval --model runs/srns-ml100k                  # the data its config.json names
  srns eval --model runs/srns-ml100k/model.bin --data ml100k
  srns eval --model runs/srns-ml100k --set val --eval full --ks 10,20
  srns eval --model runs/srns-ml100k --neg-draws 20

Sampled metrics depend on which negatives were drawn for each row: --neg-draws K ranks the rows
against the split's own negatives and K-1 fresh draws (seeded by --neg-seed, the same for every
model of the split) and reports each metric's mean and sd over the K draws.
)";

}  // namespace

int cmd_eval(int argc, char** argv) {
  cxxopts::Options options("srns eval", "Evaluate a saved model on a split directory.");
  options.set_width(100).add_options()("h,help", "Show this help");
  add_saved_run_flags(options);
  options.add_options()("set", "val or test", cxxopts::value<std::string>()->default_value("test"))(
      "eval", "auto, sampled or full", cxxopts::value<std::string>()->default_value("auto"))(
      "ks", "Cut-offs", cxxopts::value<std::string>()->default_value("1,3,5,10,20"))(
      "ties", "pessimistic or optimistic",
      cxxopts::value<std::string>()->default_value("pessimistic"))(
      "device", "auto, cpu or cuda", cxxopts::value<std::string>()->default_value("auto"))(
      "threads", "CPU threads (0: those not busy with other work)",
      cxxopts::value<std::string>()->default_value("0"))(
      "neg-draws", "Negative draws to rank against: the split's own and K-1 fresh ones",
      cxxopts::value<int>()->default_value("1"))("neg-seed", "Seed of the fresh negative draws",
                                                 cxxopts::value<uint64_t>()->default_value("1"))(
      "json", "Print the metrics as JSON");
  const cxxopts::ParseResult r = options.parse(argc, argv);
  if (handle_help(options, r, kEvalExamples)) return 0;
  if (!r.unmatched().empty()) throw UsageError("unexpected argument '" + r.unmatched()[0] + "'");
  if (!r.count("model")) throw UsageError("--model is required");
  TrainConfig config;
  config.sampler = "uniform";  // no sampler state is needed to rank
  config.device = choice("device", r["device"].as<std::string>(), {"auto", "cpu", "cuda"});
  config.threads = threads_flag(r);
  const std::string mode = choice("eval", r["eval"].as<std::string>(), {"auto", "sampled", "full"});
  config.eval.mode = mode == "sampled" ? EvalMode::kSampled
                     : mode == "full"  ? EvalMode::kFull
                                       : EvalMode::kAuto;
  config.eval.ks = parse_int_list("ks", r["ks"].as<std::string>());
  config.eval.metric = "recall@" + std::to_string(config.eval.ks[0]);
  config.eval.ties =
      choice("ties", r["ties"].as<std::string>(), {"pessimistic", "optimistic"}) == "optimistic"
          ? Ties::kOptimistic
          : Ties::kPessimistic;
  config.eval.neg_draws = r["neg-draws"].as<int>();
  config.eval.neg_seed = r["neg-seed"].as<uint64_t>();
  if (config.eval.neg_draws < 1 || config.eval.neg_draws > 1000) {
    throw UsageError("--neg-draws must be in [1, 1000]");
  }
  const bool test = choice("set", r["set"].as<std::string>(), {"val", "test"}) == "test";
  const SavedRun run =
      open_saved_run(r["model"].as<std::string>(), r["data"].as<std::string>(), false);
  const Dataset& data = run.data;
  const EvalSet& rows = test ? data.test : data.val;
  if (rows.empty()) {
    throw UsageError(std::string("the split ") + data.source + " has no " +
                     (test ? "test" : "validation") + " rows to evaluate");
  }
  config.model.kind = run.model.kind;
  config.model.dim = run.model.dim;
  config.model.mlp = run.model.mlp;
  std::unique_ptr<Backend> backend = make_cli_backend(config.device, config.threads, "evaluating");
  const TrainingSet set = prepare_training_set(data, config);
  backend->setup(set, config, run.model);
  std::string used;
  const Metrics m = evaluate(*backend, data, config.eval, test, &used);
  if (config.eval.neg_draws > 1) {
    const MetricsOverDraws d = evaluate_over_draws(*backend, data, config.eval, test);
    if (r.count("json")) {
      std::cout << to_json(d).dump(2) << "\n";
      return 0;
    }
    std::cout << (test ? "test" : "val") << " over " << d.draws
              << " negative draws (the split's and fresh ones, seed " << d.seed << "), mean +- sd\n"
              << draws_table(d, config.eval.ks) << "split's own draw:\n";
  } else if (r.count("json")) {
    std::cout << nlohmann::json(m).dump(2) << "\n";
    return 0;
  }
  std::cout << (test ? "test" : "val") << " (" << used << " ranking, " << rows.rows.size()
            << " rows)\n"
            << metrics_table(m, config.eval.ks);
  return 0;
}

}  // namespace srns::cli
