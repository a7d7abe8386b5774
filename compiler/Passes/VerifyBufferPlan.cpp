//===- VerifyBufferPlan.cpp - proof that a buffer plan is safe ------------===//
//
// Reads a planned entry point as it is, without the planner's own records:
// every memref.view of an argument at a constant offset is a buffer with a
// byte interval, and its live range comes from its uses. Two buffers live at
// the same time must not share a byte, with one exception: an op that reads
// a dying buffer only at the index it writes may write its output over it,
// at the same offset.
//
//===----------------------------------------------------------------------===//
#include "gradc/Pipeline/BufferPlan.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

using namespace mlir;

namespace gradc {
namespace {

struct ArenaBuffer {
  BlockArgument arena;
  int64_t begin = 0, end = 0; // bytes
  BufferUses uses;
};

/// Whether `output` is written in place over `input` where `input` dies.
bool writtenInPlaceOver(const ArenaBuffer &input, const ArenaBuffer &output) {
  if (input.begin != output.begin || input.uses.last != output.uses.first)
    return false;
  return llvm::any_of(output.uses.users, [&](Operation *user) {
    return writesInPlaceOver(user, input.uses, output.uses.aliases.front());
  });
}

bool mayShareBytes(const ArenaBuffer &a, const ArenaBuffer &b) {
  bool sameTime = a.uses.first <= b.uses.last && b.uses.first <= a.uses.last;
  bool sameBytes =
      a.arena == b.arena && a.begin < b.end && b.begin < a.end;
  return !sameTime || !sameBytes || writtenInPlaceOver(a, b) ||
         writtenInPlaceOver(b, a);
}

} // namespace

LogicalResult verifyBufferPlan(func::FuncOp function) {
  Block &body = function.getBody().front();
  BodyPositions positions = positionsIn(body);
  std::vector<ArenaBuffer> buffers;
  for (Operation &op : body) {
    auto view = dyn_cast<memref::ViewOp>(op);
    std::optional<BufferRoot> root = view ? rootOf(view) : std::nullopt;
    if (!root)
      continue;
    auto type = view.getType();
    int64_t bytes =
        type.getNumElements() * (type.getElementTypeBitWidth() / 8);
    buffers.push_back({root->argument, root->offset,
                       root->offset + bytes, usesOf(view, body, positions)});
  }
  bool valid = true;
  for (size_t i = 0; i < buffers.size(); ++i)
    for (size_t j = i + 1; j < buffers.size(); ++j) {
      const ArenaBuffer &a = buffers[i], &b = buffers[j];
      if (mayShareBytes(a, b))
        continue;
      valid = false;
      Value view = a.uses.aliases.front();
      view.getDefiningOp()->emitError()
          << "gradc bug (please report it with this model): buffer plan: "
             "the buffer of " << describeProducer(a.uses)
          << " (bytes " << a.begin << ".." << a.end << ", live "
          << a.uses.first << ".." << a.uses.last << ") overlaps the buffer of "
          << describeProducer(b.uses) << " (bytes " << b.begin << ".."
          << b.end << ", live " << b.uses.first << ".." << b.uses.last
          << ") in " << function.getSymName();
    }
  return success(valid);
}

} // namespace gradc
