// gpu::DeviceGenerator (generator.cuh).
#include <istream>
#include <ostream>

#include "generator.cuh"
#include "train/state_io.hpp"

namespace srns::gpu {
namespace {

void copy_device(DeviceBuffer<float>* to, const float* from, int64_t n, cudaStream_t stream) {
  to->resize(n);
  if (n > 0) {
    SRNS_CUDA_CHECK(cudaMemcpyAsync(to->data(), from, static_cast<size_t>(n) * sizeof(float),
                                    cudaMemcpyDeviceToDevice, stream));
  }
}

}  // namespace

int64_t DeviceGenerator::bytes_for(int32_t n_users, int32_t n_items, int32_t dim,
                                   int32_t head_size) {
  const int64_t params = (static_cast<int64_t>(n_users) + n_items) * dim + head_size;
  return 12 * params + RowGradientBuffers::bytes_for(n_users, n_items, dim, head_size) +
         static_cast<int64_t>(sizeof(BatchCounters) + sizeof(double));
}

void DeviceGenerator::setup(const ModelView& init, int32_t n_users, int32_t n_items, float lr,
                            cudaStream_t stream) {
  kind_ = init.kind;
  n_users_ = n_users;
  n_items_ = n_items;
  dim_ = init.dim;
  optim_ = OptimConfig();
  optim_.kind = OptimizerKind::kAdam;
  optim_.lr = lr;
  copy_device(&user_, init.user, static_cast<int64_t>(n_users) * dim_, stream);
  copy_device(&item_, init.item, static_cast<int64_t>(n_items) * dim_, stream);
  copy_device(&head_, init.head, init.head_size, stream);
  for (auto* m : {&user_m_, &user_v_}) m->resize(user_.size());
  for (auto* m : {&item_m_, &item_v_}) m->resize(item_.size());
  for (auto* m : {&head_m_, &head_v_}) m->resize(head_.size());
  for (auto* m : {&user_m_, &user_v_, &item_m_, &item_v_, &head_m_, &head_v_}) m->zero(stream);
  grads_ = RowGradientBuffers(n_users, n_items, dim_, init.head_size, /*flag_rows=*/false, stream);
  counters_.resize(1);
  counters_.zero(stream);
  reward_sum_.resize(1);
  reward_sum_.zero(stream);
  epoch_pairs_ = 0;
  baseline_ = 0;
}

ModelView DeviceGenerator::view() const {
  return {kind_,        dim_,         user_.data(),
          item_.data(), head_.data(), static_cast<int32_t>(head_.size())};
}

DeviceParams DeviceGenerator::params() {
  return {n_users_,       n_items_,       dim_,           static_cast<int32_t>(head_.size()),
          user_.data(),   item_.data(),   head_.data(),   user_m_.data(),
          user_v_.data(), item_m_.data(), item_v_.data(), head_m_.data(),
          head_v_.data()};
}

void DeviceGenerator::enqueue_step(const BatchRefs& batch, cudaStream_t stream) {
  optimizer_step(stream, optim_, head_trained(kind_), batch, nullptr, params(), grads_.view(),
                 counters_.data());
}

void DeviceGenerator::begin_epoch(int64_t pairs, cudaStream_t stream) {
  if (epoch_pairs_ > 0) {
    double sum = 0;
    reward_sum_.download(&sum, 1, stream);
    baseline_ = static_cast<float>(sum / static_cast<double>(epoch_pairs_));
    reward_sum_.zero(stream);
  }
  epoch_pairs_ = pairs;
}

void DeviceGenerator::save(std::ostream& out, cudaStream_t stream) const {
  for (const auto* b :
       {&user_, &item_, &head_, &user_m_, &user_v_, &item_m_, &item_v_, &head_m_, &head_v_}) {
    write_array(out, b->to_host(stream));
  }
  double sum = 0;
  reward_sum_.download(&sum, 1, stream);
  const BatchCounters c = counters_.to_host(stream)[0];
  write_array(out, std::vector<int64_t>{c.step, epoch_pairs_});
  write_array(out, std::vector<double>{sum, baseline_});
}

void DeviceGenerator::load(std::istream& in, cudaStream_t stream) {
  const char* names[] = {"generator users",  "generator items",  "generator head",
                         "generator user m", "generator user v", "generator item m",
                         "generator item v", "generator head m", "generator head v"};
  int k = 0;
  for (auto* b :
       {&user_, &item_, &head_, &user_m_, &user_v_, &item_m_, &item_v_, &head_m_, &head_v_}) {
    std::vector<float> host(static_cast<size_t>(b->size()));
    read_array(in, &host, names[k++]);
    b->upload(host.data(), b->size(), stream);
  }
  std::vector<int64_t> counts(2);
  read_array(in, &counts, "generator step");
  std::vector<double> reward(2);
  read_array(in, &reward, "generator reward");
  BatchCounters c{0, 0, counts[0]};
  counters_.upload(&c, 1, stream);
  epoch_pairs_ = counts[1];
  reward_sum_.upload(&reward[0], 1, stream);
  baseline_ = static_cast<float>(reward[1]);
  SRNS_CUDA_CHECK(cudaStreamSynchronize(stream));
}

}  // namespace srns::gpu
