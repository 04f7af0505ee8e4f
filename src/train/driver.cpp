// The training driver (trainer.hpp): before-training record, epochs, validation every n
// epochs, early stopping with patience on the chosen metric, the best model kept on the host,
// test metrics of the best model, and the run directory.
//
// Patience counts epochs since the best validation metric: training stops once `patience`
// epochs have passed without a strictly better value. Without a validation set every epoch
// is evaluated on the test set (the paper's synthetic protocol), there is no early stopping,
// and the final model is reported.
#include <chrono>
#include <cmath>
#include <iomanip>
#include <iostream>
#include <memory>
#include <sstream>
#include <stdexcept>

#include "srns/model.hpp"
#include "srns/trainer.hpp"
#include "train/progress.hpp"
#include "train/records.hpp"

namespace srns {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

std::string epoch_line(const EpochRecord& r, int epochs, const EvalConfig& eval, bool best,
                       bool test_only) {
  std::ostringstream s;
  s << "epoch " << std::setw(4) << r.epoch << "/" << epochs << std::fixed << std::setprecision(4);
  if (r.epoch == 0) {
    s << "  untrained  ";  // the model before any step: no training loss yet
  } else {
    s << "  loss " << r.loss;
  }
  if (!r.val.empty()) {
    s << "  " << (test_only ? "test " : "val ") << eval.metric << " " << r.val.at(eval.metric)
      << "  ndcg@";
    for (size_t c = 0; c < eval.ks.size(); ++c) {
      const int k = eval.ks[c];
      s << (c ? "/" : "") << k;
    }
    for (size_t c = 0; c < eval.ks.size(); ++c) {
      s << (c ? " " : " ") << r.val.at("ndcg@" + std::to_string(eval.ks[c]));
    }
  }
  if (r.label_error_ratio >= 0) s << "  ler " << r.label_error_ratio;
  s << std::setprecision(2) << "  " << r.seconds << "s" << (best ? "  *" : "");
  return s.str();
}

std::string metrics_table(const Metrics& m, const std::vector<int>& ks) {
  std::ostringstream s;
  s << "      k   recall     ndcg\n" << std::fixed << std::setprecision(4);
  for (int k : ks) {
    s << std::setw(7) << k << std::setw(9) << m.at("recall@" + std::to_string(k)) << std::setw(9)
      << m.at("ndcg@" + std::to_string(k)) << "\n";
  }
  return s.str();
}

}  // namespace

std::string draws_table(const MetricsOverDraws& d, const std::vector<int>& ks) {
  std::ostringstream s;
  s << "      k          recall            ndcg\n" << std::fixed << std::setprecision(4);
  for (int k : ks) {
    const std::string r = "recall@" + std::to_string(k), n = "ndcg@" + std::to_string(k);
    s << std::setw(7) << k << "  " << d.mean.at(r) << " +- " << d.sd.at(r) << "  " << d.mean.at(n)
      << " +- " << d.sd.at(n) << "\n";
  }
  return s.str();
}

