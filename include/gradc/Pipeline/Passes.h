//===- Passes.h - gradc's own passes -----------------------------*- C++
//-*-===//
#ifndef GRADC_PIPELINE_PASSES_H
#define GRADC_PIPELINE_PASSES_H

#include "gradc/Dialect/GradDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Pass/Pass.h"

namespace gradc {

#define GEN_PASS_DECL
#include "gradc/Pipeline/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "gradc/Pipeline/Passes.h.inc"

} // namespace gradc

#endif // GRADC_PIPELINE_PASSES_H
