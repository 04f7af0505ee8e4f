// libFuzzer entry of one target: SRNS_FUZZ_TARGET names it (tests/fuzz/CMakeLists.txt).
#include <omp.h>

#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  omp_set_num_threads(1);  // the inputs are tiny: threads would only cost start-up time
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  SRNS_FUZZ_TARGET(data, size);
  return 0;
}
