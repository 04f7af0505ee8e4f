// An allocator for the CPU backend's large, randomly read tables (the SRNS score history and
// candidate pools: hundreds of MB read a cache line at a time in no order). On 4 KB pages
// nearly every such read also misses the TLB (the second-level TLB covers a few MB); on 2 MB
// transparent huge pages the whole table fits it. A block of at least kHugePage bytes is
// allocated 2 MB-aligned and advised MADV_HUGEPAGE before it is first touched, which is what a
// kernel with transparent_hugepage=madvise (the common default) needs; where the advice is not
// available or refused the block is simply on small pages (same contents, same results).
#pragma once
#include <sys/mman.h>

#include <cstddef>
#include <cstdlib>
#include <new>
#include <vector>

namespace srns::cpu {

inline constexpr size_t kHugePage = size_t{2} << 20;

template <typename T>
struct HugePageAllocator {
  using value_type = T;
  HugePageAllocator() = default;
  template <typename U>
  HugePageAllocator(const HugePageAllocator<U>&) {}

  T* allocate(size_t n) {
    const size_t bytes = n * sizeof(T);
    if (bytes < kHugePage) {
      if (void* p = std::malloc(bytes > 0 ? bytes : 1)) return static_cast<T*>(p);
      throw std::bad_alloc();
    }
    const size_t rounded = (bytes + kHugePage - 1) / kHugePage * kHugePage;
    void* p = std::aligned_alloc(kHugePage, rounded);
    if (!p) throw std::bad_alloc();
#ifdef MADV_HUGEPAGE
    madvise(p, rounded, MADV_HUGEPAGE);  // advice only: failure leaves small pages
#endif
    return static_cast<T*>(p);
  }
  void deallocate(T* p, size_t) { std::free(p); }
};

template <typename T, typename U>
bool operator==(const HugePageAllocator<T>&, const HugePageAllocator<U>&) {
  return true;
}
template <typename T, typename U>
bool operator!=(const HugePageAllocator<T>&, const HugePageAllocator<U>&) {
  return false;
}

// A vector on huge pages where it is large (see above).
template <typename T>
using HugeVector = std::vector<T, HugePageAllocator<T>>;

}  // namespace srns::cpu
