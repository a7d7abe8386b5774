//===- GemmToRuntime.cpp - matmuls on buffers to runtime GEMM calls -------===//
//
// Runs after bufferization. The runtime's GEMM takes bare pointers and the
// transposes as flags, so transposed products never materialize a copy. A
// matmul whose output was just zero-filled becomes one overwriting call.
//
// The loop nest right after a GEMM that reads its output row by row (the
// bias add and activation of a layer, or a gradient's mask) becomes the
// GEMM's epilogue: a row-slice function that the runtime runs on each
// block of rows as soon as the GEMM has computed it, on the same thread,
// while the rows are still in cache.
//
//===----------------------------------------------------------------------===//
#include "gradc/Pipeline/BufferPlan.h"
#include "gradc/Pipeline/Kernels.h"
#include "gradc/Pipeline/ParallelLoops.h"
#include "gradc/Pipeline/Passes.h"

#include "mlir/IR/Dominance.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Transforms/CSE.h"

namespace gradc {
#define GEN_PASS_DEF_GEMMTORUNTIME
#include "gradc/Pipeline/Passes.h.inc"
} // namespace gradc

using namespace mlir;

namespace gradc {
namespace {

/// The zero fill that makes `matmul`'s output all zeros right before it, if
/// any.
linalg::FillOp zeroFillBefore(linalg::LinalgOp matmul) {
  auto fill = dyn_cast_or_null<linalg::FillOp>(matmul->getPrevNode());
  if (!fill || fill.getOutputs()[0] != matmul.getDpsInitOperand(0)->get())
    return nullptr;
  auto constant = fill.getInputs()[0].getDefiningOp<arith::ConstantOp>();
  auto value =
      constant ? dyn_cast<FloatAttr>(constant.getValue()) : FloatAttr();
  return value && value.getValue().isZero() ? fill : nullptr;
}

/// The address of a buffer's first element, as an index. A memref.view (of
/// the arena) starts its byte shift past its source: computed here, since
/// expand-strided-metadata rewrites the aligned pointer of a view, and of a
/// reshape of one, into the arena's.
Value addressOf(OpBuilder &b, Location loc, Value buffer) {
  // Reshapes of identity-layout buffers start where their source does.
  Operation *producer = buffer.getDefiningOp();
  if (isa_and_nonnull<memref::ExpandShapeOp, memref::CollapseShapeOp>(producer))
    return addressOf(b, loc, producer->getOperand(0));
  if (auto view = buffer.getDefiningOp<memref::ViewOp>())
    return b.create<arith::AddIOp>(loc, addressOf(b, loc, view.getSource()),
                                   view.getByteShift());
  return b.create<memref::ExtractAlignedPointerAsIndexOp>(loc, buffer);
}

Value pointerTo(OpBuilder &b, Location loc, Value buffer) {
  Value asInteger = b.create<arith::IndexCastOp>(loc, b.getI64Type(),
                                                 addressOf(b, loc, buffer));
  return b.create<LLVM::IntToPtrOp>(
      loc, LLVM::LLVMPointerType::get(b.getContext()), asInteger);
}

bool isDenseBuffer(Value value) {
  auto type = dyn_cast<MemRefType>(value.getType());
  return type && type.hasStaticShape() && type.getLayout().isIdentity() &&
         (type.getElementType().isF32() || type.getElementType().isF64());
}

/// Whether two buffers may share bytes: views of one root at overlapping
/// offsets, or buffers whose root is unknown.
bool mayOverlap(Value a, Value b) {
  std::optional<BufferRoot> rootA = rootOf(a), rootB = rootOf(b);
  if (!rootA || !rootB)
    return true;
  auto bytes = [](Value buffer) {
    auto type = cast<MemRefType>(buffer.getType());
    return type.getNumElements() * (type.getElementTypeBitWidth() / 8);
  };
  return rootA->argument == rootB->argument &&
         rootA->offset < rootB->offset + bytes(b) &&
         rootB->offset < rootA->offset + bytes(a);
}

/// The loop nest right after `gemm` that can run as its epilogue: it reads
/// the GEMM's output `out` only row by row (identity map), has one
/// iteration per output row, and writes nothing the GEMM reads, since other
/// threads may still be computing their rows.
linalg::GenericOp epilogueOf(Operation *gemm, Value lhs, Value rhs, Value out,
                             int64_t rows) {
  Operation *next = gemm->getNextNode();
  while (next && isa<arith::ConstantOp, memref::ViewOp>(next))
    next = next->getNextNode();
  auto loop = dyn_cast_or_null<linalg::GenericOp>(next);
  if (!loop || !canSliceRows(loop) || loop.getStaticLoopRanges()[0] != rows ||
      !readsOnlyAtOwnIndex(loop, out))
    return nullptr;
  for (OpOperand &init : loop.getDpsInitsMutable())
    if (mayOverlap(init.get(), lhs) || mayOverlap(init.get(), rhs) ||
        (init.get() != out && mayOverlap(init.get(), out)))
      return nullptr;
  return loop;
}

LogicalResult rewriteMatmul(linalg::LinalgOp matmul, bool transposeLhs,
                            bool transposeRhs, IRRewriter &rewriter,
                            SymbolTable &symbols) {
  Value lhs = matmul.getDpsInputOperand(0)->get();
  Value rhs = matmul.getDpsInputOperand(1)->get();
  Value out = matmul.getDpsInitOperand(0)->get();
  if (!isDenseBuffer(lhs) || !isDenseBuffer(rhs) || !isDenseBuffer(out))
    return failure(); // left to the loop lowering
  auto outType = cast<MemRefType>(out.getType());
  auto lhsType = cast<MemRefType>(lhs.getType());
  int64_t m = outType.getDimSize(0), n = outType.getDimSize(1);
  int64_t k = lhsType.getDimSize(transposeLhs ? 0 : 1);
  Location loc = matmul.getLoc();
  linalg::FillOp fill = zeroFillBefore(matmul);
  func::FuncOp gemm = declareKernel(
      matmul->getParentOfType<ModuleOp>(),
      gemmKernel(outType.getElementType(), /*withEpilogue=*/false));
  rewriter.setInsertionPoint(matmul);
  auto i64 = [&](int64_t v) {
    return rewriter.create<arith::ConstantIntOp>(loc, v, 64).getResult();
  };
  auto i32 = [&](bool v) {
    return rewriter.create<arith::ConstantIntOp>(loc, v, 32).getResult();
  };
  auto call = rewriter.create<func::CallOp>(
      loc, gemm,
      ValueRange{pointerTo(rewriter, loc, lhs), pointerTo(rewriter, loc, rhs),
                 pointerTo(rewriter, loc, out), i64(m), i64(n), i64(k),
                 i32(transposeLhs), i32(transposeRhs), i32(!fill)});
  rewriter.eraseOp(matmul);
  if (fill)
    rewriter.eraseOp(fill);
  if (linalg::GenericOp epilogue = epilogueOf(call, lhs, rhs, out, m)) {
    func::CallOp slices = sliceRows(epilogue, symbols);
    symbols.lookup(slices.getCallee())
        ->setAttr(kGemmEpilogueAttr, rewriter.getUnitAttr());
  }
  return success();
}

struct GemmToRuntimePass : impl::GemmToRuntimeBase<GemmToRuntimePass> {
  void runOnOperation() override {
    SmallVector<std::tuple<linalg::LinalgOp, bool, bool>> matmuls;
    getOperation().walk([&](linalg::LinalgOp op) {
      if (!op.hasPureBufferSemantics())
        return;
      if (isa<linalg::MatmulOp>(op))
        matmuls.emplace_back(op, false, false);
      else if (isa<linalg::MatmulTransposeAOp>(op))
        matmuls.emplace_back(op, true, false);
      else if (isa<linalg::MatmulTransposeBOp>(op))
        matmuls.emplace_back(op, false, true);
    });
    IRRewriter rewriter(&getContext());
    SymbolTable symbols(getOperation());
    for (auto [op, transposeLhs, transposeRhs] : matmuls)
      (void)rewriteMatmul(op, transposeLhs, transposeRhs, rewriter, symbols);
    // Each call built its own size and flag constants; share them.
    if (!matmuls.empty())
      eliminateCommonSubExpressions(rewriter, getAnalysis<DominanceInfo>(),
                                    getOperation());
  }
};

} // namespace
} // namespace gradc
