// Fuzz target: NCF / SRNS pre-split files (read_presplit).
//
// Input: one byte, bit 0 allowing negatives that hold their row's target, bits 1-4 saying which
// of train, test, test negatives and validation exist; then their contents separated by '\0'.
// An absent train or test file is passed by a path that does not exist.
#include <string>

#include "fuzz_common.hpp"
#include "srns/data.hpp"

namespace srns::fuzz {

void presplit(const uint8_t* data, size_t size) {
  constexpr const char* kFiles[] = {"train", "test", "test_neg", "val"};
  const Sections s = cut(data, size, 1, 1, 4);
  const Scratch& scratch = Scratch::get();
  scratch.clear();
  std::string paths[4];
  for (size_t k = 0; k < 4; ++k) {
    if (s.files[k]) scratch.write(kFiles[k], *s.files[k]);
    // Optional files are skipped with an empty path; required ones then do not exist.
    paths[k] = s.files[k] || k < 2 ? scratch.path(kFiles[k]) : "";
  }
  try {
    read_presplit(paths[0], paths[1], paths[2], paths[3], s.flags & 1);
  } catch (const DataError&) {
    // refused, with file and line: the expected outcome for bad input
  }
}

}  // namespace srns::fuzz
