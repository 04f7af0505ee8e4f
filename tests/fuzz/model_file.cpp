// Fuzz target: model files (read_model, the body of load_model); a model it accepts must save
// and load back bit for bit.
//
// Input: the bytes of a model.bin.
#include <cstring>
#include <sstream>
#include <stdexcept>
#include <string>

#include "fuzz_common.hpp"
#include "srns/model.hpp"

namespace srns::fuzz {

void model_file(const uint8_t* data, size_t size) {
  std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
  Model model;
  try {
    model = read_model(in, static_cast<int64_t>(size), "fuzz.bin");
  } catch (const std::runtime_error&) {
    return;  // refused, naming what is wrong: the expected outcome for bad input
  }
  first_nonfinite_weight(model);
  const Scratch& scratch = Scratch::get();
  scratch.clear();
  save_model(model, scratch.path("model.bin"));
  const Model back = load_model(scratch.path("model.bin"));
  const auto arrays = param_arrays(model);
  const auto back_arrays = param_arrays(back);
  for (size_t a = 0; a < arrays.size(); ++a) {
    const std::vector<float>& x = *arrays[a].values;
    const std::vector<float>& y = *back_arrays[a].values;
    if (x.size() != y.size() || std::memcmp(x.data(), y.data(), x.size() * sizeof(float)) != 0) {
      fail(std::string("model.bin round trip changed ") + arrays[a].name);
    }
  }
}

}  // namespace srns::fuzz
