// RAII owners of CUDA resources: device memory (DeviceBuffer<T>), streams (CudaStream), events
// (CudaEvent) and captured graphs (CudaGraph). Op code never calls cudaFree
// or cudaStreamDestroy itself: a resource dies with its owner, also when an exception unwinds.
// Every call is checked (cuda_check.cuh); destructors cannot throw, so they ignore errors (a
// failed free at teardown has nothing left to protect).
#pragma once
#include <cuda_runtime.h>

#include <cstdint>
#include <utility>
#include <vector>

#include "cuda_check.cuh"

namespace srns::gpu {

template <typename T>
class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  explicit DeviceBuffer(int64_t n) { resize(n); }
  ~DeviceBuffer() { release(); }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  DeviceBuffer(DeviceBuffer&& o) noexcept
      : data_(std::exchange(o.data_, nullptr)), size_(std::exchange(o.size_, 0)) {}
  DeviceBuffer& operator=(DeviceBuffer&& o) noexcept {
    if (this != &o) {
      release();
      data_ = std::exchange(o.data_, nullptr);
      size_ = std::exchange(o.size_, 0);
    }
    return *this;
  }

  // Holds exactly n elements afterwards; contents are undefined when the size changes.
  void resize(int64_t n) {
    if (n == size_) return;
    release();
    if (n > 0) {
      SRNS_CUDA_CHECK(cudaMalloc(reinterpret_cast<void**>(&data_), bytes_of(n)));
      size_ = n;
    }
  }

  T* data() { return data_; }
  const T* data() const { return data_; }
  int64_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  size_t bytes() const { return bytes_of(size_); }

  // Copies n host elements to the start of the buffer (n <= size()). Pageable sources are
  // staged by the driver before the call returns, so `host` may die right after.
  void upload(const T* host, int64_t n, cudaStream_t stream) {
    if (n <= 0) return;
    SRNS_CUDA_CHECK(cudaMemcpyAsync(data_, host, bytes_of(n), cudaMemcpyHostToDevice, stream));
  }
  // Resizes to the vector and copies it in.
  void assign(const std::vector<T>& host, cudaStream_t stream) {
    resize(static_cast<int64_t>(host.size()));
    upload(host.data(), static_cast<int64_t>(host.size()), stream);
  }
  // Copies the first n elements out; returns when they are on the host.
  void download(T* host, int64_t n, cudaStream_t stream) const {
    if (n <= 0) return;
    SRNS_CUDA_CHECK(cudaMemcpyAsync(host, data_, bytes_of(n), cudaMemcpyDeviceToHost, stream));
    SRNS_CUDA_CHECK(cudaStreamSynchronize(stream));
  }
  std::vector<T> to_host(cudaStream_t stream) const {
    std::vector<T> out(static_cast<size_t>(size_));
    download(out.data(), size_, stream);
    return out;
  }
  // Sets every byte to zero (all-zero bits: 0, 0.0f, nullptr).
  void zero(cudaStream_t stream) {
    if (size_ > 0) SRNS_CUDA_CHECK(cudaMemsetAsync(data_, 0, bytes(), stream));
  }

 private:
  static size_t bytes_of(int64_t n) { return static_cast<size_t>(n) * sizeof(T); }
  void release() noexcept {
    if (data_) cudaFree(data_);
    data_ = nullptr;
    size_ = 0;
  }

  T* data_ = nullptr;
  int64_t size_ = 0;
};

// A non-blocking stream (does not synchronise with the legacy default stream).
class CudaStream {
 public:
  CudaStream() { SRNS_CUDA_CHECK(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking)); }
  ~CudaStream() {
    if (stream_) cudaStreamDestroy(stream_);
  }
  CudaStream(const CudaStream&) = delete;
  CudaStream& operator=(const CudaStream&) = delete;

  cudaStream_t get() const { return stream_; }
  void synchronize() const { SRNS_CUDA_CHECK(cudaStreamSynchronize(stream_)); }

 private:
  cudaStream_t stream_ = nullptr;
};

