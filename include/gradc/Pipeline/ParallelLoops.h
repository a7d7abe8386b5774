//===- ParallelLoops.h - loop nests run on every core -----------*- C++ -*-===//
//
// grad-outline-parallel moves large loop nests into functions over a slice
// of their outermost loop, marked with kParallelBodyAttr (and
// grad-gemm-to-runtime does so for GEMM epilogues); after the LLVM
// lowering, grad-dispatch-parallel makes each call of such a function a
// gradc_parallel_for call of the runtime, or folds it into its GEMM's call.
//
//===----------------------------------------------------------------------===//
#ifndef GRADC_PIPELINE_PARALLELLOOPS_H
#define GRADC_PIPELINE_PARALLELLOOPS_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/StringRef.h"

namespace gradc {

/// Marks a function `(begin: index, end: index, buffers: memref...)` that
/// computes rows [begin, end) of one loop nest.
constexpr llvm::StringLiteral kParallelBodyAttr = "grad.parallel_body";

/// Marks a parallel body that runs right after the GEMM computing the rows
/// it reads (an epilogue: bias, activation), in the same runtime call.
constexpr llvm::StringLiteral kGemmEpilogueAttr = "grad.gemm_epilogue";

/// Whether `loop` can become a row-slice function: on buffers, with a
/// parallel outermost loop of static extent, reading only the entry
/// point's arguments or constant-offset views of them, and capturing only
/// constants.
bool canSliceRows(mlir::linalg::GenericOp loop);

/// Moves `loop` into a new private function `(begin, end, buffers...)`
/// marked kParallelBodyAttr that computes its rows [begin, end), and
/// returns the call over every row left in its place.
mlir::func::CallOp sliceRows(mlir::linalg::GenericOp loop,
                             mlir::SymbolTable &symbols);

} // namespace gradc

#endif // GRADC_PIPELINE_PARALLELLOOPS_H
