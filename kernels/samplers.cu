// The registry of GPU samplers: one factory per line of samplers/all.hpp.
#include <stdexcept>

#include "sampler.cuh"
#include "srns/samplers/all.hpp"

namespace srns::gpu {

SRNS_DEFINE_SAMPLER_REGISTRY()

}  // namespace srns::gpu
