//===- MatmulOp.cpp - matrix product
//---------------------------------------===//
//
// grad.matmul lowers to linalg.fill(0) + linalg.matmul (or its transposed
// variants); after bufferization, grad-gemm-to-runtime turns that pair into
// one call of the runtime's GEMM.
//
//===----------------------------------------------------------------------===//
#include "OpSupport.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"

using namespace mlir;

namespace gradc::grad {

LogicalResult MatmulOp::inferReturnTypes(MLIRContext *,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &results) {
  Value lhs = adaptor.getLhs(), rhs = adaptor.getRhs();
  auto lhsType = cast<RankedTensorType>(lhs.getType());
  auto rhsType = cast<RankedTensorType>(rhs.getType());
  if (lhsType.getRank() != 2 || rhsType.getRank() != 2)
    return shapeError(loc, "matmul",
                      describe(lhs, "lhs") + " and " + describe(rhs, "rhs") +
                          "; both operands must be 2-D");
  if (lhsType.getElementType() != rhsType.getElementType())
    return shapeError(loc, "matmul",
                      describe(lhs, "lhs") + " but " + describe(rhs, "rhs") +
                          "; element types differ");
  FailureOr<bool> transposeLhs =
      readFlag(loc, "matmul", adaptor.getAttributes(), "transpose_lhs");
  FailureOr<bool> transposeRhs =
      readFlag(loc, "matmul", adaptor.getAttributes(), "transpose_rhs");
  if (failed(transposeLhs) || failed(transposeRhs))
    return failure();
  bool tl = *transposeLhs, tr = *transposeRhs;
  int64_t m = lhsType.getDimSize(tl ? 1 : 0);
  int64_t kl = lhsType.getDimSize(tl ? 0 : 1);
  int64_t kr = rhsType.getDimSize(tr ? 1 : 0);
  int64_t n = rhsType.getDimSize(tr ? 0 : 1);
  if (kl != kr)
    return shapeError(loc, "matmul",
                      describe(lhs, "lhs") + " but " + describe(rhs, "rhs") +
                          "; " + Twine(kl) + " != " + Twine(kr));
  results.push_back(RankedTensorType::get({m, n}, lhsType.getElementType()));
  return success();
}

SmallVector<Value> MatmulOp::lowerToLinalg(OpBuilder &b) {
  Location loc = getLoc();
  Value lhs = getLhs();
  bool transposeLhs = getTransposeLhs();
  if (transposeLhs && getTransposeRhs()) {
    // linalg has no doubly transposed matmul: materialize lhs^T.
    lhs = b.create<TransposeOp>(loc, lhs, DenseI64ArrayAttr());
    transposeLhs = false;
  }
  Value init = emptyTensor(b, loc, getType(), 0.0);
  SmallVector<Value> operands = {lhs, getRhs()};
  if (transposeLhs)
    return {
        b.create<linalg::MatmulTransposeAOp>(loc, operands, init).getResult(0)};
  if (getTransposeRhs())
    return {
        b.create<linalg::MatmulTransposeBOp>(loc, operands, init).getResult(0)};
  return {b.create<linalg::MatmulOp>(loc, operands, init).getResult(0)};
}

SmallVector<Value> MatmulOp::buildVJP(OpBuilder &b, Value g) {
  // For C = op(A) op(B): dA and dB are products of g with the other operand,
  // transposed as needed; every case is one GEMM with transpose flags.
  Location loc = getLoc();
  Value lhs = getLhs(), rhs = getRhs();
  auto product = [&](Value x, Value y, bool tx, bool ty) -> Value {
    return b.create<MatmulOp>(loc, x, y, b.getBoolAttr(tx), b.getBoolAttr(ty));
  };
  bool tl = getTransposeLhs(), tr = getTransposeRhs();
  if (!tl && !tr) // C = A B
    return {product(g, rhs, false, true), product(lhs, g, true, false)};
  if (tl && !tr) // C = A^T B
    return {product(rhs, g, false, true), product(lhs, g, false, false)};
  if (!tl && tr) // C = A B^T
    return {product(g, rhs, false, false), product(g, lhs, true, false)};
  // C = A^T B^T
  return {product(rhs, g, true, true), product(g, lhs, true, true)};
}

} // namespace gradc::grad
