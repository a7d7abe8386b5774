//===- Pipeline.h - the compilation pipeline, step by step -------*- C++
//-*-===//
//
// Every step is named; a module records the last step it went through in
// its `grad.stage` attribute, so an IR dump from any step can be read back
// and compiled on from there.
//
//===----------------------------------------------------------------------===//
#ifndef GRADC_PIPELINE_PIPELINE_H
#define GRADC_PIPELINE_PIPELINE_H

#include "gradc/Runtime/Signature.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/ADT/STLFunctionalExtras.h"

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace llvm {
class LLVMContext;
class Module;
} // namespace llvm

namespace gradc {

struct PipelineStep {
  std::string name;
  std::string summary;
  /// Adds this step's pass(es); null for "import", which is the frontend.
  std::function<void(mlir::OpPassManager &)> addPasses;
};

/// The whole pipeline from a parsed model to the LLVM dialect, in order.
const std::vector<PipelineStep> &pipelineSteps();

/// The step a name stands for: a step name, or one of the stage names
/// "grad", "linalg" and "llvm" (the last step producing that form).
std::optional<size_t> findStep(llvm::StringRef name);

/// Index of the last step `module` went through (from its grad.stage
/// attribute; "import" when it has none). Fails with a diagnostic on an
/// unknown stage.
mlir::FailureOr<size_t> currentStep(mlir::ModuleOp module);

/// Runs the steps after the module's current one, up to and including
/// `last`, calling `afterStep` after each.
mlir::LogicalResult
runPipeline(mlir::ModuleOp module, size_t last,
            llvm::function_ref<void(const PipelineStep &, mlir::ModuleOp)>
                afterStep = {});

/// Compiles the chosen entry points of a model (at any stage up to "grad")
/// down to the "llvm" stage, dropping the others so that only what a
/// command calls is lowered. Returns their signatures in the order asked,
/// with their arena sizes. Reports errors on the module.
mlir::FailureOr<std::vector<rt::Signature>>
lowerEntries(mlir::ModuleOp module, llvm::ArrayRef<rt::Entry> entries);

/// Drops the model's grad.* argument and result attributes from LLVM
/// functions: they describe the model, and LLVM IR has no place for them.
void stripModelAttributes(mlir::ModuleOp module);

/// Translates a module at the "llvm" stage to LLVM IR (null on failure, with
/// a diagnostic).
std::unique_ptr<llvm::Module> translateToLLVMIR(mlir::ModuleOp module,
                                                llvm::LLVMContext &context);

/// Every dialect, interface and translation the pipeline uses.
void registerGradcDialects(mlir::DialectRegistry &registry);

} // namespace gradc

#endif // GRADC_PIPELINE_PIPELINE_H
