// Checkpoints in process (train/checkpoint.hpp, the driver): for every sampler of the registry a
// run stopped after epoch 2 and resumed writes the same per-epoch numbers and the same models
// as one that never stopped; a damaged, truncated or foreign checkpoint is refused with a
// message, never half-loaded; a resume on other data or settings is refused naming the
// difference; a killed run's extra epochs are cut from epochs.jsonl. (The kill -9 of a real
// `srns train` process is cli_resume_test.cpp.)
#include "train/checkpoint.hpp"

#include <gtest/gtest.h>

#include <csignal>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "resume_test_util.hpp"
#include "srns/sampler.hpp"
#include "srns/synthetic.hpp"
#include "srns/trainer.hpp"
#include "test_util.hpp"
#include "train/records.hpp"

namespace srns {
namespace {

Dataset small_data() {
  GenConfig g;
  g.users = 60;
  g.items = 150;
  g.interactions = 1200;
  SplitOptions split;
  split.eval_negatives = 20;
  return generate_dataset(g, split);
}

TrainConfig small_config(const std::string& sampler) {
  TrainConfig c;
  c.sampler = sampler;
  c.model.dim = 8;
  c.batch_size = 64;
  c.epochs = 5;
  c.threads = 2;
  c.srns.s1 = 4;
  c.srns.s2 = 4;
  c.srns.pool_size = 16;
  c.srns.window = 3;
  c.srns.t0 = 2;
  c.eval.ks = {1, 3};
  c.eval.metric = "recall@1";
  return c;
}

RunSummary run(const Dataset& data, const TrainConfig& c, RunOptions options) {
  std::ostringstream log;
  options.quiet = true;
  options.log = &log;
  std::unique_ptr<Backend> backend = make_cpu_backend(c.threads);
  return train(data, c, *backend, options);
}

// `dir`'s run as SIGINT stops it: with the stop flag set from the start it checkpoints and stops
// after epoch 1; resumed with the flag still set, after epoch 2; resumed again, it finishes.
void stop_twice_then_finish(const Dataset& data, const TrainConfig& c, const std::string& dir) {
  std::atomic<int> stop{SIGINT};
  RunOptions o;
  o.out_dir = dir;
  o.stop = &stop;
  o.quiet = true;
  std::ostringstream log;
  o.log = &log;
  EXPECT_THROW(train(data, c, *make_cpu_backend(c.threads), o), RunInterrupted);
  o.resume = true;
  EXPECT_THROW(train(data, c, *make_cpu_backend(c.threads), o), RunInterrupted);
  EXPECT_EQ(read_checkpoint_meta(dir + "/checkpoint.bin").epoch, 2);
  o.stop = nullptr;
  run(data, c, o);
}

class ResumeEverySampler : public ::testing::TestWithParam<std::string> {};

void expect_resume_matches(const TrainConfig& c) {
  const Dataset data = small_data();
  testing::TempDir dir;
  RunOptions whole;
  whole.out_dir = dir.file("whole");
  run(data, c, whole);
  stop_twice_then_finish(data, c, dir.file("parts"));
  const auto want = testing::epoch_numbers(dir.file("whole"));
  const auto got = testing::epoch_numbers(dir.file("parts"));
  ASSERT_EQ(got.size(), want.size());
  for (size_t e = 0; e < want.size(); ++e) EXPECT_EQ(got[e], want[e]) << "epoch " << e;
  for (const char* f : {"model.bin", "last_model.bin"}) {
    EXPECT_EQ(testing::read_file(dir.file(std::string("parts/") + f)),
              testing::read_file(dir.file(std::string("whole/") + f)))
        << f;
  }
  const auto summary = [&](const std::string& r) {
    return nlohmann::json::parse(testing::read_file(r + "/summary.json"));
  };
  EXPECT_EQ(summary(dir.file("parts"))["test"], summary(dir.file("whole"))["test"]);
  EXPECT_EQ(summary(dir.file("parts"))["best_epoch"], summary(dir.file("whole"))["best_epoch"]);
  EXPECT_FALSE(std::ifstream(dir.file("parts/checkpoint.bin")).good())
      << "a finished run keeps no checkpoint";
}

TEST_P(ResumeEverySampler, StoppedAndResumedRunMatchesAnUninterruptedOne) {
  expect_resume_matches(small_config(GetParam()));
}

// The optimiser state of each rule (SGD keeps no moments; lazy Adam steps touched rows only).
TEST(ResumeEveryOptimiser, LazyAdamAndSgdResumeExactly) {
  for (OptimizerKind kind : {OptimizerKind::kLazyAdam, OptimizerKind::kSgd}) {
    SCOPED_TRACE(to_string(kind));
    TrainConfig c = small_config("srns");
    c.optim.kind = kind;
    expect_resume_matches(c);
  }
}

INSTANTIATE_TEST_SUITE_P(Registry, ResumeEverySampler,
                         ::testing::ValuesIn(testing::registry_sampler_names()),
                         testing::sampler_param_name);

class CheckpointFile : public ::testing::Test {
 protected:
  void SetUp() override {
    data_ = small_data();
    config_ = small_config("srns");
    std::atomic<int> stop{SIGTERM};
    RunOptions o;
    o.out_dir = dir_.file("run");
    o.stop = &stop;
    o.args = {"--data", "somewhere"};
    EXPECT_THROW(run(data_, config_, o), RunInterrupted);
    bytes_ = testing::read_file(dir_.file("run/checkpoint.bin"));
  }
  // Reads `bytes` into a fresh backend set up like the run; the error message, or "".
  std::string read(const std::string& bytes, const TrainConfig& c) {
    std::unique_ptr<Backend> backend = make_cpu_backend(1);
    backend->setup(prepare_training_set(data_, c), c,
                   init_model(c.model, data_.n_users, data_.n_items, c.seed));
    std::istringstream in(bytes);
    Model model, best;
    try {
      read_checkpoint(in, static_cast<int64_t>(bytes.size()), "ck.bin", &model, &best,
                      backend.get());
    } catch (const std::runtime_error& e) {
      return e.what();
    }
    return "";
  }
  // The bytes with their checksum made right again.
  static std::string resealed(std::string bytes) {
    const uint64_t h = checkpoint_checksum(bytes);
    bytes.replace(bytes.size() - 8, 8, reinterpret_cast<const char*>(&h), 8);
    return bytes;
  }

