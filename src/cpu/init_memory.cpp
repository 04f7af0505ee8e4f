// SRNS's initial memory on the CPU (reference for kernels/init_memory.cu): each user's row from
// init_memory_row (samplers/srns.hpp), its own stream per user.
#include "cpu/cpu_ops.hpp"
#include "srns/samplers/srns.hpp"

namespace srns::cpu {

void init_memory(const SrnsView& view, int32_t* memory, int threads) {
#pragma omp parallel for num_threads(threads) schedule(static)
  for (int32_t u = 0; u < view.n_users; ++u) {
    init_memory_row(view.seed, u, view.s1, view.fn_count(u), view.pool_size,
                    memory + static_cast<int64_t>(u) * view.s1);
  }
}

void memory_items(const SrnsView& view, const int32_t* memory, int32_t* items, int threads) {
#pragma omp parallel for num_threads(threads) schedule(static)
  for (int32_t u = 0; u < view.n_users; ++u) {
    const int64_t at = static_cast<int64_t>(u) * view.s1;
    for (int k = 0; k < view.s1; ++k) items[at + k] = view.entry_item(u, k, memory[at + k]);
  }
}

}  // namespace srns::cpu
