//===- LossOps.cpp - softmax, log_softmax, one_hot and the losses ---------===//
//
// These ops lower by decomposition into simpler grad ops, which the
// grad-to-linalg conversion then lowers in turn. Softmax subtracts the row
// maximum first so exp never overflows.
//
//===----------------------------------------------------------------------===//
#include "OpSupport.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"

using namespace mlir;

namespace gradc::grad {
namespace {

/// `x - max(x, axis)` broadcast back to x's shape.
Value shiftByMax(OpBuilder &b, Location loc, Value x, int64_t axis) {
  auto type = cast<RankedTensorType>(x.getType());
  auto axes = b.getDenseI64ArrayAttr({axis});
  Value max = b.create<ReduceMaxOp>(loc, x, axes, b.getBoolAttr(true));
  Value spread =
      b.create<BroadcastOp>(loc, max, b.getDenseI64ArrayAttr(type.getShape()));
  return b.create<SubOp>(loc, x, spread);
}

/// sum(exp(shifted), axis), kept as size 1.
Value sumOfExp(OpBuilder &b, Location loc, Value shifted, int64_t axis) {
  return b.create<ReduceSumOp>(loc, b.create<ExpOp>(loc, shifted),
                               b.getDenseI64ArrayAttr({axis}),
                               b.getBoolAttr(true));
}

LogicalResult inferSoftmaxLike(std::optional<Location> loc, StringRef opName,
                               Value input, DictionaryAttr attributes,
                               SmallVectorImpl<Type> &results) {
  auto type = cast<RankedTensorType>(input.getType());
  auto axis = readAttr<IntegerAttr>(loc, opName, attributes, "axis",
                                    "an integer like -1");
  if (failed(axis))
    return failure();
  int64_t given = *axis ? axis->getInt() : -1;
  if (failed(normalizeAxis(loc, opName, given, type.getRank())))
    return failure();
  results.push_back(type);
  return success();
}

/// sum(x, axis) kept as size 1 and broadcast back over x's shape.
Value spreadSum(OpBuilder &b, Location loc, Value x, int64_t axis) {
  auto type = cast<RankedTensorType>(x.getType());
  Value sum = b.create<ReduceSumOp>(loc, x, b.getDenseI64ArrayAttr({axis}),
                                    b.getBoolAttr(true));
  return broadcastTo(b, loc, sum, type);
}

int64_t resolvedAxis(int64_t axis, Value input) {
  return axis < 0 ? axis + cast<RankedTensorType>(input.getType()).getRank()
                  : axis;
}

} // namespace

//===----------------------------------------------------------------------===//
// softmax, log_softmax
//===----------------------------------------------------------------------===//

LogicalResult SoftmaxOp::inferReturnTypes(MLIRContext *,
                                          std::optional<Location> loc,
                                          Adaptor adaptor,
                                          SmallVectorImpl<Type> &results) {
  return inferSoftmaxLike(loc, "softmax", adaptor.getInput(),
                          adaptor.getAttributes(), results);
}

Value SoftmaxOp::decompose(OpBuilder &b) {
  int64_t axis = resolvedAxis(getAxis(), getInput());
  Value shifted = shiftByMax(b, getLoc(), getInput(), axis);
  Value numerator = b.create<ExpOp>(getLoc(), shifted);
  Value sum = sumOfExp(b, getLoc(), shifted, axis);
  return b.create<DivOp>(getLoc(), numerator,
                         broadcastTo(b, getLoc(), sum, getType()));
}

SmallVector<Value> SoftmaxOp::buildVJP(OpBuilder &b, Value g) {
  // dx = s * (g - sum(g * s)) along the axis.
  Location loc = getLoc();
  Value s = getResult();
  int64_t axis = resolvedAxis(getAxis(), getInput());
  Value inner = spreadSum(b, loc, b.create<MulOp>(loc, g, s), axis);
  return {b.create<MulOp>(loc, s, b.create<SubOp>(loc, g, inner))};
}

LogicalResult LogSoftmaxOp::inferReturnTypes(MLIRContext *,
                                             std::optional<Location> loc,
                                             Adaptor adaptor,
                                             SmallVectorImpl<Type> &results) {
  return inferSoftmaxLike(loc, "log_softmax", adaptor.getInput(),
                          adaptor.getAttributes(), results);
}

Value LogSoftmaxOp::decompose(OpBuilder &b) {
  int64_t axis = resolvedAxis(getAxis(), getInput());
  Value shifted = shiftByMax(b, getLoc(), getInput(), axis);
  // The log of each row's sum, taken before it is spread over the row.
  Value logSum =
      b.create<LogOp>(getLoc(), sumOfExp(b, getLoc(), shifted, axis));
  return b.create<SubOp>(getLoc(), shifted,
                         broadcastTo(b, getLoc(), logSum, getType()));
}

SmallVector<Value> LogSoftmaxOp::buildVJP(OpBuilder &b, Value g) {
  // dx = g - softmax(x) * sum(g) along the axis.
  Location loc = getLoc();
  int64_t axis = resolvedAxis(getAxis(), getInput());
  Value probabilities = b.create<ExpOp>(loc, getResult());
  Value spread = spreadSum(b, loc, g, axis);
  return {b.create<SubOp>(loc, g, b.create<MulOp>(loc, probabilities, spread))};
}

//===----------------------------------------------------------------------===//
// one_hot
//===----------------------------------------------------------------------===//

LogicalResult OneHotOp::inferReturnTypes(MLIRContext *context,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &results) {
  auto labelsType = cast<RankedTensorType>(adaptor.getLabels().getType());
  if (failed(requireIntegerLabels(loc, "one_hot", adaptor.getLabels())))
    return failure();
  if (labelsType.getRank() != 1)
    return shapeError(loc, "one_hot",
                      describe(adaptor.getLabels(), "labels") +
                          "; labels must be 1-D");
  auto classesAttr = readAttr<IntegerAttr>(
      loc, "one_hot", adaptor.getAttributes(), "classes",
      "the number of classes, like 10", /*required=*/true);
  auto dtypeAttr = readAttr<TypeAttr>(loc, "one_hot", adaptor.getAttributes(),
                                      "dtype", "f32 or f64");
  if (failed(classesAttr) || failed(dtypeAttr))
    return failure();
  int64_t classes = classesAttr->getInt();
  if (classes <= 0)
    return shapeError(loc, "one_hot", "classes must be positive");
  Type elementType = Float32Type::get(context);
  if (*dtypeAttr) {
    elementType = dtypeAttr->getValue();
    if (!isa<Float32Type, Float64Type>(elementType))
      return shapeError(loc, "one_hot", "dtype must be f32 or f64");
  }
  results.push_back(
      RankedTensorType::get({labelsType.getDimSize(0), classes}, elementType));
  return success();
}

SmallVector<Value> OneHotOp::buildVJP(OpBuilder &, Value) { return {Value()}; }

SmallVector<Value> OneHotOp::lowerToLinalg(OpBuilder &b) {
  AffineMap labelPerRow =
      AffineMap::get(2, 0, {b.getAffineDimExpr(0)}, b.getContext());
  Type elementType = getType().getElementType();
  return {buildGeneric(
      b, getLoc(), getType(), getLabels(), labelPerRow,
      [&](OpBuilder &nested, Location loc, ValueRange x) -> Value {
        Value column = nested.create<linalg::IndexOp>(loc, 1);
        Value label =
            nested.create<arith::IndexCastOp>(loc, nested.getIndexType(), x[0]);
        Value hit = nested.create<arith::CmpIOp>(loc, arith::CmpIPredicate::eq,
                                                 column, label);
        return nested.create<arith::SelectOp>(
            loc, hit, scalarConstant(nested, loc, elementType, 1.0),
            scalarConstant(nested, loc, elementType, 0.0));
      })};
}

//===----------------------------------------------------------------------===//
// softmax_cross_entropy: -mean_n sum_c one_hot(y)[n,c] * log_softmax(x)[n,c]
//===----------------------------------------------------------------------===//

LogicalResult SoftmaxCrossEntropyOp::inferReturnTypes(
    MLIRContext *, std::optional<Location> loc, Adaptor adaptor,
    SmallVectorImpl<Type> &results) {
  Value logits = adaptor.getLogits(), labels = adaptor.getLabels();
  auto logitsType = cast<RankedTensorType>(logits.getType());
  auto labelsType = cast<RankedTensorType>(labels.getType());
  if (failed(requireIntegerLabels(loc, "softmax_cross_entropy", labels)))
    return failure();
  if (logitsType.getRank() != 2 || labelsType.getRank() != 1)
    return shapeError(loc, "softmax_cross_entropy",
                      describe(logits, "logits") + " and " +
                          describe(labels, "labels") +
                          "; expected logits [N, classes] and labels [N]");
  if (logitsType.getDimSize(0) != labelsType.getDimSize(0))
    return shapeError(loc, "softmax_cross_entropy",
                      describe(logits, "logits") + " but " +
                          describe(labels, "labels") + "; " +
                          Twine(logitsType.getDimSize(0)) +
                          " != " + Twine(labelsType.getDimSize(0)));
  results.push_back(RankedTensorType::get({}, logitsType.getElementType()));
  return success();
}

/// The labels of `op` as one-hot rows of the logits' type.
static Value oneHotTargets(OpBuilder &b, SoftmaxCrossEntropyOp op) {
  RankedTensorType logitsType = op.getLogits().getType();
  return b.create<OneHotOp>(op.getLoc(), op.getLabels(),
                            b.getI64IntegerAttr(logitsType.getDimSize(1)),
                            TypeAttr::get(logitsType.getElementType()));
}

Value SoftmaxCrossEntropyOp::decompose(OpBuilder &b) {
  Location loc = getLoc();
  Value logProbs =
      b.create<LogSoftmaxOp>(loc, getLogits(), b.getI64IntegerAttr(-1));
  Value targets = oneHotTargets(b, *this);
  Value picked =
      b.create<ReduceSumOp>(loc, b.create<MulOp>(loc, targets, logProbs),
                            b.getDenseI64ArrayAttr({1}), b.getBoolAttr(false));
  Value mean = b.create<ReduceMeanOp>(loc, picked, DenseI64ArrayAttr(),
                                      b.getBoolAttr(false));
  return b.create<NegOp>(loc, mean);
}

SmallVector<Value> SoftmaxCrossEntropyOp::buildVJP(OpBuilder &b, Value g) {
  // (softmax(x) - one_hot(y)) * g / N: stable, never divides by a
  // probability.
  Location loc = getLoc();
  RankedTensorType logitsType = getLogits().getType();
  Value probabilities =
      b.create<SoftmaxOp>(loc, getLogits(), b.getI64IntegerAttr(-1));
  Value targets = oneHotTargets(b, *this);
  Value error = b.create<SubOp>(loc, probabilities, targets);
  Value perSample = scaled(b, loc, broadcastTo(b, loc, g, logitsType),
                           1.0 / static_cast<double>(logitsType.getDimSize(0)));
  return {b.create<MulOp>(loc, error, perSample), Value()};
}

//===----------------------------------------------------------------------===//
// mse
//===----------------------------------------------------------------------===//

LogicalResult MseOp::inferReturnTypes(MLIRContext *,
                                      std::optional<Location> loc,
                                      Adaptor adaptor,
                                      SmallVectorImpl<Type> &results) {
  Value prediction = adaptor.getPrediction(), target = adaptor.getTarget();
  if (prediction.getType() != target.getType())
    return shapeError(loc, "mse",
                      describe(prediction, "prediction") + " but " +
                          describe(target, "target") +
                          "; they must have the same shape and type");
  auto type = cast<RankedTensorType>(prediction.getType());
  results.push_back(RankedTensorType::get({}, type.getElementType()));
  return success();
}

Value MseOp::decompose(OpBuilder &b) {
  Value error = b.create<SubOp>(getLoc(), getPrediction(), getTarget());
  return b.create<ReduceMeanOp>(getLoc(),
                                b.create<MulOp>(getLoc(), error, error),
                                DenseI64ArrayAttr(), b.getBoolAttr(false));
}

} // namespace gradc::grad
