//===- PlanBuffers.cpp - a static buffer plan in one arena ----------------===//
//
// Entry points are straight-line code after bufferization, so liveness is a
// range of positions in the function body. Buffers whose ranges overlap get
// disjoint bytes; the others share. The step then allocates nothing: every
// temporary is a view of an arena the caller allocates once.
//
//===----------------------------------------------------------------------===//
#include "gradc/Pipeline/BufferPlan.h"
#include "gradc/Pipeline/Passes.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"

namespace gradc {
#define GEN_PASS_DEF_PLANBUFFERS
#include "gradc/Pipeline/Passes.h.inc"
} // namespace gradc

using namespace mlir;

namespace gradc {

namespace {

constexpr int64_t kAlignment = 64;

int64_t alignUp(int64_t bytes) {
  return (bytes + kAlignment - 1) / kAlignment * kAlignment;
}

/// The top-level op of `function`'s body containing `op`.
Operation *topLevel(Operation *op, Block &body) {
  while (op->getBlock() != &body)
    op = op->getParentOp();
  return op;
}

/// Whether `op` reads `input` and writes `output` element by element at the
/// same index (whatever else it reads, through whatever maps), so `output`
/// may reuse `input`'s bytes: each element is read before it is written.
bool writesInPlaceOver(Operation *op, Value input, Value output) {
  auto generic = dyn_cast<linalg::GenericOp>(op);
  if (!generic || generic.getNumDpsInits() != 1 ||
      generic.getDpsInitOperand(0)->get() != output ||
      generic.getNumParallelLoops() != generic.getNumLoops() ||
      !generic.getMatchingIndexingMap(generic.getDpsInitOperand(0))
           .isIdentity())
    return false;
  return readsOnlyAtOwnIndex(generic, input);
}

} // namespace

std::optional<BufferRoot> rootOf(Value buffer) {
  if (auto argument = dyn_cast<BlockArgument>(buffer))
    return BufferRoot{argument, 0};
  auto view = buffer.getDefiningOp<memref::ViewOp>();
  if (!view || !view.getSizes().empty())
    return std::nullopt;
  auto shift = view.getByteShift().getDefiningOp<arith::ConstantIndexOp>();
  auto argument = dyn_cast<BlockArgument>(view.getSource());
  if (!shift || !argument)
    return std::nullopt;
  return BufferRoot{argument, shift.value()};
}

bool readsOnlyAtOwnIndex(linalg::GenericOp loop, Value buffer) {
  bool reads = false;
  for (OpOperand *operand : loop.getDpsInputOperands()) {
    if (operand->get() != buffer)
      continue;
    if (!loop.getMatchingIndexingMap(operand).isIdentity())
      return false;
    reads = true;
  }
  return reads;
}

FailureOr<BufferPlan> planBuffers(func::FuncOp function) {
  Block &body = function.getBody().front();
  DenseMap<Operation *, int64_t> position;
  for (auto [index, op] : llvm::enumerate(body))
    position[&op] = static_cast<int64_t>(index);

  BufferPlan plan;
  for (Operation &op : body) {
    auto alloc = dyn_cast<memref::AllocOp>(op);
    if (!alloc)
      continue;
    MemRefType type = alloc.getType();
    if (!type.hasStaticShape() || !type.getLayout().isIdentity())
      return alloc.emitError("grad-plan-buffers: only static buffers can be "
                             "planned");
    PlannedBuffer buffer;
    buffer.alloc = alloc;
    buffer.bytes =
        alignUp(type.getNumElements() * (type.getElementTypeBitWidth() / 8));
    buffer.first = buffer.last = position[alloc];
    // Uses through views and reshapes, and inside the regions of linalg
    // ops, count at their top-level op.
    SmallVector<Value> aliases = {alloc.getResult()};
    bool started = false;
    while (!aliases.empty()) {
      Value value = aliases.pop_back_val();
      for (Operation *user : value.getUsers()) {
        if (isa<memref::DeallocOp>(user))
          continue;
        // Any buffer an op derives from this one (a view, a reshape) may
        // alias it: its uses count too.
        for (Value result : user->getResults())
          if (isa<MemRefType>(result.getType()))
            aliases.push_back(result);
        int64_t at = position[topLevel(user, body)];
        buffer.first = started ? std::min(buffer.first, at) : at;
        buffer.last = std::max(buffer.last, at);
        started = true;
        buffer.users.push_back(user);
      }
    }
    plan.buffers.push_back(std::move(buffer));
  }

  // Largest first, each at the lowest offset that overlaps no buffer live at
  // the same time.
  SmallVector<PlannedBuffer *> order;
  for (PlannedBuffer &buffer : plan.buffers)
    order.push_back(&buffer);
  llvm::stable_sort(order, [](PlannedBuffer *a, PlannedBuffer *b) {
    return a->bytes > b->bytes;
  });
  SmallVector<PlannedBuffer *> placed;
  for (PlannedBuffer *buffer : order) {
    SmallVector<std::pair<int64_t, int64_t>> taken;
    for (PlannedBuffer *other : placed) {
      bool disjointInTime =
          other->last < buffer->first || buffer->last < other->first;
      // The new buffer may overwrite one that its first op reads for the
      // last time, element by element.
      bool handOver =
          other->last == buffer->first &&
          llvm::any_of(buffer->users, [&](Operation *user) {
            return position[topLevel(user, body)] == buffer->first &&
                   writesInPlaceOver(user, other->alloc.getResult(),
                                     buffer->alloc.getResult());
          });
      if (!disjointInTime && !handOver)
        taken.emplace_back(other->offset, other->offset + other->bytes);
    }
    llvm::sort(taken);
    // Best fit: the smallest gap that holds the buffer, else the end.
    int64_t best = -1, bestGap = INT64_MAX, cursor = 0;
    for (auto [start, end] : taken) {
      if (start - cursor >= buffer->bytes && start - cursor < bestGap) {
        best = cursor;
        bestGap = start - cursor;
      }
      cursor = std::max(cursor, end);
    }
    buffer->offset = best >= 0 ? best : cursor;
    plan.arenaBytes = std::max(plan.arenaBytes, buffer->offset + buffer->bytes);
    plan.naiveBytes += buffer->bytes;
    placed.push_back(buffer);
  }
  return plan;
}

namespace {

/// Replaces each planned allocation by a view of a new arena argument.
void applyPlan(func::FuncOp function, const BufferPlan &plan) {
  MLIRContext *context = function.getContext();
  auto arenaType = MemRefType::get({std::max<int64_t>(plan.arenaBytes, 1)},
                                   IntegerType::get(context, 8));
  unsigned position = function.getNumArguments();
  function.insertArgument(position, arenaType, {}, function.getLoc());
  Value arena = function.getArgument(position);
  OpBuilder builder(context);
  for (const PlannedBuffer &buffer : plan.buffers) {
    memref::AllocOp alloc = buffer.alloc;
    builder.setInsertionPoint(alloc);
    Value offset =
        builder.create<arith::ConstantIndexOp>(alloc.getLoc(), buffer.offset);
    Value view = builder.create<memref::ViewOp>(alloc.getLoc(), alloc.getType(),
                                                arena, offset, ValueRange());
    for (Operation *user : llvm::make_early_inc_range(alloc->getUsers()))
      if (isa<memref::DeallocOp>(user))
        user->erase();
    alloc.replaceAllUsesWith(view);
    alloc.erase();
  }
  function->setAttr(
      kArenaBytesAttr,
      IntegerAttr::get(IntegerType::get(context, 64), plan.arenaBytes));
}

struct PlanBuffersPass : impl::PlanBuffersBase<PlanBuffersPass> {
  void runOnOperation() override {
    WalkResult result = getOperation().walk([](func::FuncOp function) {
      if (function.isExternal() || !function->hasAttr("grad.entry"))
        return WalkResult::advance();
      FailureOr<BufferPlan> plan = planBuffers(function);
      if (failed(plan))
        return WalkResult::interrupt();
      applyPlan(function, *plan);
      return WalkResult::advance();
    });
    if (result.wasInterrupted())
      signalPassFailure();
  }
};

} // namespace
} // namespace gradc
