// gpu::AdvirSampler, twin of cpu::AdvirSampler (src/cpu/advir_sampler.cpp): RNS-AS's batch step
// (rns_as_sampler.cu) whose D rows are AdvIR's adversarially trained ones
// (advir_warp.cuh: warp_adversarial_pair_gradient), on AdvIR's own streams.
#include "rns_as_sampler.cuh"
#include "srns/samplers/advir.hpp"

namespace srns::gpu {

std::unique_ptr<Sampler> make_advir_sampler() {
  return make_candidate_gan_sampler(kRngAdvir, /*adversarial=*/true);
}

}  // namespace srns::gpu
