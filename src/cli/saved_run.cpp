// Finding a trained model and its data (saved_run.hpp).
#include "cli/saved_run.hpp"

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "cli/cli_common.hpp"

namespace srns::cli {
namespace {

namespace fs = std::filesystem;

nlohmann::json read_config(const fs::path& path) {
  if (!fs::is_regular_file(path)) return nullptr;
  std::ifstream in(path);
  try {
    return nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw DataError(path.string() + ": not valid JSON: " + e.what());
  }
}

// The data a run recorded in config.json: its split directory, or the built-in synthetic data
// regenerated from the run's seed.
Dataset recorded_data(const nlohmann::json& config, const std::string& config_path, bool quiet) {
  const nlohmann::json data = config.is_object() ? config.value("data", nlohmann::json()) : nullptr;
  const std::string dir = data.is_object() ? data.value("split_dir", data.value("source", "")) : "";
  if (dir == "synthetic" && config.contains("seed") && config["seed"].is_number_unsigned()) {
    return load_dataset("", config["seed"].get<uint64_t>(), quiet);
  }
  if (dir.empty() || !fs::is_directory(dir)) {
    throw UsageError("--data DIR is needed: " +
                     (config.is_null() ? "there is no config.json beside the model to name it"
                                       : config_path + " names data '" + dir +
                                             "', which is not a directory here"));
  }
  return read_split_dir(dir);
}

}  // namespace

void add_saved_run_flags(cxxopts::Options& options) {
  options.add_options()("model", "Run directory (or its model.bin)", cxxopts::value<std::string>())(
      "data", "Split directory (default: the one the run's config.json names)",
      cxxopts::value<std::string>()->default_value(""));
}

SavedRun open_saved_run(const std::string& model_arg, const std::string& data_dir, bool quiet) {
  if (model_arg.empty()) throw UsageError("--model RUN_DIR (or a model.bin) is required");
  SavedRun run;
  const fs::path model_path =
      fs::is_directory(model_arg) ? fs::path(model_arg) / "model.bin" : fs::path(model_arg);
  run.model_path = model_path.string();
  run.model = load_model(run.model_path);
  const std::string bad = first_nonfinite_weight(run.model);
  if (!bad.empty()) {
    throw DataError(
        run.model_path + ": the model holds a non-finite weight (" + bad +
        "); it cannot rank items. Retrain it (with a lower --lr or a larger --reg where "
        "training diverged)");
  }
  const fs::path config_path = model_path.parent_path() / "config.json";
  run.data = data_dir.empty() ? recorded_data(read_config(config_path), config_path.string(), quiet)
                              : read_split_dir(data_dir);
  if (run.model.n_users != run.data.n_users || run.model.n_items != run.data.n_items) {
    throw UsageError("the model " + run.model_path + " has " + std::to_string(run.model.n_users) +
                     " users x " + std::to_string(run.model.n_items) + " items but the data " +
                     run.data.source + " has " + std::to_string(run.data.n_users) + " x " +
                     std::to_string(run.data.n_items) + "; was it trained on other data?");
  }
  return run;
}

}  // namespace srns::cli
