// Running the srns binary (or any command) from a test: exit status and output (stdout and stderr
// together).
#pragma once
#include <sys/wait.h>

#include <cstdio>
#include <string>

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

}  // namespace srns::testing