  testing::TempDir dir_;
  Dataset data_;
  TrainConfig config_;
  std::string bytes_;
};

TEST_F(CheckpointFile, HoldsTheRunAndReadsBack) {
  EXPECT_EQ(read(bytes_, config_), "");
  const CheckpointMeta meta = read_checkpoint_meta(dir_.file("run/checkpoint.bin"));
  EXPECT_EQ(meta.epoch, 1);
  EXPECT_EQ(meta.args, nlohmann::json({"--data", "somewhere"}));
  EXPECT_EQ(meta.data, data_fingerprint(data_));
  EXPECT_EQ(meta.config["sampler"], "srns");
}

TEST_F(CheckpointFile, DamageIsRefusedBeforeAnythingLoads) {
  std::string flipped = bytes_;
  flipped[bytes_.size() / 2] ^= 1;
  EXPECT_NE(read(flipped, config_).find("ck.bin: checkpoint is damaged"), std::string::npos);
  EXPECT_NE(read(bytes_.substr(0, bytes_.size() - 100), config_).find("ck.bin"), std::string::npos);
  EXPECT_EQ(read("SRNSMDL1 not a checkpoint", config_), "ck.bin is not an srns checkpoint");
  // A section length past the end of the file, with a valid checksum.
  std::string longer = bytes_;
  const int64_t huge = int64_t{1} << 40;
  longer.replace(8, 8, reinterpret_cast<const char*>(&huge), 8);
  EXPECT_NE(read(resealed(longer), config_).find("the header section is truncated"),
            std::string::npos);
}

TEST_F(CheckpointFile, AnotherRunsStateIsRefused) {
  TrainConfig other = config_;
  other.srns.s1 = 3;  // another memory size: the sampler's arrays do not fit
  const std::string why = read(bytes_, other);
  EXPECT_NE(why.find("checkpoint: SRNS memory has"), std::string::npos) << why;
}

TEST_F(CheckpointFile, ResumeOnOtherDataOrSettingsNamesTheDifference) {
  const CheckpointMeta meta = read_checkpoint_meta(dir_.file("run/checkpoint.bin"));
  const nlohmann::json same = to_json(config_);
  EXPECT_EQ(resume_mismatch(meta, same, data_fingerprint(data_)), "");
  TrainConfig free = config_;
  free.threads = 7;
  free.epochs = 50;
  free.device = "cpu";
  EXPECT_EQ(resume_mismatch(meta, to_json(free), data_fingerprint(data_)), "");
  TrainConfig lr = config_;
  lr.optim.lr = 0.01f;
  EXPECT_EQ(resume_mismatch(meta, to_json(lr), data_fingerprint(data_)),
            "the settings differ from the checkpoint's: optimizer.lr is 0.01 here but 0.001 in "
            "the checkpoint (only --threads, --device, --gpu and --epochs may change)");
  Dataset other = data_;
  other.train.cols[0] = (other.train.cols[0] + 1) % other.n_items;
  EXPECT_EQ(resume_mismatch(meta, same, data_fingerprint(other))
                .rfind("the data differs from the checkpoint's: train_hash ", 0),
            0u);
}

// A run killed after a checkpoint may have written later epochs, the last one half: resuming
// keeps epochs 0 .. the checkpoint's.
TEST(RunDirResume, CutsEpochsPastTheCheckpoint) {
  testing::TempDir dir;
  std::string lines;
  for (int e = 0; e <= 5; ++e) lines += "{\"epoch\":" + std::to_string(e) + "}\n";
  testing::write_file(dir.file("epochs.jsonl"), lines + "{\"epoch\":6,\"lo");
  {
    RunDir reopened(dir.path(), 3);
    reopened.append_epoch({{"epoch", 4}, {"again", true}});
  }
  EXPECT_EQ(testing::read_file(dir.file("epochs.jsonl")),
            "{\"epoch\":0}\n{\"epoch\":1}\n{\"epoch\":2}\n{\"epoch\":3}\n"
            "{\"again\":true,\"epoch\":4}\n");
  testing::write_file(dir.file("epochs.jsonl"), "{\"epoch\":0}\n");
  EXPECT_THROW(RunDir(dir.path(), 3), std::runtime_error);
}

}  // namespace
}  // namespace srns
