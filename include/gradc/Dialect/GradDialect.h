//===- GradDialect.h - the grad dialect -------------------------*- C++ -*-===//
#ifndef GRADC_DIALECT_GRADDIALECT_H
#define GRADC_DIALECT_GRADDIALECT_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "gradc/Dialect/GradDialect.h.inc"
#include "gradc/Dialect/GradInterfaces.h.inc"

#define GET_OP_CLASSES
#include "gradc/Dialect/GradOps.h.inc"

namespace gradc::grad {
/// The linalg.generic computing an elementwise op from its scalar body.
mlir::Value lowerElementwise(ElementwiseOpInterface op, mlir::OpBuilder &b);
} // namespace gradc::grad

#endif // GRADC_DIALECT_GRADDIALECT_H
