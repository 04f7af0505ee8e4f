// Flag parsing helpers shared by the subcommands (cli_common.hpp).
#include "cli/cli_common.hpp"

#include <unistd.h>

#include <iostream>
#include <sstream>

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

std::vector<int> parse_int_list(const std::string& flag, const std::string& text) {
  std::vector<int> out;
  std::stringstream s(text);
  std::string part;
  while (std::getline(s, part, ',')) {
    try {
      size_t used = 0;
      const int v = std::stoi(part, &used);
      if (used != part.size()) throw std::invalid_argument(part);
      out.push_back(v);
    } catch (const std::exception&) {
      throw UsageError("--" + flag + " expects comma-separated integers (got '" + text + "')");
    }
  }
  if (out.empty()) throw UsageError("--" + flag + " needs at least one value");
  return out;
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
