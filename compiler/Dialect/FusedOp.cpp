//===- FusedOp.cpp - elementwise ops computed in one loop nest ------------===//
#include "OpSupport.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/IRMapping.h"

using namespace mlir;

namespace gradc::grad {

LogicalResult FusedOp::verify() {
  Block &body = getBody().front();
  if (body.getNumArguments() != getInputs().size())
    return emitOpError("needs one region argument per input");
  for (auto [argument, input] : llvm::zip(body.getArguments(), getInputs()))
    if (argument.getType() != input.getType())
      return emitOpError("region argument types must match the inputs");
  auto yield = cast<YieldOp>(body.getTerminator());
  if (yield.getValue().getType() != getType())
    return emitOpError("yields ")
           << yield.getValue().getType() << " but returns " << getType();
  for (Operation &op : body.without_terminator()) {
    bool fusable = isa<ElementwiseOpInterface, BroadcastOp>(op) ||
                   (isa<ConstantOp>(op) &&
                    isa<SplatElementsAttr>(cast<ConstantOp>(op).getValue()));
    if (!fusable)
      return op.emitOpError("cannot be part of a grad.fused region");
    if (auto broadcast = dyn_cast<BroadcastOp>(op))
      if (!isa<BlockArgument>(broadcast.getInput()) ||
          broadcast.getType() != getType())
        return op.emitOpError(
            "in a grad.fused region must broadcast an input to the result");
    for (Type type : op.getResultTypes())
      if (type != getType())
        return op.emitOpError("in a grad.fused region must produce ")
               << getType();
  }
  return success();
}

Value FusedOp::lowerToLinalg(OpBuilder &b) {
  Block &body = getBody().front();
  RankedTensorType resultType = getType();
  // One generic input per way the region reads an input: directly, or
  // through a broadcast (as an indexing map).
  SmallVector<Value> inputs;
  SmallVector<AffineMap> maps;
  DenseMap<Value, unsigned> scalarIndex; // region value -> generic argument
  for (auto [argument, input] : llvm::zip(body.getArguments(), getInputs())) {
    bool readDirectly = llvm::any_of(argument.getUsers(), [](Operation *user) {
      return !isa<BroadcastOp>(user);
    });
    if (readDirectly) {
      scalarIndex[argument] = inputs.size();
      inputs.push_back(input);
      maps.push_back(b.getMultiDimIdentityMap(resultType.getRank()));
    }
    for (Operation *user : argument.getUsers())
      if (auto broadcast = dyn_cast<BroadcastOp>(user)) {
        scalarIndex[broadcast] = inputs.size();
        inputs.push_back(input);
        maps.push_back(broadcastReadMap(cast<RankedTensorType>(input.getType()),
                                        resultType));
      }
  }
  return buildGeneric(
      b, getLoc(), resultType, inputs, maps,
      [&](OpBuilder &nested, Location loc, ValueRange scalars) {
        IRMapping values;
        for (auto [value, index] : scalarIndex)
          values.map(value, scalars[index]);
        for (Operation &op : body.without_terminator()) {
          if (isa<BroadcastOp>(op))
            continue; // read through its indexing map
          Value result;
          if (auto constant = dyn_cast<ConstantOp>(op))
            result = nested.create<arith::ConstantOp>(
                loc, cast<SplatElementsAttr>(constant.getValue())
                         .getSplatValue<TypedAttr>());
          else
            result = cast<ElementwiseOpInterface>(op).buildScalar(
                nested, loc,
                llvm::map_to_vector(op.getOperands(), [&](Value operand) {
                  return values.lookup(operand);
                }));
          values.map(op.getResult(0), result);
        }
        return values.lookup(cast<YieldOp>(body.getTerminator()).getValue());
      });
}

} // namespace gradc::grad
