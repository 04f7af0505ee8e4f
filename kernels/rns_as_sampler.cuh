// The GPU sampler behind RNS-AS and AdvIR (rns_as_sampler.cu): G's softmax over S1 uniform
// candidates, with D's pair rows plain (RNS-AS) or adversarially trained (AdvIR).
#pragma once
#include <cstdint>
#include <memory>

#include "sampler.cuh"

namespace srns::gpu {

// `purpose`: the sampler's Philox purpose (its streams equal its CPU twin's).
std::unique_ptr<Sampler> make_candidate_gan_sampler(uint32_t purpose, bool adversarial);

}  // namespace srns::gpu
