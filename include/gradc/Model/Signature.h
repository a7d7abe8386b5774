//===- Signature.h - a model's interface, as carried in the IR ---*- C++
//-*-===//
//
// The frontend records what each argument and result of the model function
// is (input, label, parameter with its initializer, output) as attributes on
// the function; drivers read them back through ModelSignature, so a dumped
// .mlir file carries everything a .grad file said.
//
//===----------------------------------------------------------------------===//
#ifndef GRADC_MODEL_SIGNATURE_H
#define GRADC_MODEL_SIGNATURE_H

#include "gradc/Runtime/Init.h"
#include "gradc/Runtime/Tensor.h"

#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/StringRef.h"

#include <optional>
#include <string>
#include <vector>

namespace gradc {

/// Attribute names on the model function and its arguments and results.
namespace attrs {
/// On each entry point: "forward", "gradients" or "step" (see Entry).
constexpr llvm::StringLiteral kEntry = "grad.entry";
constexpr llvm::StringLiteral kInput = "grad.input";
constexpr llvm::StringLiteral kLabel = "grad.label";
constexpr llvm::StringLiteral kParam = "grad.param";
constexpr llvm::StringLiteral kInit = "grad.init";
constexpr llvm::StringLiteral kFrozen = "grad.frozen";
constexpr llvm::StringLiteral kOutput = "grad.output";
/// On a result of the gradients entry: the parameter it is the gradient of.
constexpr llvm::StringLiteral kGradient = "grad.gradient";
/// On a result of the step entry: the argument (parameter or optimizer
/// state) it replaces; it is written into that argument's buffer.
constexpr llvm::StringLiteral kUpdates = "grad.updates";
/// On an argument of the step entry: optimizer state ("w1.velocity"), with a
/// grad.init like parameters.
constexpr llvm::StringLiteral kState = "grad.state";
/// On an argument of the step entry: a hyperparameter set at run time
/// ("lr").
constexpr llvm::StringLiteral kHyper = "grad.hyper";
constexpr llvm::StringLiteral kLoss = "grad.loss";
constexpr llvm::StringLiteral kOptimizer = "grad.optimizer";
} // namespace attrs

/// The functions a compiled model offers. The frontend emits the forward
/// function; grad-autodiff derives the gradients function from it, and
/// grad-optimizer the training step from that.
enum class Entry { Forward, Gradients, Step };
llvm::StringRef entryName(Entry entry);
/// The symbol of a model's entry point: "mlp", "mlp_gradients", "mlp_step".
std::string entrySymbol(llvm::StringRef model, Entry entry);

enum class TensorRole {
  Input,
  Label,
  Param,
  State,    // optimizer state, initialized like a parameter
  Hyper,    // a scalar set at run time, such as the learning rate
  Output,
  Gradient, // result of the gradients entry
  Update,   // result of the step entry, written into the argument it names
};

struct TensorSpec {
  std::string name;
  TensorRole role;
  rt::DType dtype;
  std::vector<int64_t> shape;
  rt::InitSpec init; // Param and State
  bool frozen = false;
  /// Labels that index classes (used by softmax_cross_entropy or one_hot):
  /// the number of classes, so labels can be checked or generated.
  std::optional<int64_t> classes;
};

struct OptimizerSpec {
  std::string kind;
  std::vector<std::pair<std::string, double>> arguments;
};

struct ModelSignature {
  std::string model; // the model's name
  std::string name;  // the entry point's symbol
  std::vector<TensorSpec> arguments;
  std::vector<TensorSpec> results;
  std::string loss; // name of the result being minimized, if any
  std::optional<OptimizerSpec> optimizer;

  /// Reads the signature of one of the module's entry points; reports an
  /// error on the module and fails if there is none or it is malformed.
  static mlir::FailureOr<ModelSignature> read(mlir::ModuleOp module,
                                              Entry entry = Entry::Forward);
};

} // namespace gradc

#endif // GRADC_MODEL_SIGNATURE_H
