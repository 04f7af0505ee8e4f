// cpu::Generator (generator.hpp).
#include "cpu/generator.hpp"

#include <istream>
#include <ostream>

#include "train/state_io.hpp"

namespace srns::cpu {

void Generator::setup(const ModelView& init, int32_t n_users, int32_t n_items, float lr,
                      int threads) {
  model_.kind = init.kind;
  model_.n_users = n_users;
  model_.n_items = n_items;
  model_.dim = init.dim;
  model_.user.assign(init.user, init.user + static_cast<int64_t>(n_users) * init.dim);
  model_.item.assign(init.item, init.item + static_cast<int64_t>(n_items) * init.dim);
  model_.head.assign(init.head, init.head + init.head_size);
  state_ = OptimState();
  for (auto* v : {&state_.user_m, &state_.user_v}) v->assign(model_.user.size(), 0.0f);
  for (auto* v : {&state_.item_m, &state_.item_v}) v->assign(model_.item.size(), 0.0f);
  for (auto* v : {&state_.head_m, &state_.head_v}) v->assign(model_.head.size(), 0.0f);
  optim_ = OptimConfig();
  optim_.kind = OptimizerKind::kAdam;
  optim_.lr = lr;
  threads_ = threads;
  reward_sum_ = 0;
  reward_count_ = 0;
  baseline_ = 0;
}

void Generator::begin_epoch() {
  if (reward_count_ > 0) baseline_ = static_cast<float>(reward_sum_ / reward_count_);
  reward_sum_ = 0;
  reward_count_ = 0;
}

void Generator::save(std::ostream& out) const {
  for (const auto* v : {&model_.user, &model_.item, &model_.head, &state_.user_m, &state_.user_v,
                        &state_.item_m, &state_.item_v, &state_.head_m, &state_.head_v}) {
    write_array(out, *v);
  }
  write_array(out, std::vector<int64_t>{state_.step, reward_count_});
  write_array(out, std::vector<double>{reward_sum_, baseline_});
}

void Generator::load(std::istream& in) {
  const char* names[] = {"generator users",  "generator items",  "generator head",
                         "generator user m", "generator user v", "generator item m",
                         "generator item v", "generator head m", "generator head v"};
  int k = 0;
  for (auto* v : {&model_.user, &model_.item, &model_.head, &state_.user_m, &state_.user_v,
                  &state_.item_m, &state_.item_v, &state_.head_m, &state_.head_v}) {
    read_array(in, v, names[k++]);
  }
  std::vector<int64_t> counts(2);
  read_array(in, &counts, "generator step");
  std::vector<double> reward(2);
  read_array(in, &reward, "generator reward");
  state_.step = counts[0];
  reward_count_ = counts[1];
  reward_sum_ = reward[0];
  baseline_ = static_cast<float>(reward[1]);
}

int64_t Generator::bytes() const {
  return 12 * static_cast<int64_t>(model_.user.size() + model_.item.size() + model_.head.size());
}

}  // namespace srns::cpu
