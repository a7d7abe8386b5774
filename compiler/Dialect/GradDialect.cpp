//===- GradDialect.cpp - the grad dialect ---------------------------------===//
//
// Dialect registration only; each op family lives in its own file with its
// shape rule, folders and lowering.
//
//===----------------------------------------------------------------------===//
#include "gradc/Dialect/GradDialect.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"

using namespace mlir;
using namespace gradc::grad;

#include "gradc/Dialect/GradDialect.cpp.inc"
#include "gradc/Dialect/GradInterfaces.cpp.inc"

void GradDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "gradc/Dialect/GradOps.cpp.inc"
      >();
}

void gradc::grad::nameResultAfterSource(
    Operation *op, llvm::function_ref<void(Value, StringRef)> setName) {
  if (auto name = dyn_cast<NameLoc>(op->getLoc()); name && op->getNumResults())
    setName(op->getResult(0), name.getName().getValue());
}

Operation *GradDialect::materializeConstant(OpBuilder &builder, Attribute value,
                                            Type type, Location loc) {
  auto elements = dyn_cast<ElementsAttr>(value);
  if (!elements || elements.getType() != type)
    return nullptr;
  return builder.create<ConstantOp>(loc, elements);
}

#define GET_OP_CLASSES
#include "gradc/Dialect/GradOps.cpp.inc"
