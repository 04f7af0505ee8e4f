// Fuzz target: per-user item files (read_user_items: --fn-file, ground truth).
//
// Input: two bytes giving the user and item counts (0-255), then the file's text.
#include <string>

#include "fuzz_common.hpp"
#include "srns/data.hpp"

namespace srns::fuzz {

void user_items(const uint8_t* data, size_t size) {
  const int32_t n_users = size > 0 ? data[0] : 0, n_items = size > 1 ? data[1] : 0;
  const size_t skip = std::min<size_t>(size, 2);
  const Scratch& scratch = Scratch::get();
  scratch.clear();
  scratch.write("fn.tsv",
                std::string_view(reinterpret_cast<const char*>(data) + skip, size - skip));
  try {
    const Csr sets = read_user_items(scratch.path("fn.tsv"), n_users, n_items);
    if (sets.rows() != n_users) fail("read_user_items returned the wrong number of rows");
  } catch (const DataError&) {
    // refused, with file and line: the expected outcome for bad input
  }
}

}  // namespace srns::fuzz
