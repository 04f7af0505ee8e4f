// The built-in synthetic generator: liked x exposed = observed, liked x unexposed = truth.
//
// Shapes: U users, I items, latent dimension d, requested interaction count N.
//   Factors      x_u, y_i in R^d, every coordinate N(0, 1/d) (Box-Muller in double).
//   Popularity   rank_i = position of item i when the items are sorted by a random key;
//                pop_i = (rank_i + 1)^(-popularity_exponent).
//   Exposure     e_i = min(1, exposure * pop_i / mean(pop)).
//   Liked count  L_u = clamp(round(exp(mu + s z_u)), min_per_user, I / 2), z_u ~ N(0, 1),
//                s = 0.5, mu solved numerically so that E[L_u] = m = N / U / mean(e) (without
//                rounding and clamp, mu = ln(m) - s^2 / 2): liked items are independent of
//                popularity, so each is observed with probability mean(e) on average and
//                E[#observed] ~ N (a little more where min_per_user forces exposures).
//   Liked set    the L_u items of highest affinity <x_u, y_i> over all items, so every
//                unobserved item is either a false negative (liked, unexposed) or less liked
//                than all of the user's liked items; ties go to the smaller item id. Above
//                U * I = 2e9 (benchmark-sized sets) scoring every pair is too slow, and the
//                candidates are C_u = min(I, 4 L_u) distinct items drawn uniformly (Floyd).
//   Observed     liked items with a draw v_ui < e_i; if fewer than min_per_user are, the
//                most-liked unexposed items are exposed until min_per_user are. The rest of
//                the liked items are the truth (false negatives).
//   Timestamps   t_ui = 1e9 + uniform integer in [0, 6e8) seconds: ties possible, rare.
//
// Randomness: every draw comes from make_stream(seed, kRngGenerator, kind, batch, sample) with
// a distinct `kind` (the epoch slot) per kind of draw and the user or item id as sample, so the
// output is a pure function of the config, whatever the thread count. Users are simulated in
// parallel in blocks and merged in user order; the log lists rows by user, then by item id.
#include "srns/synthetic.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "srns/rng.hpp"

