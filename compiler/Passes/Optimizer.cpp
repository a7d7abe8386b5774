//===- Optimizer.cpp - the optimizer update, appended to the gradients ----===//
#include "gradc/Model/Optimizers.h"
#include "gradc/Model/Signature.h"
#include "gradc/Pipeline/Passes.h"

#include <cstring>

namespace gradc {
#define GEN_PASS_DEF_GRADOPTIMIZER
#include "gradc/Pipeline/Passes.h.inc"
} // namespace gradc

using namespace mlir;

namespace gradc {
namespace {

/// An argument added for optimizer state, and the value it takes next.
struct StateSlot {
  BlockArgument current;
  Value next;
};

/// Builds the step function from a clone of the gradients function.
class StepBuilder {
public:
  StepBuilder(func::FuncOp step, const OptimizerInfo &optimizer,
              DictionaryAttr settings)
      : step(step), optimizer(optimizer), builder(step.getContext()) {
    for (NamedAttribute entry : settings)
      if (auto value = dyn_cast<FloatAttr>(entry.getValue()))
        if (entry.getName() != "lr")
          hyper[entry.getName()] = value.getValueAsDouble();
  }

  LogicalResult run();

private:
  class ParamContext;

  BlockArgument addArgument(Type type, NamedAttribute role, double initial) {
    NamedAttrList attrs;
    attrs.append(role);
    if (role.getName() == attrs::kState)
      attrs.set(
          attrs::kInit,
          builder.getDictionaryAttr(
              {builder.getNamedAttr("kind", builder.getStringAttr("constant")),
               builder.getNamedAttr("value",
                                    builder.getF64FloatAttr(initial))}));
    unsigned position = step.getNumArguments();
    step.insertArgument(position, type, attrs.getDictionary(step.getContext()),
                        step.getLoc());
    return step.getArgument(position);
  }

  BlockArgument paramNamed(StringAttr name) {
    for (BlockArgument argument : step.getArguments())
      if (step.getArgAttr(argument.getArgNumber(), attrs::kParam) == name)
        return argument;
    return nullptr;
  }

  func::FuncOp step;
  const OptimizerInfo &optimizer;
  OpBuilder builder;
  llvm::StringMap<double> hyper;
  Value lr;
  llvm::MapVector<StringRef, StateSlot> states;
  llvm::StringMap<std::string> stateNames;
};

/// The UpdateContext of one parameter: its states are named "<param>.<slot>".
class StepBuilder::ParamContext : public UpdateContext {
public:
  ParamContext(StepBuilder &step, StringRef paramName, Value param,
               Value gradient, Value lr)
      : UpdateContext(step.builder, nameFor(step, paramName, param), param,
                      gradient, lr, step.hyper),
        step(step), paramName(paramName) {}

  Value state(StringRef slot, double initial) override {
    return slotFor(qualified(slot), param.getType(), initial).current;
  }
  void setState(StringRef slot, Value next) override {
    slotFor(qualified(slot), param.getType(), 0.0).next = next;
  }
  Value stepCount() override {
    StateSlot &slot = slotFor(
        "optimizer.step", RankedTensorType::get({}, builder.getF64Type()), 0.0);
    if (!slot.next) {
      // Counted before the first update that reads it, which every later
      // one follows.
      OpBuilder::InsertionGuard guard(builder);
      builder.setInsertionPointAfterValue(slot.current);
      slot.next = builder.create<grad::AddOp>(loc, slot.current,
                                              constant(1.0, slot.current));
    }
    return slot.next;
  }

private:
  /// Dumps show the update of w1 as %next_w1.
  static Location nameFor(StepBuilder &step, StringRef paramName, Value param) {
    return NameLoc::get(step.builder.getStringAttr("next_" + paramName.str()),
                        param.getLoc());
  }

  std::string qualified(StringRef slot) {
    return (paramName + "." + slot).str();
  }

