// Checkpoint state on the GPU (Backend::save_state / load_state, the sampler units' save/load),
// for every sampler of the registry:
//   - the CUDA backend reads the CPU backend's bytes and writes them back unchanged (the twins
//     share one format, so a checkpoint resumes on either backend);
//   - a CUDA run (ordered sums: --deterministic) stopped after epoch 2 and resumed in a fresh
//     backend trains epoch 3 to the same loss and model, bit for bit, as one never stopped.
#include <gtest/gtest.h>

#include <cstring>
#include <sstream>

#include "../resume_test_util.hpp"
#include "cuda_test_util.cuh"
#include "parity_fixture.cuh"
#include "srns/sampler.hpp"
#include "srns/trainer.hpp"

namespace srns {
namespace {

TrainConfig state_config(const std::string& sampler) {
  TrainConfig c;
  c.sampler = sampler;
  c.model.dim = 16;
  c.batch_size = 256;
  c.srns.s1 = 4;
  c.srns.s2 = 8;
  c.srns.pool_size = 40;
  c.srns.window = 3;
  c.srns.t0 = 2;
  c.deterministic = true;
  c.seed = 7;
  return c;
}

std::string state_of(const Backend& b) {
  std::ostringstream out;
  b.save_state(out);
  return out.str();
}

// Sets `b` up for `c` on `set`, trains `epochs` epochs (with the sampler's epoch ends).
void setup_and_train(Backend* b, const TrainingSet& set, const TrainConfig& c, const Model& init,
                     int epochs) {
  b->setup(set, c, init);
  b->end_epoch(-1, nullptr);
  for (int t = 0; t < epochs; ++t) {
    b->train_epoch(t, nullptr);
    b->end_epoch(t, nullptr);
  }
}

// The data, config, training set and initial model both tests start from.
class CheckpointState : public ::testing::TestWithParam<std::string> {
 protected:
  CheckpointState()
      : data_(testing::parity_data(200, 300, 6000, 5)),
        c_(state_config(GetParam())),
        set_(prepare_training_set(data_, c_)),
        init_(init_model(c_.model, data_.n_users, data_.n_items, c_.seed)) {}
  const Dataset data_;
  const TrainConfig c_;
  const TrainingSet set_;
  const Model init_;
};

TEST_P(CheckpointState, CudaReadsAndWritesTheCpuBytes) {
  SRNS_SKIP_WITHOUT_GPU();
  const TrainingSet& set = set_;
  const TrainConfig& c = c_;
  std::unique_ptr<Backend> cpu = make_cpu_backend(2);
  setup_and_train(cpu.get(), set, c, init_, 2);
  const std::string bytes = state_of(*cpu);
  std::unique_ptr<Backend> gpu = make_cuda_backend(0);
  gpu->setup(set, c, cpu->get_model());
  std::istringstream in(bytes);
  gpu->load_state(in);
  EXPECT_EQ(static_cast<size_t>(in.tellg()), bytes.size()) << "the GPU read another length";
  const std::string back = state_of(*gpu);
  ASSERT_EQ(back.size(), bytes.size());
  EXPECT_EQ(std::memcmp(back.data(), bytes.data(), bytes.size()), 0);
}

TEST_P(CheckpointState, CudaRunResumesBitForBit) {
  SRNS_SKIP_WITHOUT_GPU();
  const TrainingSet& set = set_;
  const TrainConfig& c = c_;
  std::unique_ptr<Backend> whole = make_cuda_backend(0);
  setup_and_train(whole.get(), set, c, init_, 2);
  const std::string state = state_of(*whole);
  const Model after_two = whole->get_model();
  const EpochStats want = whole->train_epoch(2, nullptr);

  std::unique_ptr<Backend> resumed = make_cuda_backend(0);
  resumed->setup(set, c, init_);
  resumed->set_model(after_two);
  std::istringstream in(state);
  resumed->load_state(in);
  const EpochStats got = resumed->train_epoch(2, nullptr);
  EXPECT_EQ(got.loss, want.loss);
  const Model a = resumed->get_model(), b = whole->get_model();
  EXPECT_EQ(a.user, b.user);
  EXPECT_EQ(a.item, b.item);
  EXPECT_EQ(a.head, b.head);
}

INSTANTIATE_TEST_SUITE_P(Registry, CheckpointState,
                         ::testing::ValuesIn(testing::registry_sampler_names()),
                         testing::sampler_param_name);

}  // namespace
}  // namespace srns
