//===- ShapeOps.cpp - constant, broadcast, transpose, reshape -------------===//
#include "OpSupport.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/PatternMatch.h"

using namespace mlir;

namespace gradc::grad {

//===----------------------------------------------------------------------===//
// constant
//===----------------------------------------------------------------------===//

LogicalResult ConstantOp::inferReturnTypes(MLIRContext *,
                                           std::optional<Location> loc,
                                           Adaptor adaptor,
                                           SmallVectorImpl<Type> &results) {
  auto type = dyn_cast<RankedTensorType>(adaptor.getValue().getType());
  if (!type || !type.hasStaticShape())
    return shapeError(loc, "constant", "value must be a static tensor");
  results.push_back(type);
  return success();
}

OpFoldResult ConstantOp::fold(FoldAdaptor) { return getValue(); }

bool isSplatConstant(Operation *op) {
  auto constant = dyn_cast<ConstantOp>(op);
  return constant && isa<SplatElementsAttr>(constant.getValue());
}

SmallVector<Value> ConstantOp::buildVJP(OpBuilder &, Value) { return {}; }

SmallVector<Value> ConstantOp::lowerToLinalg(OpBuilder &b) {
  return {b.create<arith::ConstantOp>(getLoc(), cast<TypedAttr>(getValue()))};
}

/// Fails unless every size of a target shape is positive (zero would be an
/// empty tensor, and -1 MLIR's dynamic size).
static LogicalResult checkPositiveSizes(std::optional<Location> loc,
                                        StringRef opName,
                                        RankedTensorType target) {
  if (llvm::all_of(target.getShape(), [](int64_t d) { return d > 0; }))
    return success();
  return shapeError(loc, opName,
                    "target shape " + formatType(target) +
                        " must have positive sizes");
}

//===----------------------------------------------------------------------===//
// broadcast
//===----------------------------------------------------------------------===//

LogicalResult BroadcastOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &results) {
  auto inputType = cast<RankedTensorType>(adaptor.getInput().getType());
  auto shapeAttr =
      readAttr<DenseI64ArrayAttr>(loc, "broadcast", adaptor.getAttributes(),
                                  "shape", "a list of sizes like [100, 10]",
                                  /*required=*/true);
  if (failed(shapeAttr))
    return failure();
  ArrayRef<int64_t> target = shapeAttr->asArrayRef();
  ArrayRef<int64_t> source = inputType.getShape();
  auto resultType = RankedTensorType::get(target, inputType.getElementType());
  if (failed(checkPositiveSizes(loc, "broadcast", resultType)))
    return failure();
  if (source.size() > target.size())
    return shapeError(loc, "broadcast",
                      describe(adaptor.getInput(), "the input") +
                          ", which has more dimensions than the target " +
                          formatType(resultType));
  size_t offset = target.size() - source.size();
  for (auto [i, size] : llvm::enumerate(source)) {
    if (size != 1 && size != target[offset + i])
      return shapeError(loc, "broadcast",
                        describe(adaptor.getInput(), "the input") +
                            ", which cannot be broadcast to " +
                            formatType(resultType) + "; " + Twine(size) +
                            " != " + Twine(target[offset + i]));
  }
  results.push_back(resultType);
  return success();
}

OpFoldResult BroadcastOp::fold(FoldAdaptor adaptor) {
  if (getInput().getType() == getType())
    return getInput();
  if (auto splat = dyn_cast_or_null<SplatElementsAttr>(adaptor.getInput()))
    return SplatElementsAttr::get(getType(), splat.getSplatValue<Attribute>());
  return {};
}

SmallVector<Value> BroadcastOp::buildVJP(OpBuilder &b, Value g) {
  return {sumToShape(b, getLoc(), g, getInput().getType())};
}

SmallVector<Value> BroadcastOp::lowerToLinalg(OpBuilder &b) {
  return {
      buildGeneric(b, getLoc(), getType(), getInput(),
                   broadcastReadMap(getInput().getType(), getType()),
                   [](OpBuilder &, Location, ValueRange x) { return x[0]; })};
}

//===----------------------------------------------------------------------===//
// transpose
//===----------------------------------------------------------------------===//

/// The permutation `perm` stands for, reversal when it is absent.
static SmallVector<int64_t> permutationOf(std::optional<ArrayRef<int64_t>> perm,
                                          int64_t rank) {
  if (perm)
    return SmallVector<int64_t>(perm->begin(), perm->end());
  SmallVector<int64_t> reversed;
  for (int64_t dim = rank - 1; dim >= 0; --dim)
    reversed.push_back(dim);
  return reversed;
}

LogicalResult TransposeOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &results) {
  auto inputType = cast<RankedTensorType>(adaptor.getInput().getType());
  int64_t rank = inputType.getRank();
  auto permAttr =
      readAttr<DenseI64ArrayAttr>(loc, "transpose", adaptor.getAttributes(),
                                  "perm", "a list of dimensions like [1, 0]");
  if (failed(permAttr))
    return failure();
  std::optional<ArrayRef<int64_t>> givenPerm;
  if (*permAttr)
    givenPerm = permAttr->asArrayRef();
  SmallVector<int64_t> perm = permutationOf(givenPerm, rank);
  SmallVector<bool> seen(rank, false);
  bool valid = static_cast<int64_t>(perm.size()) == rank;
  for (int64_t dim : perm) {
    valid = valid && dim >= 0 && dim < rank && !seen[dim];
    if (valid)
      seen[dim] = true;
  }
  if (!valid)
    return shapeError(loc, "transpose",
                      "perm must be a permutation of 0.." + Twine(rank - 1) +
                          " for " + describe(adaptor.getInput(), "the input"));
  SmallVector<int64_t> shape;
  for (int64_t dim : perm)
    shape.push_back(inputType.getDimSize(dim));
  results.push_back(RankedTensorType::get(shape, inputType.getElementType()));
  return success();
}

