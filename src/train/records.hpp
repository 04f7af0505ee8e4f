// JSON forms of settings, metrics and results, and the run directory that holds them
// (DESIGN §2a): config.json, epochs.jsonl, summary.json, model.bin.
#pragma once
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "srns/trainer.hpp"

namespace srns {

nlohmann::json to_json(const TrainConfig& config);
nlohmann::json to_json(const PhaseSeconds& phases);
nlohmann::json dataset_json(const Dataset& data);
nlohmann::json to_json(const EpochRecord& record, bool test_only);
nlohmann::json to_json(const MetricsOverDraws& draws);
nlohmann::json to_json(const RunSummary& summary);

// The "k recall ndcg" table printed by train and eval.
std::string metrics_table(const Metrics& m, const std::vector<int>& ks);

// A run directory: created empty, never written over. Files are flushed as they are written,
// so a run that stops early still leaves its record.
class RunDir {
 public:
  // Creates `path`; throws std::runtime_error if it exists and is not empty.
  explicit RunDir(const std::string& path);
  // Reopens the run directory `path` to resume after epoch `last_epoch`: epochs.jsonl keeps its
  // lines up to that epoch (a killed run may have written later ones, or half a line) and
  // grows from there.
  RunDir(const std::string& path, int last_epoch);
  void write_json(const std::string& name, const nlohmann::json& value) const;
  void append_epoch(const nlohmann::json& row);
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
  std::ofstream epochs_;
};

}  // namespace srns
