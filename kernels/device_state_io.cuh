// Checkpoint state in device memory (train/state_io.hpp's arrays): a device buffer is written
// and read as the host array of the same elements, so the GPU twins of a unit write the bytes
// of the CPU twin's save and a checkpoint resumes on either backend.
#pragma once
#include <istream>
#include <ostream>
#include <string>
#include <vector>

#include "device_buffer.cuh"
#include "train/state_io.hpp"

namespace srns::gpu {

template <typename T>
void save_device(std::ostream& out, const DeviceBuffer<T>& b, cudaStream_t stream) {
  write_array(out, b.to_host(stream));
}

// Reads an array of exactly b's size (state_io.hpp refuses another) into b; `what` names it.
template <typename T>
void load_device(std::istream& in, DeviceBuffer<T>* b, const std::string& what,
                 cudaStream_t stream) {
  std::vector<T> host(static_cast<size_t>(b->size()));
  read_array(in, &host, what);
  b->upload(host.data(), b->size(), stream);
}

}  // namespace srns::gpu
