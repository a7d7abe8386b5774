//===- Signature.h - a compiled model's interface ----------------*- C++
//-*-===//
//
// What each argument and result of a model's entry point is: plain data
// that the compiler reads from the IR and that runtimes (the JIT driver,
// built executables) use to lay out buffers and feed data.
//
//===----------------------------------------------------------------------===//
#ifndef GRADC_RUNTIME_SIGNATURE_H
#define GRADC_RUNTIME_SIGNATURE_H

#include "gradc/Runtime/Init.h"
#include "gradc/Runtime/Tensor.h"

#include <optional>
#include <string>
#include <vector>

namespace gradc::rt {

/// The functions a compiled model offers. The frontend emits the forward
/// function; grad-autodiff derives the gradients function from it, and
/// grad-optimizer the training step from that.
enum class Entry { Forward, Gradients, Step };
const char *entryName(Entry entry);
/// The symbol of a model's entry point: "mlp", "mlp_gradients", "mlp_step".
std::string entrySymbol(const std::string &model, Entry entry);

enum class TensorRole {
  Input,
  Label,
  Param,
  State, // optimizer state, initialized like a parameter
  Hyper, // a scalar set at run time, such as the learning rate
  Output,
  Gradient, // result of the gradients entry
  Update,   // result of the step entry, written into the argument it names
};

/// The role in words, for messages and generated headers: "parameter",
/// "optimizer state", ...
const char *describeRole(TensorRole role);

struct TensorSpec {
  std::string name;
  TensorRole role;
  DType dtype;
  std::vector<int64_t> shape;
  InitSpec init; // Param and State
  bool frozen = false;
  /// Labels that index classes (used by softmax_cross_entropy or one_hot):
  /// the number of classes, so labels can be checked or generated.
  std::optional<int64_t> classes;
};

struct OptimizerSpec {
  std::string kind;
  std::vector<std::pair<std::string, double>> arguments;
};

struct Signature {
  std::string model; // the model's name
  std::string name;  // the entry point's symbol
  std::vector<TensorSpec> arguments;
  std::vector<TensorSpec> results;
  std::string loss; // name of the result being minimized, if any
  /// Bytes of the scratch arena the entry point takes as its last argument
  /// (known once its buffers are planned; 0 when it takes none).
  int64_t arenaBytes = 0;
  std::optional<OptimizerSpec> optimizer;
};

/// The learning rate the model's optimize line gives (0.01 if none).
double defaultLearningRate(const Signature &step);

/// The one argument of `signature` with `role`; null if there is none or
/// more than one.
const TensorSpec *onlyArgument(const Signature &signature, TensorRole role);

} // namespace gradc::rt

#endif // GRADC_RUNTIME_SIGNATURE_H
