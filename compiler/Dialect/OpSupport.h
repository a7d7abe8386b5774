//===- OpSupport.h - helpers shared by the grad ops' definitions -*- C++
//-*-===//
//
// Shape-rule diagnostics and the linalg building blocks that the per-op
// lowerings are written with. Private to compiler/Dialect.
//
//===----------------------------------------------------------------------===//
#ifndef GRADC_COMPILER_DIALECT_OPSUPPORT_H
#define GRADC_COMPILER_DIALECT_OPSUPPORT_H

#include "gradc/Dialect/Describe.h"
#include "gradc/Dialect/GradDialect.h"

#include "mlir/Dialect/Utils/StructuredOpsUtils.h"
#include "mlir/IR/Builders.h"
#include "llvm/ADT/STLFunctionalExtras.h"

#include <optional>
#include <string>

namespace gradc::grad {

/// Emits "<op>: <message>" at `loc` if there is one; always returns failure.
mlir::LogicalResult shapeError(std::optional<mlir::Location> loc,
                               llvm::StringRef opName,
                               const llvm::Twine &message);

/// Resolves a possibly negative axis against `rank`; fails with a diagnostic
/// naming the op when it is out of range.
mlir::FailureOr<int64_t> normalizeAxis(std::optional<mlir::Location> loc,
                                       llvm::StringRef opName, int64_t axis,
                                       int64_t rank);

/// Reads attribute `name` from an op's attribute dictionary in a shape rule.
/// Fails with a diagnostic when it is present with another kind (`expected`
/// describes the right one, e.g. "a list of integers like [1, 0]"), or when it
/// is missing and `required`. Returns a null attribute when it is absent.
template <typename AttrT>
mlir::FailureOr<AttrT>
readAttr(std::optional<mlir::Location> loc, llvm::StringRef opName,
         mlir::DictionaryAttr attributes, llvm::StringRef name,
         llvm::StringRef expected, bool required = false) {
  mlir::Attribute attr = attributes ? attributes.get(name) : mlir::Attribute();
  if (!attr && required)
    return shapeError(loc, opName, "missing " + name + " (" + expected + ")");
  if (attr && !mlir::isa<AttrT>(attr))
    return shapeError(loc, opName, name + " must be " + expected);
  return mlir::dyn_cast_or_null<AttrT>(attr);
}

/// Fails unless `value` holds integers (class labels).
mlir::LogicalResult requireIntegerLabels(std::optional<mlir::Location> loc,
                                         llvm::StringRef opName,
                                         mlir::Value value);

/// A boolean attribute that defaults to false when absent.
mlir::FailureOr<bool> readFlag(std::optional<mlir::Location> loc,
                               llvm::StringRef opName,
                               mlir::DictionaryAttr attributes,
                               llvm::StringRef name);

/// A splat constant of `type` holding `value`, as a grad.constant.
mlir::Value splatConstant(mlir::OpBuilder &b, mlir::Location loc,
                          mlir::RankedTensorType type, double value);

/// A scalar arith constant of float type `type`.
mlir::Value scalarConstant(mlir::OpBuilder &b, mlir::Location loc,
                           mlir::Type type, double value);

/// tensor.empty of `type`, optionally filled with `fillValue`.
mlir::Value emptyTensor(mlir::OpBuilder &b, mlir::Location loc,
                        mlir::RankedTensorType type,
                        std::optional<double> fillValue = std::nullopt);

using ScalarBodyFn = llvm::function_ref<mlir::Value(
    mlir::OpBuilder &, mlir::Location, mlir::ValueRange)>;

/// A linalg.generic over `resultType`'s iteration space reading each operand
/// through its indexing map (identity when `inputMaps` is empty).
mlir::Value buildGeneric(mlir::OpBuilder &b, mlir::Location loc,
                         mlir::RankedTensorType resultType,
                         mlir::ValueRange operands,
                         llvm::ArrayRef<mlir::AffineMap> inputMaps,
                         ScalarBodyFn body);

/// How a loop nest over `resultType` reads an input that NumPy-broadcasts to
/// it: stretched dimensions read index 0, added leading ones are dropped.
mlir::AffineMap broadcastReadMap(mlir::RankedTensorType inputType,
                                 mlir::RankedTensorType resultType);

/// The loop nest of a reduction over `axes` of `inputType`: its iterators,
/// and the type and indexing map of its result (the kept dimensions).
struct ReductionSpace {
  llvm::SmallVector<mlir::utils::IteratorType> iterators;
  mlir::RankedTensorType resultType;
  mlir::AffineMap resultMap;
};
ReductionSpace reductionSpace(mlir::RankedTensorType inputType,
                              llvm::ArrayRef<int64_t> axes);

/// Inside a reduction's loop: `element` extended to the accumulator's type
/// (see ReductionOpInterface::getAccumulatorType) and combined into it.
mlir::Value accumulate(mlir::OpBuilder &b, mlir::Location loc,
                       ReductionOpInterface reduction, mlir::Value accumulator,
                       mlir::Value element);

/// The tensor `values` with its elements rounded to the float type
/// `elementType`; `values` itself when they already have it.
mlir::Value roundedTo(mlir::OpBuilder &b, mlir::Location loc,
                      mlir::Value values, mlir::Type elementType);

/// `reduction` of `input` over its axes, accumulated in its accumulator type
/// and rounded once to the element type. Returns a tensor without the
/// reduced axes.
mlir::Value buildReduction(mlir::OpBuilder &b, mlir::Location loc,
                           mlir::Value input, ReductionOpInterface reduction);

/// Reshapes between two types with the same element count, using
/// tensor.collapse_shape/expand_shape (views after bufferization).
mlir::Value buildReshape(mlir::OpBuilder &b, mlir::Location loc,
                         mlir::Value input, mlir::RankedTensorType resultType);

//===----------------------------------------------------------------------===//
// Building blocks of the VJP rules (grad ops, so the backward graph is
// ordinary grad IR).
//===----------------------------------------------------------------------===//

/// `value * factor`.
mlir::Value scaled(mlir::OpBuilder &b, mlir::Location loc, mlir::Value value,
                   double factor);

/// The gradient of a broadcast's input: `grad` summed over the dimensions
/// the broadcast added or stretched, shaped like `inputType`.
mlir::Value sumToShape(mlir::OpBuilder &b, mlir::Location loc, mlir::Value grad,
                       mlir::RankedTensorType inputType);

/// A gradient of a reduction's result spread back over its input: reshaped
/// to keep the reduced axes as size 1, then broadcast to `inputType`.
mlir::Value spreadOverAxes(mlir::OpBuilder &b, mlir::Location loc,
                           mlir::Value grad, mlir::ArrayRef<int64_t> axes,
                           mlir::RankedTensorType inputType);

} // namespace gradc::grad

#endif // GRADC_COMPILER_DIALECT_OPSUPPORT_H
