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

#include <cstdlib>

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

/// The top-level op of `body` containing `op`.
Operation *topLevel(Operation *op, Block &body) {
  while (op->getBlock() != &body)
    op = op->getParentOp();
  return op;
}

int64_t elementBytes(Value buffer) {
  return cast<MemRefType>(buffer.getType()).getElementTypeBitWidth() / 8;
}

} // namespace

BodyPositions positionsIn(Block &body) {
  BodyPositions positions;
  for (auto [index, op] : llvm::enumerate(body))
    positions[&op] = static_cast<int64_t>(index);
  return positions;
}

BufferUses usesOf(Value buffer, Block &body, const BodyPositions &positions) {
  BufferUses uses;
  uses.first = uses.last = positions.lookup(topLevel(buffer.getDefiningOp(), body));
  bool started = false;
  SmallVector<Value> pending = {buffer};
  while (!pending.empty()) {
    Value value = pending.pop_back_val();
    uses.aliases.push_back(value);
    for (Operation *user : value.getUsers()) {
      if (isa<memref::DeallocOp>(user))
        continue;
      // Any buffer an op derives from this one (a view, a reshape) may
      // alias it: its uses count too.
      for (Value result : user->getResults())
        if (isa<MemRefType>(result.getType()))
          pending.push_back(result);
      int64_t at = positions.lookup(topLevel(user, body));
      uses.first = started ? std::min(uses.first, at) : at;
      uses.last = started ? std::max(uses.last, at) : at;
      started = true;
      uses.users.push_back(user);
    }
  }
  return uses;
}

bool writesInPlaceOver(Operation *op, const BufferUses &input, Value output) {
  auto generic = dyn_cast<linalg::GenericOp>(op);
  if (!generic || generic.getNumDpsInits() != 1 ||
      generic.getDpsInitOperand(0)->get() != output ||
      generic.getNumParallelLoops() != generic.getNumLoops() ||
      !generic.getMatchingIndexingMap(generic.getDpsInitOperand(0))
           .isIdentity())
    return false;
  Value base = input.aliases.front();
  // Writing element i of a wider type would clobber input elements after i
  // before they are read.
  if (elementBytes(base) != elementBytes(output))
    return false;
  // A view or reshape of the input read through any map might read an
  // element after its bytes were overwritten.
  for (OpOperand *operand : generic.getDpsInputOperands())
    if (operand->get() != base &&
        llvm::is_contained(input.aliases, operand->get()))
      return false;
  return readsOnlyAtOwnIndex(generic, base);
}

std::string describeProducer(const BufferUses &uses) {
  Value buffer = uses.aliases.front();
  Block *body = buffer.getParentBlock();
  Operation *first = nullptr;
  for (Operation *user : uses.users)
    if (user->getBlock() == body &&
        !isa<memref::ViewOp, memref::ExpandShapeOp, memref::CollapseShapeOp>(
            user) &&
        (!first || user->isBeforeInBlock(first)))
      first = user;
  if (!first)
    return "(unused)";
  std::string text = first->getName().getStringRef().str();
  if (auto name = dyn_cast<NameLoc>(first->getLoc()))
    text += " (" + name.getName().str() + ")";
  return text;
}

