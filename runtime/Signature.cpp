//===- Signature.cpp - a compiled model's interface -----------------------===//
#include "gradc/Runtime/Signature.h"

namespace gradc::rt {

const char *entryName(Entry entry) {
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

const char *describeRole(TensorRole role) {
  switch (role) {
  case TensorRole::Input:
    return "input";
  case TensorRole::Label:
    return "label";
  case TensorRole::Param:
    return "parameter";
  case TensorRole::State:
    return "optimizer state";
  case TensorRole::Hyper:
    return "hyperparameter";
  case TensorRole::Update:
    return "update";
  case TensorRole::Output:
    return "output";
  case TensorRole::Gradient:
    return "gradient";
  }
  return "tensor";
}

std::string entrySymbol(const std::string &model, Entry entry) {
  if (entry == Entry::Forward)
    return model;
  return model + "_" + entryName(entry);
}

double defaultLearningRate(const Signature &step) {
  if (step.optimizer)
    for (auto &[name, value] : step.optimizer->arguments)
      if (name == "lr")
        return value;
  return 0.01;
}

const TensorSpec *onlyArgument(const Signature &signature, TensorRole role) {
  const TensorSpec *found = nullptr;
  for (const TensorSpec &spec : signature.arguments)
    if (spec.role == role) {
      if (found)
        return nullptr;
      found = &spec;
    }
  return found;
}

} // namespace gradc::rt
