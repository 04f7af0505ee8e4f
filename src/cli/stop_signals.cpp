// SIGINT and SIGTERM during `srns train`: the first asks the driver to finish the epoch under
// way, write a checkpoint and stop (RunOptions::stop); a second ends the process at once.
#include <unistd.h>

#include <csignal>

#include "cli/cli_common.hpp"

namespace srns::cli {
namespace {

std::atomic<int> stop_signal{0};

extern "C" void on_stop_signal(int signal) {
  stop_signal.store(signal);
  std::signal(signal, SIG_DFL);  // the next one ends the process
  static const char kNote[] =
      "\nsrns: stopping after this epoch to write a checkpoint (again to quit at once)\n";
  const ssize_t ignored = ::write(STDERR_FILENO, kNote, sizeof(kNote) - 1);
  (void)ignored;
}

}  // namespace

const std::atomic<int>* stop_on_signals() {
  std::signal(SIGINT, on_stop_signal);
  std::signal(SIGTERM, on_stop_signal);
  return &stop_signal;
}

}  // namespace srns::cli
