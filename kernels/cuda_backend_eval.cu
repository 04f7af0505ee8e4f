// The CUDA backend's evaluation: sampled and full ranking, and users' scores over every item
// (class in cuda_backend.cuh).
#include "cuda_backend.cuh"

namespace srns::cuda_detail {

std::vector<RankCount> CudaBackend::rank_sampled(const EvalSet& set) {
  DeviceState& s = st();
  const int64_t rows = static_cast<int64_t>(set.rows.size());
  if (rows == 0) return {};
  const cudaStream_t stream = this->stream();
  DeviceEvalSet& e = s.eval_sets[&set];
  const uint64_t print = fingerprint(set);
  if (e.rows != rows || e.n_neg != set.n_neg || e.fingerprint != print) {  // new contents
    std::vector<int32_t> users(rows), items(rows);
    for (int64_t r = 0; r < rows; ++r) {
      users[r] = set.rows[r].user;
      items[r] = set.rows[r].item;
    }
    e.user.assign(users, stream);
    e.item.assign(items, stream);
    e.negatives.assign(set.negatives, stream);
    e.ranks.resize(rows);
    e.rows = rows;
    e.n_neg = set.n_neg;
    e.fingerprint = print;
  }
  gpu::rank_sampled(stream, model_view(), rows, e.user.data(), e.item.data(), set.n_neg,
                    e.negatives.empty() ? nullptr : e.negatives.data(), e.ranks.data());
  std::vector<RankCount> out(rows);
  e.ranks.download(out.data(), rows, stream);
  return out;
}

std::vector<RankCount> CudaBackend::rank_full(const Csr& targets, const Csr& exclude) {
  DeviceState& s = st();
  const int64_t n_targets = targets.nnz();
  if (n_targets == 0) return std::vector<RankCount>(0);
  const int32_t users = targets.rows();
  if (users > n_users_) throw std::invalid_argument("rank_full: more target rows than users");
  const cudaStream_t stream = this->stream();
  upload_csr(targets, users, &s.eval_off, &s.eval_cols, stream);
  upload_csr(exclude, users, &s.exclude_off, &s.exclude_cols, stream);
  const int32_t chunk = gpu::full_rank_chunk_users(users, n_items_);
  s.rank_scores.resize(
      std::max<int64_t>(s.rank_scores.size(), static_cast<int64_t>(chunk) * n_items_));
  s.target_scores.resize(std::max<int64_t>(s.target_scores.size(), n_targets));
  s.full_ranks.resize(std::max<int64_t>(s.full_ranks.size(), n_targets));
  gpu::rank_full(stream, model_view(), users, n_items_, csr_view(s.train_off, s.train_cols),
                 csr_view(s.eval_off, s.eval_cols), csr_view(s.exclude_off, s.exclude_cols), chunk,
                 s.rank_scores.data(), s.target_scores.data(), s.full_ranks.data());
  std::vector<RankCount> out(n_targets);
  s.full_ranks.download(out.data(), n_targets, stream);
  return out;
}

std::vector<float> CudaBackend::score_users(const std::vector<int32_t>& users) {
  DeviceState& s = st();
  const int64_t count = static_cast<int64_t>(users.size()) * n_items_;
  if (count == 0) return {};
  const cudaStream_t stream = this->stream();
  s.rank_scores.resize(std::max<int64_t>(s.rank_scores.size(), count));
  // One score-matrix row per user: the evaluation score kernel, bit for bit the CPU's score.
  for (size_t k = 0; k < users.size(); ++k) {
    if (users[k] < 0 || users[k] >= n_users_) throw std::out_of_range("score_users: no such user");
    gpu::score_matrix(
        stream, model_view(), users[k], 1, n_items_,
        float_matrix(s.rank_scores.data() + static_cast<int64_t>(k) * n_items_, n_items_));
  }
  std::vector<float> out(static_cast<size_t>(count));
  s.rank_scores.download(out.data(), count, stream);
  return out;
}

// The CPU backend's bytes (cpu_backend.cpp): Adam's step from the device counters, the moments
// (none for SGD), then the sampler unit's state.

}  // namespace srns::cuda_detail
