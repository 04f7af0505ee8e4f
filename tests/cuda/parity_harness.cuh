// The parity harness (ggml's test-backend-ops, in the small): an op case runs the production
// CPU op and its CUDA twin on identical inputs and lists each one's outputs by name; one
// comparison applies the rule the CPU side names for each output:
//   exact  integers (orders, pools, memory, negatives, ranks), equal element for element
//   bits   floats that are the same arithmetic on both sides (scores, optimiser steps), equal
//          bit for bit
//   close  floats through expf / log1pf or in another summation order: |gpu - cpu| <= abs +
//          rel |cpu| per element, with the worst difference reported
//   share  integers where an ulp of expf may flip a discrete choice (eq. 4 argmax): equal for
//          at least the given share of the elements
// A new op's parity test is a case that fills two Outputs (a few lines each) and a line in
// the case table of ops_parity_test.cu.
#pragma once
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "cuda_test_util.cuh"

namespace srns::testing {

enum class Rule { kExact, kBits, kClose, kShare };

struct Output {
  std::string name;
  Rule rule = Rule::kExact;
  std::vector<int64_t> ints;
  std::vector<float> floats;
  double rel = 0, abs = 0;  // kClose
  double share = 1;         // kShare
};

class Outputs {
 public:
  template <typename T>
  Outputs& exact(const std::string& name, const std::vector<T>& v) {
    Output o{name, Rule::kExact};
    o.ints.assign(v.begin(), v.end());
    list_.push_back(o);
    return *this;
  }
  Outputs& bits(const std::string& name, const std::vector<float>& v) {
    Output o{name, Rule::kBits};
    o.floats = v;
    list_.push_back(o);
    return *this;
  }
  Outputs& close(const std::string& name, const std::vector<float>& v, double rel, double abs) {
    Output o{name, Rule::kClose};
    o.floats = v;
    o.rel = rel;
    o.abs = abs;
    list_.push_back(o);
    return *this;
  }
  template <typename T>
  Outputs& share(const std::string& name, const std::vector<T>& v, double min_share) {
    Output o{name, Rule::kShare};
    o.ints.assign(v.begin(), v.end());
    o.share = min_share;
    list_.push_back(o);
    return *this;
  }
  const std::vector<Output>& list() const { return list_; }

 private:
  std::vector<Output> list_;
};

// One op case: fills the CPU's and the GPU's outputs (the GPU side may use any rule; the CPU
// side's rule decides).
struct OpCase {
  std::string name;
  std::function<void(Outputs* cpu, Outputs* gpu)> run;
};

inline void PrintTo(const OpCase& c, std::ostream* os) { *os << c.name; }

// Compares every output the CPU side names; prints one line per output.
inline void expect_parity(const Outputs& cpu, const Outputs& gpu, const std::string& tag) {
  for (const Output& want : cpu.list()) {
    const Output* got = nullptr;
    for (const Output& g : gpu.list()) {
      if (g.name == want.name) got = &g;
    }
    const std::string what = tag + ": " + want.name;
    if (!got) {
      ADD_FAILURE() << what << ": the GPU side has no such output";
      continue;
    }
    switch (want.rule) {
      case Rule::kExact:
        EXPECT_TRUE(same_values(want.ints, got->ints, what));
        break;
      case Rule::kBits:
        EXPECT_TRUE(same_values(want.floats, got->floats, what));
        break;
      case Rule::kClose: {
        const CloseReport r = compare_close(want.floats, got->floats, want.rel, want.abs);
        EXPECT_EQ(r.out_of_tolerance, 0) << r.text(what);
        std::cout << r.text(what) << "\n";
        break;
      }
      case Rule::kShare: {
        ASSERT_EQ(want.ints.size(), got->ints.size()) << what;
        int64_t same = 0;
        for (size_t k = 0; k < want.ints.size(); ++k) same += want.ints[k] == got->ints[k];
        const double n = static_cast<double>(want.ints.size());
        EXPECT_GE(static_cast<double>(same), want.share * n)
            << what << ": " << same << " of " << want.ints.size() << " equal (need " << want.share
            << ")";
        std::cout << what << ": " << same << " of " << want.ints.size() << " equal\n";
        break;
      }
    }
  }
}

}  // namespace srns::testing
