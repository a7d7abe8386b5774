//===- JIT.cpp - run a compiled model in this process ---------------------===//
#include "gradc/Target/JIT.h"

#include "gradc/Pipeline/Pipeline.h"
#include "gradc/Runtime/Runtime.h"
#include "gradc/Target/Object.h"

using namespace mlir;

namespace gradc {
namespace {

/// The runtime's C ABI: generated code calls it, and the driver's own
/// symbols are not visible to the JIT unless registered.
llvm::orc::SymbolMap runtimeSymbols(llvm::orc::MangleAndInterner interner) {
  llvm::orc::SymbolMap symbols;
  for (const gradc_symbol *symbol = gradc_runtime_symbols(); symbol->name;
       ++symbol)
    symbols[interner(symbol->name)] = {
        llvm::orc::ExecutorAddr::fromPtr(symbol->address),
        llvm::JITSymbolFlags::Exported};
  return symbols;
}

LogicalResult reportError(ModuleOp module, llvm::StringRef what,
                          llvm::Error error) {
  return module.emitError(what) << ": " << llvm::toString(std::move(error));
}

} // namespace

FailureOr<std::unique_ptr<JitModel>>
JitModel::compile(ModuleOp module, llvm::ArrayRef<std::string> functions) {
  auto machine = createTargetMachine(module, /*cpu=*/"");
  if (failed(machine))
    return failure();
  stripModelAttributes(module);
  // The options hold a function_ref: the lambda must outlive create().
  auto optimize = [target = machine->get()](llvm::Module *llvmModule) {
    optimizeModule(*llvmModule, *target);
    return llvm::Error::success();
  };
  ExecutionEngineOptions options;
  options.transformer = optimize;
  options.jitCodeGenOptLevel = llvm::CodeGenOptLevel::Aggressive;
  auto engine = ExecutionEngine::create(module, options, std::move(*machine));
  if (!engine)
    return reportError(module, "JIT compilation failed", engine.takeError());
  (*engine)->registerSymbols(runtimeSymbols);
  auto model = std::unique_ptr<JitModel>(new JitModel(std::move(*engine)));
  // Resolve now, so a missing symbol is reported here, not at the first call.
  for (const std::string &function : functions) {
    auto lookup = model->engine->lookupPacked(function);
    if (!lookup)
      return reportError(module, "JIT compilation failed", lookup.takeError());
    model->functions[function] = *lookup;
  }
  return model;
}

LogicalResult JitModel::call(llvm::StringRef function,
                             llvm::ArrayRef<void *> buffers) {
  auto entry = functions.find(function);
  if (entry == functions.end()) {
    llvm::errs() << "error: " << function << " was not compiled\n";
    return failure();
  }
  // The packed entry point takes a pointer to each argument; inline storage
  // keeps training steps off the heap.
  llvm::SmallVector<void *, 64> pointers(buffers.begin(), buffers.end());
  llvm::SmallVector<void *, 64> arguments;
  for (void *&pointer : pointers)
    arguments.push_back(&pointer);
  entry->second(arguments.data());
  return success();
}

} // namespace gradc
