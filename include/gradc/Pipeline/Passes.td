//===- Passes.td - gradc's own passes ---------------------------*- tablegen -*-===//
#ifndef GRADC_PIPELINE_PASSES_TD
#define GRADC_PIPELINE_PASSES_TD

include "mlir/Pass/PassBase.td"

def GradAutodiff : Pass<"grad-autodiff", "mlir::ModuleOp"> {
  let summary = "Derive the gradients function by reverse-mode autodiff";
  let description = [{
    For a model with a loss, adds `@<model>_gradients`: the forward function
    followed by its backward graph, returning the forward results and the
    gradient of the loss with respect to every trainable parameter (not
    frozen). Each op's VJP rule comes from its VJPOpInterface; gradients of
    values used more than once are summed. Ops without a rule are all
    reported at once.
  }];
  let dependentDialects = ["gradc::grad::GradDialect", "mlir::func::FuncDialect"];
}

def GradOptimizer : Pass<"grad-optimizer", "mlir::ModuleOp"> {
  let summary = "Derive the training step: gradients plus the optimizer update";
  let description = [{
    From `@<model>_gradients`, adds `@<model>_step`, which also updates
    every trainable parameter with the model's optimizer (see
    Model/Optimizers.h). The learning rate is a run-time scalar argument, so
    schedules need no recompilation; optimizer state (velocities, moments)
    becomes arguments initialized like parameters. Updated parameters and
    state are results marked grad.updates, written in place later.
  }];
  let dependentDialects = ["gradc::grad::GradDialect", "mlir::func::FuncDialect"];
}

def GradDecompose : Pass<"grad-decompose", "mlir::ModuleOp"> {
  let summary = "Rewrite composite ops (softmax, losses, means) into simpler grad ops";
  let description = [{
    Runs after autodiff, so gradients still use each composite op's own
    stable VJP rule. Afterwards the forward loss and the backward softmax
    share their row maximum, shift and exponentials through CSE, and
    fusion sees every elementwise step and reduction.
  }];
  let dependentDialects = ["gradc::grad::GradDialect"];
}

def GradFuse : Pass<"grad-fuse", "mlir::ModuleOp"> {
  let summary = "Fuse elementwise chains and their reductions into grad.fused groups";
  let description = [{
    Each group becomes one loop nest. A value is stored only when an op
    other than an elementwise op or a reduction uses it, or when it is
    expensive and used more than once; cheap ops are recomputed per
    consumer, broadcasts become indexing maps and splat constants scalars.
    A reduction joins the group that computes its input.
  }];
  let dependentDialects = ["gradc::grad::GradDialect"];
}

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

def ResultsToDestinations : Pass<"grad-results-to-destinations", "mlir::ModuleOp"> {
  let summary = "Compute results into caller-provided buffers";
  let description = [{
    Before bufferization: every result of an entry point becomes a
    destination argument (appended, in result order) that the result is
    materialized in; a result marked grad.updates is materialized in the
    argument it replaces, so parameters are updated in place. One-shot
    bufferization checks every write is safe, and empty-tensor elimination
    lets the producing op write straight into the destination.
  }];
  let dependentDialects = [
    "mlir::bufferization::BufferizationDialect", "mlir::linalg::LinalgDialect",
    "mlir::tensor::TensorDialect"
  ];
}

def PlanBuffers : Pass<"grad-plan-buffers", "mlir::ModuleOp"> {
  let summary = "Place every temporary buffer in one arena, planned statically";
  let description = [{
    After bufferization: computes the live range of every memref.alloc of an
    entry point, assigns each an offset in one 64-byte-aligned arena (best
    fit, largest first; a buffer may take the place of one that dies at the
    elementwise op writing it), and replaces the allocations with views of an
    arena argument that the caller allocates once. The arena's size is
    recorded as grad.arena_bytes; parameters, optimizer state and outputs are
    caller buffers already and never in the arena.
  }];
  let dependentDialects = ["mlir::memref::MemRefDialect", "mlir::arith::ArithDialect"];
}

def GemmToRuntime : Pass<"grad-gemm-to-runtime", "mlir::ModuleOp"> {
  let summary = "Call the runtime's GEMM for matmuls on buffers";
  let description = [{
    Rewrites linalg.matmul (and its transposed variants) on identity-layout
    f32/f64 buffers into a call of gradc_matmul_f32/f64, folding a preceding
    zero fill of the output into the call's overwrite mode. The loop nest
    right after it that reads its output row by row becomes a row-slice
    function marked grad.gemm_epilogue, which grad-dispatch-parallel folds
    into the GEMM's call.
  }];
  let dependentDialects = [
    "mlir::arith::ArithDialect", "mlir::func::FuncDialect",
    "mlir::LLVM::LLVMDialect", "mlir::memref::MemRefDialect"
  ];
}

def OutlineParallel : Pass<"grad-outline-parallel", "mlir::ModuleOp"> {
  let summary = "Move large loop nests into functions over a slice of rows";
  let description = [{
    After the GEMMs became runtime calls: a linalg.generic on buffers whose
    outermost loop is parallel and whose iteration space has at least
    `min-elements` points moves into a private function
    `(begin, end, buffers...)` marked grad.parallel_body, computing rows
    [begin, end) of that loop through subviews; it is called over all rows.
    grad-dispatch-parallel later runs those calls on the runtime's threads.
  }];
  let options = [
    Option<"minElements", "min-elements", "int64_t", /*default=*/"1 << 15",
           "Smallest iteration space worth waking a second thread for">,
  ];
  let dependentDialects = [
    "mlir::arith::ArithDialect", "mlir::func::FuncDialect",
    "mlir::memref::MemRefDialect"
  ];
}

def DispatchParallel : Pass<"grad-dispatch-parallel", "mlir::ModuleOp"> {
  let summary = "Run calls of parallel loop bodies through gradc_parallel_for";
  let description = [{
    On the LLVM dialect: gives each function grad-outline-parallel made a
    thunk of the runtime's loop-body type and turns each call of it into
    gradc_parallel_for(thunk, buffers, begin, end), which splits the rows
    across the runtime's threads.
  }];
  let dependentDialects = ["mlir::LLVM::LLVMDialect"];
}

#endif // GRADC_PIPELINE_PASSES_TD
