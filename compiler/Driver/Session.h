//===- Session.h - what every gradc subcommand starts from -------*- C++
//-*-===//
#ifndef GRADC_COMPILER_DRIVER_SESSION_H
#define GRADC_COMPILER_DRIVER_SESSION_H

#include "gradc/Frontend/Frontend.h"
#include "gradc/Model/Signature.h"
#include "gradc/Runtime/Train.h"
#include "gradc/Target/JIT.h"
#include "mlir/IR/BuiltinOps.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/OwningOpRef.h"
#include "mlir/Support/Timing.h"
#include "llvm/Support/SourceMgr.h"

#include <chrono>
#include <functional>
#include <memory>

namespace mlir {
class SourceMgrDiagnosticHandler;
}

namespace gradc::driver {

/// An MLIR context with every gradc dialect, printing diagnostics to stderr
/// as file:line:col with the source line and a caret.
class Session {
public:
  Session();
  ~Session();

  /// Loads a .grad model, or an .mlir dump from any pipeline stage. Reports
  /// every error and returns null if there was one.
  mlir::OwningOpRef<mlir::ModuleOp> load(llvm::StringRef path,
                                         ImportOptions options = {});

  /// A loaded module with its model's signature.
  struct Model {
    mlir::OwningOpRef<mlir::ModuleOp> module;
    rt::Signature signature;
  };
  /// Loads a model file and reads its signature; reports errors and returns
  /// nothing if either fails.
  std::optional<Model> loadModel(llvm::StringRef path,
                                 ImportOptions options = {});

  /// A model compiled through the whole pipeline and JIT-ed, as the trainer
  /// drives it.
  struct Trainable {
    rt::CompiledModel model;
    std::unique_ptr<JitModel> jit;
  };
  /// Loads a model and compiles its forward and step entry points; reports
  /// errors (a model without an 'optimize' line cannot train).
  std::optional<Trainable> loadTrainable(llvm::StringRef path);

  /// One entry point of a model, compiled.
  struct CompiledEntry {
    rt::Signature signature;
    std::unique_ptr<JitModel> jit;
    /// Calls the entry point with its operands (Buffers::pointers order).
    std::function<bool(std::vector<void *> &)> caller() const;
  };
  /// Entry points of one model, compiled together.
  struct CompiledEntries {
    std::vector<rt::Signature> signatures; // in the order asked
    std::unique_ptr<JitModel> jit;
  };
  /// Loads a model with a loss and compiles `entries` of it; reports errors.
  std::optional<CompiledEntries> loadEntries(llvm::StringRef path,
                                             llvm::ArrayRef<rt::Entry> entries,
                                             ImportOptions options = {});

  /// Loads a model and compiles its gradients entry point; reports errors.
  std::optional<CompiledEntry> loadGradients(llvm::StringRef path,
                                             ImportOptions options = {});
  /// Loads a model and compiles its training step; reports errors.
  std::optional<CompiledEntry> loadStep(llvm::StringRef path);
  /// Loads a model and compiles its forward entry point; reports errors.
  std::optional<CompiledEntry> loadForward(llvm::StringRef path);

private:
  mlir::MLIRContext mlirContext;
  llvm::SourceMgr sourceMgr;
  std::unique_ptr<mlir::SourceMgrDiagnosticHandler> handler;
};

/// Milliseconds from `start` to now.
double millisecondsSince(std::chrono::steady_clock::time_point start);

/// Where compileEntries spends its time, for --timings.
struct CompileTimes {
  double pipelineMs = 0, jitMs = 0;
};

/// Lowers `entries` of `model` and JIT-compiles them into one module;
/// nothing if `model` is nothing or compiling fails (reported).
std::optional<Session::CompiledEntries>
compileEntries(std::optional<Session::Model> model,
               llvm::ArrayRef<rt::Entry> entries,
               CompileTimes *times = nullptr);

/// "error: <message>" on stderr; returns the exit code for failures.
int fail(const llvm::Twine &message);

} // namespace gradc::driver

#endif // GRADC_COMPILER_DRIVER_SESSION_H
