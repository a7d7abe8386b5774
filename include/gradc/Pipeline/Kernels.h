//===- Kernels.h - the runtime kernels generated code calls -*- C++ -*-===//
//
// The kernels of gradc/Runtime/Kernels.def, with the MLIR types of their
// parameters derived from their C declarations, so that the passes that
// call them never restate their ABI.
//
//===----------------------------------------------------------------------===//
#ifndef GRADC_PIPELINE_KERNELS_H
#define GRADC_PIPELINE_KERNELS_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/BuiltinOps.h"

#include <optional>
#include <string>
#include <vector>

namespace gradc {

enum class Kernel {
#define GRADC_KERNEL(name, parameters, users) name,
#include "gradc/Runtime/Kernels.def"
};

/// `kernel`'s C name.
llvm::StringRef kernelName(Kernel kernel);

/// The kernel called `name`, if there is one.
std::optional<Kernel> kernelNamed(llvm::StringRef name);

/// `kernel`'s parameter types: !llvm.ptr for pointers, iN for integers.
llvm::SmallVector<mlir::Type> kernelParameters(mlir::MLIRContext *context,
                                               Kernel kernel);

/// `kernel` declared in `module` (once) as a private func.func, for the
/// passes before the LLVM lowering.
mlir::func::FuncOp declareKernel(mlir::ModuleOp module, Kernel kernel);

/// `kernel` declared in `module` (once) as an llvm.func, for the passes after
/// the LLVM lowering.
mlir::LLVM::LLVMFuncOp declareLLVMKernel(mlir::ModuleOp module, Kernel kernel);

/// The GEMM over `elementType` (f32 or f64), with or without an epilogue.
Kernel gemmKernel(mlir::Type elementType, bool withEpilogue);

/// If `kernel` is a GEMM without an epilogue, the same GEMM with one.
std::optional<Kernel> withEpilogue(Kernel kernel);

/// The C declarations of the kernels meant for the programs that link
/// compiled code (Kernels.def's `users`), one per line.
std::vector<std::string> userKernelDeclarations();

} // namespace gradc

#endif // GRADC_PIPELINE_KERNELS_H
