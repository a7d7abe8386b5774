//===- Passes.td - gradc's own passes ---------------------------*- tablegen -*-===//
#ifndef GRADC_PIPELINE_PASSES_TD
#define GRADC_PIPELINE_PASSES_TD

include "mlir/Pass/PassBase.td"

def GradToLinalg : Pass<"grad-to-linalg", "mlir::ModuleOp"> {
  let summary = "Lower grad ops to linalg/tensor/arith on tensors";
  let description = [{
    Each op lowers itself through its interface: elementwise ops become one
    linalg.generic around their scalar body; other ops build linalg ops or
    decompose into simpler grad ops, which are lowered in turn.
  }];
  let dependentDialects = [
    "mlir::arith::ArithDialect", "mlir::linalg::LinalgDialect",
    "mlir::math::MathDialect", "mlir::tensor::TensorDialect"
  ];
}

def GemmToRuntime : Pass<"grad-gemm-to-runtime", "mlir::ModuleOp"> {
  let summary = "Call the runtime's GEMM for matmuls on buffers";
  let description = [{
    Rewrites linalg.matmul (and its transposed variants) on identity-layout
    f32/f64 buffers into a call of gradc_matmul_f32/f64, folding a preceding
    zero fill of the output into the call's overwrite mode.
  }];
  let dependentDialects = [
    "mlir::arith::ArithDialect", "mlir::func::FuncDialect",
    "mlir::LLVM::LLVMDialect", "mlir::memref::MemRefDialect"
  ];
}

#endif // GRADC_PIPELINE_PASSES_TD