namespace srns {
namespace {

// The `epoch` slot of the generator streams: one value per kind of draw.
enum GeneratorDraw : int64_t {
  kDrawItemFactors = 0,  // sample = item
  kDrawPopularity = 1,   // sample = item: sort key of the popularity ranking
  kDrawUserFactors = 2,  // sample = user
  kDrawLikedCount = 3,   // sample = user
  kDrawCandidates = 4,   // sample = user
  kDrawExposure = 5,     // batch = user, sample = item: word 0 exposure, word 1 timestamp
};

constexpr double kLikedCountSigma = 0.5;
constexpr int64_t kCandidatesPerLiked = 4;
constexpr int64_t kExactLikedBudget = 2000000000;  // U * I up to which all items are scored
constexpr int64_t kFirstTime = 1000000000;         // timestamps lie in [kFirstTime, +kTimeSpan)
constexpr uint32_t kTimeSpan = 600000000;
constexpr size_t kPrefetchAhead = 16;      // candidates whose factors are fetched ahead
constexpr int32_t kUsersPerBlock = 16384;  // users simulated before their results are merged
constexpr double kTwoPi = 6.283185307179586476925286766559;

void require(bool ok, const std::string& what) {
  if (!ok) throw std::invalid_argument("synthetic data: " + what);
}

void validate_config(const GenConfig& c) {
  require(c.users > 0, "users must be positive, got " + std::to_string(c.users));
  require(c.items > 0, "items must be positive, got " + std::to_string(c.items));
  require(c.dim > 0, "dim must be positive, got " + std::to_string(c.dim));
  require(c.min_per_user >= 1, "min_per_user must be at least 1");
  require(2 * static_cast<int64_t>(c.min_per_user) < c.items,
          "min_per_user must be below items / 2");
  require(c.interactions >= static_cast<int64_t>(c.users) * c.min_per_user,
          "interactions must be at least users * min_per_user");
  require(2 * c.interactions < static_cast<int64_t>(c.users) * c.items,
          "interactions must be below users * items / 2");
  require(c.popularity_exponent >= 0 && std::isfinite(c.popularity_exponent),
          "popularity_exponent must be finite and >= 0");
  require(c.exposure > 0 && c.exposure <= 1, "exposure must lie in (0, 1]");
}

// Writes n independent N(0, stddev^2) draws to out (Box-Muller on pairs of open01 draws).
void draw_normals(PhiloxStream& stream, double stddev, double* out, int n) {
  for (int k = 0; k < n; k += 2) {
    const double radius = stddev * std::sqrt(-2.0 * std::log(static_cast<double>(stream.open01())));
    const double angle = kTwoPi * static_cast<double>(stream.open01());
    out[k] = radius * std::cos(angle);
    if (k + 1 < n) out[k + 1] = radius * std::sin(angle);
  }
}

double affinity(const double* x, const float* y, int dim) {
  double sum = 0.0;
  for (int k = 0; k < dim; ++k) sum += x[k] * y[k];
  return sum;
}

struct ItemModel {
  std::vector<float> factors;         // items x dim, row-major (float: half the memory traffic)
  std::vector<double> exposure_prob;  // e_i
  std::vector<double> bias;           // b_i, the popularity term of the affinity
  double mean_exposure = 0.0;
};

ItemModel make_item_model(const GenConfig& config) {
  const int32_t n_items = config.items;
  const int dim = config.dim;
  const double stddev = 1.0 / std::sqrt(static_cast<double>(dim));
  ItemModel model;
  model.factors.resize(static_cast<size_t>(n_items) * dim);
  std::vector<std::pair<uint32_t, int32_t>> rank_keys(n_items);
#pragma omp parallel
  {
    std::vector<double> drawn(dim);
#pragma omp for schedule(static)
    for (int32_t i = 0; i < n_items; ++i) {
      PhiloxStream factor_stream =
          make_stream(config.seed, kRngGenerator, kDrawItemFactors, 0, static_cast<uint32_t>(i));
      draw_normals(factor_stream, stddev, drawn.data(), dim);
      std::copy(drawn.begin(), drawn.end(), model.factors.begin() + static_cast<size_t>(i) * dim);
      PhiloxStream key_stream =
          make_stream(config.seed, kRngGenerator, kDrawPopularity, 0, static_cast<uint32_t>(i));
      rank_keys[i] = {key_stream.next_u32(), i};
    }
  }
  std::sort(rank_keys.begin(), rank_keys.end());

  std::vector<double> popularity(n_items);
  for (int32_t rank = 0; rank < n_items; ++rank) {
    popularity[rank_keys[rank].second] = std::pow(rank + 1.0, -config.popularity_exponent);
  }
  const double mean_popularity =
      std::accumulate(popularity.begin(), popularity.end(), 0.0) / n_items;
  model.exposure_prob.resize(n_items);
  double exposure_sum = 0.0;
  for (int32_t i = 0; i < n_items; ++i) {
    model.exposure_prob[i] = std::min(1.0, config.exposure * popularity[i] / mean_popularity);
    exposure_sum += model.exposure_prob[i];
  }
  model.mean_exposure = exposure_sum / n_items;
  // b_i = popularity_bias / sqrt(d) * standardised log(pop_i): on the scale of <x_u, y_i>, whose
  // sd is 1/sqrt(d).
  double log_mean = 0.0, log_sq = 0.0;
  for (int32_t i = 0; i < n_items; ++i) log_mean += std::log(popularity[i]) / n_items;
  for (int32_t i = 0; i < n_items; ++i) {
    log_sq += (std::log(popularity[i]) - log_mean) * (std::log(popularity[i]) - log_mean);
  }
  const double log_sd = std::sqrt(log_sq / n_items);
  model.bias.resize(n_items);
  for (int32_t i = 0; i < n_items; ++i) {
    model.bias[i] = log_sd > 0 ? config.popularity_bias / std::sqrt(static_cast<double>(dim)) *
                                     (std::log(popularity[i]) - log_mean) / log_sd
                               : 0.0;
  }
  return model;
}

// L(z) = clamp(round(exp(mu + sigma z)), floor, cap), the liked count of a user with z ~ N(0, 1).
struct LikedCount {
  double mu = 0.0, floor = 1.0, cap = 1.0;

