// Backend selection for --device auto|cpu|cuda (backend.hpp).
#include <stdexcept>

#include "srns/backend.hpp"

namespace srns {

std::unique_ptr<Backend> make_backend(const std::string& device, int threads, std::string* note,
                                      int gpu) {
  if (device == "cpu") return make_cpu_backend(threads);
  if (device != "cuda" && device != "auto") {
    throw std::invalid_argument("--device must be auto, cpu or cuda (got '" + device + "')");
  }
  const std::string reason = cuda_unusable_reason();
  if (reason.empty()) return make_cuda_backend(gpu);
  if (device == "cuda") throw std::runtime_error("--device cuda: " + reason);
  if (note) *note = "no usable GPU (" + reason + ")";  // the caller says what it does instead
  return make_cpu_backend(threads);
}

}  // namespace srns
