#pragma once
// An in-memory VolumeSource for tests: every rank holds the whole (small) volume.
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "grapes/io/source.hpp"

namespace grapes::test {

template <class T>
class MemorySource : public VolumeSource {
 public:
  MemorySource(const Index3& shape, std::vector<T> values, DType dtype = dtype_of<T>())
      : shape_(shape), values_(std::move(values)), dtype_(dtype) {}
  Index3 shape() const override { return shape_; }
  DType dtype() const override { return dtype_; }
  std::string describe() const override { return "memory"; }
  void read_box(const Box& box, void* destination) override {
    T* out = static_cast<T*>(destination);
    for (index_t z = box.lo[0]; z < box.hi[0]; ++z)
      for (index_t y = box.lo[1]; y < box.hi[1]; ++y)
        for (index_t x = box.lo[2]; x < box.hi[2]; ++x)
          *out++ = values_[static_cast<std::size_t>((z * shape_[1] + y) * shape_[2] + x)];
  }

 private:
  Index3 shape_;
  std::vector<T> values_;
  DType dtype_;
};

template <class T>
std::unique_ptr<VolumeSource> memory_source(const Index3& shape, std::vector<T> values) {
  return std::make_unique<MemorySource<T>>(shape, std::move(values));
}

}  // namespace grapes::test
