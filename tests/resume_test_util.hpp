// Shared by the checkpoint and resume tests (CPU, CLI, CUDA): the registry's samplers as test
// parameters, and a run directory's per-epoch numbers without their timings.
#pragma once
#include <gtest/gtest.h>

#include <cctype>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "srns/sampler.hpp"

namespace srns::testing {

inline std::vector<std::string> registry_sampler_names() {
  std::vector<std::string> names;
  for (const SamplerInfo& info : sampler_registry()) names.push_back(info.name);
  return names;
}

// "memory-random" -> "memory_random": a gtest parameter name.
inline std::string sampler_param_name(const ::testing::TestParamInfo<std::string>& p) {
  std::string n = p.param;
  for (char& ch : n) ch = std::isalnum(static_cast<unsigned char>(ch)) ? ch : '_';
  return n;
}

// Each line of `run`/epochs.jsonl (epoch, loss, metrics, label error ratio) without "seconds"
// and "phases", which no two runs share.
inline std::vector<nlohmann::json> epoch_numbers(const std::string& run) {
  std::vector<nlohmann::json> rows;
  std::ifstream in(run + "/epochs.jsonl");
  std::string line;
  while (std::getline(in, line)) {
    nlohmann::json row = nlohmann::json::parse(line);
    row.erase("seconds");
    row.erase("phases");
    rows.push_back(row);
  }
  return rows;
}

}  // namespace srns::testing
