//===- GradDialect.h - the grad dialect -------------------------*- C++ -*-===//
#ifndef GRADC_DIALECT_GRADDIALECT_H
#define GRADC_DIALECT_GRADDIALECT_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/ControlFlowInterfaces.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace gradc::grad {
/// Names an op's result after the source variable it was assigned to (its
/// NameLoc), for readable IR dumps.
void nameResultAfterSource(
    mlir::Operation *op,
    llvm::function_ref<void(mlir::Value, llvm::StringRef)> setName);
} // namespace gradc::grad

#include "gradc/Dialect/GradDialect.h.inc"
#include "gradc/Dialect/GradInterfaces.h.inc"

#define GET_OP_CLASSES
#include "gradc/Dialect/GradOps.h.inc"

namespace gradc::grad {
/// The linalg.generic computing an elementwise op from its scalar body.
mlir::Value lowerElementwise(ElementwiseOpInterface op, mlir::OpBuilder &b);

/// Whether `op` is a grad.constant holding one repeated value: a scalar
/// inside a fused loop.
bool isSplatConstant(mlir::Operation *op);

/// `value` broadcast NumPy-style to `type`'s shape with grad.broadcast
/// (`value` itself if it has that shape).
mlir::Value broadcastTo(mlir::OpBuilder &b, mlir::Location loc,
                        mlir::Value value, mlir::RankedTensorType type);
} // namespace gradc::grad

#endif // GRADC_DIALECT_GRADDIALECT_H
