//===- Fuse.cpp - elementwise fusion
//---------------------------------------===//
//
// Groups chains of elementwise ops into grad.fused ops, each one loop nest.
// The policy: a value is materialized (a group's result) when something
// other than an elementwise op uses it, or when it is expensive to compute
// and used more than once. Everything else is computed inside the groups
// that use it: cheap ops (add, mul, relu, ...) may be recomputed per
// consumer, which costs less than a round trip through memory, while
// expensive ones (exp, log, div, ...) never are. Broadcasts become indexing
// maps and splat constants scalars, so neither is ever materialized for an
// elementwise consumer.
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

bool isSplatConstant(Operation *op) {
  auto constant = dyn_cast<grad::ConstantOp>(op);
  return constant && isa<SplatElementsAttr>(constant.getValue());
}

bool onlyElementwiseUsers(Operation *op) {
  return llvm::all_of(op->getUsers(), [](Operation *user) {
    return isa<grad::ElementwiseOpInterface>(user);
  });
}

/// Whether `op`'s result is computed inside the groups that use it rather
/// than stored.
bool isInlined(Operation *op) {
  if (isa<grad::BroadcastOp>(op) || isSplatConstant(op))
    return !op->use_empty() && onlyElementwiseUsers(op);
  auto elementwise = dyn_cast<grad::ElementwiseOpInterface>(op);
  if (!elementwise || op->use_empty() || !onlyElementwiseUsers(op))
    return false;
  return op->hasOneUse() || !elementwise.isExpensive();
}

/// The ops computed in the group that materializes `root`.
llvm::SetVector<Operation *> groupOf(Operation *root) {
  llvm::SetVector<Operation *> group;
  SmallVector<Operation *> work = {root};
  while (!work.empty()) {
    Operation *op = work.pop_back_val();
    if (!group.insert(op))
      continue;
    // A broadcast's input is read through an indexing map: not fused.
    if (isa<grad::BroadcastOp>(op))
      continue;
    for (Value operand : op->getOperands())
      if (Operation *producer = operand.getDefiningOp())
        if (isInlined(producer))
          work.push_back(producer);
  }
  return group;
}

/// Replaces `root` by a grad.fused op computing its group.
void fuse(Operation *root, const llvm::SetVector<Operation *> &group) {
  // Inputs: values the group reads but does not compute.
  llvm::SetVector<Value> inputs;
  for (Operation *op : group)
    for (Value operand : op->getOperands())
      if (!group.contains(operand.getDefiningOp()))
        inputs.insert(operand);
  OpBuilder builder(root);
  auto fused = builder.create<grad::FusedOp>(
      root->getLoc(), root->getResult(0).getType(), inputs.getArrayRef());
  Block *body = builder.createBlock(&fused.getBody());
  IRMapping mapping;
  for (Value input : inputs)
    mapping.map(input, body->addArgument(input.getType(), input.getLoc()));
  // Clone in program order so producers come before their users.
  for (Operation &op : *root->getBlock())
    if (group.contains(&op))
      builder.clone(op, mapping);
  builder.create<grad::YieldOp>(root->getLoc(),
                                mapping.lookup(root->getResult(0)));
  root->getResult(0).replaceAllUsesWith(fused.getResult());
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
      SmallVector<std::pair<Operation *, llvm::SetVector<Operation *>>> groups;
      for (Operation &op : block)
        if (isa<grad::ElementwiseOpInterface>(op) && !isInlined(&op)) {
          auto group = groupOf(&op);
          if (group.size() > 1)
            groups.emplace_back(&op, std::move(group));
        }
      for (auto &[root, group] : groups)
        fuse(root, group);
      eraseDead(block);
    });
  }
};

} // namespace
} // namespace gradc
