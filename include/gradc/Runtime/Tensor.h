//===- Tensor.h - host tensors and their files -------------------*- C++
//-*-===//
//
// The runtime's C++ side (used by the driver and by built executables):
// dense row-major host tensors, NumPy .npy and safetensors files. Functions
// that can fail on user input return Expected with a message that names the
// file and says what is wrong.
//
//===----------------------------------------------------------------------===//
#ifndef GRADC_RUNTIME_TENSOR_H
#define GRADC_RUNTIME_TENSOR_H

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <new>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace gradc::rt {

enum class DType { F32, F64, I32, I64, U8 };

/// Allocates 64-byte-aligned storage, as compiled code expects of buffers.
template <typename T> struct AlignedAllocator {
  using value_type = T;
  AlignedAllocator() = default;
  template <typename U> AlignedAllocator(const AlignedAllocator<U> &) {}
  T *allocate(size_t count) {
    size_t bytes = (count * sizeof(T) + 63) / 64 * 64;
    void *memory = std::aligned_alloc(64, bytes ? bytes : 64);
    if (!memory)
      throw std::bad_alloc();
    return static_cast<T *>(memory);
  }
  void deallocate(T *memory, size_t) { std::free(memory); }
  bool operator==(const AlignedAllocator &) const { return true; }
  bool operator!=(const AlignedAllocator &) const { return false; }
};

size_t sizeOf(DType dtype);
/// "f32", "i32", ...: as the .grad language spells element types.
const char *name(DType dtype);

/// "f32[100,784]".
std::string typeString(DType dtype, const std::vector<int64_t> &shape);
/// Bytes of a dense tensor of this type.
size_t byteSize(DType dtype, const std::vector<int64_t> &shape);
/// The most bytes a tensor read from a file may claim (256 TiB): any size
/// computed from such a file is checked against it before it is multiplied
/// on or allocated.
constexpr uint64_t kMaxFileTensorBytes = uint64_t{1} << 48;
/// byteSize for a shape read from a file: nothing when a dimension is
/// negative or the size passes kMaxFileTensorBytes.
std::optional<size_t> checkedByteSize(DType dtype,
                                      const std::vector<int64_t> &shape);

struct Tensor {
  DType dtype = DType::F32;
  std::vector<int64_t> shape;
  std::vector<std::byte, AlignedAllocator<std::byte>> bytes;

  Tensor() = default;
  Tensor(DType dtype, std::vector<int64_t> shape);

  int64_t numElements() const;
  template <typename T> T *data() {
    return reinterpret_cast<T *>(bytes.data());
  }
  template <typename T> const T *data() const {
    return reinterpret_cast<const T *>(bytes.data());
  }
  /// "f32[100,784]".
  std::string typeString() const;
  /// The first element of a float tensor (a loss, a learning rate), as a
  /// double; and setting it, rounded to the tensor's type.
  double scalar() const;
  void setScalar(double value);
};

/// A value or an error message.
template <typename T> class Expected {
public:
  Expected(T value) : state(std::move(value)) {}
  static Expected failure(std::string message) {
    Expected result;
    result.state = Error{std::move(message)};
    return result;
  }
  explicit operator bool() const { return std::holds_alternative<T>(state); }
  T &operator*() { return std::get<T>(state); }
  T *operator->() { return &std::get<T>(state); }
  const std::string &error() const { return std::get<Error>(state).message; }

private:
  struct Error {
    std::string message;
  };
  Expected() = default;
  std::variant<Error, T> state; // Error first: T needs no default constructor
};

/// Success, or an error message.
using Status = Expected<std::monostate>;
inline Status ok() { return Status(std::monostate()); }

Expected<Tensor> readNpy(const std::string &path);
Status writeNpy(const std::string &path, const Tensor &tensor);

using NamedTensors = std::vector<std::pair<std::string, Tensor>>;
/// The file's __metadata__ string pairs.
using Metadata = std::map<std::string, std::string>;
Expected<NamedTensors> readSafetensors(const std::string &path,
                                       Metadata *metadata = nullptr);
Status writeSafetensors(const std::string &path, const NamedTensors &tensors,
                        const Metadata &metadata = {});

} // namespace gradc::rt

#endif // GRADC_RUNTIME_TENSOR_H
