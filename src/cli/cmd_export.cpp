// `srns export`: a trained model's parameters as NumPy .npy files, with the raw-id maps.
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/cli_common.hpp"
#include "cli/commands.hpp"
#include "cli/saved_run.hpp"
#include "data/text_io.hpp"

namespace srns::cli {
namespace {

const char* kExportExamples = R"(
Writes into --out (a new or empty directory):
  user_embeddings.npy   float32 [n_users, dim]: row u is dense user u (user_map.tsv)
  item_embeddings.npy   float32 [n_items, dim]: row i is dense item i (item_map.tsv)
  head.npy              float32 [dim]: the scorer's head, GMF's output weights beta (all ones
                        for --model mf)
  user_map.tsv, item_map.tsv   dense<TAB>raw id
  export.json           model kind, sizes, the score formula and where it all came from
The score of user u for item i is sum_f head[f] * P[u, f] * Q[i, f], e.g. in Python:
  import numpy as np
  P, Q, b = (np.load(f"out/{n}.npy") for n in ("user_embeddings", "item_embeddings", "head"))
  scores = (P[u] * b) @ Q.T

Examples:
  srns export --model runs/ml100k-srns --out ml100k-export
  srns export --model runs/ml100k-srns/model.bin --data ml100k --out ml100k-export
)";

}  // namespace

int cmd_export(int argc, char** argv) {
  cxxopts::Options options("srns export",
                           "Write a trained model's embeddings and weights as .npy files.");
  options.set_width(100).add_options()("h,help", "Show this help");
  add_saved_run_flags(options);
  options.add_options()("out", "Directory to create (must not exist or be empty)",
                        cxxopts::value<std::string>());
  const cxxopts::ParseResult r = options.parse(argc, argv);
  if (handle_help(options, r, kExportExamples)) return 0;
  if (!r.unmatched().empty()) throw UsageError("unexpected argument '" + r.unmatched()[0] + "'");
  if (!r.count("model") || !r.count("out")) throw UsageError("--model and --out are required");
  const SavedRun run =
      open_saved_run(r["model"].as<std::string>(), r["data"].as<std::string>(), true);
  const std::string out = r["out"].as<std::string>();
  create_output_dir(out, "out");
  nlohmann::json manifest = {
      {"created_by", "srns export"},
      {"model_file", run.model_path},
      {"data", run.data.source},
      {"kind", to_string(run.model.kind)},
      {"users", run.model.n_users},
      {"items", run.model.n_items},
      {"dim", run.model.dim},
      {"score", "sum_f head[f] * user_embeddings[u, f] * item_embeddings[i, f]"},
      {"user_map", "user_map.tsv"},
      {"item_map", "item_map.tsv"}};
  for (const auto& a : param_arrays(run.model)) {
    const std::string file = std::string(a.name) + ".npy";
    write_npy(out + "/" + file, a.shape, *a.values);
    manifest["arrays"][a.name] = {{"file", file}, {"shape", a.shape}, {"dtype", "float32"}};
  }
  write_id_map(out + "/user_map.tsv", run.data.user_raw, run.data.n_users);
  write_id_map(out + "/item_map.tsv", run.data.item_raw, run.data.n_items);
  text::FileWriter json(out + "/export.json");
  json.put(manifest.dump(2) + "\n");
  json.close();
  std::cout << "srns export: " << run.model.n_users << " users x " << run.model.n_items
            << " items, dim " << run.model.dim << " (" << to_string(run.model.kind) << ") -> "
            << out << "\n";
  return 0;
}

}  // namespace srns::cli
