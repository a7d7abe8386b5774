//===- GradToLinalg.cpp - grad ops to linalg on tensors -------------------===//
//
// Knows no op by name: elementwise ops supply their scalar body, the others
// their own lowering, through the grad interfaces.
//
//===----------------------------------------------------------------------===//
#include "gradc/Dialect/GradDialect.h"
#include "gradc/Pipeline/Passes.h"

#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace gradc {
#define GEN_PASS_DEF_GRADTOLINALG
#include "gradc/Pipeline/Passes.h.inc"
} // namespace gradc

using namespace mlir;

namespace gradc {
namespace {

/// Ops in a grad.fused region are lowered with it, as one loop nest.
bool insideFusedGroup(Operation *op) {
  return op->getParentOfType<grad::FusedOp>() != nullptr;
}

struct LowerElementwise
    : OpInterfaceRewritePattern<grad::ElementwiseOpInterface> {
  using OpInterfaceRewritePattern::OpInterfaceRewritePattern;
  LogicalResult matchAndRewrite(grad::ElementwiseOpInterface op,
                                PatternRewriter &rewriter) const override {
    if (insideFusedGroup(op))
      return failure();
    rewriter.replaceOp(op, grad::lowerElementwise(op, rewriter));
    return success();
  }
};

struct LowerByInterface
    : OpInterfaceRewritePattern<grad::LowerToLinalgOpInterface> {
  using OpInterfaceRewritePattern::OpInterfaceRewritePattern;
  LogicalResult matchAndRewrite(grad::LowerToLinalgOpInterface op,
                                PatternRewriter &rewriter) const override {
    if (insideFusedGroup(op))
      return failure();
    rewriter.replaceOp(op, op.lowerToLinalg(rewriter));
    return success();
  }
};

struct GradToLinalgPass : impl::GradToLinalgBase<GradToLinalgPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<LowerElementwise, LowerByInterface>(&getContext());
    // Lowerings may create grad ops (softmax builds reduce_max, exp, ...);
    // the driver keeps going until none is left.
    if (failed(
            applyPatternsAndFoldGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
    WalkResult leftover = getOperation().walk([](Operation *op) {
      if (!isa<grad::GradDialect>(op->getDialect()) || insideFusedGroup(op))
        return WalkResult::advance();
      op->emitError("grad-to-linalg: no lowering for this op");
      return WalkResult::interrupt();
    });
    if (leftover.wasInterrupted())
      signalPassFailure();
  }
};

} // namespace
} // namespace gradc
