// Flag parsing helpers shared by the subcommands (cli_common.hpp).
#include "cli/cli_common.hpp"

#include <omp.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <sstream>

#include "data/text_io.hpp"
#include "srns/synthetic.hpp"

namespace srns::cli {

std::string choice(const std::string& flag, const std::string& value,
                   std::initializer_list<const char*> allowed) {
  std::string list;
  for (const char* a : allowed) {
    if (value == a) return value;
    list += (list.empty() ? "" : ", ") + std::string(a);
  }
  throw UsageError("--" + flag + " must be one of " + list + " (got '" + value + "')");
}

namespace {

// "in [lo, hi]", "> 0", ">= 1" or "" (any): the range a flag's value must lie in, as a message
// says it.
std::string range_text(double lo, double hi, Lower lower, bool integer) {
  const auto num = [integer](double v) {
    if (integer) return std::to_string(static_cast<int64_t>(v));
    std::ostringstream s;
    s << v;
    return s.str();
  };
  const bool open_lo = lower == Lower::kExclusive;
  // The largest int is no bound a user thinks of: "--epochs must be >= 0".
  const bool unbounded = std::isinf(hi) || (integer && hi >= std::numeric_limits<int32_t>::max());
  if (unbounded) return std::isinf(lo) ? "" : (open_lo ? "> " : ">= ") + num(lo);
  return (open_lo ? "in (" : "in [") + num(lo) + ", " + num(hi) + "]";
}

// "--lr must be a finite number > 0 (got 'nan')".
[[noreturn]] void bad_number(const std::string& flag, const std::string& kind,
                             const std::string& range, const std::string& text) {
  throw UsageError("--" + flag + " must be " + kind + (range.empty() ? "" : " " + range) +
                   " (got '" + text + "')");
}

}  // namespace

std::vector<int> parse_int_list(const std::string& flag, const std::string& text, int lo, int hi) {
  std::vector<int> out;
  std::stringstream s(text);
  std::string part;
  while (std::getline(s, part, ',')) {
    int64_t v = 0;
    if (!text::parse_int64(text::trim(part), &v) || v < lo || v > hi) {
      bad_number(flag, "comma-separated integers", range_text(lo, hi, Lower::kInclusive, true),
                 text);
    }
    out.push_back(static_cast<int>(v));
  }
  if (out.empty()) throw UsageError("--" + flag + " needs at least one value");
  return out;
}

int64_t int_flag(const cxxopts::ParseResult& r, const std::string& flag, int64_t lo, int64_t hi) {
  const std::string text = r[flag].as<std::string>();
  int64_t v = 0;
  const std::string range =
      range_text(static_cast<double>(lo), static_cast<double>(hi), Lower::kInclusive, true);
  if (!text::parse_int64(text::trim(text), &v) || v < lo || v > hi) {
    bad_number(flag, "an integer", range, text);
  }
  return v;
}

uint64_t seed_flag(const cxxopts::ParseResult& r, const std::string& flag) {
  const std::string text = r[flag].as<std::string>();
  uint64_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
    bad_number(flag, "an integer", "in [0, 2^64)", text);
  }
  return v;
}

double real_flag(const cxxopts::ParseResult& r, const std::string& flag, double lo, double hi,
                 Lower lower) {
  const std::string text = r[flag].as<std::string>();
  double v = 0;
  const std::string range = range_text(lo, hi, lower, false);
  // parse_double accepts finite numbers only: "nan" and "inf" are refused here.
  if (!text::parse_double(text::trim(text), &v) || v < lo || v > hi ||
      (lower == Lower::kExclusive && v == lo)) {
    bad_number(flag, "a finite number", range, text);
  }
  return v;
}

int threads_flag(const cxxopts::ParseResult& r) {
  const int hardware = std::max(1, omp_get_num_procs());
  try {
    const int threads = static_cast<int>(int_flag(r, "threads", 0, hardware));
    if (threads > 0) omp_set_num_threads(threads);
    return threads;
  } catch (const UsageError& e) {
    throw UsageError(std::string(e.what()) + "; this machine has " + std::to_string(hardware) +
                     " hardware threads, and 0 uses them all");
  }
}

std::unique_ptr<Backend> make_cli_backend(const std::string& device, int threads,
                                          const std::string& doing, int gpu) {
  std::string note;
  std::unique_ptr<Backend> backend = make_backend(device, threads, &note, gpu);
  if (!note.empty()) std::cerr << "srns: " << note << "; " << doing << " on the CPU\n";
  const bool on_cpu = device == "cpu" || !note.empty();  // auto falls back with a note
  if (on_cpu && threads == 0 && !default_threads_note().empty()) {
    std::cerr << "srns: " << default_threads_note() << "\n";
  }
  return backend;
}

void parse_ratio(const std::string& text, double* train, double* val, double* test) {
  std::vector<double> parts;
  std::stringstream s(text);
  std::string part;
  while (std::getline(s, part, ':')) {
    try {
      size_t used = 0;
      const double v = std::stod(part, &used);
      if (used != part.size() || v < 0) throw std::invalid_argument(part);
      parts.push_back(v);
    } catch (const std::exception&) {
      parts.clear();
      break;
    }
  }
  double sum = 0;
  for (double p : parts) sum += p;
  if ((parts.size() != 2 && parts.size() != 3) || sum <= 0 || parts[0] <= 0) {
    throw UsageError(
        "--ratio expects train:test or train:val:test weights, e.g. 4:1 or 8:1:1 "
        "(got '" +
        text + "')");
  }
  *train = parts[0] / sum;
  *val = parts.size() == 3 ? parts[1] / sum : 0.0;
  *test = parts.back() / sum;
}

void create_output_dir(const std::string& dir, const std::string& flag) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::exists(dir, ec) && !(fs::is_directory(dir, ec) && fs::is_empty(dir, ec))) {
    throw UsageError("--" + flag + " " + dir +
                     " already exists and is not empty; choose another (nothing was overwritten)");
  }
  fs::create_directories(dir, ec);
  if (ec) throw DataError("cannot create directory " + dir + ": " + ec.message());
}

bool stderr_is_terminal() { return isatty(STDERR_FILENO) == 1; }

Dataset load_dataset(const std::string& dir, uint64_t seed, bool quiet) {
  if (!dir.empty()) return read_split_dir(dir);
  GenConfig gen;
  gen.seed = seed;
  SplitOptions split;
  split.seed = seed;
  if (!quiet) {
    std::cerr << "srns: no --data given: using the built-in synthetic dataset (" << gen.users
              << " users, " << gen.items << " items, ~" << gen.interactions
              << " interactions, leave-one-out, " << split.eval_negatives
              << " sampled negatives); see `srns gen --help`\n";
  }
  return generate_dataset(gen, split);
}

bool handle_help(const cxxopts::Options& options, const cxxopts::ParseResult& result,
                 const std::string& examples, const std::vector<std::string>& groups) {
  if (!result.count("help")) return false;
  std::cout << (groups.empty() ? options.help() : options.help(groups)) << examples;
  return true;
}

}  // namespace srns::cli
