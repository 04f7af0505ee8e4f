// Device footprint estimate and refusal (footprint.hpp).
#include "footprint.hpp"

#include <algorithm>
#include <sstream>
#include <utility>
#include <vector>

#include "rank.cuh"
#include "srns/scorer.hpp"
#include "train/srns_layout.hpp"

namespace srns::gpu {
namespace {

int64_t csr_bytes(const Csr& c, int32_t rows) {
  if (c.empty()) return 0;
  return 8 * (static_cast<int64_t>(rows) + 1) + 4 * c.nnz();
}

int64_t eval_bytes(const Dataset& d) {
  int64_t best = 0;
  for (const EvalSet* s : {&d.val, &d.test}) {
    const int64_t rows = static_cast<int64_t>(s->rows.size());
    if (s->has_negatives()) {
      best = std::max(best, 4 * rows * (static_cast<int64_t>(s->n_neg) + 4));
    } else if (rows > 0) {
      // the full-ranking chunk of scores, the targets and their counts, the target and
      // exclude CSRs
      const int64_t chunk = full_rank_chunk_users(d.n_users, d.n_items);
      best = std::max(best, 4 * chunk * d.n_items + 16 * rows + 16 * (d.n_users + 1));
    }
  }
  return best;
}

}  // namespace

std::string DeviceFootprint::describe() const {
  std::ostringstream s;
  s << "model " << format_bytes(model) << ", optimizer " << format_bytes(optimizer)
    << ", gradients " << format_bytes(gradients) << ", data " << format_bytes(data)
    << ", epoch order " << format_bytes(order + epoch) << ", batch " << format_bytes(batch);
  if (sampler > 0) s << ", " << sampler_name << " sampler state " << format_bytes(sampler);
  if (local > 0) s << ", kernel local memory " << format_bytes(local);
  s << ", evaluation " << format_bytes(eval) << "; total " << format_bytes(total());
  return s.str();
}

DeviceFootprint estimate_device_footprint(const TrainingSet& set, const TrainConfig& c,
                                          int64_t order_sort_temp, int64_t reduce_sort_temp,
                                          int64_t sampler_bytes, int64_t local_bytes) {
  const Dataset& d = *set.data;
  const int64_t users = d.n_users, items = d.n_items, dim = c.model.dim;
  const int64_t head = head_size(c.model.kind, c.model.dim);
  const int64_t n = d.train.nnz();
  const int64_t b = c.batch_size;
  const int64_t params = dim * (users + items) + head;
  DeviceFootprint f;
  f.model = 4 * params;
  f.optimizer = c.optim.kind == OptimizerKind::kSgd ? 0 : 8 * params;
  f.gradients = 4 * (params + users + items);
  f.data =
      8 * (users + 1) + 4 * n + csr_bytes(set.truth, d.n_users) + csr_bytes(set.fn_sets, d.n_users);
  f.order = 24 * n + order_sort_temp;
  f.epoch = 16 * n;
  const int64_t n_batches = std::max<int64_t>(1, batches_per_epoch(n, c.batch_size, true));
  f.batch = b * (8 + 4 * (3 * dim + head)) + 16 * n_batches + reduce_sort_temp;
  f.sampler = sampler_bytes;
  f.sampler_name = c.sampler;
  f.local = local_bytes;
  f.eval = eval_bytes(d);
  return f;
}

std::string footprint_refusal(const DeviceFootprint& f, int64_t free_bytes,
                              const std::string& device_name, const TrainConfig& c) {
  const int64_t need = f.total() + kFootprintReserve;
  if (need <= free_bytes) return "";
  std::vector<std::pair<int64_t, std::string>> parts = {
      {f.sampler, "the " + f.sampler_name +
                      " sampler's state: for SRNS lower --pool-size or --window, or use "
                      "--history pooled (dense history is U x I per epoch) or "
                      "--history-precision half"},
      {f.local, "kernel local memory: use --cuda-step warp"},
      {f.model + f.optimizer + f.gradients,
       std::string("the model: lower --dim") +
           (c.optim.kind == OptimizerKind::kSgd ? ""
                                                : ", or use --optimizer sgd (no Adam moments)")},
      {f.batch, "the batch buffers: lower --batch-size"},
      {f.data + f.order + f.epoch,
       "the training pairs and their epoch order (too many for this GPU)"},
      {f.eval, "evaluation: use --eval sampled with fewer negatives"},
  };
  std::stable_sort(parts.begin(), parts.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  std::ostringstream s;
  s << "the CUDA backend needs " << format_bytes(need) << " of device memory (" << f.describe()
    << ", plus " << format_bytes(kFootprintReserve) << " head room) but " << device_name << " has "
    << format_bytes(free_bytes) << " free. Largest part, " << format_bytes(parts[0].first)
    << ", is " << parts[0].second;
  if (parts[1].first > 0) {
    s << "; next, " << format_bytes(parts[1].first) << ", is " << parts[1].second;
  }
  s << " (or train with --device cpu)";
  return s.str();
}

}  // namespace srns::gpu
