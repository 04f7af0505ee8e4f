// JSON records and the run directory (records.hpp).
#include "train/records.hpp"

#include <cstdio>
#include <filesystem>
#include <iomanip>
#include <sstream>
#include <stdexcept>

#include "srns/sampler.hpp"

namespace srns {

nlohmann::json to_json(const TrainConfig& c) {
  nlohmann::json j;
  j["model"] = {
      {"kind", to_string(c.model.kind)}, {"dim", c.model.dim}, {"init_std", c.model.init_std}};
  if (c.model.kind == ModelKind::kMlp) {
    j["model"]["mlp_layers"] = mlp_layers_text(c.model.mlp);
    j["model"]["mlp_activation"] = mlp_activation_name(c.model.mlp.activation);
  }
  j["optimizer"] = {
      {"kind", to_string(c.optim.kind)}, {"lr", c.optim.lr},   {"beta1", c.optim.beta1},
      {"beta2", c.optim.beta2},          {"eps", c.optim.eps}, {"reg", c.optim.reg},
      {"hogwild", c.optim.hogwild}};
  if (c.optim.kind == OptimizerKind::kAdagrad) {
    j["optimizer"]["adagrad_init"] = c.optim.adagrad_init;
  }
  j["loss"] = loss_name(c.loss);
  j["sampler"] = c.sampler;
  const SamplerInfo* info = find_sampler(c.sampler);
  if (info && !info->options.empty()) {
    nlohmann::json options;
    for (const SamplerOption& o : info->options) {
      const double value = sampler_option(c, o.flag);
      if (o.choices.empty()) {
        options[o.flag] = value;
      } else {
        options[o.flag] = sampler_option_text(o, value);
      }
    }
    j["sampler_options"] = options;
  }
  if (info && info->srns_memory) {
    const SrnsConfig& s = c.srns;
    j["srns"] = {{"s1", s.s1},
                 {"s2", s.s2},
                 {"tau", s.tau},
                 {"alpha", s.alpha},
                 {"t0", s.t0},
                 {"alpha_schedule", alpha_schedule_name(s.schedule)},
                 {"window", s.window},
                 {"pool_size", s.pool_size},
                 {"update_every", s.update_every},
                 {"variance_of", s.raw_variance ? "raw" : "p_pos"},
                 {"history", to_string(s.history)},
                 {"history_precision", to_string(s.history_precision)},
                 {"fn_file", s.fn_file},
                 {"sigma", s.sigma},
                 {"fn_num", s.fn_num}};
  }
  j["eval"] = {{"mode", to_string(c.eval.mode)},
               {"ties", to_string(c.eval.ties)},
               {"ks", c.eval.ks},
               {"every", c.eval.every},
               {"metric", c.eval.metric},
               {"patience", c.eval.patience},
               {"neg_draws", c.eval.neg_draws},
               {"neg_seed", c.eval.neg_seed}};
  j["batch_size"] = c.batch_size;
  j["keep_last_batch"] = c.keep_last_batch;
  j["epochs"] = c.epochs;
  j["seed"] = c.seed;
  j["init"] = c.init;
  j["threads"] = c.threads;
  j["device"] = c.device;
  j["deterministic"] = c.deterministic;
  j["gpu"] = c.gpu;
  j["cuda_step"] = c.cuda_step;
  j["phase_timing"] = c.phase_timing;
  return j;
}

nlohmann::json to_json(const PhaseSeconds& p) {
  return {{"select_grad", p.select_grad},
          {"optimizer", p.optimizer},
          {"batches", p.batches},
          {"history", p.history},
          {"eval", p.eval}};
}

nlohmann::json dataset_json(const Dataset& d) {
  nlohmann::json j = {
      {"source", d.source},         {"protocol", d.protocol},         {"users", d.n_users},
      {"items", d.n_items},         {"train", d.train.nnz()},         {"val", d.val.rows.size()},
      {"test", d.test.rows.size()}, {"eval_negatives", d.test.n_neg}, {"truth", d.truth.nnz()}};
  // The split directory as an absolute path, so export and recommend find it from anywhere.
  std::error_code ec;
  if (std::filesystem::is_directory(d.source, ec)) {
    j["split_dir"] = std::filesystem::absolute(d.source, ec).lexically_normal().string();
  }
  return j;
}

nlohmann::json to_json(const EpochRecord& r, bool test_only) {
  nlohmann::json j;
  j["epoch"] = r.epoch;
  if (r.epoch > 0) j["loss"] = r.loss;  // epoch 0 is the untrained model
  j["seconds"] = r.seconds;
  if (!r.val.empty()) j[test_only ? "test" : "val"] = r.val;
  if (r.label_error_ratio >= 0) j["label_error_ratio"] = r.label_error_ratio;
  j["phases"] = to_json(r.phases);
  return j;
}

nlohmann::json to_json(const MetricsOverDraws& d) {
  return {{"draws", d.draws},
          {"seed", d.seed},
          {"mean", d.mean},
          {"sd", d.sd},
          {"per_draw", d.per_draw},
          {"note", "draw 0 is the split's own negatives, draws 1.. fresh ones"}};
}

nlohmann::json to_json(const RunSummary& s) {
  nlohmann::json modes = nlohmann::json::object();  // per set: each decides its own ranking
  if (!s.val_eval_mode.empty()) modes["val"] = s.val_eval_mode;
  if (!s.test_eval_mode.empty()) modes["test"] = s.test_eval_mode;
  nlohmann::json j = {{"best_epoch", s.best_epoch},
                      {"epochs_run", s.epochs_run},
                      {"early_stopped", s.early_stopped},
                      {"best_val", s.best_val},
                      {"test", s.test},
                      {"seconds", s.seconds},
                      {"seconds_per_epoch", s.epochs_run ? s.phases.total() / s.epochs_run : 0.0},
                      {"phases", to_json(s.phases)},
                      {"device", s.device},
                      {"eval_mode", modes}};
  if (s.test_draws.draws > 1) j["test_neg_draws"] = to_json(s.test_draws);
  return j;
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

RunDir::RunDir(const std::string& path) : path_(path) {
  namespace fs = std::filesystem;
  if (fs::exists(path) && !(fs::is_directory(path) && fs::is_empty(path))) {
    throw std::runtime_error("run directory " + path +
                             " already exists and is not empty; choose another --out (nothing "
                             "was overwritten)");
  }
  fs::create_directories(path);
  epochs_.open(file("epochs.jsonl"));
  if (!epochs_) throw std::runtime_error("cannot write " + file("epochs.jsonl"));
}

RunDir::RunDir(const std::string& path, int last_epoch) : path_(path) {
  const std::string name = file("epochs.jsonl");
  std::ifstream in(name);
  if (!in) throw std::runtime_error("cannot read " + name + " to resume the run");
  std::string kept, line;
  int expect = 0;  // the lines are epochs 0, 1, 2, ...: keep them while they are whole
  while (expect <= last_epoch && std::getline(in, line)) {
    const nlohmann::json row = nlohmann::json::parse(line, nullptr, false);
    if (row.is_discarded() || !row.is_object() || row.value("epoch", -1) != expect) break;
    kept += line + "\n";
    ++expect;
  }
  if (expect != last_epoch + 1) {
    throw std::runtime_error(name + " holds epochs 0 to " + std::to_string(expect - 1) +
                             " only, but the checkpoint is of epoch " + std::to_string(last_epoch) +
                             ": cannot resume");
  }
  in.close();
  const std::string tmp = name + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << kept;
    if (!out) throw std::runtime_error("cannot write " + tmp);
  }
  if (std::rename(tmp.c_str(), name.c_str()) != 0) {
    throw std::runtime_error("cannot move " + tmp + " to " + name);
  }
  epochs_.open(name, std::ios::app);
  if (!epochs_) throw std::runtime_error("cannot write " + name);
}

void RunDir::write_json(const std::string& name, const nlohmann::json& value) const {
  std::ofstream out(file(name));
  out << value.dump(2) << "\n";
  if (!out) throw std::runtime_error("cannot write " + file(name));
}

void RunDir::append_epoch(const nlohmann::json& row) {
  epochs_ << row.dump() << "\n";
  epochs_.flush();
}

}  // namespace srns
