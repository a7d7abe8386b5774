//===- DumpReports.h - gradc dump --stats and --memory ------------*- C++
//-*-===//
#ifndef GRADC_COMPILER_DRIVER_DUMPREPORTS_H
#define GRADC_COMPILER_DRIVER_DUMPREPORTS_H

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/raw_ostream.h"

namespace gradc::driver {

/// Ops and kernels (loop nests or runtime calls) of every entry point, at
/// each stage around fusion. Runs the pipeline on `module`.
mlir::LogicalResult printStats(mlir::ModuleOp module, llvm::raw_ostream &os);

/// The static buffer plan of every entry point: each temporary buffer with
/// its producer, size, live range and arena offset, then the totals. Runs
/// the pipeline on `module` up to bufferization.
mlir::LogicalResult printMemory(mlir::ModuleOp module, llvm::raw_ostream &os);

} // namespace gradc::driver

#endif // GRADC_COMPILER_DRIVER_DUMPREPORTS_H
