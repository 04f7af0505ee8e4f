// The driver on data and settings at the edges: each evaluation set ranked by what it has and
// labelled so, data without evaluation rows, an empty training set, a batch larger than the
// data. Each case fails early with a clear message or trains as documented; none ends in a
// bare exception from deep inside.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "srns/synthetic.hpp"
#include "srns/trainer.hpp"
#include "test_util.hpp"

namespace srns {
namespace {

Dataset small_data() {
  GenConfig g;
  g.users = 150;
  g.items = 200;
  g.interactions = 5000;
  g.seed = 5;
  SplitOptions s;
  s.seed = 5;
  s.eval_negatives = 20;
  return generate_dataset(g, s);
}

TrainConfig small_config() {
  TrainConfig c;
  c.sampler = "uniform";
  c.model.dim = 8;
  c.batch_size = 256;
  c.epochs = 2;
  c.eval.ks = {1, 5};
  c.threads = 1;
  return c;
}

struct Trained {
  RunSummary summary;
  std::string log;
};

Trained run(const Dataset& data, const TrainConfig& config, const std::string& out_dir = "") {
  std::unique_ptr<Backend> backend = make_cpu_backend(config.threads);
  std::ostringstream log;
  RunOptions options;
  options.log = &log;
  options.out_dir = out_dir;
  Trained t{train(data, config, *backend, options), ""};
  t.log = log.str();
  return t;
}

bool has(const std::string& text, const std::string& needle) {
  return text.find(needle) != std::string::npos;
}

// A split whose test rows lost their negatives (no test_neg.tsv) is ranked in full for test,
// sampled for validation, and says so; it used to be labelled "sampled" for both.
TEST(TrainInputs, EvalModeIsDecidedAndLabelledPerSet) {
  Dataset data = small_data();
  data.test.n_neg = 0;
  data.test.negatives.clear();
  testing::TempDir dir;
  const Trained t = run(data, small_config(), dir.file("run"));
  EXPECT_EQ(t.summary.val_eval_mode, "sampled");
  EXPECT_EQ(t.summary.test_eval_mode, "full");
  EXPECT_TRUE(has(t.log, "note: validation uses sampled ranking but test uses full ranking"))
      << t.log;
  EXPECT_TRUE(has(t.log, "full ranking, test metrics")) << t.log;
  const nlohmann::json summary =
      nlohmann::json::parse(testing::read_file(dir.file("run/summary.json")));
  EXPECT_EQ(summary["eval_mode"], nlohmann::json({{"val", "sampled"}, {"test", "full"}}));

  // --eval sampled without test negatives stops before training, naming the set and the file.
  TrainConfig sampled = small_config();
  sampled.eval.mode = EvalMode::kSampled;
  try {
    run(data, sampled, dir.file("refused"));
    FAIL() << "expected an error";
  } catch (const std::invalid_argument& e) {
    EXPECT_TRUE(has(e.what(),
                    "--eval sampled needs sampled negatives for the test rows "
                    "(test_neg.tsv)"))
        << e.what();
  }
  EXPECT_FALSE(std::filesystem::exists(dir.file("refused"))) << "nothing written before the check";
}

// A train-only split trains, evaluates nothing and keeps the final model (it ended in map::at);
// a split with validation but no test rows keeps the best model untested.
TEST(TrainInputs, DataWithoutEvaluationRowsTrains) {
  Dataset data = small_data();
  data.val = EvalSet();
  data.test = EvalSet();
  testing::TempDir dir;
  const Trained none = run(data, small_config(), dir.file("none"));
  EXPECT_TRUE(has(none.log, "no validation or test rows: nothing is evaluated")) << none.log;
  EXPECT_TRUE(has(none.log, "no test rows, so it is not tested")) << none.log;
  EXPECT_TRUE(none.summary.test.empty());
  EXPECT_EQ(none.summary.best_epoch, 2);
  EXPECT_TRUE(std::filesystem::exists(dir.file("none/model.bin")));

  Dataset val_only = small_data();
  val_only.test = EvalSet();
  const Trained v = run(val_only, small_config());
  EXPECT_EQ(v.summary.val_eval_mode, "sampled");
  EXPECT_EQ(v.summary.test_eval_mode, "");
  EXPECT_TRUE(v.summary.test.empty());
  EXPECT_TRUE(has(v.log, "best model: epoch")) << v.log;
}

TEST(TrainInputs, RefusesAnEmptyTrainingSet) {
  Dataset data = small_data();
  data.train = Csr::from_pairs({}, data.n_users);
  try {
    run(data, small_config());
    FAIL() << "expected an error";
  } catch (const DataError& e) {
    EXPECT_TRUE(has(e.what(), "synthetic: the training set is empty: there is nothing to train"))
        << e.what();
  }
}

// --batch-size beyond the training pairs trains the one batch a batch of exactly their number
// trains, bit for bit, without buffers sized by the flag (it ended in std::bad_alloc).
TEST(TrainInputs, BatchLargerThanTheDataIsOneBatchOfIt) {
  const Dataset data = small_data();
  TrainConfig exact = small_config();
  exact.batch_size = static_cast<int>(data.train.nnz());
  TrainConfig huge = small_config();
  huge.batch_size = 100000000;
  const Trained a = run(data, exact);
  const Trained b = run(data, huge);
  ASSERT_EQ(a.summary.epochs.size(), b.summary.epochs.size());
  for (size_t e = 0; e < a.summary.epochs.size(); ++e) {
    EXPECT_EQ(a.summary.epochs[e].loss, b.summary.epochs[e].loss) << "epoch " << e + 1;
  }
  EXPECT_EQ(a.summary.test, b.summary.test);
  EXPECT_TRUE(has(b.log, "note: --batch-size 100000000 is more than the " +
                             std::to_string(data.train.nnz()) + " training pairs"))
      << b.log;
}

}  // namespace
}  // namespace srns
