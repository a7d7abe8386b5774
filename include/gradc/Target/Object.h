//===- Object.h - compile a model ahead of time -----------------*- C++ -*-===//
//
// `gradc build` turns the LLVM-stage module into an object file: each entry
// point gets a C function `<model>_<entry>(void **operands)` and, for
// programs, the object defines the gradc_compiled_model descriptor
// `gradc_model` that the runtime's program main reads (see Runtime.h).
//
//===----------------------------------------------------------------------===//
#ifndef GRADC_TARGET_OBJECT_H
#define GRADC_TARGET_OBJECT_H

#include "gradc/Runtime/Signature.h"

#include "mlir/IR/BuiltinOps.h"
#include "llvm/IR/Module.h"
#include "llvm/Target/TargetMachine.h"

#include <memory>

namespace gradc {

/// A target machine for the host's triple and `cpu` (the host's CPU and
/// features when empty), at -O3, for the JIT and for gradc build. Reports
/// an unknown CPU on the module.
mlir::FailureOr<std::unique_ptr<llvm::TargetMachine>>
createTargetMachine(mlir::ModuleOp module, llvm::StringRef cpu);

/// Runs LLVM's optimizer on `module` for `machine`, as every compile of a
/// model does (JIT and ahead of time alike).
void optimizeModule(llvm::Module &module, llvm::TargetMachine &machine);

/// The C name of an entry point: "mlp_forward", "mlp_step".
std::string entryFunctionName(const rt::Signature &signature, rt::Entry entry);

/// Translates `module` (at the "llvm" stage, holding `entries` lowered with
/// `signatures`) for `machine`, adds the C entry functions and, when
/// `withDescriptor`, gradc_model; then optimizes at -O3.
mlir::FailureOr<std::unique_ptr<llvm::Module>>
buildObjectModule(mlir::ModuleOp module, llvm::ArrayRef<rt::Entry> entries,
                  llvm::ArrayRef<rt::Signature> signatures,
                  llvm::TargetMachine &machine, bool withDescriptor,
                  llvm::LLVMContext &context);

/// Writes `module` as an object file (or assembly) to `path`, atomically:
/// a failed write leaves nothing behind.
mlir::LogicalResult writeObjectFile(llvm::Module &module,
                                    llvm::TargetMachine &machine,
                                    llvm::StringRef path, bool assembly,
                                    mlir::ModuleOp diagnostics);

} // namespace gradc

#endif // GRADC_TARGET_OBJECT_H
