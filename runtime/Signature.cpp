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

std::string entrySymbol(const std::string &model, Entry entry) {
  if (entry == Entry::Forward)
    return model;
  return model + "_" + entryName(entry);
}

} // namespace gradc::rt