  double at(double z) const {
    return std::clamp(std::round(std::exp(mu + kLikedCountSigma * z)), floor, cap);
  }
  // E[L(z)] by the midpoint rule over z in [-8, 8].
  double expected() const {
    constexpr int kSteps = 1600;
    const double step = 16.0 / kSteps;
    double sum = 0.0, weight_sum = 0.0;
    for (int k = 0; k < kSteps; ++k) {
      const double z = -8.0 + (k + 0.5) * step;
      const double weight = std::exp(-0.5 * z * z);
      sum += weight * at(z);
      weight_sum += weight;
    }
    return sum / weight_sum;
  }
};

// Chooses mu so that E[L] = target by bisection (E[L] grows with mu). A target beyond the cap
// leaves every user at the cap.
LikedCount calibrate_liked_count(double target, double floor, double cap) {
  LikedCount liked{0.0, floor, cap};
  double low = std::log(floor) - 8.0 * kLikedCountSigma;
  double high = std::log(cap) + 8.0 * kLikedCountSigma;
  for (int iteration = 0; iteration < 100; ++iteration) {
    liked.mu = 0.5 * (low + high);
    (liked.expected() < target ? low : high) = liked.mu;
  }
  liked.mu = 0.5 * (low + high);
  return liked;
}

// (item, timestamp - kFirstTime) of one observed interaction.
using Observation = std::pair<int32_t, uint32_t>;

// One user's outcome, both lists sorted by item.
struct UserDraw {
  std::vector<Observation> observed;
  std::vector<int32_t> truth;
};

// Simulates users one at a time with scratch buffers owned by one thread.
class UserSimulator {
 public:
  UserSimulator(const GenConfig& config, const ItemModel& items, const LikedCount& liked_count)
      : config_(config),
        items_(items),
        user_factors_(config.dim),
        marked_(config.items, 0),
        liked_count_(liked_count) {}

  void simulate(int32_t user, UserDraw& out) {
    const int64_t liked_count = draw_liked_count(user);
    const bool exact = static_cast<int64_t>(config_.users) * config_.items <= kExactLikedBudget;
    const int64_t candidate_count =
        exact ? config_.items : std::min<int64_t>(config_.items, kCandidatesPerLiked * liked_count);
    draw_candidates(user, candidate_count);
    select_liked(user, liked_count);
    expose_liked(user, out);
  }

 private:
  struct Scored {
    double affinity;
    int32_t item;
  };

  int64_t draw_liked_count(int32_t user) const {
    PhiloxStream stream =
        make_stream(config_.seed, kRngGenerator, kDrawLikedCount, 0, static_cast<uint32_t>(user));
    double z = 0.0;
    draw_normals(stream, 1.0, &z, 1);
    return static_cast<int64_t>(liked_count_.at(z));
  }

  // Fills candidates_ with `count` distinct items, a uniform random subset (Floyd's algorithm).
  void draw_candidates(int32_t user, int64_t count) {
    candidates_.clear();
    const int32_t n_items = config_.items;
    if (count == n_items) {
      candidates_.resize(n_items);
      std::iota(candidates_.begin(), candidates_.end(), 0);
      return;
    }
    PhiloxStream stream =
        make_stream(config_.seed, kRngGenerator, kDrawCandidates, 0, static_cast<uint32_t>(user));
    for (int32_t j = n_items - static_cast<int32_t>(count); j < n_items; ++j) {
      const int32_t pick = static_cast<int32_t>(stream.below(static_cast<uint32_t>(j) + 1u));
      const int32_t item = marked_[pick] ? j : pick;
      marked_[item] = 1;
      candidates_.push_back(item);
    }
    for (int32_t item : candidates_) marked_[item] = 0;
  }

  // Scores the candidates and keeps the top `count` in scored_, most liked first.
  void select_liked(int32_t user, int64_t count) {
    const int dim = config_.dim;
    PhiloxStream stream =
        make_stream(config_.seed, kRngGenerator, kDrawUserFactors, 0, static_cast<uint32_t>(user));
    draw_normals(stream, 1.0 / std::sqrt(static_cast<double>(dim)), user_factors_.data(), dim);
    scored_.resize(candidates_.size());
    for (size_t c = 0; c < candidates_.size(); ++c) {
      if (c + kPrefetchAhead < candidates_.size()) {
        const float* ahead =
            &items_.factors[static_cast<size_t>(candidates_[c + kPrefetchAhead]) * dim];
        __builtin_prefetch(ahead);
        __builtin_prefetch(ahead + dim - 1);  // a row may straddle two cache lines
      }
      const float* item_factors = &items_.factors[static_cast<size_t>(candidates_[c]) * dim];
      scored_[c] = {affinity(user_factors_.data(), item_factors, dim) + items_.bias[candidates_[c]],
                    candidates_[c]};
    }
    const auto more_liked = [](const Scored& a, const Scored& b) {
      return a.affinity != b.affinity ? a.affinity > b.affinity : a.item < b.item;
    };
    std::nth_element(scored_.begin(), scored_.begin() + (count - 1), scored_.end(), more_liked);
    scored_.resize(count);
    std::sort(scored_.begin(), scored_.end(), more_liked);
  }

