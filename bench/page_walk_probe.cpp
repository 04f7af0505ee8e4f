// What a scattered load costs on this machine, and how much of it is address translation:
// random 64-byte lines read through pointer chains laid out three ways,
//   packed     N lines side by side (N * 64 bytes; at the default N, 4 MB: cache-resident)
//   per-page   the same N lines, one per 4 KB page (4160 bytes apart: the same data, but N
//              distinct pages)
//   spread     N lines anywhere in a region the size of the ML-1M dense score history (448 MB)
// each walked by 1 chain (latency: every load waits for the last) and by 16 chains at once
// (throughput: up to 16 loads in flight, as the SRNS step's prefetches are). Memory is
// advised MADV_HUGEPAGE before first touch, as the engine's history and pools are; the
// "huge-page MB" column is how much of it the kernel really backed with 2 MB pages
// (/proc/self/smaps), which a fragmented machine may refuse. packed vs per-page isolates
// translation; --lines 1048576 puts 64 MB of lines in play (beyond this VM's caches).
//
//   build/bench/page_walk_probe [--lines N] [--loads L] [--small-pages]
// (--small-pages advises MADV_NOHUGEPAGE instead: the tables on 4 KB pages.)
#include <sys/mman.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <string>
#include <vector>

namespace {

constexpr int64_t kLine = 64;
constexpr int kChains = 16;

struct Region {
  char* base = nullptr;
  int64_t bytes = 0;
  Region(int64_t n, bool huge) : bytes((n + (2 << 20) - 1) / (2 << 20) * (2 << 20)) {
    base = static_cast<char*>(std::aligned_alloc(2 << 20, bytes));
    if (!base) {
      std::fprintf(stderr, "page_walk_probe: cannot allocate %lld bytes\n",
                   static_cast<long long>(bytes));
      std::exit(1);
    }
    madvise(base, bytes, huge ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
    std::memset(base, 0, bytes);
  }
  ~Region() { std::free(base); }
};

// MB of the mapping holding `p` that the kernel backs with transparent huge pages
// (/proc/self/smaps, AnonHugePages), or -1 where it cannot be read.
double huge_mb(const void* p) {
  std::ifstream in("/proc/self/smaps");
  std::string line;
  bool inside = false;
  const uintptr_t a = reinterpret_cast<uintptr_t>(p);
  while (std::getline(in, line)) {
    unsigned long long lo = 0, hi = 0;
    if (std::sscanf(line.c_str(), "%llx-%llx ", &lo, &hi) == 2 && line.find(':') > 8) {
      inside = lo <= a && a < hi;
    } else if (inside && line.rfind("AnonHugePages:", 0) == 0) {
      return std::atof(line.c_str() + 14) / 1024.0;
    }
  }
  return -1;
}

// Links the lines at offsets[0..n) into `chains` cycles in a random order, through the pointer
// at byte `at` of each line (so two linkings share the lines); returns the heads.
std::vector<char*> link(char* base, std::vector<int64_t> offsets, int chains, int at,
                        std::mt19937_64* rng) {
  std::shuffle(offsets.begin(), offsets.end(), *rng);
  std::vector<char*> heads;
  const size_t per = offsets.size() / chains;
  for (int c = 0; c < chains; ++c) {
    const size_t first = c * per;
    for (size_t x = 0; x < per; ++x) {
      const size_t next = first + (x + 1) % per;
      *reinterpret_cast<char**>(base + offsets[first + x] + at) = base + offsets[next] + at;
    }
    heads.push_back(base + offsets[first] + at);
  }
  return heads;
}

// Nanoseconds per load with `width` chains walked side by side (1: latency; kChains: loads in
// flight at once).
double walk(std::vector<char*> p, int width, int64_t loads) {
  for (int64_t s = 0; s < 4096; ++s) {
    for (int c = 0; c < width; ++c) p[c] = *reinterpret_cast<char**>(p[c]);
  }
  const auto t0 = std::chrono::steady_clock::now();
  for (int64_t s = 0; s < loads / width; ++s) {
    for (int c = 0; c < width; ++c) p[c] = *reinterpret_cast<char**>(p[c]);
  }
  const auto t1 = std::chrono::steady_clock::now();
  uintptr_t sink = 0;
  for (int c = 0; c < width; ++c) sink ^= reinterpret_cast<uintptr_t>(p[c]);
  if (sink == 1) std::puts("");
  return std::chrono::duration<double, std::nano>(t1 - t0).count() / (loads / width * width);
}

}  // namespace

int main(int argc, char** argv) {
  int64_t lines = 65536, loads = 20000000;
  bool huge = true;
  for (int a = 1; a < argc; ++a) {
    const std::string flag = argv[a];
    const bool valued = a + 1 < argc;
    if (flag == "--small-pages") {
      huge = false;
    } else if (flag == "--lines" && valued) {
      lines = std::atoll(argv[++a]);
    } else if (flag == "--loads" && valued) {
      loads = std::atoll(argv[++a]);
    } else {
      std::fprintf(stderr, "usage: page_walk_probe [--lines N] [--loads L] [--small-pages]\n");
      return 2;
    }
  }
  if (lines < kChains || loads < kChains || lines > (1 << 20)) {
    std::fprintf(stderr,
                 "page_walk_probe: --lines must be %d to 1048576 (one page each: 4 GB), "
                 "--loads at least %d\n",
                 kChains, kChains);
    return 2;
  }
  constexpr int64_t kPerPage = 4096 + kLine;  // one line per page, consecutive cache sets
  constexpr int64_t kSpread = 448ll << 20;
  std::mt19937_64 rng(1);
  std::printf("layout     lines    span MB  huge-page MB  ns/load (1 chain)  ns/load (%d chains)\n",
              kChains);
  const struct {
    const char* name;
    int64_t span;
  } layouts[] = {{"packed", lines * kLine}, {"per-page", lines * kPerPage}, {"spread", kSpread}};
  for (const auto& l : layouts) {
    Region r(l.span, huge);
    std::vector<int64_t> off(lines);
    for (int64_t x = 0; x < lines; ++x) {
      off[x] = l.span == kSpread ? static_cast<int64_t>(rng() % (kSpread / kLine)) * kLine
                                 : x * (l.span / lines);
    }
    std::sort(off.begin(), off.end());
    off.erase(std::unique(off.begin(), off.end()), off.end());
    const std::vector<char*> one = link(r.base, off, 1, 0, &rng);
    const std::vector<char*> many = link(r.base, off, kChains, 8, &rng);
    std::printf("%-9s %6lld %10.1f %13.1f %18.1f %20.1f\n", l.name,
                static_cast<long long>(off.size()), l.span / 1048576.0, huge_mb(r.base),
                walk(one, 1, loads / 4), walk(many, kChains, loads));
  }
}
