//===- ParallelLoops.h - loop nests run on every core -----------*- C++ -*-===//
//
// grad-outline-parallel moves large loop nests into functions over a slice
// of their outermost loop, marked with kParallelBodyAttr; after the LLVM
// lowering, grad-dispatch-parallel makes each call of such a function a
// gradc_parallel_for call of the runtime.
//
//===----------------------------------------------------------------------===//
#ifndef GRADC_PIPELINE_PARALLELLOOPS_H
#define GRADC_PIPELINE_PARALLELLOOPS_H

#include "llvm/ADT/StringRef.h"

namespace gradc {

/// Marks a function `(begin: index, end: index, buffers: memref...)` that
/// computes rows [begin, end) of one loop nest.
constexpr llvm::StringLiteral kParallelBodyAttr = "grad.parallel_body";

/// The runtime entry point that runs a body's slices on its threads.
constexpr llvm::StringLiteral kParallelForFunction = "gradc_parallel_for";

} // namespace gradc

#endif // GRADC_PIPELINE_PARALLELLOOPS_H
