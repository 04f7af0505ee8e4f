// The committed fuzz corpus (tests/fuzz/corpus/<target>/: seeds from data/fixtures and every
// input the fuzzer once crashed on) replayed through the fuzz targets in the normal build, so a
// fixed crash stays fixed without clang or libFuzzer. A finding aborts the test binary.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "fuzz/fuzz_common.hpp"
#include "test_util.hpp"

namespace srns {
namespace {

namespace fs = std::filesystem;

class FuzzCorpus : public ::testing::TestWithParam<fuzz::NamedTarget> {};

TEST_P(FuzzCorpus, ReplaysWithoutFindings) {
  const fs::path dir = fs::path(SRNS_SOURCE_DIR) / "tests/fuzz/corpus" / GetParam().name;
  ASSERT_TRUE(fs::is_directory(dir)) << dir << ": every target has a seed corpus";
  int inputs = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string bytes = testing::read_file(entry.path().string());
    SCOPED_TRACE(entry.path().filename().string());
    GetParam().run(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
    ++inputs;
  }
  EXPECT_GT(inputs, 0);
}

std::string target_name(const ::testing::TestParamInfo<fuzz::NamedTarget>& target) {
  return target.param.name;
}

INSTANTIATE_TEST_SUITE_P(Targets, FuzzCorpus, ::testing::ValuesIn(fuzz::targets()), target_name);

}  // namespace
}  // namespace srns
