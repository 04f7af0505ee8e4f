// Helpers shared by the srns subcommands: flag value parsing with clear errors, and the
// usage error type that main() turns into "srns <cmd>: <message>" and exit status 2.
#pragma once
#include <cxxopts.hpp>
#include <initializer_list>
#include <stdexcept>
#include <string>
#include <vector>

#include "srns/data.hpp"

namespace srns::cli {

class UsageError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

// `value` must be one of `allowed`; the message lists them.
std::string choice(const std::string& flag, const std::string& value,
                   std::initializer_list<const char*> allowed);

// "1,3,5" -> {1, 3, 5}.
std::vector<int> parse_int_list(const std::string& flag, const std::string& text);

// "4:1" -> {0.8, 0.0, 0.2}; "8:1:1" -> {0.8, 0.1, 0.1} (train:test or train:val:test).
void parse_ratio(const std::string& text, double* train, double* val, double* test);

// Whether stderr is a terminal (progress bars only there).
bool stderr_is_terminal();

// Reads a split directory, or generates the built-in synthetic dataset when `dir` is empty.
Dataset load_dataset(const std::string& dir, uint64_t seed, bool quiet);

// Prints help (flag groups in the given order; all groups when empty) and returns true when
// --help was given.
bool handle_help(const cxxopts::Options& options, const cxxopts::ParseResult& result,
                 const std::string& examples, const std::vector<std::string>& groups = {});

}  // namespace srns::cli
