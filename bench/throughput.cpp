// Throughput benchmark: pairs per second and seconds per epoch, split into phases
// (select+gradient, optimiser, history, evaluation), for the Uniform and SRNS samplers on the
// CPU and CUDA backends, with the SRNS / Uniform ratio measured in the same run.
//
// Before timing anything it checks the CUDA backend against the CPU reference on a small
// sample (the first --check-users users of the dataset): evaluation counts of the untrained
// model must be identical, and one deterministic training epoch must give the same pairs, the
// same loss and label errors (to rounding) and close models. A failed check exits with
// status 3 after the report.
//
// Datasets: a split directory (--data, e.g. from `srns split` on MovieLens), or a generated
// set (--gen ml1m: 6,040 users x 3,706 items x 1M interactions; --gen large: 1M users x 200k
// items x 50M interactions, pool size 100 unless given; --gen small for smoke tests).
// Output: a table on stdout and, with --json, every figure in a JSON file.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cxxopts.hpp>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "srns/backend.hpp"
#include "srns/synthetic.hpp"
#include "srns/trainer.hpp"

namespace {

using srns::Backend;
using srns::Dataset;
using srns::TrainConfig;
using Clock = std::chrono::steady_clock;
using json = nlohmann::json;

double since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

std::vector<std::string> split_list(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  std::string item;
  while (std::getline(in, item, ',')) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

// The first `max_users` users with their training rows, evaluation rows and truth.
Dataset subset_users(const Dataset& d, int32_t max_users) {
  Dataset s;
  s.source = d.source + " (first " + std::to_string(max_users) + " users)";
  s.protocol = d.protocol;
  s.n_users = std::min(max_users, d.n_users);
  s.n_items = d.n_items;
  auto cut = [&](const srns::Csr& c) {
    srns::Csr out;
    if (c.empty()) return out;
    const int32_t rows = std::min(s.n_users, c.rows());
    out.offsets.assign(c.offsets.begin(), c.offsets.begin() + rows + 1);
    out.offsets.resize(static_cast<size_t>(s.n_users) + 1, out.offsets.back());
    out.cols.assign(c.cols.begin(), c.cols.begin() + out.offsets.back());
    return out;
  };
  s.train = cut(d.train);
  s.truth = cut(d.truth);
  for (auto [from, to] : {std::make_pair(&d.val, &s.val), std::make_pair(&d.test, &s.test)}) {
    to->n_neg = from->n_neg;
    for (size_t r = 0; r < from->rows.size(); ++r) {
      if (from->rows[r].user >= s.n_users) continue;
      to->rows.push_back(from->rows[r]);
      to->negatives.insert(to->negatives.end(), from->negatives.begin() + r * from->n_neg,
                           from->negatives.begin() + (r + 1) * from->n_neg);
    }
  }
  return s;
}

std::vector<srns::RankCount> ranks_of(Backend& b, const Dataset& d) {
  if (d.val.has_negatives()) return b.rank_sampled(d.val);
  return b.rank_full(srns::Csr::from_pairs(d.val.rows, d.n_users), srns::Csr());
}

// One deterministic epoch on both backends from the same initial model.
json check_against_cpu(const Dataset& sub, TrainConfig c, const std::string& step, int threads,
                       bool* ok) {
  c.deterministic = true;
  c.cuda_step = step;
  const srns::TrainingSet set = srns::prepare_training_set(sub, c);
  const srns::Model init = srns::init_model(c.model, sub.n_users, sub.n_items, c.seed);
  std::unique_ptr<Backend> cpu = srns::make_cpu_backend(threads);
  std::unique_ptr<Backend> gpu = srns::make_cuda_backend();
  cpu->setup(set, c, init);
  gpu->setup(set, c, init);
  const std::vector<srns::RankCount> rc = ranks_of(*cpu, sub), rg = ranks_of(*gpu, sub);
  int64_t rank_diff = 0;
  for (size_t r = 0; r < rc.size(); ++r) {
    rank_diff += rc[r].greater != rg[r].greater || rc[r].equal != rg[r].equal;
  }
  cpu->end_epoch(-1, nullptr);
  gpu->end_epoch(-1, nullptr);
  const srns::EpochStats a = cpu->train_epoch(0, nullptr), b = gpu->train_epoch(0, nullptr);
  const srns::Model ma = cpu->get_model(), mb = gpu->get_model();
  double model_diff = 0;
  for (size_t k = 0; k < ma.item.size(); ++k) {
    model_diff = std::max(model_diff, static_cast<double>(std::fabs(ma.item[k] - mb.item[k])));
  }
  for (size_t k = 0; k < ma.user.size(); ++k) {
    model_diff = std::max(model_diff, static_cast<double>(std::fabs(ma.user[k] - mb.user[k])));
  }
  const double loss_rel = std::fabs(a.loss - b.loss) / std::max(std::fabs(a.loss), 1e-30);
  // Tolerances: ranks of the same model are exact; an epoch differs only by expf/logf ulps
  // (and any eq. 4 choice they flip: a few Adam steps on two item rows).
  *ok = rank_diff == 0 && a.pairs == b.pairs && loss_rel <= 1e-3 &&
        std::llabs(a.false_negatives - b.false_negatives) <= 1 + a.pairs / 500 &&
        model_diff <= 1e-2 && b.first_nonfinite_batch < 0;
  return {{"sampler", c.sampler},
          {"step", step},
          {"users", sub.n_users},
          {"pairs", a.pairs},
          {"rank_rows", rc.size()},
          {"rank_rows_different", rank_diff},
          {"loss_cpu", a.loss},
          {"loss_cuda", b.loss},
          {"loss_rel_diff", loss_rel},
          {"label_errors_cpu", a.false_negatives},
          {"label_errors_cuda", b.false_negatives},
          {"model_max_abs_diff", model_diff},
          {"passed", *ok}};
}

struct Run {
  std::string device, sampler, step, description;
  int epochs = 0;
  int64_t pairs = 0;  // per timed epoch
  double setup_seconds = 0, first_history_seconds = 0, first_epoch_seconds = 0;
  srns::PhaseSeconds phases;  // mean per timed epoch
  srns::Metrics last_val;
  double epoch_seconds() const { return phases.total(); }
  double pairs_per_second() const {
    const double t = phases.select_grad + phases.optimizer + phases.batches;
    return t > 0 ? static_cast<double>(pairs) / t : 0.0;
  }
};

Run time_run(const Dataset& data, TrainConfig c, const std::string& device, const std::string& step,
             int warmup, int epochs, bool eval, int threads) {
  Run r;
  r.device = device;
  r.sampler = c.sampler;
  r.step = device == "cuda" && c.sampler == "srns" ? step : "-";
  c.cuda_step = step;
  std::string note;
  std::unique_ptr<Backend> b = srns::make_backend(device, threads, &note);
  const srns::TrainingSet set = srns::prepare_training_set(data, c);
  const srns::Model init = srns::init_model(c.model, data.n_users, data.n_items, c.seed);
  auto t0 = Clock::now();
  b->setup(set, c, init);
  r.setup_seconds = since(t0);
  r.description = b->describe();
  srns::PhaseSeconds first;
  b->end_epoch(-1, &first);
  r.first_history_seconds = first.history;
  for (int t = 0; t < warmup + epochs; ++t) {
    t0 = Clock::now();
    srns::EpochStats s = b->train_epoch(t, nullptr);
    if (s.first_nonfinite_batch >= 0) throw std::runtime_error("non-finite loss while timing");
    b->end_epoch(t, &s.seconds);
    if (eval) {
      const auto e0 = Clock::now();
      r.last_val = srns::evaluate(*b, data, c.eval, data.val.empty(), nullptr);
      s.seconds.eval += since(e0);
    }
    if (t == 0) r.first_epoch_seconds = since(t0);
    std::cerr << "  " << device << " " << r.sampler << (r.step == "-" ? "" : " (" + r.step + ")")
              << " epoch " << t + 1 << (t < warmup ? " (warm-up)" : "") << ": " << std::fixed
              << std::setprecision(3) << s.seconds.total() << " s\n";
    if (t < warmup) continue;
    r.pairs = s.pairs;
    r.phases += s.seconds;
    ++r.epochs;
  }
  if (r.epochs > 0) {
    const double k = 1.0 / r.epochs;
    r.phases.select_grad *= k;
    r.phases.optimizer *= k;
    r.phases.batches *= k;
    r.phases.history *= k;
    r.phases.eval *= k;
  }
  return r;
}

json run_json(const Run& r) {
  return {{"device", r.device},
          {"sampler", r.sampler},
          {"step", r.step},
          {"description", r.description},
          {"timed_epochs", r.epochs},
          {"pairs_per_epoch", r.pairs},
          {"pairs_per_second", r.pairs_per_second()},
          {"seconds_per_epoch", r.epoch_seconds()},
          {"phases_per_epoch",
           {{"select_grad", r.phases.select_grad},
            {"optimizer", r.phases.optimizer},
            {"batches", r.phases.batches},
            {"history", r.phases.history},
            {"eval", r.phases.eval}}},
          {"setup_seconds", r.setup_seconds},
          {"first_history_seconds", r.first_history_seconds},
          {"first_epoch_seconds", r.first_epoch_seconds},
          {"last_val", r.last_val}};
}

void print_table(const std::vector<Run>& runs, std::ostream& out) {
  out << std::left << std::setw(7) << "device" << std::setw(9) << "sampler" << std::setw(8)
      << "step" << std::right << std::setw(13) << "pairs/s" << std::setw(11) << "s/epoch"
      << std::setw(13) << "select+grad" << std::setw(11) << "optimizer" << std::setw(10)
      << "batches" << std::setw(10) << "history" << std::setw(10) << "eval" << std::setw(9)
      << "setup"
      << "\n";
  for (const Run& r : runs) {
    out << std::left << std::setw(7) << r.device << std::setw(9) << r.sampler << std::setw(8)
        << r.step << std::right << std::setw(13) << std::setprecision(4) << std::scientific
        << r.pairs_per_second() << std::fixed << std::setprecision(4) << std::setw(11)
        << r.epoch_seconds() << std::setw(13) << r.phases.select_grad << std::setw(11)
        << r.phases.optimizer << std::setw(10) << r.phases.batches << std::setw(10)
        << r.phases.history << std::setw(10) << r.phases.eval << std::setw(9)
        << std::setprecision(2) << r.setup_seconds << "\n";
  }
}

}  // namespace

int main(int argc, char** argv) {
  cxxopts::Options opts("srns_throughput", "Uniform vs SRNS training throughput, CPU and CUDA");
  // clang-format off
  opts.add_options()
    ("h,help", "Show this help")
    ("data", "Split directory (srns split / srns gen); default: a generated set", cxxopts::value<std::string>()->default_value(""))
    ("gen", "Generated set: ml1m (6040 x 3706 x 1M), large (1M x 200k x 50M), small", cxxopts::value<std::string>()->default_value("ml1m"))
    ("users", "Override the generated users", cxxopts::value<int>()->default_value("0"))
    ("items", "Override the generated items", cxxopts::value<int>()->default_value("0"))
    ("interactions", "Override the generated interactions", cxxopts::value<int64_t>()->default_value("0"))
    ("devices", "Comma list of cpu, cuda (cuda skipped where unusable)", cxxopts::value<std::string>()->default_value("cpu,cuda"))
    ("samplers", "Comma list of samplers (srns train --help)", cxxopts::value<std::string>()->default_value("uniform,srns"))
    ("cuda-steps", "SRNS step kernels to time on CUDA: warp, thread", cxxopts::value<std::string>()->default_value("warp"))
    ("epochs", "Timed epochs", cxxopts::value<int>()->default_value("2"))
    ("warmup", "Untimed epochs first (CUDA runs)", cxxopts::value<int>()->default_value("1"))
    ("cpu-warmup", "Untimed epochs first (CPU runs)", cxxopts::value<int>()->default_value("0"))
    ("cpu-epochs", "Timed CPU epochs (default: --epochs)", cxxopts::value<int>()->default_value("0"))
    ("eval", "Evaluate every epoch: auto, sampled, full or none", cxxopts::value<std::string>()->default_value("auto"))
    ("batch-size", "Pairs per step", cxxopts::value<int>()->default_value("1000"))
    ("optimizer", "adam (dense, paper parity), lazy-adam or sgd", cxxopts::value<std::string>()->default_value("adam"))
    ("hogwild", "With --optimizer sgd: lock-free per-pair updates (CPU only; not reproducible)")
    ("dim", "Embedding dimension", cxxopts::value<int>()->default_value("32"))
    ("pool-size", "SRNS pool size V (default 3000; 100 for --gen large)", cxxopts::value<int>()->default_value("0"))
    ("window", "SRNS history window W", cxxopts::value<int>()->default_value("5"))
    ("s1", "SRNS memory size", cxxopts::value<int>()->default_value("8"))
    ("s2", "SRNS refresh candidates", cxxopts::value<int>()->default_value("64"))
    ("history", "auto, dense or pooled", cxxopts::value<std::string>()->default_value("auto"))
    ("deterministic", "CUDA: ordered gradient sums")
    ("phase-timing", "CUDA: time select+grad and optimizer apart (direct launches, no graph)")
    ("threads", "CPU threads (0: all)", cxxopts::value<int>()->default_value("0"))
    ("no-check", "Skip the CPU-vs-CUDA check")
    ("check-users", "Users in the check sample", cxxopts::value<int>()->default_value("300"))
    ("seed", "Seed", cxxopts::value<uint64_t>()->default_value("1"))
    ("json", "Write every figure to this JSON file", cxxopts::value<std::string>()->default_value(""));
  // clang-format on
  try {
    const auto a = opts.parse(argc, argv);
    if (a.count("help")) {
      std::cout << opts.help() << "\n";
      return 0;
    }
    std::string command;
    for (int k = 0; k < argc; ++k) command += (k ? " " : "") + std::string(argv[k]);
    const std::string gen = a["gen"].as<std::string>();
    const std::string data_dir = a["data"].as<std::string>();

    std::vector<std::string> devices;
    for (const std::string& d : split_list(a["devices"].as<std::string>())) {
      if (d == "cuda" && !srns::cuda_unusable_reason().empty()) {
        std::cout << "cuda: skipped (" << srns::cuda_unusable_reason() << ")\n";
        continue;
      }
      if (d != "cpu" && d != "cuda") throw std::invalid_argument("--devices: cpu or cuda");
      devices.push_back(d);
    }
    if (devices.empty()) {
      std::cout << "no usable device among --devices; nothing to time\n";
      return 0;
    }

    // ---- dataset
    auto t0 = Clock::now();
    Dataset data;
    if (!data_dir.empty()) {
      data = srns::read_split_dir(data_dir);
    } else {
      srns::GenConfig g;
      if (gen == "ml1m") {
        g.users = 6040, g.items = 3706, g.interactions = 1000000;
      } else if (gen == "large") {
        g.users = 1000000, g.items = 200000, g.interactions = 50000000;
      } else if (gen == "small") {
        g.users = 1000, g.items = 800, g.interactions = 40000;
      } else {
        throw std::invalid_argument("--gen must be ml1m, large or small");
      }
      if (a["users"].as<int>() > 0) g.users = a["users"].as<int>();
      if (a["items"].as<int>() > 0) g.items = a["items"].as<int>();
      if (a["interactions"].as<int64_t>() > 0) g.interactions = a["interactions"].as<int64_t>();
      g.seed = a["seed"].as<uint64_t>();
      srns::SplitOptions split;
      split.seed = g.seed;
      data = srns::generate_dataset(g, split);
      data.source = "generated " + gen + " (" + std::to_string(g.users) + " x " +
                    std::to_string(g.items) + " x " + std::to_string(g.interactions) + ")";
    }
    const double data_seconds = since(t0);
    std::cout << "dataset: " << data.source << ": " << data.n_users << " users, " << data.n_items
              << " items, " << data.train.nnz() << " training pairs, " << data.val.rows.size()
              << " validation rows (" << data.val.n_neg << " negatives each); ready in "
              << std::fixed << std::setprecision(1) << data_seconds << " s\n";

    // ---- configuration
    TrainConfig c;
    c.batch_size = a["batch-size"].as<int>();
    const std::string optimizer = a["optimizer"].as<std::string>();
    if (optimizer != "adam" && optimizer != "lazy-adam" && optimizer != "sgd") {
      throw std::invalid_argument("--optimizer must be adam, lazy-adam or sgd");
    }
    c.optim.kind = optimizer == "sgd"         ? srns::OptimizerKind::kSgd
                   : optimizer == "lazy-adam" ? srns::OptimizerKind::kLazyAdam
                                              : srns::OptimizerKind::kAdam;
    c.optim.hogwild = a.count("hogwild") > 0;
    c.model.dim = a["dim"].as<int>();
    c.srns.window = a["window"].as<int>();
    c.srns.s1 = a["s1"].as<int>();
    c.srns.s2 = a["s2"].as<int>();
    c.srns.pool_size = a["pool-size"].as<int>() > 0           ? a["pool-size"].as<int>()
                       : (data_dir.empty() && gen == "large") ? 100
                                                              : 3000;
    const std::string hist = a["history"].as<std::string>();
    c.srns.history = hist == "dense"    ? srns::HistoryMode::kDense
                     : hist == "pooled" ? srns::HistoryMode::kPooled
                                        : srns::HistoryMode::kAuto;
    c.deterministic = a.count("deterministic") > 0;
    c.phase_timing = a.count("phase-timing") > 0;
    c.seed = a["seed"].as<uint64_t>();
    const std::string eval = a["eval"].as<std::string>();
    c.eval.mode = eval == "sampled" ? srns::EvalMode::kSampled
                  : eval == "full"  ? srns::EvalMode::kFull
                                    : srns::EvalMode::kAuto;
    const bool do_eval = eval != "none";
    const int threads = a["threads"].as<int>();
    const int epochs = a["epochs"].as<int>();
    const int cpu_epochs = a["cpu-epochs"].as<int>() > 0 ? a["cpu-epochs"].as<int>() : epochs;
    srns::validate(c);

    const std::vector<std::string> samplers = split_list(a["samplers"].as<std::string>());
    const std::vector<std::string> steps = split_list(a["cuda-steps"].as<std::string>());
    const bool has_cuda = std::find(devices.begin(), devices.end(), "cuda") != devices.end();

    json report;
    report["command"] = command;
    report["dataset"] = {{"source", data.source},
                         {"users", data.n_users},
                         {"items", data.n_items},
                         {"train_pairs", data.train.nnz()},
                         {"val_rows", data.val.rows.size()},
                         {"eval_negatives", data.val.n_neg},
                         {"prepare_seconds", data_seconds}};
    report["config"] = {{"batch_size", c.batch_size},
                        {"optimizer", optimizer},
                        {"hogwild", c.optim.hogwild},
                        {"dim", c.model.dim},
                        {"pool_size", c.srns.pool_size},
                        {"window", c.srns.window},
                        {"s1", c.srns.s1},
                        {"s2", c.srns.s2},
                        {"history", hist},
                        {"deterministic", c.deterministic},
                        {"eval", eval},
                        {"epochs", epochs},
                        {"cpu_epochs", cpu_epochs},
                        {"warmup", a["warmup"].as<int>()},
                        {"cpu_warmup", a["cpu-warmup"].as<int>()}};
    report["cuda_device"] = srns::cuda_device_report();

    // ---- correctness first
    bool all_ok = true;
    if (has_cuda && !a.count("no-check")) {
      const Dataset sub = subset_users(data, a["check-users"].as<int>());
      std::cout << "check: CUDA vs CPU on " << sub.n_users << " users (" << sub.train.nnz()
                << " pairs)\n";
      for (const std::string& s : samplers) {
        for (const std::string& step : s == "srns" ? steps : std::vector<std::string>{"warp"}) {
          TrainConfig cc = c;
          cc.sampler = s;
          bool ok = false;
          const json r = check_against_cpu(sub, cc, step, threads, &ok);
          report["check"].push_back(r);
          all_ok = all_ok && ok;
          std::cout << "  " << (ok ? "PASS " : "FAIL ") << r.dump() << "\n";
        }
      }
    }

    // ---- timing
    std::vector<Run> runs;
    for (const std::string& device : devices) {
      for (const std::string& s : samplers) {
        TrainConfig rc = c;
        rc.sampler = s;
        const bool cpu = device == "cpu";
        const std::vector<std::string> run_steps =
            !cpu && s == "srns" ? steps : std::vector<std::string>{"warp"};
        for (const std::string& step : run_steps) {
          runs.push_back(time_run(data, rc, device, step,
                                  cpu ? a["cpu-warmup"].as<int>() : a["warmup"].as<int>(),
                                  cpu ? cpu_epochs : epochs, do_eval, threads));
          report["runs"].push_back(run_json(runs.back()));
        }
      }
    }
    std::cout << "\n";
    print_table(runs, std::cout);
    // SRNS / Uniform per device (and SRNS step), from this run.
    for (const Run& srns_run : runs) {
      if (srns_run.sampler != "srns") continue;
      for (const Run& uni : runs) {
        if (uni.sampler != "uniform" || uni.device != srns_run.device) continue;
        const double ratio = srns_run.epoch_seconds() / std::max(uni.epoch_seconds(), 1e-12);
        const double train_ratio =
            (srns_run.phases.select_grad + srns_run.phases.optimizer + srns_run.phases.batches) /
            std::max(uni.phases.select_grad + uni.phases.optimizer + uni.phases.batches, 1e-12);
        std::cout << "SRNS/Uniform on " << srns_run.device
                  << (srns_run.step == "-" ? "" : " (" + srns_run.step + " step)") << ": "
                  << std::setprecision(2) << ratio << "x per epoch, " << train_ratio
                  << "x in select+grad+optimizer\n";
        report["ratios"].push_back({{"device", srns_run.device},
                                    {"step", srns_run.step},
                                    {"srns_over_uniform_epoch", ratio},
                                    {"srns_over_uniform_train", train_ratio}});
      }
    }
    std::map<std::string, double> per_device;
    for (const Run& r : runs) {
      if (r.sampler == "srns" && (r.step == "-" || r.step == "warp")) {
        per_device[r.device] = r.epoch_seconds();
      }
    }
    if (per_device.count("cpu") && per_device.count("cuda")) {
      const double speedup = per_device["cpu"] / std::max(per_device["cuda"], 1e-12);
      std::cout << "SRNS epoch, CPU / CUDA: " << std::setprecision(1) << speedup << "x\n";
      report["srns_cpu_over_cuda_epoch"] = speedup;
    }
    report["check_passed"] = all_ok;
    const std::string json_path = a["json"].as<std::string>();
    if (!json_path.empty()) {
      std::ofstream out(json_path);
      out << report.dump(2) << "\n";
      std::cout << "wrote " << json_path << "\n";
    }
    if (!all_ok) {
      std::cout << "CHECK FAILED: the CUDA backend disagrees with the CPU reference (see above)\n";
      return 3;
    }
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "srns_throughput: " << e.what() << "\n";
    return 1;
  }
}
