// The flags of `srns train` read into a TrainConfig (config.hpp), with the sampler units'
// own flags (SamplerInfo::options, flag_defaults) and --protocol syn-official; the arguments of
// a run to resume. cmd_train.cpp declares the flags and drives the run.
#pragma once
#include <cxxopts.hpp>
#include <string>
#include <utility>
#include <vector>

#include "srns/config.hpp"
#include "srns/sampler.hpp"

namespace srns::cli {

// "Samplers:" and a paragraph per registered sampler for --help.
std::string samplers_help();

// Each sampler option's flag with the samplers that take it, in registry order.
std::vector<std::pair<std::string, std::vector<std::string>>> sampler_flags();

// Sampler `name`'s option `flag` (both exist).
const SamplerOption& option_of(const std::string& name, const std::string& flag);

// An int flag >= lo; finer ranges that depend on other flags are validate()'s (config.hpp).
int integer(const cxxopts::ParseResult& r, const std::string& flag, int lo);

// The parsed flags as a validated TrainConfig (UsageError naming the flag otherwise).
TrainConfig config_from(const cxxopts::ParseResult& r);

// --resume RUN_DIR: the arguments the run was started with (kept in its checkpoint), then
// `given` without --resume.
std::vector<std::string> resume_args(const std::string& dir, const cxxopts::ParseResult& r,
                                     const std::vector<std::string>& given);

}  // namespace srns::cli
