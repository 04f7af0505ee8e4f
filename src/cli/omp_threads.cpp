// OpenMP threads of the srns executable on a machine shared with other work.
//
// Each batch runs several short parallel regions, and a region ends only when its last thread
// does. Where other work holds a core, that thread waits for a scheduler slice at every region:
// an epoch with the default --threads 0 was 15 times slower than with --threads 1
// (bench/threads_under_load.sh; figures in bench/results/threads_under_load.md). Two remedies:
//
// - The default thread count leaves out the hardware threads other work keeps busy: the host's
//   runnable threads (/proc/loadavg's fourth field, the least of a few samples, less this one)
//   take their share of the CPUs this process may use. OMP_NUM_THREADS or --threads N override
//   it. Results are the same bit for bit whatever the thread count.
// - Passive waiting, for load that starts after srns does. libgomp's threads spin for
//   milliseconds at every barrier, taking CPU from the thread everyone waits for. libgomp reads
//   OMP_WAIT_POLICY once, in a constructor that runs before main() (and glibc resets the
//   environment after .preinit_array, so no earlier hook can set it): srns sets it and executes
//   itself again, once. A policy the user set (OMP_WAIT_POLICY, or libgomp's GOMP_SPINCOUNT) is
//   left alone.
#include <omp.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>

#include "cli/cli_common.hpp"

namespace srns::cli {
namespace {

// Runnable threads on the host other than this one; -1 when /proc/loadavg cannot be read.
int other_runnable_threads() {
  constexpr int kSamples = 5;
  int least = -1;
  for (int s = 0; s < kSamples; ++s) {
    if (s > 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    std::ifstream in("/proc/loadavg");
    double avg1, avg5, avg15;
    int running = 0;
    char slash;
    if (!(in >> avg1 >> avg5 >> avg15 >> running >> slash) || slash != '/') return -1;
    least = least < 0 ? running - 1 : std::min(least, running - 1);
  }
  return std::max(least, 0);
}

std::string& busy_note() {
  static std::string note;
  return note;
}

}  // namespace

void prefer_passive_waiting(char** argv) {
  if (std::getenv("OMP_WAIT_POLICY") != nullptr || std::getenv("GOMP_SPINCOUNT") != nullptr) {
    return;
  }
  if (setenv("OMP_WAIT_POLICY", "passive", 0) != 0) return;
  execv("/proc/self/exe", argv);
  // Only where /proc is missing: run on with libgomp's default waiting.
}

void choose_default_threads() {
  if (std::getenv("OMP_NUM_THREADS") != nullptr) return;
  const int usable = std::max(1, omp_get_num_procs());
  const long online = std::max(1L, sysconf(_SC_NPROCESSORS_ONLN));
  const int others = other_runnable_threads();
  if (others <= 0) return;
  const double busy_share = std::min(1.0, static_cast<double>(others) / online);
  const int free = std::max(1, static_cast<int>(std::lround(usable * (1.0 - busy_share))));
  if (free >= usable) return;
  omp_set_num_threads(free);
  busy_note() = std::to_string(usable - free) + " of " + std::to_string(usable) +
                " hardware threads are busy with other work, so --threads 0 uses " +
                std::to_string(free) + " (--threads " + std::to_string(usable) + " uses all)";
}

const std::string& default_threads_note() { return busy_note(); }

}  // namespace srns::cli
