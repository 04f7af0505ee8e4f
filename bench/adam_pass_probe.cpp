// How close the CPU backend's dense Adam pass runs to its arithmetic, within one run: the
// engine's own cpu::optimizer_step (dense Adam, every row of both tables every step, the batch's
// summed gradients looked up per row) against a plain loop of Adam's arithmetic over the same
// number of elements (a square root and a division per element, contiguous arrays), both
// on tables of ML-1M's size, at one thread and at --threads.
//
// Issue 11 found the engine's pass at 2.4-2.8 times the plain loop here (0.33 s against 0.12 s
// on one thread of the AMD EPYC VM): adam_update read m back right after storing it, and that
// vector reload waited for the store (fixed in include/srns/math.hpp; since then 1.3-1.8). A
// ratio well above that again means the pass lost its vector form or stalls again.
//
//   build/bench/adam_pass_probe [--users 6040] [--items 3706] [--dim 32] [--steps 988]
//                               [--batch 1000] [--threads 2]
#include <omp.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <vector>

#include "cpu/cpu_ops.hpp"
#include "srns/math.hpp"

namespace {

using Clock = std::chrono::steady_clock;

struct Args {
  int32_t users = 6040, items = 3706, dim = 32, steps = 988, batch = 1000, threads = 2;
};

Args parse(int argc, char** argv) {
  Args a;
  const struct {
    const char* flag;
    int32_t* value;
  } flags[] = {{"--users", &a.users}, {"--items", &a.items}, {"--dim", &a.dim},
               {"--steps", &a.steps}, {"--batch", &a.batch}, {"--threads", &a.threads}};
  for (int k = 1; k < argc; k += 2) {
    int32_t* value = nullptr;
    for (const auto& f : flags) {
      if (std::strcmp(argv[k], f.flag) == 0) value = f.value;
    }
    if (!value) {
      std::fprintf(stderr, "adam_pass_probe: unknown flag %s\n", argv[k]);
      std::exit(2);
    }
    if (k + 1 >= argc || std::atoi(argv[k + 1]) <= 0) {
      std::fprintf(stderr, "adam_pass_probe: %s needs a positive integer\n", argv[k]);
      std::exit(2);
    }
    *value = std::atoi(argv[k + 1]);
  }
  return a;
}

// A batch's summed gradients: the rows of `batch` random users and 2 x `batch` random items.
srns::cpu::RowGradients random_batch(const Args& a, std::mt19937* rng) {
  srns::cpu::RowGradients g;
  g.user_slot.assign(a.users, -1);
  g.item_slot.assign(a.items, -1);
  const auto add = [&](int32_t row, std::vector<int32_t>* slot, std::vector<int32_t>* rows) {
    if ((*slot)[row] >= 0) return;
    (*slot)[row] = static_cast<int32_t>(rows->size());
    rows->push_back(row);
  };
  for (int32_t k = 0; k < a.batch; ++k) {
    add(static_cast<int32_t>((*rng)() % a.users), &g.user_slot, &g.user_rows);
    add(static_cast<int32_t>((*rng)() % a.items), &g.item_slot, &g.item_rows);
    add(static_cast<int32_t>((*rng)() % a.items), &g.item_slot, &g.item_rows);
  }
  std::normal_distribution<float> n(0.0f, 0.01f);
  g.user_grad.resize(g.user_rows.size() * a.dim);
  g.item_grad.resize(g.item_rows.size() * a.dim);
  for (float& x : g.user_grad) x = n(*rng);
  for (float& x : g.item_grad) x = n(*rng);
  g.head_grad.assign(a.dim, 0.0f);
  return g;
}

// Seconds of `steps` engine steps (two batches alternating; moments start at 0, so rows no
// batch touches stay at 0 and none turns subnormal).
double engine_seconds(const Args& a, int threads) {
  srns::Model model;
  model.n_users = a.users;
  model.n_items = a.items;
  model.dim = a.dim;
  std::mt19937 rng(1);
  std::normal_distribution<float> n(0.0f, 0.1f);
  model.user.resize(static_cast<size_t>(a.users) * a.dim);
  model.item.resize(static_cast<size_t>(a.items) * a.dim);
  for (float& x : model.user) x = n(rng);
  for (float& x : model.item) x = n(rng);
  model.head.assign(a.dim, 1.0f);
  srns::cpu::OptimState s;
  s.user_m.assign(model.user.size(), 0.0f);
  s.user_v.assign(model.user.size(), 0.0f);
  s.item_m.assign(model.item.size(), 0.0f);
  s.item_v.assign(model.item.size(), 0.0f);
  s.head_m.assign(a.dim, 0.0f);
  s.head_v.assign(a.dim, 0.0f);
  const srns::cpu::RowGradients batches[2] = {random_batch(a, &rng), random_batch(a, &rng)};
  srns::OptimConfig c;  // dense Adam, lr 1e-3
  const auto t0 = Clock::now();
  for (int32_t k = 0; k < a.steps; ++k) {
    srns::cpu::optimizer_step(c, batches[k % 2], &model, &s, threads);
  }
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// Seconds of `steps` passes of Adam's arithmetic over (users + items) x dim contiguous elements,
// written out here (not adam_update: the floor must not move with the code it measures).
double plain_seconds(const Args& a, int threads) {
  const int64_t n = static_cast<int64_t>(a.users + a.items) * a.dim;
  std::vector<float> w(n, 0.1f), m(n, 1e-3f), v(n, 1e-5f), g(n, 1e-3f);
  float* const pw = w.data();
  float* const pm = m.data();
  float* const pv = v.data();
  const float* const pg = g.data();
  const auto t0 = Clock::now();
  for (int32_t k = 1; k <= a.steps; ++k) {
    const srns::AdamStep st = srns::adam_step_scalars(1e-3f, 0.9f, 0.999f, 1e-8f, k);
#pragma omp parallel for num_threads(threads) schedule(static)
    for (int64_t x = 0; x < n; ++x) {
      const float mt = st.beta1 * pm[x] + (1.0f - st.beta1) * pg[x];
      const float vt = st.beta2 * pv[x] + (1.0f - st.beta2) * (pg[x] * pg[x]);
      pm[x] = mt;
      pv[x] = vt;
      pw[x] = pw[x] - st.lr_t * mt / (std::sqrt(vt) + st.eps);
    }
  }
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
  const Args a = parse(argc, argv);
  std::printf("adam_pass_probe: %d users, %d items, F = %d, %d steps of %d pairs\n", a.users,
              a.items, a.dim, a.steps, a.batch);
  std::printf("threads  engine s  plain-loop s  engine/plain\n");
  for (int t : {1, a.threads}) {
    const double e = engine_seconds(a, t);
    const double p = plain_seconds(a, t);
    std::printf("%7d  %8.3f  %12.3f  %12.2f\n", t, e, p, e / p);
    if (a.threads == 1) break;
  }
  return 0;
}
