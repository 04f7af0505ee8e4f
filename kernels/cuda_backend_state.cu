// The CUDA backend's model and optimiser state in and out: checkpoints (save_state /
// load_state: the step counter, the Adam moments, the sampler's state) and get_model / set_model (class in
// cuda_backend.cuh).
#include "cuda_backend.cuh"

namespace srns::cuda_detail {

void CudaBackend::save_state(std::ostream& out) const {
  DeviceState& s = st();
  gpu::BatchCounters c{};
  s.counters.download(&c, 1, stream());
  out.write(reinterpret_cast<const char*>(&c.step), sizeof(c.step));
  for (const auto* m : {&s.user_m, &s.user_v, &s.item_m, &s.item_v, &s.head_m, &s.head_v}) {
    gpu::save_device(out, *m, stream());
  }
  sampler_->save(out, stream());
}

void CudaBackend::load_state(std::istream& in) {
  DeviceState& s = st();
  gpu::BatchCounters c{};
  s.counters.download(&c, 1, stream());
  in.read(reinterpret_cast<char*>(&c.step), sizeof(c.step));
  if (!in || c.step < 0) throw std::runtime_error("checkpoint: no valid optimiser step");
  s.counters.upload(&c, 1, stream());
  const char* names[] = {"user_m", "user_v", "item_m", "item_v", "head_m", "head_v"};
  int k = 0;
  for (auto* m : {&s.user_m, &s.user_v, &s.item_m, &s.item_v, &s.head_m, &s.head_v}) {
    gpu::load_device(in, m, std::string("optimiser moment ") + names[k++], stream());
  }
  sampler_->load(in, stream());
  stream_->synchronize();
}

Model CudaBackend::get_model() const {
  DeviceState& s = st();
  Model m;
  m.kind = kind_;
  m.mlp = mlp_;
  m.n_users = n_users_;
  m.n_items = n_items_;
  m.dim = dim_;
  m.user = s.user.to_host(stream());
  m.item = s.item.to_host(stream());
  m.head = s.head.to_host(stream());
  return m;
}

void CudaBackend::set_model(const Model& model) {
  DeviceState& s = st();
  if (model.n_users != n_users_ || model.n_items != n_items_ || model.dim != dim_ ||
      static_cast<int64_t>(model.head.size()) != s.head.size()) {
    throw std::invalid_argument("CudaBackend::set_model: sizes differ from the training model");
  }
  s.user.upload(model.user.data(), s.user.size(), stream());
  s.item.upload(model.item.data(), s.item.size(), stream());
  s.head.upload(model.head.data(), s.head.size(), stream());
  stream_->synchronize();
}

}  // namespace srns::cuda_detail
