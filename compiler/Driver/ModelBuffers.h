//===- ModelBuffers.h - host memory for one model call -----------*- C++
//-*-===//
#ifndef GRADC_COMPILER_DRIVER_MODELBUFFERS_H
#define GRADC_COMPILER_DRIVER_MODELBUFFERS_H

#include "gradc/Model/Signature.h"
#include "gradc/Runtime/Tensor.h"

#include <string>
#include <vector>

namespace gradc::driver {

/// One tensor per argument and result of a model, filled from files with
/// every mismatch reported against the model's declaration.
class ModelBuffers {
public:
  explicit ModelBuffers(const ModelSignature &signature);

  /// Sets every parameter from its initializer, seeded.
  rt::Status initializeParams(uint64_t seed);
  /// The parameters by name, in declaration order.
  rt::NamedTensors params() const;
  /// The argument or result called `name`; null if there is none.
  rt::Tensor *find(const std::string &name);

  /// Sets every parameter from a safetensors file.
  rt::Status loadParams(const std::string &path);
  /// Sets the input or label `name` from a .npy file.
  rt::Status loadInput(const std::string &name, const std::string &path);
  /// Fills every input and label not loaded yet with seeded random data:
  /// floats from N(0, 1), labels uniform over their classes.
  void fillMissingInputsRandomly(uint64_t seed);
  /// Fails naming the first input or label not yet loaded.
  rt::Status checkAllInputsLoaded() const;

  /// Argument buffers, then result buffers: the JIT call's operands.
  std::vector<void *> pointers();
  const std::vector<rt::Tensor> &results() const { return resultTensors; }

private:
  rt::Status assign(size_t argument, rt::Tensor tensor,
                    const std::string &origin);

  const ModelSignature &signature;
  std::vector<rt::Tensor> argumentTensors;
  std::vector<bool> loaded;
  std::vector<rt::Tensor> resultTensors;
};

/// The empty tensor a declaration describes.
rt::Tensor allocate(const TensorSpec &spec);

} // namespace gradc::driver

#endif // GRADC_COMPILER_DRIVER_MODELBUFFERS_H
