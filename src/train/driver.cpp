// The training driver (trainer.hpp): before-training record, epochs, validation every n
// epochs, early stopping with patience on the chosen metric, the best model kept on the host,
// test metrics of the best model, and the run directory.
//
// Patience counts epochs since the best validation metric: training stops once `patience`
// epochs have passed without a strictly better value. Without a validation set every epoch
// is evaluated on the test set (the paper's synthetic protocol), there is no early stopping,
// and the final model is reported.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <iomanip>
#include <iostream>
#include <memory>
#include <sstream>
#include <stdexcept>

#include "srns/model.hpp"
#include "srns/trainer.hpp"
#include "train/checkpoint.hpp"
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

PhaseSeconds phases_from_json(const nlohmann::json& j) {
  PhaseSeconds p;
  p.select_grad = j.value("select_grad", 0.0);
  p.optimizer = j.value("optimizer", 0.0);
  p.batches = j.value("batches", 0.0);
  p.history = j.value("history", 0.0);
  p.eval = j.value("eval", 0.0);
  return p;
}

// Where a resumed run starts: the checkpoint's model and training state loaded into the
// backend, the early-stopping state into `summary`, `best` and `best_metric`; the checkpoint's
// epoch is returned. Refuses (naming the difference) other data or settings.
int resume_from(const std::string& path, const Dataset& data, const nlohmann::json& config,
                Backend& backend, RunSummary* summary, Model* best, double* best_metric,
                double* seconds_before) {
  const CheckpointMeta head = read_checkpoint_meta(path);
  const std::string why = resume_mismatch(head, config, data_fingerprint(data));
  if (!why.empty()) throw std::runtime_error("cannot resume from " + path + ": " + why);
  Model model;
  const CheckpointMeta meta = read_checkpoint(path, &model, best, &backend);
  for (const Model* m : {static_cast<const Model*>(&model), static_cast<const Model*>(best)}) {
    if (m->n_users != data.n_users || m->n_items != data.n_items ||
        m->dim != config.at("model").at("dim").get<int>()) {
      throw std::runtime_error(path + ": the checkpoint's models do not fit this data");
    }
  }
  backend.set_model(model);
  summary->best_epoch = meta.best_epoch;
  summary->best_val = meta.best_val.get<Metrics>();
  summary->phases = phases_from_json(meta.phases);
  summary->epochs_run = meta.epoch;
  *best_metric = meta.best_metric;
  *seconds_before = meta.seconds;
  return meta.epoch;
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

RunSummary train(const Dataset& data, const TrainConfig& given, Backend& backend,
                 const RunOptions& options) {
  validate(given);
  data.validate();
  if (data.train.nnz() == 0) {
    throw DataError(data.source + ": the training set is empty: there is nothing to train");
  }
  std::ostream& log = options.log ? *options.log : std::cout;
  RunSummary summary;
  // Each set's ranking is decided now, on its own, so a set that cannot be ranked as asked stops
  // the run before it starts, and the labels say what each set got.
  const bool test_only = data.val.empty();
  if (!data.val.empty()) {
    summary.val_eval_mode = to_string(eval_mode_for(given.eval, data.val, false));
  }
  if (!data.test.empty()) {
    summary.test_eval_mode = to_string(eval_mode_for(given.eval, data.test, true));
  }
  const bool evaluates = !data.val.empty() || !data.test.empty();
  // A batch larger than the training set trains the same single batch per epoch as a batch of
  // exactly its size, without buffers sized by the flag.
  TrainConfig config = given;
  config.batch_size = static_cast<int>(std::min<int64_t>(given.batch_size, data.train.nnz()));

  const auto run_start = Clock::now();
  if (options.resume && options.out_dir.empty()) {
    throw std::invalid_argument("resuming needs the run directory");
  }
  // Before any file is written; a resumed run's model comes from its checkpoint instead.
  const Model init = options.resume
                         ? init_model(config.model, data.n_users, data.n_items, config.seed)
                         : initial_model(config, data.n_users, data.n_items);
  std::unique_ptr<RunDir> run_dir;
  if (!options.out_dir.empty() && !options.resume) {
    run_dir = std::make_unique<RunDir>(options.out_dir);
  }

  const TrainingSet set = prepare_training_set(data, config);
  backend.setup(set, config, init);

  summary.device = backend.describe();
  const bool know_truth = !set.truth.empty();
  const nlohmann::json config_json = to_json(given);
  const std::string checkpoint_path =
      options.out_dir.empty() ? "" : options.out_dir + "/checkpoint.bin";
  Model best_model = init;
  double best_metric = 0.0, seconds_before = 0.0;
  int first_epoch = 0;  // epochs already trained (a resumed run's checkpoint)
  if (options.resume) {
    first_epoch = resume_from(checkpoint_path, data, config_json, backend, &summary, &best_model,
                              &best_metric, &seconds_before);
    run_dir = std::make_unique<RunDir>(options.out_dir, first_epoch);
  } else if (run_dir) {
    nlohmann::json cfg = config_json;
    cfg["data"] = dataset_json(data);
    cfg["device_used"] = summary.device;
    run_dir->write_json("config.json", cfg);
  }
  if (!options.quiet) {
    log << "srns: " << config.sampler << " on " << data.source << " (" << data.n_users << " users, "
        << data.n_items << " items, " << data.train.nnz() << " train pairs), " << summary.device
        << "\n";
    if (config.batch_size < given.batch_size) {
      log << "note: --batch-size " << given.batch_size << " is more than the " << data.train.nnz()
          << " training pairs: each epoch is one batch of them all\n";
    }
    if (!summary.val_eval_mode.empty() && !summary.test_eval_mode.empty() &&
        summary.val_eval_mode != summary.test_eval_mode) {
      log << "note: validation uses " << summary.val_eval_mode << " ranking but test uses "
          << summary.test_eval_mode << " ranking (each set is ranked by what it has: "
          << "sampled where it has sampled negatives)\n";
    }
    if (!evaluates) {
      log << "note: the data has no validation or test rows: nothing is evaluated and the "
             "final model is kept\n";
    }
    if (options.resume) {
      log << "resuming after epoch " << first_epoch << " from " << checkpoint_path
          << " (best so far: epoch " << summary.best_epoch << ")\n";
    }
  }

  if (!options.resume) {
    PhaseSeconds setup_phases;
    backend.end_epoch(-1, &setup_phases);
    const auto eval_start = Clock::now();
    EpochRecord before;
    if (evaluates) before.val = evaluate(backend, data, config.eval, test_only, nullptr);
    before.phases.eval = seconds_since(eval_start);
    before.seconds = before.phases.eval + setup_phases.history;
    before.phases.history = setup_phases.history;
    summary.best_val = before.val;
    summary.best_epoch = 0;
    best_metric = before.val.count(config.eval.metric) ? before.val.at(config.eval.metric) : 0.0;
    if (!options.quiet) {
      log << epoch_line(before, config.epochs, config.eval, false, test_only) << "\n";
    }
    if (run_dir) run_dir->append_epoch(to_json(before, test_only));
  }

  // A checkpoint of the run after `epoch`, with the best model in model.bin and the latest in
  // last_model.bin beside it.
  auto checkpoint = [&](int epoch) {
    CheckpointMeta meta;
    meta.epoch = epoch;
    meta.best_epoch = summary.best_epoch;
    meta.best_metric = best_metric;
    meta.best_val = summary.best_val;
    meta.phases = to_json(summary.phases);
    meta.seconds = seconds_before + seconds_since(run_start);
    meta.config = config_json;
    meta.args = options.args;
    meta.data = data_fingerprint(data);
    const Model last = backend.get_model();
    const Model& best = evaluates ? best_model : last;  // nothing evaluated: the latest is kept
    write_checkpoint(checkpoint_path, meta, last, best, backend);
    save_model(best, run_dir->file("model.bin"));
    save_model(last, run_dir->file("last_model.bin"));
  };

  ProgressBar bar(options.progress);
  for (int t = first_epoch; t < config.epochs; ++t) {
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
    if (!evaluates) {
      summary.best_epoch = rec.epoch;  // nothing to compare: the latest model is kept
      if (last) best_model = backend.get_model();
    } else if ((t + 1) % config.eval.every == 0 || last) {
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
    const int signal = options.stop ? options.stop->load() : 0;
    if (run_dir && !last &&
        (signal != 0 ||
         (options.checkpoint_every > 0 && rec.epoch % options.checkpoint_every == 0))) {
      checkpoint(rec.epoch);
      if (signal != 0) {
        throw RunInterrupted("stopped by signal " + std::to_string(signal) + " after epoch " +
                                 std::to_string(rec.epoch) + ": checkpoint " + checkpoint_path +
                                 ", best model so far (epoch " +
                                 std::to_string(summary.best_epoch) + ") " +
                                 run_dir->file("model.bin") +
                                 "; continue with: srns train --resume " + options.out_dir,
                             signal);
      }
    }
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

  if (run_dir) save_model(backend.get_model(), run_dir->file("last_model.bin"));
  backend.set_model(best_model);
  const auto test_start = Clock::now();
  if (!data.test.empty()) {
    summary.test = evaluate(backend, data, config.eval, true, nullptr);
    if (config.eval.neg_draws > 1) {
      summary.test_draws = evaluate_over_draws(backend, data, config.eval, true);
    }
  }
  summary.phases.eval += seconds_since(test_start);
  summary.seconds = seconds_before + seconds_since(run_start);
  if (run_dir) {
    save_model(best_model, run_dir->file("model.bin"));
    run_dir->write_json("summary.json", to_json(summary));
    std::remove(checkpoint_path.c_str());  // the run is complete: nothing is left to resume
  }
  if (!options.quiet) {
    log << (test_only ? "final model" : "best model: epoch " + std::to_string(summary.best_epoch));
    if (data.test.empty()) {
      log << "; the data has no test rows, so it is not tested\n";
    } else {
      log << ", " << summary.test_eval_mode << " ranking, test metrics:\n"
          << metrics_table(summary.test, config.eval.ks);
      if (summary.test_draws.draws > 1) {
        log << "test metrics over " << summary.test_draws.draws
            << " negative draws (the split's and fresh ones), mean +- sd:\n"
            << draws_table(summary.test_draws, config.eval.ks);
      }
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
