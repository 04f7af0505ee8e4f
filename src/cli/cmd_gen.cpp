// `srns gen`: the built-in synthetic generator -> a split directory with truth.tsv.
#include <iostream>
#include <limits>
#include <nlohmann/json.hpp>

#include "cli/cli_common.hpp"
#include "cli/commands.hpp"
#include "srns/synthetic.hpp"

namespace srns::cli {
namespace {

const char* kGenExamples = R"(
The model: users and items have latent factors; a user likes the items of highest affinity
among a random candidate set; item exposure follows a power law of popularity; an interaction
is observed only when the item is liked AND exposed. Liked but unexposed items are the
ground-truth false negatives, written to truth.tsv: training on this data reports the label
error ratio (how often the sampler picks a false negative) every epoch.

Examples:
  srns gen --out syn                                       # 1000 x 1000, ~50k interactions
  srns gen --users 6040 --items 3706 --interactions 1000000 --out syn-ml1m
  srns gen --protocol ratio --ratio 4:1 --eval-negatives 0 --out syn-full
  srns train --data syn --out runs/syn-srns
)";

}  // namespace

int cmd_gen(int argc, char** argv) {
  cxxopts::Options options("srns gen", "Generate a synthetic dataset with known false negatives.");
  GenConfig d;
  options.set_width(100).add_options()("h,help", "Show this help");
  options.add_options("Generator")(
      "users", "Users", cxxopts::value<std::string>()->default_value(std::to_string(d.users)))(
      "items", "Items", cxxopts::value<std::string>()->default_value(std::to_string(d.items)))(
      "interactions", "Expected observed interactions",
      cxxopts::value<std::string>()->default_value(std::to_string(d.interactions)))(
      "dim", "Latent dimension",
      cxxopts::value<std::string>()->default_value(std::to_string(d.dim)))(
      "popularity", "Power-law exponent of item exposure",
      cxxopts::value<std::string>()->default_value("0.8"))(
      "exposure", "Exposure probability of an average item",
      cxxopts::value<std::string>()->default_value("0.5"))(
      "popularity-bias", "Weight of popularity in what users like (0: taste only)",
      cxxopts::value<std::string>()->default_value("0.5"))(
      "min-per-user", "Minimum interactions per user",
      cxxopts::value<std::string>()->default_value(std::to_string(d.min_per_user)));
  options.add_options("Split")("protocol", "loo or ratio",
                               cxxopts::value<std::string>()->default_value("loo"))(
      "ratio", "ratio protocol weights", cxxopts::value<std::string>()->default_value("8:1:1"))(
      "eval-negatives", "Sampled negatives per validation/test row (0: full ranking)",
      cxxopts::value<std::string>()->default_value("100"))(
      "seed", "Seed", cxxopts::value<std::string>()->default_value("1"))(
      "out", "Directory to create", cxxopts::value<std::string>())(
      "train-only", "Allow a split without validation and test rows");
  const cxxopts::ParseResult r = options.parse(argc, argv);
  if (handle_help(options, r, kGenExamples, {"", "Generator", "Split"})) return 0;
  if (!r.count("out")) throw UsageError("--out DIR is required");
  GenConfig gen;
  constexpr int32_t kMaxInt = std::numeric_limits<int32_t>::max();
  constexpr double kInf = std::numeric_limits<double>::infinity();
  gen.users = static_cast<int32_t>(int_flag(r, "users", 1, kMaxInt));
  gen.items = static_cast<int32_t>(int_flag(r, "items", 1, kMaxInt));
  gen.interactions = int_flag(r, "interactions", 1, std::numeric_limits<int64_t>::max());
  gen.dim = static_cast<int>(int_flag(r, "dim", 1, kMaxInt));
  gen.popularity_exponent = real_flag(r, "popularity", 0);
  gen.exposure = real_flag(r, "exposure", 0, kInf, Lower::kExclusive);
  gen.popularity_bias = real_flag(r, "popularity-bias", -kInf);
  gen.min_per_user = static_cast<int>(int_flag(r, "min-per-user", 1, kMaxInt));
  gen.seed = seed_flag(r, "seed");
  SplitOptions split;
  split.protocol = choice("protocol", r["protocol"].as<std::string>(), {"loo", "ratio"}) == "ratio"
                       ? SplitProtocol::kRatio
                       : SplitProtocol::kLeaveOneOut;
  double test_share = 0;
  parse_ratio(r["ratio"].as<std::string>(), &split.train_share, &split.val_share, &test_share);
  split.eval_negatives = static_cast<int32_t>(int_flag(r, "eval-negatives", 0, kMaxInt));
  split.seed = gen.seed;
  split.allow_no_eval = r.count("train-only") > 0;
  Dataset data;
  try {
    data = generate_dataset(gen, split);
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  }
  nlohmann::json meta = {{"created_by", "srns gen"},
                         {"source", "synthetic"},
                         {"protocol", data.protocol},
                         {"seed", gen.seed},
                         {"users", data.n_users},
                         {"items", data.n_items},
                         {"train", data.train.nnz()},
                         {"val", data.val.rows.size()},
                         {"test", data.test.rows.size()},
                         {"eval_negatives", data.test.n_neg},
                         {"truth", data.truth.nnz()},
                         {"generator",
                          {{"users", gen.users},
                           {"items", gen.items},
                           {"interactions", gen.interactions},
                           {"dim", gen.dim},
                           {"popularity_exponent", gen.popularity_exponent},
                           {"exposure", gen.exposure},
                           {"popularity_bias", gen.popularity_bias},
                           {"min_per_user", gen.min_per_user}}}};
  write_split_dir(data, r["out"].as<std::string>(), meta.dump(2) + "\n");
  std::cout << "srns gen: " << data.n_users << " users, " << data.n_items << " items, "
            << data.train.nnz() << " train / " << data.val.rows.size() << " val / "
            << data.test.rows.size() << " test, " << data.truth.nnz()
            << " ground-truth false negatives -> " << r["out"].as<std::string>() << "\n";
  return 0;
}

}  // namespace srns::cli
