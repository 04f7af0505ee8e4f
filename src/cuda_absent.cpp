// Stands in for the CUDA backend in builds without CUDA: it reports itself absent.
#include <stdexcept>

#include "srns/backend.hpp"

namespace srns {

bool cuda_built() { return false; }

std::string cuda_unusable_reason() { return "this srns was built without CUDA"; }

std::unique_ptr<Backend> make_cuda_backend(int /*gpu*/) {
  throw std::runtime_error("this srns was built without CUDA; rebuild with -DSRNS_CUDA=ON");
}

std::string cuda_device_report() {
  return "CUDA backend: not built (configure with -DSRNS_CUDA=ON)\n";
}

}  // namespace srns
