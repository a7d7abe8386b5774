//===- JIT.h - run a compiled model in this process --------------*- C++
//-*-===//
#ifndef GRADC_TARGET_JIT_H
#define GRADC_TARGET_JIT_H

#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/IR/BuiltinOps.h"

#include <memory>
#include <string>

namespace gradc {

/// A model function compiled to machine code for the host CPU at -O3.
class JitModel {
public:
  /// Compiles `module`, which must be at the "llvm" stage. Reports errors as
  /// diagnostics on the module.
  static mlir::FailureOr<std::unique_ptr<JitModel>>
  compile(mlir::ModuleOp module, llvm::StringRef function);

  /// Calls the function with one buffer per argument followed by one per
  /// result (the bare-pointer ABI of the pipeline).
  mlir::LogicalResult call(llvm::ArrayRef<void *> buffers);

private:
  JitModel(std::unique_ptr<mlir::ExecutionEngine> engine, std::string function)
      : engine(std::move(engine)), function(std::move(function)) {}
  std::unique_ptr<mlir::ExecutionEngine> engine;
  std::string function;
};

} // namespace gradc

#endif // GRADC_TARGET_JIT_H
