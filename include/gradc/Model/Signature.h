//===- Signature.h - a model's interface, as carried in the IR ---*- C++
//-*-===//
//
// The frontend records what each argument and result of the model function
// is (input, label, parameter with its initializer, output) as attributes on
// the function; readSignature turns them back into an rt::Signature, so a
// dumped .mlir file carries everything a .grad file said.
//
//===----------------------------------------------------------------------===//
#ifndef GRADC_MODEL_SIGNATURE_H
#define GRADC_MODEL_SIGNATURE_H

#include "gradc/Runtime/Signature.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
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
/// On a label read as class indices: the number of classes, recorded at
/// import so that lowered dumps keep it.
constexpr llvm::StringLiteral kClasses = "grad.classes";
/// On a planned entry point: the bytes of the arena its last argument is
/// (see grad-plan-buffers).
constexpr llvm::StringLiteral kArenaBytes = "grad.arena_bytes";
/// On an argument of the step entry: a hyperparameter set at run time
/// ("lr").
constexpr llvm::StringLiteral kHyper = "grad.hyper";
constexpr llvm::StringLiteral kLoss = "grad.loss";
constexpr llvm::StringLiteral kOptimizer = "grad.optimizer";
} // namespace attrs

/// The module's functions marked as `entry` points (one per model).
llvm::SmallVector<mlir::func::FuncOp> entryFunctions(mlir::ModuleOp module,
                                                     rt::Entry entry);

/// The model an entry point of kind `entry` belongs to: "mlp" for
/// @mlp_step.
std::string modelNameOf(mlir::func::FuncOp function, rt::Entry entry);

/// A copy of the entry point `source` (of kind `from`) as the `to` entry
/// point of the same model, inserted right after it.
mlir::func::FuncOp deriveEntry(mlir::func::FuncOp source, rt::Entry from,
                               rt::Entry to);

/// Stamps each label of `model` that its ops read as class indices with
/// grad.classes, so the count outlives those ops.
void recordClassCounts(mlir::func::FuncOp model);

/// Reads the signature of one of the module's entry points; reports an
/// error on the module and fails if there is none or it is malformed.
mlir::FailureOr<rt::Signature>
readSignature(mlir::ModuleOp module, rt::Entry entry = rt::Entry::Forward);

} // namespace gradc

#endif // GRADC_MODEL_SIGNATURE_H
