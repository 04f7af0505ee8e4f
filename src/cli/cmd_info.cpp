// `srns info`: version, build, CPU threads, CUDA devices.
#include <omp.h>

#include <iostream>

#include "cli/cli_common.hpp"
#include "cli/commands.hpp"
#include "srns/backend.hpp"

namespace srns::cli {

int cmd_info(int argc, char** argv) {
  cxxopts::Options options("srns info", "Show the build, CPU threads and CUDA devices.");
  options.add_options()("h,help", "Show this help");
  const cxxopts::ParseResult r = options.parse(argc, argv);
  if (handle_help(options, r, "")) return 0;
  std::cout << "srns " << SRNS_VERSION << "\n"
            << "CPU backend: " << omp_get_max_threads() << " of " << omp_get_num_procs()
            << " hardware threads (OpenMP)"
            << (default_threads_note().empty() ? "" : "; " + default_threads_note()) << "\n"
            << cuda_device_report();
  const std::string reason = cuda_unusable_reason();
  std::cout << "--device auto uses: " << (reason.empty() ? "cuda" : "cpu (" + reason + ")") << "\n";
  return 0;
}

}  // namespace srns::cli
