//===- Autodiff.cpp - reverse-mode autodiff at graph level ----------------===//
//
// Clones the forward function into @<model>_gradients and appends the
// backward graph: walking the ops from the last to the first, each op on a
// path from a trainable parameter to the loss turns its result's gradient
// into gradients of its operands through its VJP rule. A composite op
// without a rule of its own is first replaced by its decomposition, whose
// parts have rules. The backward graph is ordinary grad IR, optimized and
// lowered like the forward one.
//
//===----------------------------------------------------------------------===//
#include "gradc/Model/Signature.h"
#include "gradc/Pipeline/Passes.h"

#include "mlir/IR/IRMapping.h"
#include "llvm/ADT/SetVector.h"

namespace gradc {
#define GEN_PASS_DEF_GRADAUTODIFF
#include "gradc/Pipeline/Passes.h.inc"
} // namespace gradc

using namespace mlir;

namespace gradc {
namespace {

/// Differentiates one cloned forward function in place.
class Differentiator {
public:
  explicit Differentiator(func::FuncOp function)
      : function(function), builder(function.getContext()) {}

  LogicalResult run(StringRef lossName) {
    decomposeOpsWithoutRules();
    auto returnOp = cast<func::ReturnOp>(function.getBody().front().back());
    std::optional<Value> loss = lossValue(returnOp, lossName);
    if (!loss)
      return function.emitError("the loss '")
             << lossName << "' is not a result";
    SmallVector<BlockArgument> params = trainableParams();
    DenseSet<Value> active = activeValues(params);
    builder.setInsertionPoint(returnOp);
    if (active.contains(*loss)) {
      auto lossType = cast<RankedTensorType>(loss->getType());
      gradients[*loss] = splat(lossType, 1.0);
      if (failed(sweepBackward(returnOp, active)))
        return failure();
    }
    appendGradientResults(returnOp, params);
    return success();
  }

private:
  std::optional<Value> lossValue(func::ReturnOp returnOp, StringRef lossName) {
    for (unsigned i = 0; i < function.getNumResults(); ++i) {
      auto name = function.getResultAttrOfType<StringAttr>(i, attrs::kOutput);
      if (name && name.getValue() == lossName)
        return returnOp.getOperand(i);
    }
    return std::nullopt;
  }

  /// Replaces each composite op that has no VJP rule by its decomposition,
  /// until none is left (a decomposition may build composite ops), so its
  /// gradient comes from the rules of its parts.
  void decomposeOpsWithoutRules() {
    SmallVector<grad::DecomposeOpInterface> composites;
    do {
      composites.clear();
      function.walk([&](grad::DecomposeOpInterface op) {
        if (!isa<grad::VJPOpInterface>(op.getOperation()))
          composites.push_back(op);
      });
      for (grad::DecomposeOpInterface composite : composites) {
        builder.setInsertionPoint(composite);
        composite->getResult(0).replaceAllUsesWith(
            composite.decompose(builder));
        composite->erase();
      }
    } while (!composites.empty());
  }

  SmallVector<BlockArgument> trainableParams() {
    SmallVector<BlockArgument> params;
    for (BlockArgument argument : function.getArguments()) {
      unsigned i = argument.getArgNumber();
      if (function.getArgAttr(i, attrs::kParam) &&
          !function.getArgAttr(i, attrs::kFrozen))
        params.push_back(argument);
    }
    return params;
  }

  /// Values that depend on a trainable parameter: only these need gradients.
  DenseSet<Value> activeValues(ArrayRef<BlockArgument> params) {
    DenseSet<Value> active(params.begin(), params.end());
    for (Operation &op : function.getBody().front()) {
      if (llvm::any_of(op.getOperands(),
                       [&](Value v) { return active.contains(v); }))
        active.insert(op.result_begin(), op.result_end());
    }
    return active;
  }

