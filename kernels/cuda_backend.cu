// Placeholder until the CUDA backend lands (issue 3): reports itself unavailable.
#include <stdexcept>

#include "srns/backend.hpp"

namespace srns {

std::unique_ptr<Backend> make_cuda_backend() {
  throw std::runtime_error("the CUDA backend is not part of this build yet; use --device cpu");
}

}  // namespace srns
