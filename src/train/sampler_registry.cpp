// The sampler registry (sampler.hpp): every SamplerInfo of include/srns/samplers/all.hpp.
#include <sstream>
#include <stdexcept>

#include "srns/config.hpp"
#include "srns/samplers/all.hpp"

namespace srns {

const std::vector<SamplerInfo>& sampler_registry() {
#define SRNS_SAMPLER_INFO(name) name##_info(),
  static const std::vector<SamplerInfo> registry = {SRNS_SAMPLERS(SRNS_SAMPLER_INFO)};
#undef SRNS_SAMPLER_INFO
  return registry;
}

const SamplerInfo* find_sampler(const std::string& name) {
  for (const SamplerInfo& s : sampler_registry()) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

std::string sampler_names() {
  std::string out;
  for (const SamplerInfo& s : sampler_registry()) out += (out.empty() ? "" : ", ") + s.name;
  return out;
}

std::string sampler_option_text(const SamplerOption& option, double value) {
  const int64_t index = static_cast<int64_t>(value);
  if (!option.choices.empty() && index >= 0 &&
      index < static_cast<int64_t>(option.choices.size())) {
    return option.choices[static_cast<size_t>(index)];
  }
  std::ostringstream s;
  s << value;
  return s.str();
}

double sampler_option(const TrainConfig& config, const std::string& flag) {
  const SamplerInfo* info = find_sampler(config.sampler);
  if (info) {
    for (const SamplerOption& o : info->options) {
      if (o.flag != flag) continue;
      const auto set = config.sampler_options.find(flag);
      return set != config.sampler_options.end() ? set->second : o.default_value;
    }
  }
  throw std::invalid_argument("sampler '" + config.sampler + "' has no option --" + flag);
}

}  // namespace srns