  LogicalResult sweepBackward(func::ReturnOp returnOp,
                              const DenseSet<Value> &active) {
    SmallVector<Operation *> forward;
    for (Operation &op : function.getBody().front())
      if (&op != returnOp.getOperation())
        forward.push_back(&op);
    SmallVector<Operation *> missing;
    for (Operation *op : llvm::reverse(forward)) {
      if (op->getNumResults() != 1 || !gradients.count(op->getResult(0)))
        continue;
      if (llvm::none_of(op->getOperands(),
                        [&](Value v) { return active.contains(v); }))
        continue;
      auto rule = dyn_cast<grad::VJPOpInterface>(op);
      if (!rule) {
        missing.push_back(op);
        // Keep sweeping upstream so every missing rule is reported in one
        // run; the placeholder is never used, as the pass then fails.
        for (Value operand : op->getOperands())
          if (active.contains(operand))
            gradients.try_emplace(operand, operand);
        continue;
      }
      Operation *before = returnOp->getPrevNode();
      SmallVector<Value> operandGradients =
          rule.buildVJP(builder, gradients[op->getResult(0)]);
      nameGradientOps(before, returnOp);
      for (auto [operand, gradient] :
           llvm::zip(op->getOperands(), operandGradients))
        if (gradient && active.contains(operand))
          accumulate(operand, gradient);
    }
    if (missing.empty())
      return success();
    for (Operation *op : missing)
      op->emitError("no gradient rule (VJP) and no decomposition for '")
          << op->getName() << "'; it lies between a parameter and the loss";
    return function.emitError("cannot differentiate ")
           << function.getSymName() << ": " << missing.size()
           << " op(s) above have no gradient rule";
  }

  /// Ops of a VJP rule carry the forward op's location; in dumps, name them
  /// d_<name> so %d_h1 reads as the gradient of %h1.
  void nameGradientOps(Operation *before, func::ReturnOp returnOp) {
    for (Operation *op = before->getNextNode(); op != returnOp.getOperation();
         op = op->getNextNode())
      if (auto name = dyn_cast<NameLoc>(op->getLoc()))
        op->setLoc(NameLoc::get(
            StringAttr::get(op->getContext(), "d_" + name.getName().str()),
            name.getChildLoc()));
  }

  /// Gradients of a value used more than once are summed.
  void accumulate(Value value, Value gradient) {
    auto [it, inserted] = gradients.try_emplace(value, gradient);
    if (!inserted)
      it->second =
          builder.create<grad::AddOp>(value.getLoc(), it->second, gradient);
  }

  void appendGradientResults(func::ReturnOp returnOp,
                             ArrayRef<BlockArgument> params) {
    SmallVector<Value> results(returnOp.getOperands());
    unsigned first = results.size();
    for (BlockArgument param : params) {
      Value gradient = gradients.lookup(param);
      if (!gradient) {
        // The parameter does not influence the loss.
        gradient = splat(cast<RankedTensorType>(param.getType()), 0.0);
      }
      results.push_back(gradient);
    }
    SmallVector<DictionaryAttr> resultAttrs;
    for (unsigned i = 0; i < first; ++i)
      resultAttrs.push_back(function.getResultAttrDict(i));
    for (BlockArgument param : params)
      resultAttrs.push_back(builder.getDictionaryAttr(builder.getNamedAttr(
          attrs::kGradient,
          function.getArgAttr(param.getArgNumber(), attrs::kParam))));
    returnOp->setOperands(results);
    function.setFunctionType(builder.getFunctionType(
        function.getArgumentTypes(), ValueRange(results).getTypes()));
    function.setAllResultAttrs(resultAttrs);
  }

  Value splat(RankedTensorType type, double value) {
    return builder.create<grad::ConstantOp>(
        function.getLoc(),
        SplatElementsAttr::get(
            type, builder.getFloatAttr(type.getElementType(), value)));
  }

  func::FuncOp function;
  OpBuilder builder;
  DenseMap<Value, Value> gradients;
};

struct GradAutodiffPass : impl::GradAutodiffBase<GradAutodiffPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    for (func::FuncOp model : entryFunctions(module, rt::Entry::Forward)) {
      auto loss = model->getAttrOfType<StringAttr>(attrs::kLoss);
      if (!loss)
        continue; // nothing to differentiate
      func::FuncOp derived =
          deriveEntry(model, rt::Entry::Forward, rt::Entry::Gradients);
      if (failed(Differentiator(derived).run(loss.getValue())))
        return signalPassFailure();
    }
  }
};

} // namespace
} // namespace gradc
