// Phase times of an epoch's batches from CUDA events, without stalling the pipeline.
//
// Each batch records two events on the stream: `mid` after its select+gradient work and `end`
// after its optimiser step. Times are read relative to one start event when a batch is
// retired: select_grad += mid - previous end, optimizer += end - mid (the first batch's
// select_grad also covers the epoch's order and pool work since start). Events live in a ring
// of kSlots batches; reusing a slot first retires the batch that held it, which waits only if
// the host is kSlots batches ahead of the GPU.
#pragma once
#include <cuda_runtime.h>

#include <cstdint>
#include <vector>

#include "device_buffer.cuh"

namespace srns::gpu {

class PhaseTimer {
 public:
  static constexpr int kSlots = 64;

  PhaseTimer() : mid_(kSlots), end_(kSlots) {}

  void start(cudaStream_t stream) {
    start_.record(stream);
    next_retire_ = 0;
    recorded_ = 0;
    last_end_ms_ = 0.0;
    select_grad_ms_ = optimizer_ms_ = 0.0;
  }
  void mid(int64_t batch, cudaStream_t stream) {
    while (next_retire_ + kSlots <= batch) retire();
    mid_[batch % kSlots].record(stream);
  }
  void end(int64_t batch, cudaStream_t stream) {
    end_[batch % kSlots].record(stream);
    recorded_ = batch + 1;
  }
  // Retires every batch (synchronises with the stream); returns seconds.
  void finish(cudaStream_t stream, double* select_grad, double* optimizer) {
    while (next_retire_ < recorded_) retire();
    tail_.record(stream);
    tail_.synchronize();
    select_grad_ms_ += tail_.ms_since(start_) - last_end_ms_;
    *select_grad += select_grad_ms_ * 1e-3;
    *optimizer += optimizer_ms_ * 1e-3;
  }

 private:
  void retire() {
    const int slot = static_cast<int>(next_retire_ % kSlots);
    end_[slot].synchronize();
    const double mid_ms = mid_[slot].ms_since(start_);
    const double end_ms = end_[slot].ms_since(start_);
    select_grad_ms_ += mid_ms - last_end_ms_;
    optimizer_ms_ += end_ms - mid_ms;
    last_end_ms_ = end_ms;
    ++next_retire_;
  }

  CudaEvent start_, tail_;
  std::vector<CudaEvent> mid_, end_;
  int64_t next_retire_ = 0, recorded_ = 0;
  double last_end_ms_ = 0.0, select_grad_ms_ = 0.0, optimizer_ms_ = 0.0;
};

}  // namespace srns::gpu