// A timing event.
class CudaEvent {
 public:
  CudaEvent() { SRNS_CUDA_CHECK(cudaEventCreate(&event_)); }
  ~CudaEvent() {
    if (event_) cudaEventDestroy(event_);
  }
  CudaEvent(const CudaEvent&) = delete;
  CudaEvent& operator=(const CudaEvent&) = delete;
  CudaEvent(CudaEvent&& o) noexcept : event_(std::exchange(o.event_, nullptr)) {}
  CudaEvent& operator=(CudaEvent&&) = delete;

  cudaEvent_t get() const { return event_; }
  void record(cudaStream_t stream) { SRNS_CUDA_CHECK(cudaEventRecord(event_, stream)); }
  void synchronize() const { SRNS_CUDA_CHECK(cudaEventSynchronize(event_)); }
  // Milliseconds from `start` to this event (both recorded and complete).
  float ms_since(const CudaEvent& start) const {
    float ms = 0.0f;
    SRNS_CUDA_CHECK(cudaEventElapsedTime(&ms, start.event_, event_));
    return ms;
  }

 private:
  cudaEvent_t event_ = nullptr;
};

// A graph captured from a stream and its launchable instance. Capturing again updates the
// instance in place where CUDA allows it (same topology), else re-instantiates it.
class CudaGraph {
 public:
  CudaGraph() = default;
  ~CudaGraph() { release(); }
  CudaGraph(const CudaGraph&) = delete;
  CudaGraph& operator=(const CudaGraph&) = delete;

  // Captures what enqueue() puts on `stream` (nothing runs while capturing). If enqueue throws,
  // the capture is ended and discarded before the exception goes on.
  template <typename Enqueue>
  void capture(cudaStream_t stream, Enqueue enqueue) {
    SRNS_CUDA_CHECK(cudaStreamBeginCapture(stream, cudaStreamCaptureModeThreadLocal));
    try {
      enqueue();
    } catch (...) {
      cudaGraph_t broken = nullptr;
      cudaStreamEndCapture(stream, &broken);
      if (broken) cudaGraphDestroy(broken);
      cudaGetLastError();
      throw;
    }
    cudaGraph_t graph = nullptr;
    SRNS_CUDA_CHECK(cudaStreamEndCapture(stream, &graph));
    if (exec_) {
      cudaGraphExecUpdateResultInfo info{};
      if (cudaGraphExecUpdate(exec_, graph, &info) != cudaSuccess) {
        cudaGetLastError();  // not updatable: instantiate afresh below
        cudaGraphExecDestroy(exec_);
        exec_ = nullptr;
      }
    }
    if (!exec_) SRNS_CUDA_CHECK(cudaGraphInstantiate(&exec_, graph, 0));
    if (graph_) cudaGraphDestroy(graph_);
    graph_ = graph;
  }
  bool ready() const { return exec_ != nullptr; }
  void launch(cudaStream_t stream) const { SRNS_CUDA_CHECK(cudaGraphLaunch(exec_, stream)); }
  // Kernel nodes of the captured graph.
  int64_t kernel_nodes() const {
    if (!graph_) return 0;
    size_t n = 0;
    SRNS_CUDA_CHECK(cudaGraphGetNodes(graph_, nullptr, &n));
    std::vector<cudaGraphNode_t> nodes(n);
    SRNS_CUDA_CHECK(cudaGraphGetNodes(graph_, nodes.data(), &n));
    int64_t kernels = 0;
    for (cudaGraphNode_t node : nodes) {
      cudaGraphNodeType type;
      SRNS_CUDA_CHECK(cudaGraphNodeGetType(node, &type));
      kernels += type == cudaGraphNodeTypeKernel;
    }
    return kernels;
  }

 private:
  void release() noexcept {
    if (exec_) cudaGraphExecDestroy(exec_);
    if (graph_) cudaGraphDestroy(graph_);
    exec_ = nullptr;
    graph_ = nullptr;
  }
  cudaGraph_t graph_ = nullptr;
  cudaGraphExec_t exec_ = nullptr;
};

}  // namespace srns::gpu
