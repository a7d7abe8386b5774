//===- Signature.cpp - a model's interface, as carried in the IR ----------===//
#include "gradc/Model/Signature.h"

#include "gradc/Dialect/GradDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include <cstring>

using namespace mlir;

namespace gradc {

namespace {

std::optional<rt::DType> dtypeOf(Type type) {
  if (type.isF32())
    return rt::DType::F32;
  if (type.isF64())
    return rt::DType::F64;
  if (type.isInteger(32))
    return rt::DType::I32;
  if (type.isInteger(64))
    return rt::DType::I64;
  return std::nullopt;
}

/// Element type and shape of a tensor, or of a buffer after bufferization.
LogicalResult readType(Type type, rt::TensorSpec &spec) {
  auto shaped = dyn_cast<ShapedType>(type);
  std::optional<rt::DType> dtype = shaped && shaped.hasStaticShape()
                                       ? dtypeOf(shaped.getElementType())
                                       : std::nullopt;
  if (!dtype)
    return failure();
  spec.dtype = *dtype;
  spec.shape.assign(shaped.getShape().begin(), shaped.getShape().end());
  return success();
}

/// Name, role and initializer of one argument from its attributes. After
/// bufferization, outputs are arguments too (out-params).
LogicalResult readArgument(DictionaryAttr attributes, Type type,
                           rt::TensorSpec &spec) {
  if (!attributes || failed(readType(type, spec)))
    return failure();
  for (auto [key, role] :
       {std::pair{attrs::kInput, rt::TensorRole::Input},
        std::pair{attrs::kLabel, rt::TensorRole::Label},
        std::pair{attrs::kParam, rt::TensorRole::Param},
        std::pair{attrs::kState, rt::TensorRole::State},
        std::pair{attrs::kHyper, rt::TensorRole::Hyper},
        std::pair{attrs::kOutput, rt::TensorRole::Output},
        std::pair{attrs::kGradient, rt::TensorRole::Gradient}}) {
    if (auto name = attributes.getAs<StringAttr>(key)) {
      spec.name = name.str();
      spec.role = role;
    }
  }
  if (spec.name.empty())
    return failure();
  spec.frozen = attributes.contains(attrs::kFrozen);
  if (spec.role != rt::TensorRole::Param && spec.role != rt::TensorRole::State)
    return success();
  auto init = attributes.getAs<DictionaryAttr>(attrs::kInit);
  auto kind = init ? init.getAs<StringAttr>("kind") : StringAttr();
  if (!kind)
    return failure();
  spec.init.kind = kind.str();
  for (NamedAttribute entry : init)
    if (auto value = dyn_cast<FloatAttr>(entry.getValue()))
      spec.init.arguments[entry.getName().str()] = value.getValueAsDouble();
  return success();
}

/// The class count of a label: recorded by recordClassCounts, or (in a
/// hand-written module) found from the ops that read it as class indices.
std::optional<int64_t> classCount(func::FuncOp model, unsigned index) {
  if (auto recorded = model.getArgAttrOfType<IntegerAttr>(index,
                                                          attrs::kClasses))
    return recorded.getInt();
  if (model.isExternal())
    return std::nullopt;
  for (Operation *user : model.getArgument(index).getUsers()) {
    if (auto loss = dyn_cast<grad::SoftmaxCrossEntropyOp>(user))
      return loss.getLogits().getType().getDimSize(1);
    if (auto oneHot = dyn_cast<grad::OneHotOp>(user))
      return static_cast<int64_t>(oneHot.getClasses());
  }
  return std::nullopt;
}

} // namespace

SmallVector<func::FuncOp> entryFunctions(ModuleOp module, rt::Entry entry) {
  SmallVector<func::FuncOp> found;
  module.walk([&](func::FuncOp func) {
    auto kind = func->getAttrOfType<StringAttr>(attrs::kEntry);
    if (kind && kind.getValue() == rt::entryName(entry))
      found.push_back(func);
  });
  return found;
}

std::string modelNameOf(func::FuncOp function, rt::Entry entry) {
  StringRef name = function.getSymName();
  if (entry == rt::Entry::Forward)
    return name.str();
  return name.drop_back(std::strlen(rt::entryName(entry)) + 1).str();
}

func::FuncOp deriveEntry(func::FuncOp source, rt::Entry from, rt::Entry to) {
  auto derived = cast<func::FuncOp>(source->clone());
  derived.setSymName(rt::entrySymbol(modelNameOf(source, from), to));
  derived->setAttr(attrs::kEntry,
                   StringAttr::get(source.getContext(), rt::entryName(to)));
  source->getParentOfType<ModuleOp>().insert(std::next(Block::iterator(source)),
                                             derived);
  return derived;
}

void recordClassCounts(func::FuncOp model) {
  for (unsigned index = 0; index < model.getNumArguments(); ++index)
    if (model.getArgAttr(index, attrs::kLabel))
      if (std::optional<int64_t> classes = classCount(model, index))
        model.setArgAttr(
            index, attrs::kClasses,
            IntegerAttr::get(IntegerType::get(model.getContext(), 64),
                             *classes));
}

FailureOr<rt::Signature> readSignature(ModuleOp module, rt::Entry entry) {
  SmallVector<func::FuncOp> entries = entryFunctions(module, entry);
  func::FuncOp model = entries.empty() ? func::FuncOp() : entries.back();
  if (!model)
    return module.emitError("no ")
           << rt::entryName(entry) << " function (a func.func with "
           << attrs::kEntry << " = \"" << entryName(entry)
           << "\") in this module; a dump from after convert-func-to-llvm no "
           << "longer describes the model";
  rt::Signature signature;
  signature.name = model.getSymName().str();
  signature.model = modelNameOf(model, entry);
  // A planned entry point's last argument is its arena, not the model's.
  bool planned = model->hasAttr(attrs::kArenaBytes);
  for (auto [index, type] : llvm::enumerate(model.getArgumentTypes())) {
    if (planned && index + 1 == model.getNumArguments())
      break;
    rt::TensorSpec spec;
    if (failed(readArgument(model.getArgAttrDict(index), type, spec)))
      return model.emitError("argument #")
             << index << " lacks a valid grad.input/grad.label/grad.param "
             << "attribute (and grad.init for parameters)";
    if (spec.role == rt::TensorRole::Label)
      spec.classes = classCount(model, index);
    bool isResult = spec.role == rt::TensorRole::Output ||
                    spec.role == rt::TensorRole::Gradient;
    (isResult ? signature.results : signature.arguments)
        .push_back(std::move(spec));
  }
  for (auto [index, type] : llvm::enumerate(model.getResultTypes())) {
    rt::TensorSpec spec;
    spec.role = rt::TensorRole::Output;
    auto name = model.getResultAttrOfType<StringAttr>(index, attrs::kOutput);
    if (auto param =
            model.getResultAttrOfType<StringAttr>(index, attrs::kGradient)) {
      spec.role = rt::TensorRole::Gradient;
      name = param;
    }
    if (auto updated =
            model.getResultAttrOfType<StringAttr>(index, attrs::kUpdates)) {
      spec.role = rt::TensorRole::Update;
      name = updated;
    }
    if (!name || failed(readType(type, spec)))
      return model.emitError("result #")
             << index << " lacks a grad.output name or is not a static tensor";
    spec.name = name.str();
    signature.results.push_back(std::move(spec));
  }
  if (auto loss = model->getAttrOfType<StringAttr>(attrs::kLoss))
    signature.loss = loss.str();
  if (auto optimizer =
          model->getAttrOfType<DictionaryAttr>(attrs::kOptimizer)) {
    rt::OptimizerSpec spec;
    if (auto kind = optimizer.getAs<StringAttr>("kind"))
      spec.kind = kind.str();
    for (NamedAttribute entry : optimizer)
      if (auto value = dyn_cast<FloatAttr>(entry.getValue()))
        spec.arguments.emplace_back(entry.getName().str(),
                                    value.getValueAsDouble());
    signature.optimizer = std::move(spec);
  }
  return signature;
}

} // namespace gradc
