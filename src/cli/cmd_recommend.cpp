// `srns recommend`: the top-k items of a trained model for some users, by raw id.
//
// Scores come from the backend (the engine's own score, CPU or GPU), a chunk of users at a
// time; the top k of each user's items outside their training items are chosen on the host,
// higher score first, equal scores by dense item id.
#include <algorithm>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <unordered_map>

#include "cli/cli_common.hpp"
#include "cli/commands.hpp"
#include "cli/saved_run.hpp"
#include "data/text_io.hpp"
#include "srns/trainer.hpp"

namespace srns::cli {
namespace {

const char* kRecommendExamples = R"(
--users takes raw user ids (as in the log and user_map.tsv), comma-separated, or a file with
one raw id per line (the first field; blank lines and lines starting with '#' are skipped).
Items the user has in the training set are never recommended; validation and test items can be.

Output formats (--format): text (a table per user), tsv (user, rank, item, score; a header
line), json (a list of {"user", "items": [{"item", "score"}]}). Scores are the model's r(u, i).

Examples:
  srns recommend --model runs/ml100k-srns --users 196,186 --k 10
  srns recommend --model runs/ml100k-srns --users users.txt --k 20 --format tsv --out recs.tsv
  srns recommend --model runs/ml100k-srns/model.bin --data ml100k --users 196 --format json
)";

constexpr int64_t kScoreBudget = int64_t{1} << 26;  // scores held at once (256 MiB)

struct Recommendation {
  std::string user;                              // raw id
  std::vector<std::pair<int32_t, float>> items;  // dense item, score; best first
};

// Raw user ids from --users: a file's first fields, or the comma-separated list itself.
std::vector<std::string> requested_users(const std::string& arg) {
  std::vector<std::string> users;
  if (std::filesystem::is_regular_file(arg)) {
    const std::string text = text::read_whole_file(arg);
    text::LineCursor lines(text);
    std::string_view line;
    std::vector<std::string_view> fields;
    while (lines.next(&line)) {
      text::split_whitespace(line, &fields);
      if (!fields.empty() && fields[0].front() != '#') users.emplace_back(fields[0]);
    }
    if (users.empty()) throw DataError(arg + ": no user ids");
    return users;
  }
  std::stringstream s(arg);
  std::string part;
  while (std::getline(s, part, ',')) {
    if (!text::trim(part).empty()) users.emplace_back(text::trim(part));
  }
  if (users.empty()) throw UsageError("--users needs raw user ids, or a file of them");
  return users;
}

std::vector<int32_t> dense_users(const std::vector<std::string>& raw, const Dataset& data) {
  std::unordered_map<std::string, int32_t> index;
  for (int32_t u = 0; u < data.n_users; ++u) {
    index.emplace(data.user_raw.empty() ? std::to_string(u) : data.user_raw[u], u);
  }
  std::vector<int32_t> dense;
  for (const std::string& id : raw) {
    const auto it = index.find(id);
    if (it == index.end()) {
      throw UsageError("--users: user '" + id + "' is not in the data (" + data.source + ", " +
                       std::to_string(data.n_users) + " users; ids are the raw ids of " +
                       (data.user_raw.empty() ? "the dense split" : "user_map.tsv") + ")");
    }
    dense.push_back(it->second);
  }
  return dense;
}

// The best k of one user's scores outside `exclude` (sorted), best first, ties by item id.
std::vector<std::pair<int32_t, float>> top_k(const float* scores, int32_t n_items,
                                             const int32_t* exclude, int64_t n_exclude, int k) {
  std::vector<std::pair<int32_t, float>> candidates;
  candidates.reserve(static_cast<size_t>(n_items - n_exclude));
  for (int32_t i = 0, x = 0; i < n_items; ++i) {
    if (x < n_exclude && exclude[x] == i) {
      ++x;
      continue;
    }
    candidates.emplace_back(i, scores[i]);
  }
  const auto better = [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  };
  const size_t keep = std::min(candidates.size(), static_cast<size_t>(k));
  std::partial_sort(candidates.begin(), candidates.begin() + keep, candidates.end(), better);
  candidates.resize(keep);
  return candidates;
}

void print(const std::vector<Recommendation>& recs, const Dataset& data, const std::string& format,
           std::ostream& out) {
  const auto raw_item = [&](int32_t i) {
    return data.item_raw.empty() ? std::to_string(i) : data.item_raw[i];
  };
  if (format == "json") {
    nlohmann::json j = nlohmann::json::array();
    for (const Recommendation& r : recs) {
      nlohmann::json items = nlohmann::json::array();
      for (const auto& [item, score] : r.items) {
        items.push_back({{"item", raw_item(item)}, {"score", score}});
      }
      j.push_back({{"user", r.user}, {"items", items}});
    }
    out << j.dump(2) << "\n";
    return;
  }
  if (format == "tsv") {
    out << "user\trank\titem\tscore\n" << std::setprecision(9);
    for (const Recommendation& r : recs) {
      for (size_t k = 0; k < r.items.size(); ++k) {
        out << r.user << "\t" << k + 1 << "\t" << raw_item(r.items[k].first) << "\t"
            << r.items[k].second << "\n";
      }
    }
    return;
  }
  for (const Recommendation& r : recs) {
    out << "user " << r.user << "\n   rank  item                  score\n";
    for (size_t k = 0; k < r.items.size(); ++k) {
      out << std::setw(7) << k + 1 << "  " << std::left << std::setw(20)
          << raw_item(r.items[k].first) << std::right << std::setw(8) << std::fixed
          << std::setprecision(4) << r.items[k].second << "\n";
    }
  }
}

}  // namespace

