//===- Fuse.cpp - elementwise and reduction fusion ------------------------===//
//
// Groups chains of elementwise ops, and the reductions they feed, into
// grad.fused ops, each one loop nest.
//
// The policy: a value is materialized (a group's result) when something
// other than an elementwise op or a reduction uses it, or when it is
// expensive to compute and used more than once. Everything else is
// computed inside the groups that use it: cheap ops (add, mul, relu, ...)
// may be recomputed per consumer, which costs less than a round trip
// through memory, while expensive ones (exp, log, div, ...) never are.
// Broadcasts become indexing maps and splat constants scalars, so neither
// is ever materialized for an elementwise consumer.
//
// A reduction either ends the group that computes its input (sum of an
// inlined chain), or, when its input is materialized by a group anyway
// (a bias gradient that GEMMs read too, softmax's exp), becomes one more
// result of that group, accumulated as the elements are stored.
//
//===----------------------------------------------------------------------===//
#include "gradc/Pipeline/Passes.h"

#include "mlir/IR/IRMapping.h"
#include "llvm/ADT/SetVector.h"

namespace gradc {
#define GEN_PASS_DEF_GRADFUSE
#include "gradc/Pipeline/Passes.h.inc"
} // namespace gradc

using namespace mlir;

namespace gradc {
namespace {

/// Ops that compute their result inside the consumer's loop nest.
bool isFusableConsumer(Operation *op) {
  return isa<grad::ElementwiseOpInterface, grad::ReductionOpInterface>(op);
}

/// Whether `op`'s result is computed inside the groups that use it rather
/// than stored.
bool isInlined(Operation *op) {
  if (op->use_empty() || !llvm::all_of(op->getUsers(), isFusableConsumer))
    return false;
  if (isa<grad::BroadcastOp>(op) || grad::isSplatConstant(op))
    return llvm::none_of(op->getUsers(), [](Operation *user) {
      return isa<grad::ReductionOpInterface>(user);
    });
  auto elementwise = dyn_cast<grad::ElementwiseOpInterface>(op);
  return elementwise && (op->hasOneUse() || !elementwise.isExpensive());
}

/// The ops of one loop nest: `roots` are its results, in program order.
struct Group {
  SmallVector<Operation *> roots;
  llvm::SetVector<Operation *> ops;
};

/// Adds `root` and the inlined ops it is computed from to `group`.
void addRoot(Group &group, Operation *root) {
  group.roots.push_back(root);
  SmallVector<Operation *> work = {root};
  while (!work.empty()) {
    Operation *op = work.pop_back_val();
    if (!group.ops.insert(op))
      continue;
    // A broadcast's input is read through an indexing map: not fused.
    if (isa<grad::BroadcastOp>(op))
      continue;
    for (Value operand : op->getOperands())
      if (Operation *producer = operand.getDefiningOp())
        if (isInlined(producer))
          work.push_back(producer);
  }
}

/// Whether `reduction` can join `group`: all reductions of a loop nest
/// share its reduced axes.
bool canJoin(const Group &group, grad::ReductionOpInterface reduction) {
  return llvm::all_of(group.roots, [&](Operation *root) {
    auto other = dyn_cast<grad::ReductionOpInterface>(root);
    return !other || other.getReducedAxes() == reduction.getReducedAxes();
  });
}

/// The loop nests of `block`, found in program order.
SmallVector<Group> findGroups(Block &block) {
  SmallVector<Group> groups;
  DenseMap<Operation *, size_t> groupOfRoot;
  for (Operation &op : block) {
    if (isa<grad::ElementwiseOpInterface>(op) && !isInlined(&op)) {
      groupOfRoot[&op] = groups.size();
      addRoot(groups.emplace_back(), &op);
      continue;
    }
    auto reduction = dyn_cast<grad::ReductionOpInterface>(op);
    if (!reduction)
      continue;
    Operation *producer = op.getOperand(0).getDefiningOp();
    auto materialized = groupOfRoot.find(producer);
    if (materialized != groupOfRoot.end() &&
        canJoin(groups[materialized->second], reduction)) {
      addRoot(groups[materialized->second], &op);
    } else if (producer && isInlined(producer)) {
      groupOfRoot[&op] = groups.size();
      addRoot(groups.emplace_back(), &op);
    }
  }
  return groups;
}

/// Replaces the roots of `group` by one grad.fused op computing them.
void fuse(const Group &group) {
  // Inputs: values the group reads but does not compute.
  llvm::SetVector<Value> inputs;
  for (Operation *op : group.ops)
    for (Value operand : op->getOperands())
      if (!group.ops.contains(operand.getDefiningOp()))
        inputs.insert(operand);
  Operation *first = group.roots.front();
  SmallVector<Value> roots = llvm::map_to_vector(
      group.roots, [](Operation *root) -> Value { return root->getResult(0); });
  OpBuilder builder(first);
  auto fused = builder.create<grad::FusedOp>(
      first->getLoc(), ValueRange(roots).getTypes(), inputs.getArrayRef());
  Block *body = builder.createBlock(&fused.getBody());
  IRMapping mapping;
  for (Value input : inputs)
    mapping.map(input, body->addArgument(input.getType(), input.getLoc()));
  // Clone in program order so producers come before their users.
  for (Operation &op : *first->getBlock())
    if (group.ops.contains(&op))
      builder.clone(op, mapping);
  builder.create<grad::YieldOp>(first->getLoc(),
                                llvm::map_to_vector(roots, [&](Value root) {
                                  return mapping.lookup(root);
                                }));
  for (auto [root, result] : llvm::zip(roots, fused.getResults()))
    root.replaceAllUsesWith(result);
}

/// Erases ops left without users, last first.
void eraseDead(Block &block) {
  SmallVector<Operation *> ops;
  for (Operation &op : block)
    ops.push_back(&op);
  for (Operation *op : llvm::reverse(ops))
    if (op->use_empty() && isa<grad::GradDialect>(op->getDialect()) &&
        !op->hasTrait<OpTrait::IsTerminator>())
      op->erase();
}

struct GradFusePass : impl::GradFuseBase<GradFusePass> {
  void runOnOperation() override {
    getOperation().walk([](func::FuncOp function) {
      if (function.isExternal())
        return;
      Block &block = function.getBody().front();
      for (const Group &group : findGroups(block))
        if (group.ops.size() > 1)
          fuse(group);
      eraseDead(block);
    });
  }
};

} // namespace
} // namespace gradc
