//===- Describe.h - values and types as users wrote them ---------*- C++
//-*-===//
//
// Shape errors speak the .grad language: "x is f32[100,784]", not
// "operand #0 has type tensor<100x784xf32>". Used by the ops' shape rules and
// by the frontend.
//
//===----------------------------------------------------------------------===//
#ifndef GRADC_DIALECT_DESCRIBE_H
#define GRADC_DIALECT_DESCRIBE_H

#include "mlir/IR/Value.h"

#include <string>

namespace gradc::grad {

/// "f32[100,784]": a tensor type as the .grad language spells it.
std::string formatType(mlir::Type type);

/// "x is f32[100,784]" when the value carries a source name (a NameLoc),
/// otherwise "<role> is f32[...]" (role is e.g. "lhs" or "the input").
std::string describe(mlir::Value value, llvm::StringRef role);

} // namespace gradc::grad

#endif // GRADC_DIALECT_DESCRIBE_H
