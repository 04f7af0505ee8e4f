// Helpers shared by the srns subcommands: flag value parsing with clear errors, and the
// usage error type that main() turns into "srns <cmd>: <message>" and exit status 2.
#pragma once
#include <atomic>
#include <cxxopts.hpp>
#include <initializer_list>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "srns/backend.hpp"
#include "srns/data.hpp"

namespace srns::cli {

class UsageError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

// `value` must be one of `allowed`; the message lists them.
std::string choice(const std::string& flag, const std::string& value,
                   std::initializer_list<const char*> allowed);

// "1,3,5" -> {1, 3, 5}; each value must lie in [lo, hi].
std::vector<int> parse_int_list(const std::string& flag, const std::string& text, int lo = 1,
                                int hi = std::numeric_limits<int>::max());

// Numeric flags are declared as text (cxxopts::value<std::string>) and converted here, so a bad
// value names its flag and the range it must lie in: "--lr must be a number > 0 (got 'nan')".
// Bounds are inclusive unless `lower` says otherwise; infinite bounds are left out of messages.
enum class Lower { kInclusive, kExclusive };
int64_t int_flag(const cxxopts::ParseResult& r, const std::string& flag, int64_t lo, int64_t hi);
uint64_t seed_flag(const cxxopts::ParseResult& r, const std::string& flag);
double real_flag(const cxxopts::ParseResult& r, const std::string& flag, double lo,
                 double hi = std::numeric_limits<double>::infinity(),
                 Lower lower = Lower::kInclusive);

// --threads: 0 (the hardware threads not busy with other work) up to the hardware threads of
// this machine. A count given also becomes OpenMP's default, so every parallel region uses it.
int threads_flag(const cxxopts::ParseResult& r);

// Executes srns again with OMP_WAIT_POLICY=passive unless the user chose a waiting policy
// (omp_threads.cpp). Called first thing in main(); returns only when nothing was to be done
// or the execution failed.
void prefer_passive_waiting(char** argv);
// With no OMP_NUM_THREADS, makes OpenMP's default thread count (what --threads 0 uses) leave out
// the hardware threads other work keeps busy (omp_threads.cpp). Called once, first thing.
void choose_default_threads();
// Why --threads 0 uses fewer than all hardware threads; empty when it uses them all.
const std::string& default_threads_note();

// The backend for --device; where `auto` falls back to the CPU, one line on stderr says why
// and what the command does there ("no usable GPU (...); evaluating on the CPU"), and another
// why --threads 0 uses fewer threads than the machine has, if it does. `gpu`: the CUDA device.
std::unique_ptr<Backend> make_cli_backend(const std::string& device, int threads,
                                          const std::string& doing, int gpu = 0);

// From now on SIGINT and SIGTERM store their number in the flag returned (stop_signals.cpp),
// for the training driver to checkpoint and stop after the epoch under way; a second signal
// ends the process at once.
const std::atomic<int>* stop_on_signals();

// "4:1" -> {0.8, 0.0, 0.2}; "8:1:1" -> {0.8, 0.1, 0.1} (train:test or train:val:test).
void parse_ratio(const std::string& text, double* train, double* val, double* test);

// Creates the directory `dir` for a command's output; refuses (naming --flag) when it exists
// and is not empty, so nothing a user has is overwritten.
void create_output_dir(const std::string& dir, const std::string& flag);

// Whether stderr is a terminal (progress bars only there).
bool stderr_is_terminal();

// Reads a split directory, or generates the built-in synthetic dataset when `dir` is empty.
Dataset load_dataset(const std::string& dir, uint64_t seed, bool quiet);

// Prints help (flag groups in the given order; all groups when empty) and returns true when
// --help was given.
bool handle_help(const cxxopts::Options& options, const cxxopts::ParseResult& result,
                 const std::string& examples, const std::vector<std::string>& groups = {});

}  // namespace srns::cli
