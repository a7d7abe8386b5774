//===- ResultsToDestinations.cpp - results into caller-provided buffers ---===//
//
// Entry points return nothing once bufferized: the caller passes a buffer
// for each result (or, for parameter updates, the parameter's own buffer),
// and the result is materialized there. Expressed on tensors, so one-shot
// bufferization proves each write safe and inserts a copy only when needed
// (a value returned twice, or an update whose old value is still read).
//
//===----------------------------------------------------------------------===//
#include "gradc/Model/Signature.h"
#include "gradc/Pipeline/Passes.h"

namespace gradc {
#define GEN_PASS_DEF_RESULTSTODESTINATIONS
#include "gradc/Pipeline/Passes.h.inc"
} // namespace gradc

using namespace mlir;

namespace gradc {
namespace {

/// The argument a grad.updates result replaces.
FailureOr<BlockArgument> updatedArgument(func::FuncOp function,
                                         StringAttr name) {
  for (BlockArgument argument : function.getArguments())
    for (StringRef role : {attrs::kParam, attrs::kState})
      if (function.getArgAttr(argument.getArgNumber(), role) == name)
        return argument;
  return function.emitError("result updates '")
         << name.getValue() << "', which is not an argument";
}

/// A fresh copy of `value`: a value can be computed in place in one
/// destination only.
Value copyOf(OpBuilder &builder, Location loc, Value value) {
  auto type = cast<RankedTensorType>(value.getType());
  Value empty = builder.create<tensor::EmptyOp>(loc, type.getShape(),
                                                type.getElementType());
  return builder.create<linalg::CopyOp>(loc, value, empty).getResult(0);
}

LogicalResult convert(func::FuncOp function) {
  auto returnOp = cast<func::ReturnOp>(function.getBody().front().back());
  OpBuilder builder(returnOp);
  // Copies of values returned twice come first: a materialization counts as
  // a write of its value's buffer, so a copy after it would conflict.
  DenseSet<Value> seen;
  SmallVector<std::pair<Value, Value>> materializations; // value, destination
  for (auto [index, result] : llvm::enumerate(returnOp.getOperands())) {
    Value value = result;
    if (!seen.insert(value).second)
      value = copyOf(builder, returnOp.getLoc(), value);
    DictionaryAttr attrs = function.getResultAttrDict(index);
    Value destination;
    if (auto updated =
            attrs ? attrs.getAs<StringAttr>(attrs::kUpdates) : StringAttr()) {
      FailureOr<BlockArgument> argument = updatedArgument(function, updated);
      if (failed(argument))
        return failure();
      destination = *argument;
    } else {
      unsigned position = function.getNumArguments();
      function.insertArgument(position, value.getType(), attrs,
                              function.getLoc());
      destination = function.getArgument(position);
    }
    materializations.emplace_back(value, destination);
  }
  for (auto [value, destination] : materializations)
    builder.create<bufferization::MaterializeInDestinationOp>(
        returnOp.getLoc(), value, destination);
  returnOp->setOperands({});
  function.eraseResults(llvm::BitVector(function.getNumResults(), true));
  return success();
}

struct ResultsToDestinationsPass
    : impl::ResultsToDestinationsBase<ResultsToDestinationsPass> {
  void runOnOperation() override {
    WalkResult result = getOperation().walk([](func::FuncOp function) {
      if (function.isExternal() || !function->hasAttr(attrs::kEntry))
        return WalkResult::advance();
      return failed(convert(function)) ? WalkResult::interrupt()
                                       : WalkResult::advance();
    });
    if (result.wasInterrupted())
      signalPassFailure();
  }
};

} // namespace
} // namespace gradc
