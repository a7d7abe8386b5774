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
      "Builds the replacement of this op's results at the builder's "
      "insertion point and returns them.",
      "::llvm::SmallVector<::mlir::Value>", "lowerToLinalg",
      (ins "::mlir::OpBuilder &":$b)>,
  ];
}

def Grad_DecomposeOpInterface : OpInterface<"DecomposeOpInterface"> {
  let description = [{
    A composite op (softmax, a loss, a mean) that grad-decompose rewrites
    into simpler grad ops once its gradient has been derived, so that CSE
    can share its parts between the forward and backward graphs and fusion
    can put them in loops with their neighbours.
  }];
  let cppNamespace = "::gradc::grad";
  let methods = [
    InterfaceMethod<
      "Builds this op's single result from simpler grad ops at the "
      "builder's insertion point and returns it.",
      "::mlir::Value", "decompose", (ins "::mlir::OpBuilder &":$b)>,
  ];
}

def Grad_ReductionOpInterface : OpInterface<"ReductionOpInterface"> {
  let description = [{
    A reduction that folds elements into an accumulator one at a time, so
    fusion can compute its input in the same loop nest.
  }];
  let cppNamespace = "::gradc::grad";
  let methods = [
    InterfaceMethod<"The accumulator's starting value.", "double",
                    "getIdentity", (ins)>,
    InterfaceMethod<
      "Builds the accumulator after folding in one element.",
      "::mlir::Value", "buildCombine",
      (ins "::mlir::OpBuilder &":$b, "::mlir::Location":$loc,
           "::mlir::Value":$accumulator, "::mlir::Value":$element)>,
    InterfaceMethod<"The sorted axes reduced over.",
                    "::llvm::SmallVector<int64_t>", "getReducedAxes", (ins)>,
    InterfaceMethod<
      "The type the accumulator is kept in when reducing elements of "
      "`elementType`; buildCombine then gets elements extended to it, and "
      "the result is rounded back once at the end.",
      "::mlir::Type", "getAccumulatorType", (ins "::mlir::Type":$elementType),
      "", "return elementType;">,
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
