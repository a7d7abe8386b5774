//===- TestSupport.h - compiling models inside tests -------------*- C++
//-*-===//
#ifndef GRADC_TEST_TESTSUPPORT_H
#define GRADC_TEST_TESTSUPPORT_H

#include "gradc/Model/Signature.h"
#include "gradc/Runtime/Buffers.h"
#include "gradc/Target/JIT.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/OwningOpRef.h"

#include <memory>
#include <string>
#include <vector>

namespace gradc::test {

/// A context with every gradc dialect that records diagnostics as
/// "line:col: severity: message" instead of printing them.
class Compiler {
public:
  Compiler();
  ~Compiler();

  /// Imports .grad source text.
  mlir::OwningOpRef<mlir::ModuleOp> importSource(llvm::StringRef source);
  /// Parses MLIR text.
  mlir::OwningOpRef<mlir::ModuleOp> parseMlir(llvm::StringRef source);

  const std::vector<std::string> &diagnostics() const { return messages; }
  mlir::MLIRContext &context() { return mlirContext; }

private:
  mlir::MLIRContext mlirContext;
  std::vector<std::string> messages;
  struct Handler;
  std::unique_ptr<Handler> handler;
};

/// A model compiled through the whole pipeline and JIT-ed, with buffers for
/// its arguments and results.
struct RunnableModel {
  rt::Signature signature;
  std::unique_ptr<rt::Buffers> buffers;
  std::unique_ptr<JitModel> jit;

  /// Runs the model on the current buffers.
  bool run() {
    return mlir::succeeded(jit->call(signature.name, buffers->pointers()));
  }
};

/// Compiles `module` (at any stage) to a RunnableModel; parameters get their
/// initializers and inputs seeded random data. Fails the test on errors.
std::unique_ptr<RunnableModel>
compileToJit(mlir::ModuleOp module, uint64_t seed,
             rt::Entry entry = rt::Entry::Forward);

/// The text of a file under the source tree's models/ directory.
std::string readModel(llvm::StringRef name);

} // namespace gradc::test

#endif // GRADC_TEST_TESTSUPPORT_H
