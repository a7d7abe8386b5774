//===- OpSupport.cpp - helpers shared by the grad ops' definitions --------===//
#include "OpSupport.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/ReshapeOpsUtils.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;

namespace gradc::grad {

std::string formatType(Type type) {
  std::string text;
  llvm::raw_string_ostream os(text);
  auto tensor = dyn_cast<RankedTensorType>(type);
  if (!tensor) {
    os << type;
    return text;
  }
  os << tensor.getElementType() << "[";
  llvm::interleave(tensor.getShape(), os, ",");
  os << "]";
  return text;
}

std::string describe(Value value, StringRef role) {
  std::string name = role.str();
  if (auto named = dyn_cast<NameLoc>(value.getLoc()))
    name = named.getName().str();
  return name + " is " + formatType(value.getType());
}

LogicalResult shapeError(std::optional<Location> loc, StringRef opName,
                         const Twine &message) {
  return emitOptionalError(loc, opName, ": ", message);
}

LogicalResult requireIntegerLabels(std::optional<Location> loc,
                                   StringRef opName, Value value) {
  auto type = cast<RankedTensorType>(value.getType());
  if (type.getElementType().isSignlessInteger(32) ||
      type.getElementType().isSignlessInteger(64))
    return success();
  return shapeError(loc, opName,
                    describe(value, "labels") +
                        " but labels must be class indices (i32 or i64)");
}

FailureOr<bool> readFlag(std::optional<Location> loc, StringRef opName,
                         DictionaryAttr attributes, StringRef name) {
  auto flag =
      readAttr<BoolAttr>(loc, opName, attributes, name, "true or false");
  if (failed(flag))
    return failure();
  return *flag && flag->getValue();
}

FailureOr<int64_t> normalizeAxis(std::optional<Location> loc, StringRef opName,
                                 int64_t axis, int64_t rank) {
  int64_t resolved = axis < 0 ? axis + rank : axis;
  if (resolved < 0 || resolved >= rank)
    return shapeError(loc, opName,
                      "axis " + Twine(axis) + " is out of range for rank " +
                          Twine(rank) + " (valid: " + Twine(-rank) + " to " +
                          Twine(rank - 1) + ")");
  return resolved;
}

static TypedAttr floatAttr(Type type, double value) {
  return FloatAttr::get(type, value);
}

Value splatConstant(OpBuilder &b, Location loc, RankedTensorType type,
                    double value) {
  auto attr =
      SplatElementsAttr::get(type, floatAttr(type.getElementType(), value));
  return b.create<ConstantOp>(loc, attr);
}

Value scalarConstant(OpBuilder &b, Location loc, Type type, double value) {
  return b.create<arith::ConstantOp>(loc, floatAttr(type, value));
}

Value emptyTensor(OpBuilder &b, Location loc, RankedTensorType type,
                  std::optional<double> fillValue) {
  Value empty =
      b.create<tensor::EmptyOp>(loc, type.getShape(), type.getElementType());
  if (!fillValue)
    return empty;
  Value scalar = scalarConstant(b, loc, type.getElementType(), *fillValue);
  return b.create<linalg::FillOp>(loc, scalar, empty).getResult(0);
}

Value buildGeneric(OpBuilder &b, Location loc, RankedTensorType resultType,
                   ValueRange operands, ArrayRef<AffineMap> inputMaps,
                   ScalarBodyFn body) {
  int64_t rank = resultType.getRank();
  AffineMap identity = b.getMultiDimIdentityMap(rank);
  SmallVector<AffineMap> maps(inputMaps.begin(), inputMaps.end());
  if (maps.empty())
    maps.assign(operands.size(), identity);
  maps.push_back(identity);
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  auto generic = b.create<linalg::GenericOp>(
      loc, resultType, operands, emptyTensor(b, loc, resultType), maps,
      iterators, [&](OpBuilder &nested, Location nestedLoc, ValueRange args) {
        Value result = body(nested, nestedLoc, args.drop_back());
        nested.create<linalg::YieldOp>(nestedLoc, result);
      });
  return generic.getResult(0);
}

AffineMap broadcastReadMap(RankedTensorType inputType,
                           RankedTensorType resultType) {
  MLIRContext *context = inputType.getContext();
  int64_t rank = resultType.getRank();
  int64_t offset = rank - inputType.getRank();
  SmallVector<AffineExpr> reads;
  for (auto [i, size] : llvm::enumerate(inputType.getShape())) {
    bool stretched = size == 1 && resultType.getDimSize(offset + i) != 1;
    reads.push_back(stretched ? getAffineConstantExpr(0, context)
                              : getAffineDimExpr(offset + i, context));
  }
  return AffineMap::get(rank, 0, reads, context);
}

ReductionSpace reductionSpace(RankedTensorType inputType,
                              ArrayRef<int64_t> axes) {
  int64_t rank = inputType.getRank();
  ReductionSpace space;
  SmallVector<int64_t> keptShape;
  SmallVector<AffineExpr> keptDims;
  for (int64_t dim = 0; dim < rank; ++dim) {
    bool reduced = llvm::is_contained(axes, dim);
    space.iterators.push_back(reduced ? utils::IteratorType::reduction
                                      : utils::IteratorType::parallel);
    if (reduced)
      continue;
    keptShape.push_back(inputType.getDimSize(dim));
    keptDims.push_back(getAffineDimExpr(dim, inputType.getContext()));
  }
  space.resultType =
      RankedTensorType::get(keptShape, inputType.getElementType());
  space.resultMap = AffineMap::get(rank, 0, keptDims, inputType.getContext());
  return space;
}

Value accumulate(OpBuilder &b, Location loc, ReductionOpInterface reduction,
                 Value accumulator, Value element) {
  if (element.getType() != accumulator.getType())
    element = b.create<arith::ExtFOp>(loc, accumulator.getType(), element);
  return reduction.buildCombine(b, loc, accumulator, element);
}

Value roundedTo(OpBuilder &b, Location loc, Value values, Type elementType) {
  auto type = cast<RankedTensorType>(values.getType());
  if (type.getElementType() == elementType)
    return values;
  return buildGeneric(b, loc, type.clone(elementType), values, {},
                      [&](OpBuilder &nested, Location nestedLoc, ValueRange x) {
                        return nested.create<arith::TruncFOp>(
                            nestedLoc, elementType, x[0]);
                      });
}

Value buildReduction(OpBuilder &b, Location loc, Value input,
                     ReductionOpInterface reduction) {
  auto inputType = cast<RankedTensorType>(input.getType());
  Type elementType = inputType.getElementType();
  ReductionSpace space = reductionSpace(inputType, reduction.getReducedAxes());
  RankedTensorType accumulators =
      space.resultType.clone(reduction.getAccumulatorType(elementType));
  Value init = emptyTensor(b, loc, accumulators, reduction.getIdentity());
  SmallVector<AffineMap> maps = {b.getMultiDimIdentityMap(inputType.getRank()),
                                 space.resultMap};
  auto generic = b.create<linalg::GenericOp>(
      loc, accumulators, input, init, maps, space.iterators,
      [&](OpBuilder &nested, Location nestedLoc, ValueRange args) {
        // args = (element, accumulator).
        Value result =
            accumulate(nested, nestedLoc, reduction, args[1], args[0]);
        nested.create<linalg::YieldOp>(nestedLoc, result);
      });
  return roundedTo(b, loc, generic.getResult(0), elementType);
}

Value buildReshape(OpBuilder &b, Location loc, Value input,
                   RankedTensorType resultType) {
  auto inputType = cast<RankedTensorType>(input.getType());
  if (inputType == resultType)
    return input;
  if (inputType.getRank() > resultType.getRank()) {
    if (auto groups = getReassociationIndicesForReshape(inputType, resultType))
      return b.create<tensor::CollapseShapeOp>(loc, resultType, input, *groups);
  } else if (inputType.getRank() < resultType.getRank()) {
    if (auto groups = getReassociationIndicesForReshape(inputType, resultType))
      return b.create<tensor::ExpandShapeOp>(loc, resultType, input, *groups);
  }
  // No direct regrouping: go through the flat 1-D view.
  auto flatType = RankedTensorType::get({inputType.getNumElements()},
                                        inputType.getElementType());
  Value flat = buildReshape(b, loc, input, flatType);
  return buildReshape(b, loc, flat, resultType);
}

Value broadcastTo(OpBuilder &b, Location loc, Value value,
                  RankedTensorType type) {
  if (value.getType() == type)
    return value;
  return b.create<BroadcastOp>(loc, value,
                               b.getDenseI64ArrayAttr(type.getShape()));
}

Value scaled(OpBuilder &b, Location loc, Value value, double factor) {
  auto type = cast<RankedTensorType>(value.getType());
  return b.create<MulOp>(loc, value, splatConstant(b, loc, type, factor));
}

Value sumToShape(OpBuilder &b, Location loc, Value grad,
                 RankedTensorType inputType) {
  auto gradType = cast<RankedTensorType>(grad.getType());
  int64_t offset = gradType.getRank() - inputType.getRank();
  SmallVector<int64_t> axes;
  for (int64_t dim = 0; dim < gradType.getRank(); ++dim)
    if (dim < offset || (inputType.getDimSize(dim - offset) == 1 &&
                         gradType.getDimSize(dim) != 1))
      axes.push_back(dim);
  if (!axes.empty())
    grad = b.create<ReduceSumOp>(loc, grad, b.getDenseI64ArrayAttr(axes),
                                 b.getBoolAttr(false));
  if (grad.getType() != inputType)
    grad = b.create<ReshapeOp>(loc, grad,
                               b.getDenseI64ArrayAttr(inputType.getShape()));
  return grad;
}

Value spreadOverAxes(OpBuilder &b, Location loc, Value grad,
                     ArrayRef<int64_t> axes, RankedTensorType inputType) {
  SmallVector<int64_t> keptShape;
  for (auto [dim, size] : llvm::enumerate(inputType.getShape()))
    keptShape.push_back(
        llvm::is_contained(axes, static_cast<int64_t>(dim)) ? 1 : size);
  if (cast<RankedTensorType>(grad.getType()).getShape() != ArrayRef(keptShape))
    grad = b.create<ReshapeOp>(loc, grad, b.getDenseI64ArrayAttr(keptShape));
  return broadcastTo(b, loc, grad, inputType);
}

} // namespace gradc::grad
