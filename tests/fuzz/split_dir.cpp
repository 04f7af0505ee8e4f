// Fuzz target: split directories (read_split_dir); what it accepts is then trained on for an
// epoch and ranked on the CPU backend, which must neither fail nor trip a sanitizer.
//
// Input: two bytes whose bits 0-8 say which files exist, in the order of kFiles; then the
// existing files' contents separated by '\0'.
#include <algorithm>
#include <string>

#include "fuzz_common.hpp"
#include "srns/backend.hpp"
#include "srns/data.hpp"
#include "srns/trainer.hpp"

namespace srns::fuzz {
namespace {

constexpr const char* kFiles[] = {"train.tsv",    "val.tsv",      "test.tsv",
                                  "val_neg.tsv",  "test_neg.tsv", "user_map.tsv",
                                  "item_map.tsv", "meta.json",    "truth.tsv"};
constexpr int64_t kMaxCells = int64_t{1} << 18;  // users x items trained on, to stay fast

void train_and_rank(const Dataset& data) {
  TrainConfig config;
  config.sampler = "uniform";
  config.model.dim = 4;
  config.batch_size = 8;
  config.threads = 1;
  config.eval.ks = {1, 3};
  std::unique_ptr<Backend> backend = make_cpu_backend(1);
  const TrainingSet set = prepare_training_set(data, config);
  backend->setup(set, config, init_model(config.model, data.n_users, data.n_items, 1));
  backend->train_epoch(0, nullptr);
  if (!data.val.empty()) evaluate(*backend, data, config.eval, false, nullptr);
  if (!data.test.empty()) evaluate(*backend, data, config.eval, true, nullptr);
}

}  // namespace

void split_dir(const uint8_t* data, size_t size) {
  const Sections s = cut(data, size, 2, 0, std::size(kFiles));
  const Scratch& scratch = Scratch::get();
  scratch.clear();
  for (size_t k = 0; k < std::size(kFiles); ++k) {
    if (s.files[k]) scratch.write(kFiles[k], *s.files[k]);
  }
  Dataset read;
  try {
    read = read_split_dir(scratch.dir());
  } catch (const DataError&) {
    return;  // refused, with file and line: the expected outcome for bad input
  }
  if (static_cast<int64_t>(read.n_users) * read.n_items <= kMaxCells) train_and_rank(read);
}

}  // namespace srns::fuzz
