// Running the srns binary (or any command) from a test: exit status and output (stdout and
// stderr together); a suite that shares one generated split and one run trained on it.
#pragma once
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <string>

#include "test_util.hpp"

namespace srns::testing {

struct CliResult {
  int status;
  std::string output;
};

// A shell command line, its stderr joined to stdout (or dropped, for output a test parses).
inline CliResult run_shell(const std::string& command, bool with_stderr = true) {
  const std::string cmd = command + (with_stderr ? " 2>&1" : " 2>/dev/null");
  FILE* pipe = popen(cmd.c_str(), "r");
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), pipe)) > 0) out.append(buf, n);
  const int raw = pclose(pipe);
  return {WIFEXITED(raw) ? WEXITSTATUS(raw) : -1, out};
}

// srns with `args`.
inline CliResult run_cli(const std::string& args, bool with_stderr = true) {
  return run_shell(std::string(SRNS_BINARY) + " " + args, with_stderr);
}

inline bool has(const std::string& text, const std::string& needle) {
  return text.find(needle) != std::string::npos;
}

// A suite sharing one generated split (file("syn"), 30 negatives per row) and one uniform run
// trained on it for 2 epochs (file("run")), made once for the suite.
class TrainedRunSuite : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir;
    auto r = run_cli("gen --users 120 --items 200 --interactions 4000 --eval-negatives 30 --out " +
                     file("syn"));
    ASSERT_EQ(r.status, 0) << r.output;
    r = run_cli("train --data " + file("syn") +
                " --sampler uniform --epochs 2 --dim 8 --threads 1 --quiet --out " + file("run"));
    ASSERT_EQ(r.status, 0) << r.output;
  }
  static void TearDownTestSuite() { delete dir_; }
  static std::string file(const std::string& name) { return dir_->file(name); }

 private:
  static inline TempDir* dir_ = nullptr;
};

}  // namespace srns::testing
