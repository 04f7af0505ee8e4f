// The registry of GPU samplers: one factory per line of samplers/all.hpp.
#include <stdexcept>

#include "sampler.cuh"
#include "srns/samplers/all.hpp"

namespace srns::gpu {

#define SRNS_DECLARE_FACTORY(name) std::unique_ptr<Sampler> make_##name##_sampler();
SRNS_SAMPLERS(SRNS_DECLARE_FACTORY)
#undef SRNS_DECLARE_FACTORY

std::unique_ptr<Sampler> make_sampler(const std::string& name) {
#define SRNS_MAKE_IF(id) \
  if (name == id##_info().name) return make_##id##_sampler();
  SRNS_SAMPLERS(SRNS_MAKE_IF)
#undef SRNS_MAKE_IF
  throw std::invalid_argument("unknown sampler '" + name + "' (known: " + sampler_names() + ")");
}

}  // namespace srns::gpu