  // Splits liked items (scored_, most liked first) into observed and truth.
  void expose_liked(int32_t user, UserDraw& out) {
    const size_t n_liked = scored_.size();
    exposure_draws_.resize(n_liked);
    times_.resize(n_liked);
    for (size_t k = 0; k < n_liked; ++k) {  // independent Philox blocks: they overlap in flight
      PhiloxStream stream =
          make_stream(config_.seed, kRngGenerator, kDrawExposure, static_cast<uint32_t>(user),
                      static_cast<uint32_t>(scored_[k].item));
      exposure_draws_[k] = stream.open01();
      times_[k] = stream.below(kTimeSpan);
    }
    exposed_.resize(n_liked);
    int64_t n_exposed = 0;
    for (size_t k = 0; k < n_liked; ++k) {
      exposed_[k] = static_cast<double>(exposure_draws_[k]) < items_.exposure_prob[scored_[k].item];
      n_exposed += exposed_[k];
    }
    for (size_t k = 0; k < n_liked && n_exposed < config_.min_per_user; ++k) {
      if (!exposed_[k]) {
        exposed_[k] = 1;
        ++n_exposed;
      }
    }

    out.observed.clear();
    out.truth.clear();
    for (size_t k = 0; k < n_liked; ++k) {
      if (exposed_[k]) {
        out.observed.push_back({scored_[k].item, times_[k]});
      } else {
        out.truth.push_back(scored_[k].item);
      }
    }
    std::sort(out.observed.begin(), out.observed.end());
    std::sort(out.truth.begin(), out.truth.end());
  }

