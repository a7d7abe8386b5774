//===- BufferPlan.h - where each temporary buffer lives ----------*- C++
//-*-===//
#ifndef GRADC_PIPELINE_BUFFERPLAN_H
#define GRADC_PIPELINE_BUFFERPLAN_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"

#include <optional>
#include <vector>

namespace gradc {

/// On a planned entry point: the bytes of the arena its last argument is.
constexpr llvm::StringLiteral kArenaBytesAttr = "grad.arena_bytes";

struct PlannedBuffer {
  mlir::memref::AllocOp alloc;
  int64_t bytes = 0;           // rounded up to the 64-byte alignment
  int64_t first = 0, last = 0; // live range: positions in the function
  int64_t offset = 0;          // in the arena
  llvm::SmallVector<mlir::Operation *> users;
};

struct BufferPlan {
  std::vector<PlannedBuffer> buffers;
  int64_t arenaBytes = 0;
  int64_t naiveBytes = 0; // every buffer apart
};

/// Where a buffer of a planned entry point lives: in the function argument
/// it is, or that a memref.view at a constant byte offset views (the arena).
struct BufferRoot {
  mlir::BlockArgument argument;
  int64_t offset = 0; // in bytes
};
/// `buffer`'s root; nothing if it is neither an argument nor such a view.
std::optional<BufferRoot> rootOf(mlir::Value buffer);

/// Whether `loop` reads `buffer` as an input, and only ever at the index
/// of the iteration (identity indexing maps): each element is read by the
/// iteration that writes the same index of an identity-mapped output.
bool readsOnlyAtOwnIndex(mlir::linalg::GenericOp loop, mlir::Value buffer);

/// Plans the temporary buffers of a bufferized entry point (see
/// grad-plan-buffers).
mlir::FailureOr<BufferPlan> planBuffers(mlir::func::FuncOp function);

} // namespace gradc

#endif // GRADC_PIPELINE_BUFFERPLAN_H
