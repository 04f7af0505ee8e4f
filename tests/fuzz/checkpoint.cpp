// Fuzz target: checkpoint files (read_checkpoint, the body of `srns train --resume`) read into a
// CPU backend set up as the seed's run was (SRNS on a 12-user generated split); what it accepts
// must train an epoch, and write and read back as a checkpoint again.
//
// Input: the bytes of a checkpoint.bin. Its last 8 bytes are replaced by the checksum of the
// others first, so that mutations reach the parser instead of stopping at the checksum.
#include "train/checkpoint.hpp"

#include <limits>
#include <sstream>
#include <stdexcept>
#include <string>

#include "fuzz_common.hpp"
#include "srns/synthetic.hpp"
#include "srns/trainer.hpp"
#include "train/records.hpp"

namespace srns::fuzz {
namespace {

// The seed's run (make_seeds.sh): srns gen --users 12 --items 40 --interactions 80
// --eval-negatives 3, then srns train --dim 4 --batch-size 16 --s1 2 --s2 2 --pool-size 6
// --window 2.
const Dataset& seed_data() {
  static const Dataset data = [] {
    GenConfig g;
    g.users = 12;
    g.items = 40;
    g.interactions = 80;
    SplitOptions split;
    split.eval_negatives = 3;
    return generate_dataset(g, split);
  }();
  return data;
}

TrainConfig seed_config() {
  TrainConfig c;
  c.model.dim = 4;
  c.batch_size = 16;
  c.srns.s1 = 2;
  c.srns.s2 = 2;
  c.srns.pool_size = 6;
  c.srns.window = 2;
  c.threads = 1;
  return c;
}

std::unique_ptr<Backend> seed_backend() {
  const Dataset& data = seed_data();
  const TrainConfig c = seed_config();
  std::unique_ptr<Backend> backend = make_cpu_backend(1);
  backend->setup(prepare_training_set(data, c), c,
                 init_model(c.model, data.n_users, data.n_items, c.seed));
  return backend;
}

}  // namespace

void checkpoint(const uint8_t* data, size_t size) {
  std::string bytes(reinterpret_cast<const char*>(data), size);
  if (bytes.size() >= 8) {
    const uint64_t h = checkpoint_checksum(bytes);
    bytes.replace(bytes.size() - 8, 8, reinterpret_cast<const char*>(&h), 8);
  }
  std::unique_ptr<Backend> backend = seed_backend();
  std::istringstream in(bytes);
  Model model, best;
  CheckpointMeta meta;
  try {
    meta = read_checkpoint(in, static_cast<int64_t>(bytes.size()), "fuzz.ckpt", &model, &best,
                           backend.get());
  } catch (const std::runtime_error&) {
    return;  // refused, naming what is wrong: the expected outcome for bad input
  }
  resume_mismatch(meta, to_json(seed_config()), data_fingerprint(seed_data()));
  const Dataset& d = seed_data();
  // The driver refuses models that do not fit the data; what fits must train.
  if (model.n_users != d.n_users || model.n_items != d.n_items || model.dim != 4 ||
      model.kind != ModelKind::kGmf) {
    return;
  }
  backend->set_model(model);
  // The driver trains epoch t < --epochs <= INT_MAX only.
  if (meta.epoch < std::numeric_limits<int>::max()) backend->train_epoch(meta.epoch, nullptr);
  const Scratch& scratch = Scratch::get();
  scratch.clear();
  write_checkpoint(scratch.path("ck.bin"), meta, backend->get_model(), best, *backend);
  Model again, again_best;
  std::unique_ptr<Backend> fresh = seed_backend();
  try {
    read_checkpoint(scratch.path("ck.bin"), &again, &again_best, fresh.get());
  } catch (const std::runtime_error& e) {
    fail(std::string("a checkpoint written from an accepted one is refused: ") + e.what());
  }
}

}  // namespace srns::fuzz