SmallVector<Value> TransposeOp::buildVJP(OpBuilder &b, Value g) {
  SmallVector<int64_t> perm = permutationOf(getPerm(), getType().getRank());
  SmallVector<int64_t> inverse(perm.size());
  for (auto [i, dim] : llvm::enumerate(perm))
    inverse[dim] = static_cast<int64_t>(i);
  return {b.create<TransposeOp>(getLoc(), g, b.getDenseI64ArrayAttr(inverse))};
}

SmallVector<Value> TransposeOp::lowerToLinalg(OpBuilder &b) {
  SmallVector<int64_t> perm = permutationOf(getPerm(), getType().getRank());
  Value init = emptyTensor(b, getLoc(), getType());
  return {b.create<linalg::TransposeOp>(getLoc(), getInput(), init, perm)
              .getResult()[0]};
}

namespace {
/// transpose(transpose(x)) -> one transpose (or x when they cancel).
struct ComposeTransposes : OpRewritePattern<TransposeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(TransposeOp outer,
                                PatternRewriter &rewriter) const override {
    auto inner = outer.getInput().getDefiningOp<TransposeOp>();
    if (!inner)
      return failure();
    int64_t rank = outer.getType().getRank();
    SmallVector<int64_t> innerPerm = permutationOf(inner.getPerm(), rank);
    SmallVector<int64_t> composed;
    bool identity = true;
    for (auto [i, dim] :
         llvm::enumerate(permutationOf(outer.getPerm(), rank))) {
      composed.push_back(innerPerm[dim]);
      identity = identity && innerPerm[dim] == static_cast<int64_t>(i);
    }
    if (identity) {
      rewriter.replaceOp(outer, inner.getInput());
      return success();
    }
    rewriter.replaceOpWithNewOp<TransposeOp>(
        outer, outer.getType(), inner.getInput(),
        rewriter.getDenseI64ArrayAttr(composed));
    return success();
  }
};

/// reshape(reshape(x)) -> reshape(x).
struct ComposeReshapes : OpRewritePattern<ReshapeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ReshapeOp outer,
                                PatternRewriter &rewriter) const override {
    auto inner = outer.getInput().getDefiningOp<ReshapeOp>();
    if (!inner)
      return failure();
    rewriter.replaceOpWithNewOp<ReshapeOp>(
        outer, outer.getType(), inner.getInput(), outer.getShapeAttr());
    return success();
  }
};
} // namespace

void TransposeOp::getCanonicalizationPatterns(RewritePatternSet &patterns,
                                              MLIRContext *context) {
  patterns.add<ComposeTransposes>(context);
}

//===----------------------------------------------------------------------===//
// reshape
//===----------------------------------------------------------------------===//

LogicalResult ReshapeOp::inferReturnTypes(MLIRContext *,
                                          std::optional<Location> loc,
                                          Adaptor adaptor,
                                          SmallVectorImpl<Type> &results) {
  auto inputType = cast<RankedTensorType>(adaptor.getInput().getType());
  auto shapeAttr =
      readAttr<DenseI64ArrayAttr>(loc, "reshape", adaptor.getAttributes(),
                                  "shape", "a list of sizes like [100, 784]",
                                  /*required=*/true);
  if (failed(shapeAttr))
    return failure();
  ArrayRef<int64_t> shape = shapeAttr->asArrayRef();
  auto resultType = RankedTensorType::get(shape, inputType.getElementType());
  if (failed(checkPositiveSizes(loc, "reshape", resultType)))
    return failure();
  if (resultType.getNumElements() != inputType.getNumElements())
    return shapeError(loc, "reshape",
                      describe(adaptor.getInput(), "the input") + " (" +
                          Twine(inputType.getNumElements()) +
                          " elements) but the target " +
                          formatType(resultType) + " has " +
                          Twine(resultType.getNumElements()));
  results.push_back(resultType);
  return success();
}

OpFoldResult ReshapeOp::fold(FoldAdaptor adaptor) {
  if (getInput().getType() == getType())
    return getInput();
  if (auto splat = dyn_cast_or_null<SplatElementsAttr>(adaptor.getInput()))
    return SplatElementsAttr::get(getType(), splat.getSplatValue<Attribute>());
  return {};
}

void ReshapeOp::getCanonicalizationPatterns(RewritePatternSet &patterns,
                                            MLIRContext *context) {
  patterns.add<ComposeReshapes>(context);
}

SmallVector<Value> ReshapeOp::buildVJP(OpBuilder &b, Value g) {
  return {b.create<ReshapeOp>(
      getLoc(), g, b.getDenseI64ArrayAttr(getInput().getType().getShape()))};
}

SmallVector<Value> ReshapeOp::lowerToLinalg(OpBuilder &b) {
  return {buildReshape(b, getLoc(), getInput(), getType())};
}

} // namespace gradc::grad
