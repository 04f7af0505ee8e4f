// The Sampler unit: how a negative is chosen for each positive pair of a batch.
//
// A sampler is written once per backend under matching names (faiss style):
//   cpu::FooSampler   src/cpu/foo_sampler.cpp        (the reference; src/cpu/sampler.hpp)
//   gpu::FooSampler   kernels/foo_sampler.cu         (its twin;      kernels/sampler.cuh)
// with the per-sample math both compile in include/srns/samplers/foo.hpp, which also holds
// its SamplerInfo (name, meaning, reference, flags). Each unit owns its state (memories,
// pools, score history, a generator model) and gives the batch loop:
//   setup(training set, config, model)     build the state
//   begin_epoch(t, model)                  per-epoch draws (pools, ...)
//   select(batch, model) -> negatives[B]   with the model as it is at the start of the batch
//   end_epoch(t, model)                    record what the next epochs need (score history);
//                                          t = -1 is "before training"
//   save(stream) / load(stream)            its state, for checkpoints
//   footprint                              the bytes of its state
// The batch loop then forms the pair gradients through the scorer (scorer.hpp), sums them
// per row and steps the optimiser; it never asks which sampler it runs.
//
// Adding a sampler: include/srns/samplers/foo.hpp (math + info), one line in
// include/srns/samplers/all.hpp, src/cpu/foo_sampler.cpp, kernels/foo_sampler.cu, and its
// tests. Its flags come from its SamplerInfo: the CLI, config.json and validation read them
// from the registry.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace srns {

struct TrainConfig;

// A flag of one sampler (--flag VALUE), range-checked where it is parsed: a number, or, when
// `choices` is not empty, one of those words (held as its index: min 0, max choices - 1,
// integer; default_value is the default word's index).
struct SamplerOption {
  std::string flag;  // without the dashes, e.g. "popularity-exponent"
  double default_value;
  double min, max;  // accepted closed range
  bool integer;     // whole numbers only
  std::string help;
  std::vector<std::string> choices = {};
};

// The text of an option's value: the word for a choice, else the number.
std::string sampler_option_text(const SamplerOption& option, double value);

struct SamplerInfo {
  std::string name;          // --sampler NAME
  std::string summary;       // what it does, one or two sentences for --help
  std::string reference;     // where it comes from
  bool srns_memory = false;  // keeps SRNS's memory and pools: the SRNS flags (--s1 ...) apply
  std::vector<SamplerOption> options;
  // Trains a generator model adversarially (GAN: RNS-AS, IRGAN, AdvIR): it starts from the
  // run's initial model, which should be a pretrained one (--init); on the GPU its batch holds
  // one more kernel, the generator's optimiser step.
  bool generator = false;
};

// Every sampler, in the order of include/srns/samplers/all.hpp.
const std::vector<SamplerInfo>& sampler_registry();

// The sampler called `name`, or nullptr.
const SamplerInfo* find_sampler(const std::string& name);

// "uniform, popularity, srns, ..." for messages.
std::string sampler_names();

// Value of one of the run's sampler's options: the one set in config.sampler_options, else
// the registry's default. Throws std::invalid_argument when the sampler has no such option.
double sampler_option(const TrainConfig& config, const std::string& flag);

}  // namespace srns