RunSummary train(const Dataset& data, const TrainConfig& config, Backend& backend,
                 const RunOptions& options) {
  validate(config);
  data.validate();
  std::ostream& log = options.log ? *options.log : std::cout;
  const auto run_start = Clock::now();
  const Model init = initial_model(config, data.n_users, data.n_items);  // before any file
  std::unique_ptr<RunDir> run_dir;
  if (!options.out_dir.empty()) run_dir = std::make_unique<RunDir>(options.out_dir);

  const TrainingSet set = prepare_training_set(data, config);
  backend.setup(set, config, init);

  RunSummary summary;
  summary.device = backend.describe();
  const bool test_only = data.val.empty();
  const bool know_truth = !set.truth.empty();
  if (run_dir) {
    nlohmann::json cfg = to_json(config);
    cfg["data"] = dataset_json(data);
    cfg["device_used"] = summary.device;
    run_dir->write_json("config.json", cfg);
  }
  if (!options.quiet) {
    log << "srns: " << config.sampler << " on " << data.source << " (" << data.n_users << " users, "
        << data.n_items << " items, " << data.train.nnz() << " train pairs), " << summary.device
        << "\n";
  }

  PhaseSeconds setup_phases;
  backend.end_epoch(-1, &setup_phases);
  const auto eval_start = Clock::now();
  EpochRecord before;
  before.val = evaluate(backend, data, config.eval, test_only, &summary.eval_mode);
  before.phases.eval = seconds_since(eval_start);
  before.seconds = before.phases.eval + setup_phases.history;
  before.phases.history = setup_phases.history;
  summary.best_val = before.val;
  summary.best_epoch = 0;
  Model best_model = init;
  double best_metric =
      before.val.count(config.eval.metric) ? before.val.at(config.eval.metric) : 0.0;
  if (!options.quiet)
    log << epoch_line(before, config.epochs, config.eval, false, test_only) << "\n";
  if (run_dir) run_dir->append_epoch(to_json(before, test_only));

  ProgressBar bar(options.progress);
  for (int t = 0; t < config.epochs; ++t) {
    const auto epoch_start = Clock::now();
    EpochStats stats = backend.train_epoch(
        t, [&](int64_t done, int64_t total) { bar.update(t + 1, done, total); });
    bar.clear();
    if (stats.first_nonfinite_batch >= 0) {
      std::ostringstream msg;
      msg << "the loss became non-finite (NaN or inf) in epoch " << t + 1 << ", batch "
          << stats.first_nonfinite_batch + 1
          << "; training stopped. Try a lower --lr or a larger --reg. The best model so far "
             "(epoch "
          << summary.best_epoch << ") is kept";
      if (run_dir) {
        save_model(best_model, run_dir->file("model.bin"));
        msg << " in " << run_dir->file("model.bin");
      }
      throw std::runtime_error(msg.str());
    }
    backend.end_epoch(t, &stats.seconds);
    EpochRecord rec;
    rec.epoch = t + 1;
    rec.loss = stats.pairs ? stats.loss / static_cast<double>(stats.pairs) : 0.0;
    if (know_truth && stats.pairs) {
      rec.label_error_ratio =
          static_cast<double>(stats.false_negatives) / static_cast<double>(stats.pairs);
    }
    const bool last = t + 1 == config.epochs;
    bool improved = false;
    if ((t + 1) % config.eval.every == 0 || last) {
      const auto start = Clock::now();
      rec.val = evaluate(backend, data, config.eval, test_only, nullptr);
      stats.seconds.eval += seconds_since(start);
      const double value = rec.val.at(config.eval.metric);
      if (test_only || value > best_metric) {
        improved = true;
        best_metric = value;
        summary.best_epoch = rec.epoch;
        summary.best_val = rec.val;
        best_model = backend.get_model();
      }
    }
    rec.phases = stats.seconds;
    rec.seconds = seconds_since(epoch_start);
    summary.phases += stats.seconds;
    summary.epochs_run = rec.epoch;
    if (!options.quiet) {
      log << epoch_line(rec, config.epochs, config.eval, improved && !test_only, test_only)
          << std::endl;
    }
    if (run_dir) run_dir->append_epoch(to_json(rec, test_only));
    summary.epochs.push_back(rec);
    if (!test_only && config.eval.patience > 0 &&
        rec.epoch - summary.best_epoch >= config.eval.patience) {
      summary.early_stopped = true;
      if (!options.quiet) {
        log << "early stop: no better val " << config.eval.metric << " for " << config.eval.patience
            << " epochs\n";
      }
      break;
    }
  }

  backend.set_model(best_model);
  const auto test_start = Clock::now();
  summary.test = evaluate(backend, data, config.eval, true, nullptr);
  if (config.eval.neg_draws > 1) {
    summary.test_draws = evaluate_over_draws(backend, data, config.eval, true);
  }
  summary.phases.eval += seconds_since(test_start);
  summary.seconds = seconds_since(run_start);
  if (run_dir) {
    save_model(best_model, run_dir->file("model.bin"));
    run_dir->write_json("summary.json", to_json(summary));
  }
  if (!options.quiet) {
    log << (test_only ? "final model" : "best model: epoch " + std::to_string(summary.best_epoch))
        << ", " << summary.eval_mode << " ranking, test metrics:\n"
        << metrics_table(summary.test, config.eval.ks);
    if (summary.test_draws.draws > 1) {
      log << "test metrics over " << summary.test_draws.draws
          << " negative draws (the split's and fresh ones), mean +- sd:\n"
          << draws_table(summary.test_draws, config.eval.ks);
    }
    const PhaseSeconds& p = summary.phases;
    log << std::fixed << std::setprecision(3) << "time " << summary.seconds << "s, "
        << (summary.epochs_run ? p.total() / summary.epochs_run : 0.0) << "s per epoch (";
    if (p.batches > 0) {
      log << "batches " << p.batches << "s";  // a CUDA Graph replay: select+grad and optimizer
    } else {
      log << "select+grad " << p.select_grad << "s, optimizer " << p.optimizer << "s";
    }
    log << ", history " << p.history << "s, eval " << p.eval << "s)\n";
    if (run_dir) log << "run directory: " << options.out_dir << "\n";
  }
  return summary;
}

}  // namespace srns
