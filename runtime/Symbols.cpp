//===- Symbols.cpp - the runtime's C ABI by name
//---------------------------===//
#include "gradc/Runtime/Runtime.h"

extern "C" const gradc_symbol *gradc_runtime_symbols(void) {
  static const gradc_symbol symbols[] = {
      {"gradc_matmul_f32", reinterpret_cast<void *>(&gradc_matmul_f32)},
      {"gradc_matmul_f64", reinterpret_cast<void *>(&gradc_matmul_f64)},
      {"gradc_matmul_epilogue_f32",
       reinterpret_cast<void *>(&gradc_matmul_epilogue_f32)},
      {"gradc_matmul_epilogue_f64",
       reinterpret_cast<void *>(&gradc_matmul_epilogue_f64)},
      {"gradc_parallel_for", reinterpret_cast<void *>(&gradc_parallel_for)},
      {nullptr, nullptr},
  };
  return symbols;
}
