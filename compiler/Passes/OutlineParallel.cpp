//===- OutlineParallel.cpp - large loop nests into slice functions --------===//
//
// Runs on buffers, after the GEMMs became runtime calls: every loop nest
// whose outermost loop is parallel and whose iteration space is large
// becomes a row-slice function (RowSlices.cpp), which
// grad-dispatch-parallel later hands to the runtime's threads. Large fills
// and transposes become loops first, and a loop whose first parallel loop
// is not outermost has it moved out, so that they are threaded too.
//
//===----------------------------------------------------------------------===//
#include "gradc/Pipeline/ParallelLoops.h"
#include "gradc/Pipeline/Passes.h"

#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/IR/SymbolTable.h"

namespace gradc {
#define GEN_PASS_DEF_OUTLINEPARALLEL
#include "gradc/Pipeline/Passes.h.inc"
} // namespace gradc

using namespace mlir;

namespace gradc {
namespace {

bool isWorthThreads(linalg::LinalgOp loop, int64_t minElements) {
  int64_t elements = 1;
  for (int64_t range : loop.getStaticLoopRanges())
    elements *= range;
  return elements >= minElements;
}

/// A fill of a constant as a loop writing it (linalg's own generalization
/// would read the value as a scalar operand, which no slice can take).
linalg::GenericOp fillAsLoop(RewriterBase &rewriter, linalg::FillOp fill) {
  Value value = fill.getInputs()[0], output = fill.getOutputs()[0];
  auto rank = cast<MemRefType>(output.getType()).getRank();
  rewriter.setInsertionPoint(fill);
  auto loop = rewriter.create<linalg::GenericOp>(
      fill.getLoc(), TypeRange(), ValueRange(), output,
      rewriter.getMultiDimIdentityMap(rank),
      SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
      [&](OpBuilder &b, Location loc, ValueRange) {
        b.create<linalg::YieldOp>(loc, value);
      });
  rewriter.eraseOp(fill);
  return loop;
}

/// Large fills of constants and transposes as generic loops.
void generalizeLargeCopies(func::FuncOp function, int64_t minElements) {
  IRRewriter rewriter(function.getContext());
  SmallVector<linalg::LinalgOp> copies;
  function.walk([&](linalg::LinalgOp op) {
    bool constantFill = false;
    if (auto fill = dyn_cast<linalg::FillOp>(op.getOperation()))
      if (Operation *producer = fill.getInputs()[0].getDefiningOp())
        constantFill = producer->hasTrait<OpTrait::ConstantLike>();
    if ((constantFill || isa<linalg::TransposeOp>(op)) &&
        op.hasPureBufferSemantics() && isWorthThreads(op, minElements))
      copies.push_back(op);
  });
  for (linalg::LinalgOp op : copies) {
    if (auto fill = dyn_cast<linalg::FillOp>(op.getOperation())) {
      fillAsLoop(rewriter, fill);
      continue;
    }
    rewriter.setInsertionPoint(op);
    (void)linalg::generalizeNamedOp(rewriter, op);
  }
}

/// Moves the first parallel loop of `loop` outermost when it is neither
/// outermost already nor innermost (the innermost loop walks contiguous
/// memory; keeping it there keeps the loop fast). The other loops keep
/// their order, so each accumulator still adds its terms in the same order
/// and the results stay bit-identical.
linalg::GenericOp parallelOutermost(linalg::GenericOp loop) {
  auto iterators = loop.getIteratorTypesArray();
  auto parallel = llvm::find(iterators, utils::IteratorType::parallel);
  unsigned position = parallel - iterators.begin();
  if (parallel == iterators.end() || position == 0 ||
      position + 1 == iterators.size())
    return loop;
  SmallVector<unsigned> order = {position};
  for (unsigned index = 0; index < iterators.size(); ++index)
    if (index != position)
      order.push_back(index);
  IRRewriter rewriter(loop.getContext());
  rewriter.setInsertionPoint(loop);
  FailureOr<linalg::GenericOp> interchanged =
      linalg::interchangeGenericOp(rewriter, loop, order);
  return succeeded(interchanged) ? *interchanged : loop;
}

struct OutlineParallelPass : impl::OutlineParallelBase<OutlineParallelPass> {
  using OutlineParallelBase::OutlineParallelBase;
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<linalg::GenericOp> loops;
    for (auto function : module.getOps<func::FuncOp>()) {
      if (function.isExternal() || function->hasAttr(kParallelBodyAttr))
        continue;
      generalizeLargeCopies(function, minElements);
      SmallVector<linalg::GenericOp> candidates;
      function.walk([&](linalg::GenericOp loop) {
        if (isWorthThreads(loop, minElements))
          candidates.push_back(loop);
      });
      for (linalg::GenericOp candidate : candidates) {
        linalg::GenericOp loop = parallelOutermost(candidate);
        if (canSliceRows(loop))
          loops.push_back(loop);
      }
    }
    SymbolTable symbols(module);
    for (linalg::GenericOp loop : loops)
      sliceRows(loop, symbols);
  }
};

} // namespace
} // namespace gradc
