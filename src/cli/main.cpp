// srns: the command-line entry point. Dispatches to a subcommand and turns errors into one
// clear line on stderr: exit status 2 for usage errors, 1 for everything else.
#include <cstring>
#include <iostream>
#include <new>
#include <string>

#include "cli/cli_common.hpp"
#include "cli/commands.hpp"
#include "srns/data.hpp"

namespace {

const char* kUsage = R"(srns - fast SRNS negative sampling for implicit collaborative filtering

Usage: srns <command> [flags]        (srns <command> --help for its flags)

Commands:
  train      train a model (SRNS or uniform negatives) and report test metrics
  eval       evaluate a saved model on a split's validation or test rows
  recommend  top-k items of a saved model for users, by raw id
  export     write a saved model's embeddings and weights as NumPy .npy files
  split      turn an interaction log into a split directory (leave-one-out or ratio)
  gen        generate a synthetic dataset with known false negatives
  info       show the build, CPU threads and CUDA devices

Quick start:
  srns train                                # built-in synthetic data
  srns split --input ratings.dat --min-rating 4 --out ml1m
  srns train --data ml1m --out runs/ml1m-srns
  srns recommend --model runs/ml1m-srns --users 1,2 --k 10
)";

}  // namespace

int main(int argc, char** argv) {
  srns::cli::prefer_passive_waiting(argv);
  if (argc < 2 || !std::strcmp(argv[1], "-h") || !std::strcmp(argv[1], "--help") ||
      !std::strcmp(argv[1], "help")) {
    std::cout << kUsage;
    return argc < 2 ? 2 : 0;
  }
  const std::string command = argv[1];
  srns::cli::choose_default_threads();
  try {
    if (command == "train") return srns::cli::cmd_train(argc - 1, argv + 1);
    if (command == "eval") return srns::cli::cmd_eval(argc - 1, argv + 1);
    if (command == "split") return srns::cli::cmd_split(argc - 1, argv + 1);
    if (command == "gen") return srns::cli::cmd_gen(argc - 1, argv + 1);
    if (command == "info") return srns::cli::cmd_info(argc - 1, argv + 1);
    if (command == "export") return srns::cli::cmd_export(argc - 1, argv + 1);
    if (command == "recommend") return srns::cli::cmd_recommend(argc - 1, argv + 1);
    std::cerr << "srns: unknown command '" << command << "'\n\n" << kUsage;
    return 2;
  } catch (const srns::cli::UsageError& e) {
    std::cerr << "srns " << command << ": " << e.what() << " (see srns " << command << " --help)\n";
    return 2;
  } catch (const cxxopts::exceptions::exception& e) {
    std::cerr << "srns " << command << ": " << e.what() << " (see srns " << command << " --help)\n";
    return 2;
  } catch (const std::bad_alloc&) {
    std::cerr << "srns " << command
              << ": error: out of memory; the data or a flag (--batch-size, --pool-size, --dim) "
                 "asks for more than this machine has\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "srns " << command << ": error: " << e.what() << "\n";
    return 1;
  }
}
