//===- JIT.h - run a compiled model in this process --------------*- C++
//-*-===//
#ifndef GRADC_TARGET_JIT_H
#define GRADC_TARGET_JIT_H

#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/StringMap.h"

#include <memory>
#include <string>

namespace gradc {

/// A compiled module's functions as machine code for the host CPU, at -O3.
class JitModel {
public:
  /// Compiles `module`, which must be at the "llvm" stage, and resolves
  /// `functions` at once. Reports errors as diagnostics on the module.
  static mlir::FailureOr<std::unique_ptr<JitModel>>
  compile(mlir::ModuleOp module, llvm::ArrayRef<std::string> functions);

  /// Calls `function` with one buffer per argument followed by one per
  /// result (the bare-pointer ABI of the pipeline). Allocates nothing: the
  /// entry points were resolved at compile time.
  mlir::LogicalResult call(llvm::StringRef function,
                           llvm::ArrayRef<void *> buffers);

private:
  using PackedFunction = void (*)(void **);
  explicit JitModel(std::unique_ptr<mlir::ExecutionEngine> engine)
      : engine(std::move(engine)) {}
  std::unique_ptr<mlir::ExecutionEngine> engine;
  llvm::StringMap<PackedFunction> functions;
};

} // namespace gradc

#endif // GRADC_TARGET_JIT_H
