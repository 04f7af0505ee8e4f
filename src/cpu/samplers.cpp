// The registry of CPU samplers: one factory per line of samplers/all.hpp.
#include <stdexcept>

#include "cpu/sampler.hpp"
#include "srns/samplers/all.hpp"

namespace srns::cpu {

SRNS_DEFINE_SAMPLER_REGISTRY()

}  // namespace srns::cpu
