//===- GradInterfaces.td - interfaces every grad op plugs into -*- tablegen -*-===//
//
// The passes never switch on op kinds: each op says how it computes one
// element (elementwise ops) or how it lowers (everything else) through these
// interfaces, next to its shape rule.
//
//===----------------------------------------------------------------------===//

#ifndef GRADC_DIALECT_GRADINTERFACES_TD
#define GRADC_DIALECT_GRADINTERFACES_TD

include "mlir/IR/OpBase.td"

def Grad_ElementwiseOpInterface : OpInterface<"ElementwiseOpInterface"> {
  let description = [{
    An op whose result element at index i depends only on the operand
    elements at index i (all operands and the result share one shape).
    Lowering, and later fusion, compose these scalar bodies.
  }];
  let cppNamespace = "::gradc::grad";
  let methods = [
    InterfaceMethod<
      "Builds the scalar computation of one element from one scalar per "
      "operand, returning the result scalar.",
      "::mlir::Value", "buildScalar",
      (ins "::mlir::OpBuilder &":$b, "::mlir::Location":$loc,
           "::mlir::ValueRange":$operands)>,
    InterfaceMethod<
      "True when one element costs much more than a load and a store (exp, "
      "log, ...): fusion then computes it once instead of once per consumer.",
      "bool", "isExpensive", (ins), "", "return false;">,
  ];
}

def Grad_LowerToLinalgOpInterface : OpInterface<"LowerToLinalgOpInterface"> {
  let description = [{
    A non-elementwise op that lowers itself to linalg/tensor/arith ops on
    tensors, or to simpler grad ops (which are then lowered in turn).
  }];
  let cppNamespace = "::gradc::grad";
  let methods = [
    InterfaceMethod<
      "Builds the replacement of this op's single result at the builder's "
      "insertion point and returns it.",
      "::mlir::Value", "lowerToLinalg", (ins "::mlir::OpBuilder &":$b)>,
  ];
}

def Grad_VJPOpInterface : OpInterface<"VJPOpInterface"> {
  let description = [{
    The op's reverse-mode derivative rule, written in grad ops. grad-autodiff
    calls it on each op between the parameters and the loss, last op first.
  }];
  let cppNamespace = "::gradc::grad";
  let methods = [
    InterfaceMethod<
      "Given the gradient of the loss with respect to this op's result, "
      "builds the gradient with respect to each operand, in operand order: "
      "a null value where none flows (integer labels, piecewise-constant "
      "ops).",
      "::llvm::SmallVector<::mlir::Value>", "buildVJP",
      (ins "::mlir::OpBuilder &":$b, "::mlir::Value":$resultGrad)>,
  ];
}

#endif // GRADC_DIALECT_GRADINTERFACES_TD
