//===- Symbols.cpp - the runtime's C ABI by name --------------------------===//
#include "gradc/Runtime/Runtime.h"

extern "C" const gradc_symbol *gradc_runtime_symbols(void) {
  static const gradc_symbol symbols[] = {
#define GRADC_KERNEL(name, parameters, users)                                  \
  {#name, reinterpret_cast<void *>(&name)},
#include "gradc/Runtime/Kernels.def"
      {nullptr, nullptr},
  };
  return symbols;
}
