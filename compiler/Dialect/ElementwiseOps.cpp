//===- ElementwiseOps.cpp - arithmetic, unary math and cast ---------------===//
//
// For each elementwise op: its scalar body and its folders. The shape rule
// (operands and result share one type) is derived by ODS. Last, cast, the
// one elementwise op whose result type differs from its operand's.
//
//===----------------------------------------------------------------------===//
#include "OpSupport.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/IR/BuiltinAttributes.h"

using namespace mlir;

namespace gradc::grad {
namespace {

/// True when `attr` is a constant whose every element equals `value`.
bool isSplatOf(Attribute attr, double value) {
  auto splat = dyn_cast_or_null<SplatElementsAttr>(attr);
  if (!splat || !isa<FloatType>(splat.getElementType()))
    return false;
  return splat.getSplatValue<APFloat>().convertToDouble() == value;
}

} // namespace

Value lowerElementwise(ElementwiseOpInterface op, OpBuilder &b) {
  auto type = cast<RankedTensorType>(op->getResult(0).getType());
  return buildGeneric(b, op->getLoc(), type, op->getOperands(), {},
                      [&](OpBuilder &nested, Location loc, ValueRange x) {
                        return op.buildScalar(nested, loc, x);
                      });
}

//===----------------------------------------------------------------------===//
// Scalar bodies
//===----------------------------------------------------------------------===//

Value AddOp::buildScalar(OpBuilder &b, Location loc, ValueRange x) {
  return b.create<arith::AddFOp>(loc, x[0], x[1]);
}
Value SubOp::buildScalar(OpBuilder &b, Location loc, ValueRange x) {
  return b.create<arith::SubFOp>(loc, x[0], x[1]);
}
Value MulOp::buildScalar(OpBuilder &b, Location loc, ValueRange x) {
  return b.create<arith::MulFOp>(loc, x[0], x[1]);
}
Value DivOp::buildScalar(OpBuilder &b, Location loc, ValueRange x) {
  return b.create<arith::DivFOp>(loc, x[0], x[1]);
}
Value NegOp::buildScalar(OpBuilder &b, Location loc, ValueRange x) {
  return b.create<arith::NegFOp>(loc, x[0]);
}
Value ExpOp::buildScalar(OpBuilder &b, Location loc, ValueRange x) {
  return b.create<math::ExpOp>(loc, x[0]);
}
Value LogOp::buildScalar(OpBuilder &b, Location loc, ValueRange x) {
  return b.create<math::LogOp>(loc, x[0]);
}
Value SqrtOp::buildScalar(OpBuilder &b, Location loc, ValueRange x) {
  return b.create<math::SqrtOp>(loc, x[0]);
}
Value TanhOp::buildScalar(OpBuilder &b, Location loc, ValueRange x) {
  return b.create<math::TanhOp>(loc, x[0]);
}
Value SigmoidOp::buildScalar(OpBuilder &b, Location loc, ValueRange x) {
  Value one = scalarConstant(b, loc, x[0].getType(), 1.0);
  Value negated = b.create<arith::NegFOp>(loc, x[0]);
  Value denominator =
      b.create<arith::AddFOp>(loc, one, b.create<math::ExpOp>(loc, negated));
  return b.create<arith::DivFOp>(loc, one, denominator);
}
Value ReluOp::buildScalar(OpBuilder &b, Location loc, ValueRange x) {
  Value zero = scalarConstant(b, loc, x[0].getType(), 0.0);
  return b.create<arith::MaximumFOp>(loc, x[0], zero);
}
Value StepOp::buildScalar(OpBuilder &b, Location loc, ValueRange x) {
  Value zero = scalarConstant(b, loc, x[0].getType(), 0.0);
  Value positive =
      b.create<arith::CmpFOp>(loc, arith::CmpFPredicate::OGT, x[0], zero);
  return b.create<arith::SelectOp>(
      loc, positive, scalarConstant(b, loc, x[0].getType(), 1.0), zero);
}

bool DivOp::isExpensive() { return true; }
bool ExpOp::isExpensive() { return true; }
bool LogOp::isExpensive() { return true; }
bool SqrtOp::isExpensive() { return true; }
bool TanhOp::isExpensive() { return true; }
bool SigmoidOp::isExpensive() { return true; }

//===----------------------------------------------------------------------===//
// VJP rules: g is the gradient of the result.
//===----------------------------------------------------------------------===//

SmallVector<Value> AddOp::buildVJP(OpBuilder &, Value g) { return {g, g}; }

SmallVector<Value> SubOp::buildVJP(OpBuilder &b, Value g) {
  return {g, b.create<NegOp>(getLoc(), g)};
}

SmallVector<Value> MulOp::buildVJP(OpBuilder &b, Value g) {
  return {b.create<MulOp>(getLoc(), g, getRhs()),
          b.create<MulOp>(getLoc(), g, getLhs())};
}

SmallVector<Value> DivOp::buildVJP(OpBuilder &b, Value g) {
  // d(a/b)/db = -(a/b)/b: reuses the quotient.
  Value gradLhs = b.create<DivOp>(getLoc(), g, getRhs());
  Value gradRhs = b.create<NegOp>(
      getLoc(), b.create<MulOp>(getLoc(), gradLhs, getResult()));
  return {gradLhs, gradRhs};
}

SmallVector<Value> NegOp::buildVJP(OpBuilder &b, Value g) {
  return {b.create<NegOp>(getLoc(), g)};
}

SmallVector<Value> ExpOp::buildVJP(OpBuilder &b, Value g) {
  return {b.create<MulOp>(getLoc(), g, getResult())};
}

SmallVector<Value> LogOp::buildVJP(OpBuilder &b, Value g) {
  return {b.create<DivOp>(getLoc(), g, getInput())};
}

SmallVector<Value> SqrtOp::buildVJP(OpBuilder &b, Value g) {
  return {scaled(b, getLoc(), b.create<DivOp>(getLoc(), g, getResult()), 0.5)};
}

SmallVector<Value> TanhOp::buildVJP(OpBuilder &b, Value g) {
  Location loc = getLoc();
  Value one = splatConstant(b, loc, getType(), 1.0);
  Value square = b.create<MulOp>(loc, getResult(), getResult());
  return {b.create<MulOp>(loc, g, b.create<SubOp>(loc, one, square))};
}

SmallVector<Value> SigmoidOp::buildVJP(OpBuilder &b, Value g) {
  Location loc = getLoc();
  Value one = splatConstant(b, loc, getType(), 1.0);
  Value slope =
      b.create<MulOp>(loc, getResult(), b.create<SubOp>(loc, one, getResult()));
  return {b.create<MulOp>(loc, g, slope)};
}

SmallVector<Value> ReluOp::buildVJP(OpBuilder &b, Value g) {
  return {b.create<MulOp>(getLoc(), g, b.create<StepOp>(getLoc(), getInput()))};
}

SmallVector<Value> StepOp::buildVJP(OpBuilder &, Value) { return {Value()}; }

//===----------------------------------------------------------------------===//
// Folders: identities that hold exactly in IEEE arithmetic.
//===----------------------------------------------------------------------===//

OpFoldResult AddOp::fold(FoldAdaptor adaptor) {
  if (isSplatOf(adaptor.getRhs(), 0.0))
    return getLhs();
  if (isSplatOf(adaptor.getLhs(), 0.0))
    return getRhs();
  return {};
}

OpFoldResult SubOp::fold(FoldAdaptor adaptor) {
  if (isSplatOf(adaptor.getRhs(), 0.0))
    return getLhs();
  return {};
}

OpFoldResult MulOp::fold(FoldAdaptor adaptor) {
  if (isSplatOf(adaptor.getRhs(), 1.0))
    return getLhs();
  if (isSplatOf(adaptor.getLhs(), 1.0))
    return getRhs();
  return {};
}

OpFoldResult DivOp::fold(FoldAdaptor adaptor) {
  if (isSplatOf(adaptor.getRhs(), 1.0))
    return getLhs();
  return {};
}

OpFoldResult NegOp::fold(FoldAdaptor) {
  if (auto inner = getInput().getDefiningOp<NegOp>())
    return inner.getInput();
  return {};
}

//===----------------------------------------------------------------------===//
// cast
//===----------------------------------------------------------------------===//

LogicalResult CastOp::inferReturnTypes(MLIRContext *,
                                       std::optional<Location> loc,
                                       Adaptor adaptor,
                                       SmallVectorImpl<Type> &results) {
  auto dtype = readAttr<TypeAttr>(loc, "cast", adaptor.getAttributes(), "dtype",
                                  "f32 or f64", /*required=*/true);
  if (failed(dtype))
    return failure();
  Type elementType = dtype->getValue();
  if (!isa<Float32Type, Float64Type>(elementType))
    return shapeError(loc, "cast", "dtype must be f32 or f64");
  results.push_back(
      cast<RankedTensorType>(adaptor.getInput().getType()).clone(elementType));
  return success();
}

OpFoldResult CastOp::fold(FoldAdaptor) {
  if (getInput().getType() == getType())
    return getInput();
  return {};
}

SmallVector<Value> CastOp::buildVJP(OpBuilder &b, Value g) {
  Type inputElement = getInput().getType().getElementType();
  return {b.create<CastOp>(getLoc(), g, TypeAttr::get(inputElement))};
}

SmallVector<Value> CastOp::lowerToLinalg(OpBuilder &b) {
  Type to = getType().getElementType();
  bool widens = to.getIntOrFloatBitWidth() >
                getInput().getType().getElementType().getIntOrFloatBitWidth();
  return {
      buildGeneric(b, getLoc(), getType(), getInput(), {},
                   [&](OpBuilder &nested, Location loc, ValueRange x) -> Value {
                     if (widens)
                       return nested.create<arith::ExtFOp>(loc, to, x[0]);
                     return nested.create<arith::TruncFOp>(loc, to, x[0]);
                   })};
}

} // namespace gradc::grad
