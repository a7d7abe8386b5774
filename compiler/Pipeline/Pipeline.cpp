//===- Pipeline.cpp - the compilation pipeline, step by step --------------===//
#include "gradc/Pipeline/Pipeline.h"

#include "gradc/Model/Signature.h"
#include "gradc/Pipeline/BufferPlan.h"
#include "gradc/Pipeline/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/OneShotAnalysis.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/IR/Module.h"

using namespace mlir;

namespace gradc {
namespace {

constexpr llvm::StringLiteral kStageAttr = "grad.stage";

void bufferize(OpPassManager &pm) {
  bufferization::OneShotBufferizationOptions options;
  options.bufferizeFunctionBoundaries = true;
  options.setFunctionBoundaryTypeConversion(
      bufferization::LayoutMapOption::IdentityLayoutMap);
  pm.addPass(bufferization::createOneShotBufferizePass(options));
}

void deallocate(OpPassManager &pm) {
  bufferization::buildBufferDeallocationPipeline(
      pm, bufferization::BufferDeallocationPipelineOptions());
}

void funcToLLVM(OpPassManager &pm) {
  // Static shapes make bare pointers enough: the generated entry points
  // take one pointer per tensor, which runtimes and C callers can pass.
  ConvertFuncToLLVMPassOptions options;
  options.useBarePtrCallConv = true;
  pm.addPass(createConvertFuncToLLVMPass(options));
}

template <std::unique_ptr<Pass> (*create)()>
std::function<void(OpPassManager &)> pass() {
  return [](OpPassManager &pm) { pm.addPass(create()); };
}

/// Erases the entry points not in `keep`.
void keepEntries(ModuleOp module, llvm::ArrayRef<std::string> keep) {
  SmallVector<Operation *> unused;
  for (Operation &op : module.getBody()->getOperations())
    if (auto function = dyn_cast<func::FuncOp>(op))
      if (function->hasAttr(attrs::kEntry) &&
          !llvm::is_contained(keep, function.getSymName().str()))
        unused.push_back(function);
  for (Operation *function : unused)
    function->erase();
}

/// The arena bytes grad-plan-buffers gave `function` (0 if none).
int64_t arenaBytesOf(ModuleOp module, llvm::StringRef function) {
  Operation *symbol = SymbolTable::lookupSymbolIn(module, function);
  auto bytes = symbol ? symbol->getAttrOfType<IntegerAttr>(kArenaBytesAttr)
                      : IntegerAttr();
  return bytes ? bytes.getInt() : 0;
}

} // namespace

const std::vector<PipelineStep> &pipelineSteps() {
  static const std::vector<PipelineStep> steps = {
      // 1. The model as written.
      {"import", "the .grad model in the grad dialect", nullptr},
      // 2. The backward graph.
      {"grad-autodiff", "derive the gradients function",
       pass<createGradAutodiff>()},
      // 3. The optimizer update: the whole training step in one function.
      {"grad-optimizer", "derive the training step",
       pass<createGradOptimizer>()},
      {"grad-decompose", "softmax and losses into simpler grad ops",
       pass<createGradDecompose>()},
      {"canonicalize", "fold constants and algebraic identities",
       pass<createCanonicalizerPass>()},
      {"cse", "merge identical computations", pass<createCSEPass>()},
      // 4. Fusion.
      {"grad-fuse", "fuse elementwise chains and reductions into loops",
       pass<createGradFuse>()},
      // 5. Buffers.
      {"grad-to-linalg", "lower grad ops to linalg on tensors",
       pass<createGradToLinalg>()},
      {"grad-results-to-destinations", "results into caller-provided buffers",
       pass<createResultsToDestinations>()},
      {"eliminate-empty-tensors", "compute results in their destination",
       pass<bufferization::createEmptyTensorEliminationPass>()},
      {"one-shot-bufferize", "tensors to buffers", bufferize},
      {"grad-plan-buffers", "every temporary in one statically planned arena",
       pass<createPlanBuffers>()},
      {"buffer-deallocation", "free temporary buffers", deallocate},
      // 6. Code generation.
      {"grad-gemm-to-runtime", "matmuls to the runtime's GEMM",
       pass<createGemmToRuntime>()},
      {"grad-outline-parallel", "large loop nests into functions over rows",
       pass<createOutlineParallel>()},
      {"convert-linalg-to-loops", "remaining linalg ops to loops",
       pass<createConvertLinalgToLoopsPass>()},
      {"expand-strided-metadata", "buffer views to plain address arithmetic",
       pass<memref::createExpandStridedMetadataPass>()},
      {"lower-affine", "affine ops to arith/scf",
       pass<createLowerAffinePass>()},
      {"convert-scf-to-cf", "structured loops to branches",
       pass<createConvertSCFToCFPass>()},
      {"convert-math-to-llvm", "math ops to LLVM intrinsics",
       pass<createConvertMathToLLVMPass>()},
      {"convert-math-to-libm", "remaining math ops to libm calls",
       [](OpPassManager &pm) { pm.addPass(createConvertMathToLibmPass()); }},
      {"finalize-memref-to-llvm", "buffers to LLVM pointers",
       pass<createFinalizeMemRefToLLVMConversionPass>()},
      {"convert-arith-to-llvm", "arith to LLVM",
       pass<createArithToLLVMConversionPass>()},
      {"convert-func-to-llvm", "functions to LLVM (bare-pointer ABI)",
       funcToLLVM},
      {"convert-cf-to-llvm", "branches to LLVM",
       pass<createConvertControlFlowToLLVMPass>()},
      {"reconcile-unrealized-casts", "drop conversion leftovers",
       pass<createReconcileUnrealizedCastsPass>()},
      {"grad-dispatch-parallel", "row slices onto the runtime's threads",
       pass<createDispatchParallel>()},
  };
  return steps;
}

std::optional<size_t> findStep(llvm::StringRef name) {
  llvm::StringRef stepName = llvm::StringSwitch<llvm::StringRef>(name)
                                 .Case("grad", "cse")
                                 .Case("linalg", "grad-to-linalg")
                                 .Case("llvm", "grad-dispatch-parallel")
                                 .Default(name);
  const auto &steps = pipelineSteps();
  for (size_t index = 0; index < steps.size(); ++index)
    if (steps[index].name == stepName)
      return index;
  return std::nullopt;
}

FailureOr<size_t> currentStep(ModuleOp module) {
  auto stage = module->getAttrOfType<StringAttr>(kStageAttr);
  if (!stage)
    return size_t{0};
  if (std::optional<size_t> index = findStep(stage.getValue()))
    return *index;
  return module.emitError("unknown ")
         << kStageAttr << " '" << stage.getValue() << "'";
}

LogicalResult runPipeline(
    ModuleOp module, size_t last,
    llvm::function_ref<void(const PipelineStep &, ModuleOp)> afterStep) {
  FailureOr<size_t> current = currentStep(module);
  if (failed(current))
    return failure();
  const auto &steps = pipelineSteps();
  for (size_t index = *current + 1; index <= last && index < steps.size();
       ++index) {
    // One pass manager per step, so the module can be stamped with its
    // stage (and printed) between steps.
    PassManager pm(module.getContext());
    steps[index].addPasses(pm);
    if (failed(pm.run(module)))
      return failure();
    module->setAttr(kStageAttr,
                    StringAttr::get(module.getContext(), steps[index].name));
    if (afterStep)
      afterStep(steps[index], module);
  }
  return success();
}

FailureOr<std::vector<rt::Signature>>
lowerEntries(ModuleOp module, llvm::ArrayRef<rt::Entry> entries) {
  // Derived entry points exist once the module is at the grad stage.
  if (failed(runPipeline(module, *findStep("grad"))))
    return failure();
  std::vector<rt::Signature> signatures;
  std::vector<std::string> names;
  for (rt::Entry entry : entries) {
    FailureOr<rt::Signature> signature = readSignature(module, entry);
    if (failed(signature))
      return failure();
    names.push_back(signature->name);
    signatures.push_back(std::move(*signature));
  }
  keepEntries(module, names);
  if (failed(runPipeline(module, *findStep("llvm"))))
    return failure();
  for (rt::Signature &signature : signatures)
    signature.arenaBytes = arenaBytesOf(module, signature.name);
  return signatures;
}

void stripModelAttributes(ModuleOp module) {
  auto isModelAttr = [](NamedAttribute attr) {
    return attr.getName().getValue().starts_with("grad.");
  };
  auto strip = [&](ArrayAttr dictionaries) -> ArrayAttr {
    if (!dictionaries)
      return dictionaries;
    SmallVector<Attribute> kept;
    for (Attribute dictionary : dictionaries) {
      SmallVector<NamedAttribute> entries;
      llvm::copy_if(cast<DictionaryAttr>(dictionary),
                    std::back_inserter(entries),
                    [&](NamedAttribute attr) { return !isModelAttr(attr); });
      kept.push_back(DictionaryAttr::get(module.getContext(), entries));
    }
    return ArrayAttr::get(module.getContext(), kept);
  };
  module.walk([&](LLVM::LLVMFuncOp func) {
    func.setArgAttrsAttr(strip(func.getArgAttrsAttr()));
    func.setResAttrsAttr(strip(func.getResAttrsAttr()));
  });
}

std::unique_ptr<llvm::Module> translateToLLVMIR(ModuleOp module,
                                                llvm::LLVMContext &context) {
  stripModelAttributes(module);
  std::unique_ptr<llvm::Module> llvmModule =
      translateModuleToLLVMIR(module, context, "gradc");
  if (!llvmModule)
    module.emitError("translation to LLVM IR failed");
  return llvmModule;
}

} // namespace gradc