  StateSlot &slotFor(StringRef name, Type type, double initial) {
    auto stored = step.stateNames.try_emplace(name, name.str());
    StringRef key = stored.first->second;
    auto [it, inserted] = step.states.try_emplace(key, StateSlot{});
    if (inserted)
      it->second.current = step.addArgument(
          type, builder.getNamedAttr(attrs::kState, builder.getStringAttr(key)),
          initial);
    return it->second;
  }

  StepBuilder &step;
  StringRef paramName;
};

LogicalResult StepBuilder::run() {
  auto returnOp = cast<func::ReturnOp>(step.getBody().front().back());
  builder.setInsertionPoint(returnOp);
  auto lossType = RankedTensorType::get(
      {}, cast<RankedTensorType>(step.getResultTypes()[0]).getElementType());
  for (Type type : step.getResultTypes())
    if (cast<RankedTensorType>(type).getRank() == 0)
      lossType = cast<RankedTensorType>(type);
  lr = addArgument(
      lossType,
      builder.getNamedAttr(attrs::kHyper, builder.getStringAttr("lr")), 0.0);

  SmallVector<Value> results;
  SmallVector<DictionaryAttr> resultAttrs;
  for (auto [index, value] : llvm::enumerate(returnOp.getOperands())) {
    DictionaryAttr attrs = step.getResultAttrDict(index);
    auto param = attrs ? attrs.getAs<StringAttr>(attrs::kGradient) : nullptr;
    if (!param) {
      results.push_back(value);
      resultAttrs.push_back(attrs);
      continue;
    }
    BlockArgument argument = paramNamed(param);
    auto type = cast<RankedTensorType>(argument.getType());
    // Update as early as possible: once the gradient exists and the old
    // value's last reader has run. The gradient then dies at once, and its
    // buffer can serve the next one.
    Operation *ready = value.getDefiningOp();
    for (Operation *user : argument.getUsers())
      if (user != returnOp.getOperation() &&
          (!ready || ready->isBeforeInBlock(user)))
        ready = user;
    if (ready)
      builder.setInsertionPointAfter(ready);
    else
      builder.setInsertionPoint(returnOp);
    Value spreadLr = grad::broadcastTo(builder, lr.getLoc(), lr, type);
    ParamContext context(*this, param.getValue(), argument, value, spreadLr);
    results.push_back(optimizer.update(context));
    resultAttrs.push_back(builder.getDictionaryAttr(
        builder.getNamedAttr(attrs::kUpdates, param)));
  }
  for (auto &[name, slot] : states) {
    if (!slot.next)
      return step.emitError("optimizer ")
             << optimizer.name << " declares state '" << name
             << "' but never updates it";
    results.push_back(slot.next);
    resultAttrs.push_back(builder.getDictionaryAttr(
        builder.getNamedAttr(attrs::kUpdates, builder.getStringAttr(name))));
  }
  returnOp->setOperands(results);
  step.setFunctionType(builder.getFunctionType(step.getArgumentTypes(),
                                               ValueRange(results).getTypes()));
  step.setAllResultAttrs(resultAttrs);
  return success();
}

struct GradOptimizerPass : impl::GradOptimizerBase<GradOptimizerPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    for (func::FuncOp source : entryFunctions(module, rt::Entry::Gradients)) {
      auto settings = source->getAttrOfType<DictionaryAttr>(attrs::kOptimizer);
      auto kind = settings ? settings.getAs<StringAttr>("kind") : StringAttr();
      const OptimizerInfo *optimizer =
          kind ? findOptimizer(kind.getValue()) : nullptr;
      if (!optimizer) {
        source.emitError("no known optimizer in ") << attrs::kOptimizer;
        return signalPassFailure();
      }
      func::FuncOp step =
          deriveEntry(source, rt::Entry::Gradients, rt::Entry::Step);
      if (failed(StepBuilder(step, *optimizer, settings).run()))
        return signalPassFailure();
    }
  }
};

} // namespace
} // namespace gradc
