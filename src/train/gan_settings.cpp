// The run's generator settings from its sampler's options (samplers/gan.hpp).
#include "srns/config.hpp"
#include "srns/samplers/gan.hpp"

namespace srns {

GanSettings gan_settings(const TrainConfig& config) {
  GanSettings s;
  const SamplerInfo* info = find_sampler(config.sampler);
  if (!info) return s;
  for (const SamplerOption& o : info->options) {
    const double value = sampler_option(config, o.flag);
    if (o.flag == "gan-candidates") s.candidates = static_cast<int>(value);
    if (o.flag == "gen-tau") s.tau = static_cast<float>(value);
    if (o.flag == "gen-lr") s.lr = static_cast<float>(value);
    if (o.flag == "gen-reg") s.reg = static_cast<float>(value);
  }
  return s;
}

}  // namespace srns
