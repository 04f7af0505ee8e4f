// Every sampler of the engine: its header (math and SamplerInfo) and one line in the list.
// For a line X(foo) the registry expects srns::foo_info() (the header),
// srns::cpu::make_foo_sampler() (src/cpu/foo_sampler.cpp) and, in CUDA builds,
// srns::gpu::make_foo_sampler() (kernels/foo_sampler.cu).
// Philox purposes of the samplers (rng.hpp: kRngSamplerBase + n): popularity 0, rns-as 1,
// irgan 2, advir 3, srns-syn 9 and 10; the next sampler that draws takes 4.
#pragma once
#include "srns/samplers/advir.hpp"
#include "srns/samplers/irgan.hpp"
#include "srns/samplers/popularity.hpp"
#include "srns/samplers/rns_as.hpp"
#include "srns/samplers/srns.hpp"
#include "srns/samplers/srns_syn.hpp"
#include "srns/samplers/uniform.hpp"

#define SRNS_SAMPLERS(X) \
  X(uniform) X(popularity) X(srns) X(memory_random) X(srns_syn) X(rns_as) X(irgan) X(advir)

// The registry of one backend, in that backend's namespace: the factories' declarations and
// make_sampler(name) over the list (src/cpu/samplers.cpp and kernels/samplers.cu are this).
#define SRNS_DEFINE_SAMPLER_REGISTRY()                                                        \
  SRNS_SAMPLERS(SRNS_DECLARE_SAMPLER_FACTORY)                                                 \
  std::unique_ptr<Sampler> make_sampler(const std::string& name) {                            \
    SRNS_SAMPLERS(SRNS_MAKE_SAMPLER_IF)                                                       \
    throw std::invalid_argument("unknown sampler '" + name + "' (known: " + sampler_names() + \
                                ")");                                                         \
  }
#define SRNS_DECLARE_SAMPLER_FACTORY(id) std::unique_ptr<Sampler> make_##id##_sampler();
#define SRNS_MAKE_SAMPLER_IF(id) \
  if (name == id##_info().name) return make_##id##_sampler();