int cmd_recommend(int argc, char** argv) {
  cxxopts::Options options("srns recommend",
                           "Top-k items of a trained model for users, by raw id.");
  options.set_width(100).add_options()("h,help", "Show this help");
  add_saved_run_flags(options);
  options.add_options()("users", "Raw user ids, comma-separated, or a file with one per line",
                        cxxopts::value<std::string>())(
      "k,top-k", "Items per user (also --k)", cxxopts::value<std::string>()->default_value("10"))(
      "format", "text, tsv or json", cxxopts::value<std::string>()->default_value("text"))(
      "out", "File to write (must not exist; default: standard output)",
      cxxopts::value<std::string>()->default_value(""))(
      "device", "auto, cpu or cuda", cxxopts::value<std::string>()->default_value("auto"))(
      "threads", "CPU threads (0: those not busy with other work)",
      cxxopts::value<std::string>()->default_value("0"));
  // cxxopts takes one-letter names as short options only; --k is what users type.
  std::vector<std::string> args(argv, argv + argc);
  std::vector<char*> spelled;
  for (std::string& a : args) {
    if (a == "--k" || a.rfind("--k=", 0) == 0) a.replace(0, 3, "--top-k");
    spelled.push_back(a.data());
  }
  const cxxopts::ParseResult r = options.parse(argc, spelled.data());
  if (handle_help(options, r, kRecommendExamples)) return 0;
  if (!r.unmatched().empty()) throw UsageError("unexpected argument '" + r.unmatched()[0] + "'");
  if (!r.count("model") || !r.count("users")) throw UsageError("--model and --users are required");
  const int k = static_cast<int>(int_flag(r, "top-k", 1, std::numeric_limits<int>::max()));
  const std::string format =
      choice("format", r["format"].as<std::string>(), {"text", "tsv", "json"});
  const std::string out_path = r["out"].as<std::string>();
  if (!out_path.empty() && std::filesystem::exists(out_path)) {
    throw UsageError("--out " + out_path +
                     " already exists; choose another (nothing was overwritten)");
  }
  TrainConfig config;
  config.device = choice("device", r["device"].as<std::string>(), {"auto", "cpu", "cuda"});
  config.threads = threads_flag(r);
  const SavedRun run =
      open_saved_run(r["model"].as<std::string>(), r["data"].as<std::string>(), true);
  const std::vector<std::string> raw = requested_users(r["users"].as<std::string>());
  const std::vector<int32_t> users = dense_users(raw, run.data);

  config.model.kind = run.model.kind;
  config.model.dim = run.model.dim;
  config.model.mlp = run.model.mlp;
  config.sampler = "uniform";  // no sampler state is needed to score
  std::unique_ptr<Backend> backend = make_cli_backend(config.device, config.threads, "scoring");
  backend->setup(prepare_training_set(run.data, config), config, run.model);

  const Csr& train = run.data.train;
  const int32_t n_items = run.data.n_items;
  const size_t chunk = static_cast<size_t>(std::max<int64_t>(1, kScoreBudget / n_items));
  std::vector<Recommendation> recs;
  for (size_t first = 0; first < users.size(); first += chunk) {
    const std::vector<int32_t> part(users.begin() + first,
                                    users.begin() + std::min(users.size(), first + chunk));
    const std::vector<float> scores = backend->score_users(part);
    for (size_t c = 0; c < part.size(); ++c) {
      const int32_t u = part[c];
      recs.push_back({raw[first + c], top_k(scores.data() + c * n_items, n_items, train.row(u),
                                            train.row_size(u), k)});
    }
  }
  if (out_path.empty()) {
    print(recs, run.data, format, std::cout);
    return 0;
  }
  std::ostringstream text;
  print(recs, run.data, format, text);
  text::FileWriter file(out_path);
  file.put(text.str());
  file.close();
  std::cerr << "srns recommend: " << recs.size() << " users x top " << k << " -> " << out_path
            << "\n";
  return 0;
}

}  // namespace srns::cli
