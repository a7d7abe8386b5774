//===- ModelBuffers.h - host memory for one model call -----------*- C++
//-*-===//
#ifndef GRADC_RUNTIME_BUFFERS_H
#define GRADC_RUNTIME_BUFFERS_H

#include "gradc/Runtime/Signature.h"
#include "gradc/Runtime/Tensor.h"

#include <string>
#include <vector>

namespace gradc::rt {

/// Fails, before anything is allocated, if one call of `entry` (its
/// arguments, results and arena) needs more memory than this machine has.
Status checkFitsInMemory(const Signature &entry);

/// One tensor per argument and result of a model, filled from files with
/// every mismatch reported against the model's declaration.
class Buffers {
public:
  explicit Buffers(const Signature &signature);

  /// Sets every parameter and optimizer state from its initializer, seeded.
  Status initializeParams(uint64_t seed);
  /// The parameters (and optimizer state) by name, in declaration order.
  NamedTensors params(bool withState = false) const;
  /// The argument or result called `name`; null if there is none.
  /// Arguments come first: a gradient is named like its parameter.
  Tensor *find(const std::string &name);
  /// The result called `name` (an output or a gradient); null if none.
  Tensor *findResult(const std::string &name);

  /// Sets every parameter (and optimizer state) from a safetensors file.
  Status loadParams(const std::string &path, bool withState = false);
  /// The same from the tensors of the file `path` (moved from).
  Status loadParams(NamedTensors &tensors, const std::string &path,
                    bool withState = false);
  /// Sets the input or label `name` from a .npy file.
  Status loadInput(const std::string &name, const std::string &path);
  /// Sets the input or label `name` (floats converted to its dtype);
  /// `origin` names where the tensor came from in messages.
  Status setInput(const std::string &name, Tensor tensor,
                  const std::string &origin);
  /// Fills every input and label not loaded yet with seeded random data:
  /// floats from N(0, 1), labels uniform over their classes.
  void fillMissingInputsRandomly(uint64_t seed);
  /// Fails naming the first input or label not yet loaded.
  Status checkAllInputsLoaded() const;

  /// Argument buffers, then result buffers, then the arena: the call's
  /// operands. Updates have no buffer of their own: they overwrite their
  /// argument.
  std::vector<void *> pointers();
  /// The operands of another entry point of the same model: its arguments
  /// are these buffers, found by name; its results (and then its arena) go
  /// to `results`. Empty if it has an argument these buffers lack.
  std::vector<void *> pointersFor(const Signature &entry,
                                  std::vector<Tensor> &results);
  const std::vector<Tensor> &results() const { return resultTensors; }

private:
  Status assign(size_t argument, Tensor tensor, const std::string &origin);

  const Signature &signature;
  std::vector<Tensor> argumentTensors;
  std::vector<bool> loaded;
  std::vector<Tensor> resultTensors;
  Tensor arena;
};

/// The empty tensor a declaration describes.
Tensor allocate(const TensorSpec &spec);

/// The result of `entry` called `name` among `results`, its result buffers
/// (updates have none; see Buffers::pointersFor); null if there is none.
Tensor *findResult(const Signature &entry, std::vector<Tensor> &results,
                   const std::string &name);

} // namespace gradc::rt

#endif // GRADC_RUNTIME_BUFFERS_H
