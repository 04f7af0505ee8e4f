// A one-line progress bar for the batches of an epoch, drawn on stderr and redrawn at most
// ten times a second; erased before the epoch's summary line is printed.
#pragma once
#include <chrono>
#include <cstdint>
#include <cstdio>

namespace srns {

class ProgressBar {
 public:
  explicit ProgressBar(bool enabled) : enabled_(enabled) {}
  void update(int epoch, int64_t done, int64_t total) {
    if (!enabled_) return;
    const auto now = std::chrono::steady_clock::now();
    if (done < total && now - last_ < std::chrono::milliseconds(100)) return;
    last_ = now;
    const int width = 30;
    const int filled = total > 0 ? static_cast<int>(width * done / total) : width;
    char bar[width + 1];
    for (int x = 0; x < width; ++x) bar[x] = x < filled ? '#' : '.';
    bar[width] = '\0';
    std::fprintf(stderr, "\r  epoch %d [%s] %lld/%lld batches", epoch, bar,
                 static_cast<long long>(done), static_cast<long long>(total));
    std::fflush(stderr);
    drawn_ = true;
  }
  void clear() {
    if (!drawn_) return;
    std::fprintf(stderr, "\r%70s\r", "");
    std::fflush(stderr);
    drawn_ = false;
  }

 private:
  bool enabled_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point last_{};
};

}  // namespace srns
