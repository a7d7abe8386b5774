//===- Decompose.cpp - composite ops into simpler grad ops ----------------===//
//
// Knows no op by name: each composite op decomposes itself through
// DecomposeOpInterface.
//
//===----------------------------------------------------------------------===//
#include "gradc/Dialect/GradDialect.h"
#include "gradc/Pipeline/Passes.h"

#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace gradc {
#define GEN_PASS_DEF_GRADDECOMPOSE
#include "gradc/Pipeline/Passes.h.inc"
} // namespace gradc

using namespace mlir;

namespace gradc {
namespace {

struct DecomposeByInterface
    : OpInterfaceRewritePattern<grad::DecomposeOpInterface> {
  using OpInterfaceRewritePattern::OpInterfaceRewritePattern;
  LogicalResult matchAndRewrite(grad::DecomposeOpInterface op,
                                PatternRewriter &rewriter) const override {
    rewriter.replaceOp(op, op.decompose(rewriter));
    return success();
  }
};

struct GradDecomposePass : impl::GradDecomposeBase<GradDecomposePass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<DecomposeByInterface>(&getContext());
    // A decomposition may build composite ops (cross-entropy builds
    // log_softmax); the driver keeps going until none is left.
    if (failed(
            applyPatternsAndFoldGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
} // namespace gradc
