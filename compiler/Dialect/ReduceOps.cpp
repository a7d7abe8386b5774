//===- ReduceOps.cpp - reduce_sum, reduce_mean, reduce_max ----------------===//
#include "OpSupport.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

#include <limits>

using namespace mlir;

namespace gradc::grad {
namespace {

/// The sorted, de-duplicated, non-negative axes of a reduction; every axis
/// when `axes` is absent.
FailureOr<SmallVector<int64_t>>
resolveAxes(std::optional<Location> loc, StringRef opName,
            std::optional<ArrayRef<int64_t>> axes, int64_t rank) {
  SmallVector<int64_t> resolved;
  if (!axes) {
    for (int64_t dim = 0; dim < rank; ++dim)
      resolved.push_back(dim);
    return resolved;
  }
  for (int64_t axis : *axes) {
    FailureOr<int64_t> dim = normalizeAxis(loc, opName, axis, rank);
    if (failed(dim))
      return failure();
    if (llvm::is_contained(resolved, *dim))
      return shapeError(loc, opName, "axis " + Twine(axis) + " is repeated");
    resolved.push_back(*dim);
  }
  llvm::sort(resolved);
  return resolved;
}

template <typename ReduceOp>
LogicalResult inferReduction(std::optional<Location> loc, StringRef opName,
                             typename ReduceOp::Adaptor adaptor,
                             SmallVectorImpl<Type> &results) {
  auto inputType = cast<RankedTensorType>(adaptor.getInput().getType());
  auto axesAttr = readAttr<DenseI64ArrayAttr>(
      loc, opName, adaptor.getAttributes(), "axes", "a list of axes like [1]");
  FailureOr<bool> keepdims =
      readFlag(loc, opName, adaptor.getAttributes(), "keepdims");
  if (failed(axesAttr) || failed(keepdims))
    return failure();
  std::optional<ArrayRef<int64_t>> givenAxes;
  if (*axesAttr)
    givenAxes = axesAttr->asArrayRef();
  auto axes = resolveAxes(loc, opName, givenAxes, inputType.getRank());
  if (failed(axes))
    return failure();
  SmallVector<int64_t> shape;
  for (auto [dim, size] : llvm::enumerate(inputType.getShape())) {
    if (!llvm::is_contained(*axes, static_cast<int64_t>(dim)))
      shape.push_back(size);
    else if (*keepdims)
      shape.push_back(1);
  }
  results.push_back(RankedTensorType::get(shape, inputType.getElementType()));
  return success();
}

/// The resolved axes of a verified reduction.
template <typename ReduceOp> SmallVector<int64_t> axesOf(ReduceOp op) {
  return *resolveAxes(std::nullopt, "", op.getAxes(),
                      op.getInput().getType().getRank());
}

/// Reduces, then restores size-1 axes when keepdims asks for them.
Value lowerReduction(ReductionOpInterface op, OpBuilder &b) {
  Location loc = op->getLoc();
  Value reduced = buildReduction(b, loc, op->getOperand(0), op);
  return buildReshape(b, loc, reduced,
                      cast<RankedTensorType>(op->getResult(0).getType()));
}

} // namespace

LogicalResult ReduceSumOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &results) {
  return inferReduction<ReduceSumOp>(loc, "reduce_sum", adaptor, results);
}

LogicalResult ReduceMeanOp::inferReturnTypes(MLIRContext *,
                                             std::optional<Location> loc,
                                             Adaptor adaptor,
                                             SmallVectorImpl<Type> &results) {
  return inferReduction<ReduceMeanOp>(loc, "reduce_mean", adaptor, results);
}

LogicalResult ReduceMaxOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &results) {
  return inferReduction<ReduceMaxOp>(loc, "reduce_max", adaptor, results);
}

double ReduceSumOp::getIdentity() { return 0.0; }

Value ReduceSumOp::buildCombine(OpBuilder &b, Location loc, Value accumulator,
                                Value element) {
  return b.create<arith::AddFOp>(loc, accumulator, element);
}

SmallVector<int64_t> ReduceSumOp::getReducedAxes() { return axesOf(*this); }

Type ReduceSumOp::getAccumulatorType(Type elementType) {
  return elementType.isF32() ? Float64Type::get(getContext()) : elementType;
}

SmallVector<Value> ReduceSumOp::lowerToLinalg(OpBuilder &b) {
  return {lowerReduction(*this, b)};
}

double ReduceMaxOp::getIdentity() {
  return -std::numeric_limits<double>::infinity();
}

Value ReduceMaxOp::buildCombine(OpBuilder &b, Location loc, Value accumulator,
                                Value element) {
  return b.create<arith::MaximumFOp>(loc, accumulator, element);
}

SmallVector<int64_t> ReduceMaxOp::getReducedAxes() { return axesOf(*this); }

SmallVector<Value> ReduceMaxOp::lowerToLinalg(OpBuilder &b) {
  return {lowerReduction(*this, b)};
}

Value ReduceMeanOp::decompose(OpBuilder &b) {
  Value sum = b.create<ReduceSumOp>(getLoc(), getInput(), getAxesAttr(),
                                    getKeepdimsAttr());
  double count = static_cast<double>(getInput().getType().getNumElements()) /
                 static_cast<double>(getType().getNumElements());
  return b.create<MulOp>(getLoc(), sum,
                         splatConstant(b, getLoc(), getType(), 1.0 / count));
}

SmallVector<Value> ReduceSumOp::buildVJP(OpBuilder &b, Value g) {
  return {spreadOverAxes(b, getLoc(), g, axesOf(*this), getInput().getType())};
}

SmallVector<Value> ReduceMeanOp::buildVJP(OpBuilder &b, Value g) {
  double count = static_cast<double>(getInput().getType().getNumElements()) /
                 static_cast<double>(getType().getNumElements());
  Value spread =
      spreadOverAxes(b, getLoc(), g, axesOf(*this), getInput().getType());
  return {scaled(b, getLoc(), spread, 1.0 / count)};
}

SmallVector<Value> ReduceMaxOp::buildVJP(OpBuilder &b, Value g) {
  // The gradient flows to the elements equal to the maximum (there max - x
  // is 0, so step(max - x) is 0 and the mask 1 - step(...) is 1), split
  // evenly among ties as torch.amax does: maxima over ReLU zeros or
  // quantized pixels are often tied.
  Location loc = getLoc();
  RankedTensorType inputType = getInput().getType();
  SmallVector<int64_t> axes = axesOf(*this);
  Value max = spreadOverAxes(b, loc, getResult(), axes, inputType);
  Value below = b.create<StepOp>(loc, b.create<SubOp>(loc, max, getInput()));
  Value mask =
      b.create<SubOp>(loc, splatConstant(b, loc, inputType, 1.0), below);
  Value ties = b.create<ReduceSumOp>(loc, mask, getAxesAttr(), getKeepdimsAttr());
  Value share = b.create<DivOp>(loc, g, ties);
  return {b.create<MulOp>(loc, spreadOverAxes(b, loc, share, axes, inputType),
                          mask)};
}

} // namespace gradc::grad
