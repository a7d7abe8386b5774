//===- Signature.cpp - a model's interface, as carried in the IR ----------===//
#include "gradc/Model/Signature.h"

#include "gradc/Dialect/GradDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"

using namespace mlir;

namespace gradc {

llvm::StringRef entryName(Entry entry) {
  switch (entry) {
  case Entry::Forward:
    return "forward";
  case Entry::Gradients:
    return "gradients";
  case Entry::Step:
    return "step";
  }
  return "";
}

std::string entrySymbol(llvm::StringRef model, Entry entry) {
  if (entry == Entry::Forward)
    return model.str();
  return (model + "_" + entryName(entry)).str();
}

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
LogicalResult readType(Type type, TensorSpec &spec) {
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
                           TensorSpec &spec) {
  if (!attributes || failed(readType(type, spec)))
    return failure();
  for (auto [key, role] : {std::pair{attrs::kInput, TensorRole::Input},
                           std::pair{attrs::kLabel, TensorRole::Label},
                           std::pair{attrs::kParam, TensorRole::Param},
                           std::pair{attrs::kState, TensorRole::State},
                           std::pair{attrs::kHyper, TensorRole::Hyper},
                           std::pair{attrs::kOutput, TensorRole::Output},
                           std::pair{attrs::kGradient, TensorRole::Gradient}}) {
    if (auto name = attributes.getAs<StringAttr>(key)) {
      spec.name = name.str();
      spec.role = role;
    }
  }
  if (spec.name.empty())
    return failure();
  spec.frozen = attributes.contains(attrs::kFrozen);
  if (spec.role != TensorRole::Param && spec.role != TensorRole::State)
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

/// The class count of a label, from the ops that read it as class indices.
std::optional<int64_t> classCount(BlockArgument label) {
  for (Operation *user : label.getUsers()) {
    if (auto loss = dyn_cast<grad::SoftmaxCrossEntropyOp>(user))
      return loss.getLogits().getType().getDimSize(1);
    if (auto oneHot = dyn_cast<grad::OneHotOp>(user))
      return static_cast<int64_t>(oneHot.getClasses());
  }
  return std::nullopt;
}

} // namespace

FailureOr<ModelSignature> ModelSignature::read(ModuleOp module, Entry entry) {
  func::FuncOp model;
  module.walk([&](func::FuncOp func) {
    auto kind = func->getAttrOfType<StringAttr>(attrs::kEntry);
    if (kind && kind.getValue() == entryName(entry))
      model = func;
  });
  if (!model)
    return module.emitError("no ")
           << entryName(entry) << " function (a func.func with "
           << attrs::kEntry << " = \"" << entryName(entry)
           << "\") in this module; a dump from after convert-func-to-llvm no "
           << "longer describes the model";
  ModelSignature signature;
  signature.name = model.getSymName().str();
  signature.model = signature.name;
  if (entry != Entry::Forward)
    signature.model = signature.name.substr(
        0, signature.name.size() - entryName(entry).size() - 1);
  for (auto [index, type] : llvm::enumerate(model.getArgumentTypes())) {
    TensorSpec spec;
    if (failed(readArgument(model.getArgAttrDict(index), type, spec)))
      return model.emitError("argument #")
             << index << " lacks a valid grad.input/grad.label/grad.param "
             << "attribute (and grad.init for parameters)";
    if (spec.role == TensorRole::Label && !model.isExternal())
      spec.classes = classCount(model.getArgument(index));
    bool isResult = spec.role == TensorRole::Output ||
                    spec.role == TensorRole::Gradient;
    (isResult ? signature.results : signature.arguments)
        .push_back(std::move(spec));
  }
  for (auto [index, type] : llvm::enumerate(model.getResultTypes())) {
    TensorSpec spec;
    spec.role = TensorRole::Output;
    auto name = model.getResultAttrOfType<StringAttr>(index, attrs::kOutput);
    if (auto param =
            model.getResultAttrOfType<StringAttr>(index, attrs::kGradient)) {
      spec.role = TensorRole::Gradient;
      name = param;
    }
    if (auto updated =
            model.getResultAttrOfType<StringAttr>(index, attrs::kUpdates)) {
      spec.role = TensorRole::Update;
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
    OptimizerSpec spec;
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
