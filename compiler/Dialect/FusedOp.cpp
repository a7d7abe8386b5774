//===- FusedOp.cpp - elementwise ops and reductions in one loop nest ------===//
#include "OpSupport.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/IRMapping.h"

using namespace mlir;

namespace gradc::grad {
namespace {

/// The reduction that computes `value`, if one does.
ReductionOpInterface reductionOf(Value value) {
  return value.getDefiningOp<ReductionOpInterface>();
}

/// The loop-domain value a yielded value is made of: a reduction's input,
/// or the value itself.
Value domainValueOf(Value yielded) {
  if (ReductionOpInterface reduction = reductionOf(yielded))
    return reduction->getOperand(0);
  return yielded;
}

LogicalResult verifyRegionOp(Operation &op, RankedTensorType domain,
                             std::optional<SmallVector<int64_t>> &axes) {
  if (auto reduction = dyn_cast<ReductionOpInterface>(op)) {
    if (op.getOperand(0).getType() != domain)
      return op.emitOpError("in a grad.fused region must reduce a ") << domain;
    if (!llvm::all_of(op.getUsers(),
                      [](Operation *user) { return isa<YieldOp>(user); }))
      return op.emitOpError(
          "in a grad.fused region must be yielded and used by nothing else");
    SmallVector<int64_t> reduced = reduction.getReducedAxes();
    if (axes && *axes != reduced)
      return op.emitOpError(
          "reduces other axes than the other reductions of its grad.fused op");
    axes = reduced;
    return success();
  }
  if (!isa<ElementwiseOpInterface, BroadcastOp>(op) && !isSplatConstant(&op))
    return op.emitOpError("cannot be part of a grad.fused region");
  if (auto broadcast = dyn_cast<BroadcastOp>(op))
    if (!isa<BlockArgument>(broadcast.getInput()))
      return op.emitOpError(
          "in a grad.fused region must broadcast a region argument");
  for (Type type : op.getResultTypes())
    if (type != domain)
      return op.emitOpError("in a grad.fused region must produce ") << domain;
  return success();
}

} // namespace

RankedTensorType FusedOp::getDomainType() {
  auto yield = cast<YieldOp>(getBody().front().getTerminator());
  if (yield.getValues().empty())
    return {};
  return cast<RankedTensorType>(domainValueOf(yield.getValues()[0]).getType());
}

LogicalResult FusedOp::verify() {
  Block &body = getBody().front();
  if (body.getNumArguments() != getInputs().size())
    return emitOpError("needs one region argument per input");
  for (auto [argument, input] : llvm::zip(body.getArguments(), getInputs()))
    if (argument.getType() != input.getType())
      return emitOpError("region argument types must match the inputs");
  auto yield = cast<YieldOp>(body.getTerminator());
  if (yield.getValues().getTypes() != getResultTypes())
    return emitOpError("yields ") << yield.getValues().getTypes()
                                  << " but returns " << getResultTypes();
  if (getNumResults() == 0)
    return emitOpError("must compute at least one result");
  RankedTensorType domain = getDomainType();
  std::optional<SmallVector<int64_t>> axes;
  for (Operation &op : body.without_terminator())
    if (failed(verifyRegionOp(op, domain, axes)))
      return failure();
  for (Value value : yield.getValues())
    if (domainValueOf(value).getType() != domain)
      return emitOpError("yields ")
             << value.getType() << ", which is neither a " << domain
             << " nor a reduction of one";
  return success();
}

SmallVector<Value> FusedOp::lowerToLinalg(OpBuilder &b) {
  Block &body = getBody().front();
  auto yield = cast<YieldOp>(body.getTerminator());
  RankedTensorType domain = getDomainType();
  int64_t rank = domain.getRank();
  AffineMap identity = b.getMultiDimIdentityMap(rank);
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
      maps.push_back(identity);
    }
    for (Operation *user : argument.getUsers())
      if (auto broadcast = dyn_cast<BroadcastOp>(user)) {
        scalarIndex[broadcast] = inputs.size();
        inputs.push_back(input);
        maps.push_back(
            broadcastReadMap(cast<RankedTensorType>(input.getType()), domain));
      }
  }
  // One output per yielded value; a reduction's output omits its axes and
  // starts at the reduction's identity.
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  SmallVector<Value> outputs;
  for (Value value : yield.getValues()) {
    ReductionOpInterface reduction = reductionOf(value);
    if (!reduction) {
      outputs.push_back(emptyTensor(b, getLoc(), domain));
      maps.push_back(identity);
      continue;
    }
    // The verifier made every reduction's axes, so its iterators, agree.
    ReductionSpace space = reductionSpace(domain, reduction.getReducedAxes());
    iterators = space.iterators;
    outputs.push_back(
        emptyTensor(b, getLoc(),
                    space.resultType.clone(
                        reduction.getAccumulatorType(domain.getElementType())),
                    reduction.getIdentity()));
    maps.push_back(space.resultMap);
  }
  auto generic = b.create<linalg::GenericOp>(
      getLoc(), ValueRange(outputs).getTypes(), inputs, outputs, maps,
      iterators, [&](OpBuilder &nested, Location loc, ValueRange scalars) {
        IRMapping values;
        for (auto [value, index] : scalarIndex)
          values.map(value, scalars[index]);
        for (Operation &op : body.without_terminator()) {
          if (isa<BroadcastOp, ReductionOpInterface>(op))
            continue; // read through its indexing map; folded below
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
        ValueRange accumulators = scalars.take_back(outputs.size());
        SmallVector<Value> yielded;
        for (auto [value, accumulator] :
             llvm::zip(yield.getValues(), accumulators)) {
          Value element = values.lookup(domainValueOf(value));
          ReductionOpInterface reduction = reductionOf(value);
          yielded.push_back(reduction ? accumulate(nested, loc, reduction,
                                                   accumulator, element)
                                      : element);
        }
        nested.create<linalg::YieldOp>(loc, yielded);
      });
  // A reduction with keepdims gets its size-1 axes back.
  SmallVector<Value> results;
  for (auto [computed, type] :
       llvm::zip(generic.getResults(), getResultTypes())) {
    auto resultType = cast<RankedTensorType>(type);
    Value rounded =
        roundedTo(b, getLoc(), computed, resultType.getElementType());
    results.push_back(buildReshape(b, getLoc(), rounded, resultType));
  }
  return results;
}

} // namespace gradc::grad
