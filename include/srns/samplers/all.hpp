// Every sampler of the engine: its header (math and SamplerInfo) and one line in the list.
// For a line X(foo) the registry expects srns::foo_info() (the header),
// srns::cpu::make_foo_sampler() (src/cpu/foo_sampler.cpp) and, in CUDA builds,
// srns::gpu::make_foo_sampler() (kernels/foo_sampler.cu).
// Philox purposes claimed by the units (rng.hpp: kRngSamplerBase + n):
//   +0 popularity   +1 dns   +2 aobpr   +3 enmf
#pragma once
#include "srns/samplers/aobpr.hpp"
#include "srns/samplers/dns.hpp"
#include "srns/samplers/enmf.hpp"
#include "srns/samplers/popularity.hpp"
#include "srns/samplers/srns.hpp"
#include "srns/samplers/uniform.hpp"

#define SRNS_SAMPLERS(X) X(uniform) X(popularity) X(dns) X(aobpr) X(srns) X(memory_random) X(enmf)
