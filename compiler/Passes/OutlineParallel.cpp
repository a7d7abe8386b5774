//===- OutlineParallel.cpp - large loop nests into slice functions --------===//
//
// Runs on buffers, after the GEMMs became runtime calls: every loop nest
// whose outermost loop is parallel and whose iteration space is large
// becomes a row-slice function (RowSlices.cpp), which
// grad-dispatch-parallel later hands to the runtime's threads.
//
//===----------------------------------------------------------------------===//
#include "gradc/Pipeline/ParallelLoops.h"
#include "gradc/Pipeline/Passes.h"

#include "mlir/IR/SymbolTable.h"

namespace gradc {
#define GEN_PASS_DEF_OUTLINEPARALLEL
#include "gradc/Pipeline/Passes.h.inc"
} // namespace gradc

using namespace mlir;

namespace gradc {
namespace {

bool isWorthThreads(linalg::GenericOp loop, int64_t minElements) {
  int64_t elements = 1;
  for (int64_t range : loop.getStaticLoopRanges())
    elements *= range;
  return elements >= minElements;
}

struct OutlineParallelPass : impl::OutlineParallelBase<OutlineParallelPass> {
  using OutlineParallelBase::OutlineParallelBase;
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<linalg::GenericOp> loops;
    for (auto function : module.getOps<func::FuncOp>())
      if (!function.isExternal() && !function->hasAttr(kParallelBodyAttr))
        function.walk([&](linalg::GenericOp loop) {
          if (canSliceRows(loop) && isWorthThreads(loop, minElements))
            loops.push_back(loop);
        });
    SymbolTable symbols(module);
    for (linalg::GenericOp loop : loops)
      sliceRows(loop, symbols);
  }
};

} // namespace
} // namespace gradc