  const GenConfig& config_;
  const ItemModel& items_;
  std::vector<double> user_factors_;
  std::vector<uint8_t> marked_;  // all zero between calls
  const LikedCount& liked_count_;
  std::vector<int32_t> candidates_;
  std::vector<Scored> scored_;
  std::vector<uint8_t> exposed_;
  std::vector<uint32_t> times_;
  std::vector<float> exposure_draws_;
};

// Observed interactions of all users, flat: user u owns [offsets[u], offsets[u + 1]).
struct ObservedTable {
  std::vector<int64_t> offsets{0};
  std::vector<Observation> rows;
};

InteractionLog build_log(const ObservedTable& observed, int32_t n_items) {
  InteractionLog log;
  log.path = "synthetic";
  log.has_time = true;
  std::vector<std::string> item_names(n_items);
  for (int32_t i = 0; i < n_items; ++i) item_names[i] = std::to_string(i);
  log.rows.resize(observed.rows.size());
  const int32_t n_users = static_cast<int32_t>(observed.offsets.size()) - 1;
#pragma omp parallel for schedule(static)
  for (int32_t u = 0; u < n_users; ++u) {
    const std::string user_name = std::to_string(u);
    for (int64_t r = observed.offsets[u]; r < observed.offsets[u + 1]; ++r) {
      LogRow& row = log.rows[r];
      row.user = user_name;
      row.item = item_names[observed.rows[r].first];
      row.rating = 1.0;
      row.time = kFirstTime + observed.rows[r].second;
      row.line = r + 1;
    }
  }
  return log;
}

// Appends the draws of users first .. first + count - 1 to the flat tables, copying in parallel.
void append_block(const std::vector<UserDraw>& block, int32_t first, int32_t count,
                  ObservedTable& observed, std::vector<Pair>& truth) {
  std::vector<int64_t> observed_start(count + 1), truth_start(count + 1);
  observed_start[0] = static_cast<int64_t>(observed.rows.size());
  truth_start[0] = static_cast<int64_t>(truth.size());
  for (int32_t k = 0; k < count; ++k) {
    observed_start[k + 1] = observed_start[k] + static_cast<int64_t>(block[k].observed.size());
    truth_start[k + 1] = truth_start[k] + static_cast<int64_t>(block[k].truth.size());
  }
  observed.rows.resize(observed_start[count]);
  truth.resize(truth_start[count]);
#pragma omp parallel for schedule(static)
  for (int32_t k = 0; k < count; ++k) {
    const UserDraw& draw = block[k];
    std::copy(draw.observed.begin(), draw.observed.end(),
              observed.rows.begin() + observed_start[k]);
    for (size_t j = 0; j < draw.truth.size(); ++j) {
      truth[truth_start[k] + j] = {first + k, draw.truth[j]};
    }
  }
  observed.offsets.insert(observed.offsets.end(), observed_start.begin() + 1, observed_start.end());
}

}  // namespace

// Observed interactions per liked item over the first users (at most 512), a pilot sample.
double pilot_observed_share(const GenConfig& config, const ItemModel& items,
                            const LikedCount& liked_count) {
  const int32_t pilot = std::min<int32_t>(config.users, 512);
  std::vector<UserDraw> draws(pilot);
#pragma omp parallel
  {
    UserSimulator simulator(config, items, liked_count);
#pragma omp for schedule(dynamic, 16)
    for (int32_t u = 0; u < pilot; ++u) simulator.simulate(u, draws[u]);
  }
  double observed = 0.0, liked = 0.0;
  for (const UserDraw& d : draws) {
    observed += static_cast<double>(d.observed.size());
    liked += static_cast<double>(d.observed.size() + d.truth.size());
  }
  return liked > 0 ? std::max(observed / liked, 1e-6) : items.mean_exposure;
}

SyntheticData generate(const GenConfig& config) {
  validate_config(config);
  const ItemModel items = make_item_model(config);
  const double mean_liked =
      static_cast<double>(config.interactions) / config.users / items.mean_exposure;
  const int32_t liked_cap = config.items / 2;
  if (mean_liked > liked_cap) {
    const auto reachable =
        static_cast<int64_t>(static_cast<double>(config.users) * liked_cap * items.mean_exposure);
    throw std::invalid_argument(
        "synthetic data: interactions " + std::to_string(config.interactions) +
        " cannot be reached: users like at most items / 2 items each and see a share " +
        std::to_string(items.mean_exposure) + " of them, so about " + std::to_string(reachable) +
        " at most; raise exposure or items, or lower popularity_exponent");
  }
  LikedCount liked_count = calibrate_liked_count(mean_liked, config.min_per_user, liked_cap);
  // With popularity in the affinity, liked items are more popular, hence more often exposed,
  // than the average item: measure the observed share of liked items on a pilot of users and
  // recalibrate the liked count with it (twice: the share depends a little on the count).
  for (int pass = 0; pass < 2 && config.popularity_bias != 0.0; ++pass) {
    const double share = pilot_observed_share(config, items, liked_count);
    const double corrected = std::min<double>(
        liked_cap, static_cast<double>(config.interactions) / config.users / share);
    liked_count = calibrate_liked_count(corrected, config.min_per_user, liked_cap);
  }

  ObservedTable observed;
  observed.offsets.reserve(static_cast<size_t>(config.users) + 1);
  observed.rows.reserve(config.interactions + config.interactions / 8);
  SyntheticData data;
  // Liked items outside the observed ones become truth: about (1 / mean(e) - 1) per interaction.
  data.truth.reserve(static_cast<size_t>(config.interactions * (1.1 / items.mean_exposure - 1.0)));
  std::vector<UserDraw> block(std::min(config.users, kUsersPerBlock));
  for (int32_t first = 0; first < config.users; first += kUsersPerBlock) {
    const int32_t last = std::min(config.users, first + kUsersPerBlock);
#pragma omp parallel
    {
      UserSimulator simulator(config, items, liked_count);
#pragma omp for schedule(dynamic, 64)
      for (int32_t u = first; u < last; ++u) simulator.simulate(u, block[u - first]);
    }
    append_block(block, first, last - first, observed, data.truth);
  }
  data.log = build_log(observed, config.items);
  return data;
}

}  // namespace srns
