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
constexpr llvm::StringLiteral kModel = "grad.model";
constexpr llvm::StringLiteral kInput = "grad.input";
constexpr llvm::StringLiteral kLabel = "grad.label";
constexpr llvm::StringLiteral kParam = "grad.param";
constexpr llvm::StringLiteral kInit = "grad.init";
constexpr llvm::StringLiteral kFrozen = "grad.frozen";
constexpr llvm::StringLiteral kOutput = "grad.output";
constexpr llvm::StringLiteral kLoss = "grad.loss";
constexpr llvm::StringLiteral kOptimizer = "grad.optimizer";
} // namespace attrs

/// An optimizer a model may name, with its arguments in positional order;
/// an argument without a default is required.
struct OptimizerInfo {
  std::string name;
  std::vector<std::pair<std::string, std::optional<double>>> arguments;
};
const std::vector<OptimizerInfo> &optimizers();
const OptimizerInfo *findOptimizer(llvm::StringRef name);

enum class TensorRole { Input, Label, Param, Output };

struct TensorSpec {
  std::string name;
  TensorRole role;
  rt::DType dtype;
  std::vector<int64_t> shape;
  rt::InitSpec init; // Param only
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
  std::string name; // the model function's symbol
  std::vector<TensorSpec> arguments;
  std::vector<TensorSpec> results;
  std::string loss; // name of the result being minimized, if any
  std::optional<OptimizerSpec> optimizer;

  /// Reads the signature of the module's model function; reports an error on
  /// the module and fails if there is none or it is malformed.
  static mlir::FailureOr<ModelSignature> read(mlir::ModuleOp module);
};

} // namespace gradc

#endif // GRADC_MODEL_SIGNATURE_H