std::optional<BufferRoot> rootOf(Value buffer) {
  if (auto argument = dyn_cast<BlockArgument>(buffer))
    return BufferRoot{argument, 0};
  Operation *producer = buffer.getDefiningOp();
  // Reshapes of identity-layout buffers start at their source's first byte.
  if (isa_and_nonnull<memref::ExpandShapeOp, memref::CollapseShapeOp>(producer))
    return rootOf(producer->getOperand(0));
  auto view = dyn_cast_or_null<memref::ViewOp>(producer);
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

namespace {

/// Whether `output`'s first op writes it in place over `input`, which it
/// reads for the last time.
bool handsOver(const PlannedBuffer &input, const PlannedBuffer &output,
               Block &body, const BodyPositions &positions) {
  if (input.uses.last != output.uses.first)
    return false;
  return llvm::any_of(output.uses.users, [&](Operation *user) {
    return positions.lookup(topLevel(user, body)) == output.uses.first &&
           writesInPlaceOver(user, input.uses, output.uses.aliases.front());
  });
}

bool bytesOverlap(int64_t offset, int64_t bytes, const PlannedBuffer &other) {
  return offset < other.offset + other.bytes && other.offset < offset + bytes;
}

/// The offset for `buffer` among the placed buffers live at the same time
/// (`live`): the offset of one it is written in place over (or that is
/// written in place over it) when that clashes with no other, else the
/// smallest gap that holds it (best fit), else the end.
int64_t placeAmong(const PlannedBuffer &buffer,
                   ArrayRef<const PlannedBuffer *> live, Block &body,
                   const BodyPositions &positions) {
  SmallVector<const PlannedBuffer *> partners;
  for (const PlannedBuffer *other : live)
    if (handsOver(*other, buffer, body, positions) ||
        handsOver(buffer, *other, body, positions))
      partners.push_back(other);
  for (const PlannedBuffer *partner : partners) {
    int64_t offset = partner->offset;
    bool clashes = llvm::any_of(live, [&](const PlannedBuffer *other) {
      bool sharesInPlace =
          other->offset == offset && llvm::is_contained(partners, other);
      return !sharesInPlace && bytesOverlap(offset, buffer.bytes, *other);
    });
    if (!clashes)
      return offset;
  }
  SmallVector<std::pair<int64_t, int64_t>> taken;
  for (const PlannedBuffer *other : live)
    taken.emplace_back(other->offset, other->offset + other->bytes);
  llvm::sort(taken);
  int64_t best = -1, bestGap = INT64_MAX, cursor = 0;
  for (auto [start, end] : taken) {
    if (start - cursor >= buffer.bytes && start - cursor < bestGap) {
      best = cursor;
      bestGap = start - cursor;
    }
    cursor = std::max(cursor, end);
  }
  return best >= 0 ? best : cursor;
}

} // namespace

FailureOr<BufferPlan> planBuffers(func::FuncOp function) {
  Block &body = function.getBody().front();
  BodyPositions positions = positionsIn(body);
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
    buffer.uses = usesOf(alloc, body, positions);
    plan.buffers.push_back(std::move(buffer));
  }

  // Largest first, each where it overlaps no buffer live at the same time;
  // equal sizes keep program order, so the plan is deterministic.
  SmallVector<PlannedBuffer *> order;
  for (PlannedBuffer &buffer : plan.buffers)
    order.push_back(&buffer);
  llvm::sort(order, [](PlannedBuffer *a, PlannedBuffer *b) {
    return a->bytes != b->bytes ? a->bytes > b->bytes : a < b;
  });
  SmallVector<const PlannedBuffer *> placed;
  for (PlannedBuffer *buffer : order) {
    SmallVector<const PlannedBuffer *> live;
    for (const PlannedBuffer *other : placed)
      if (!(other->uses.last < buffer->uses.first ||
            buffer->uses.last < other->uses.first))
        live.push_back(other);
    buffer->offset = placeAmong(*buffer, live, body, positions);
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

bool verifyFromEnvironment() {
#ifndef NDEBUG
  return true;
#else
  const char *value = std::getenv("GRADC_VERIFY");
  return value && llvm::StringRef(value) != "0" && *value;
#endif
}

bool &verifySetting() {
  static bool verify = verifyFromEnvironment();
  return verify;
}

struct PlanBuffersPass : impl::PlanBuffersBase<PlanBuffersPass> {
  void runOnOperation() override {
    bool verify = verifyBufferPlans();
    WalkResult result = getOperation().walk([&](func::FuncOp function) {
      if (function.isExternal() || !function->hasAttr("grad.entry"))
        return WalkResult::advance();
      FailureOr<BufferPlan> plan = planBuffers(function);
      if (failed(plan))
        return WalkResult::interrupt();
      applyPlan(function, *plan);
      if (verify && failed(verifyBufferPlan(function)))
        return WalkResult::interrupt();
      return WalkResult::advance();
    });
    if (result.wasInterrupted())
      signalPassFailure();
  }
};

} // namespace

bool verifyBufferPlans() { return verifySetting(); }
void setVerifyBufferPlans(bool verify) { verifySetting() = verify; }

} // namespace gradc
