//===- BufferPlan.h - where each temporary buffer lives ---------*- C++ -*-===//
//
// grad-plan-buffers places the temporary buffers of an entry point in one
// arena; verifyBufferPlan proves the placement safe afterwards, from the IR
// alone. Both read liveness the same way: entry points are straight-line
// code after bufferization, so a buffer is live from the first to the last
// top-level op that uses it or any buffer derived from it.
//
//===----------------------------------------------------------------------===//
#ifndef GRADC_PIPELINE_BUFFERPLAN_H
#define GRADC_PIPELINE_BUFFERPLAN_H

#include "gradc/Model/Signature.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"

#include <optional>
#include <vector>

namespace gradc {

constexpr llvm::StringLiteral kArenaBytesAttr = attrs::kArenaBytes;

/// How a buffer is used in a function body: every value naming its bytes
/// (itself, then the views and reshapes derived from it), the ops using
/// them, and its live range as positions of top-level ops in the body.
struct BufferUses {
  llvm::SmallVector<mlir::Value> aliases;
  llvm::SmallVector<mlir::Operation *> users;
  int64_t first = 0, last = 0;
};

/// Positions of the top-level ops of a function body.
using BodyPositions = llvm::DenseMap<mlir::Operation *, int64_t>;
BodyPositions positionsIn(mlir::Block &body);

/// The uses of `buffer` in `body` (deallocations do not count). A buffer
/// without uses is live at `position` of its defining op alone.
BufferUses usesOf(mlir::Value buffer, mlir::Block &body,
                  const BodyPositions &positions);

/// Whether `op` writes `output` element by element while reading `input`
/// (named by `inputAliases`) only at the index it writes, so `output` may
/// start at the same byte as `input`: the ops' loops are all parallel, the
/// output and the input are read and written through identity maps, no
/// other alias of `input` is read, and both have the same element width.
bool writesInPlaceOver(mlir::Operation *op, const BufferUses &input,
                       mlir::Value output);

/// The op that first uses a buffer, for messages and reports: its name and
/// the source name it computes, as "linalg.generic (h1)".
std::string describeProducer(const BufferUses &uses);

struct PlannedBuffer {
  mlir::memref::AllocOp alloc;
  int64_t bytes = 0; // rounded up to the 64-byte alignment
  int64_t offset = 0; // in the arena
  BufferUses uses;
};

struct BufferPlan {
  std::vector<PlannedBuffer> buffers;
  int64_t arenaBytes = 0;
  int64_t naiveBytes = 0; // every buffer apart
};

/// Where a buffer of a planned entry point lives: in the function argument
/// it is, or that a memref.view at a constant byte offset views (the arena),
/// possibly reshaped (identity layouts keep the first byte).
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

/// Checks a planned entry point: no two arena views whose live ranges
/// overlap share a byte, except a buffer written in place over one that
/// dies at the op writing it, at the same offset. Emits an error naming
/// both buffers for each violation.
mlir::LogicalResult verifyBufferPlan(mlir::func::FuncOp function);

/// Whether grad-plan-buffers verifies every plan it makes: on in Debug
/// builds, with gradc's --verify, or with GRADC_VERIFY=1 in the environment
/// (as the test suite runs).
bool verifyBufferPlans();
void setVerifyBufferPlans(bool verify);

} // namespace gradc

#endif // GRADC_PIPELINE_BUFFERPLAN_H
