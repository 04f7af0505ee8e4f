// A trained model as the commands that use one (eval, export, recommend) find it: --model names
// a run directory (its model.bin and config.json) or a model file, and the data it was trained
// on comes from --data or from the run's config.json.
#pragma once
#include <cxxopts.hpp>
#include <string>

#include "srns/data.hpp"
#include "srns/model.hpp"

namespace srns::cli {

struct SavedRun {
  std::string model_path;  // the model.bin read
  Model model;
  Dataset data;
};

// --model and --data, as open_saved_run reads them.
void add_saved_run_flags(cxxopts::Options& options);

// Reads the model and its data and checks that they belong together: the same user and item
// counts, and finite weights (a model with NaN or inf weights ranks every item alike, so it
// is refused with the first bad weight named). `data_dir` empty: the run's recorded data.
SavedRun open_saved_run(const std::string& model_arg, const std::string& data_dir, bool quiet);

}  // namespace srns::cli
