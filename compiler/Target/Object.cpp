//===- Object.cpp - compile a model ahead of time -------------------------===//
#include "gradc/Target/Object.h"

#include "gradc/Pipeline/Pipeline.h"
#include "gradc/Runtime/Files.h"
#include "gradc/Runtime/Manifest.h"

#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/SubtargetFeature.h"

using namespace mlir;

namespace gradc {
namespace {

/// Renames the bare-pointer function `symbol` out of the way and adds
/// `void name(void **operands)` calling it with each operand.
void addCEntry(llvm::Module &module, llvm::StringRef symbol,
               llvm::StringRef name) {
  llvm::Function *bare = module.getFunction(symbol);
  bare->setName(symbol + ".operands");
  bare->setLinkage(llvm::GlobalValue::InternalLinkage);
  llvm::LLVMContext &context = module.getContext();
  auto *ptr = llvm::PointerType::get(context, 0);
  auto *type =
      llvm::FunctionType::get(llvm::Type::getVoidTy(context), {ptr}, false);
  auto *entry = llvm::Function::Create(type, llvm::GlobalValue::ExternalLinkage,
                                       name, module);
  llvm::IRBuilder<> b(llvm::BasicBlock::Create(context, "entry", entry));
  llvm::SmallVector<llvm::Value *> operands;
  for (unsigned index = 0; index < bare->arg_size(); ++index) {
    llvm::Value *slot =
        b.CreateConstInBoundsGEP1_64(ptr, entry->getArg(0), index);
    operands.push_back(b.CreateLoad(ptr, slot));
  }
  b.CreateCall(bare, operands);
  b.CreateRetVoid();
}

llvm::Constant *stringConstant(llvm::Module &module, llvm::StringRef text,
                               llvm::StringRef name) {
  llvm::Constant *data =
      llvm::ConstantDataArray::getString(module.getContext(), text);
  auto *global =
      new llvm::GlobalVariable(module, data->getType(), true,
                               llvm::GlobalValue::PrivateLinkage, data, name);
  return global;
}

/// gradc_model = {manifest, target, forward, step}.
void addDescriptor(llvm::Module &module, llvm::ArrayRef<rt::Entry> entries,
                   llvm::ArrayRef<rt::Signature> signatures,
                   llvm::TargetMachine &machine) {
  llvm::LLVMContext &context = module.getContext();
  auto *ptr = llvm::PointerType::get(context, 0);
  auto functionFor = [&](rt::Entry wanted) -> llvm::Constant * {
    for (auto [entry, signature] : llvm::zip(entries, signatures))
      if (entry == wanted)
        return module.getFunction(entryFunctionName(signature, entry));
    return llvm::ConstantPointerNull::get(ptr);
  };
  std::string target =
      (machine.getTargetTriple().str() + " " + machine.getTargetCPU()).str();
  auto *type = llvm::StructType::get(context, {ptr, ptr, ptr, ptr});
  auto *descriptor = llvm::ConstantStruct::get(
      type,
      {stringConstant(module, rt::manifestToJson(signatures), "gradc.manifest"),
       stringConstant(module, target, "gradc.target"),
       functionFor(rt::Entry::Forward), functionFor(rt::Entry::Step)});
  new llvm::GlobalVariable(module, type, true,
                           llvm::GlobalValue::ExternalLinkage, descriptor,
                           "gradc_model");
}

} // namespace

FailureOr<std::unique_ptr<llvm::TargetMachine>>
createTargetMachine(ModuleOp module, llvm::StringRef cpu) {
  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  std::string triple = llvm::sys::getDefaultTargetTriple();
  std::string error;
  const llvm::Target *target =
      llvm::TargetRegistry::lookupTarget(triple, error);
  if (!target)
    return module.emitError("cannot target ") << triple << ": " << error;
  std::string features;
  if (cpu.empty()) {
    cpu = llvm::sys::getHostCPUName();
    llvm::SubtargetFeatures hostFeatures;
    for (auto &[feature, enabled] : llvm::sys::getHostCPUFeatures())
      hostFeatures.AddFeature(feature, enabled);
    features = hostFeatures.getString();
  }
  std::unique_ptr<llvm::TargetMachine> machine(target->createTargetMachine(
      triple, cpu, features, llvm::TargetOptions(), llvm::Reloc::PIC_,
      std::nullopt, llvm::CodeGenOptLevel::Aggressive));
  if (!machine)
    return module.emitError("cannot create a target machine for ") << triple;
  if (!machine->getMCSubtargetInfo()->isCPUStringValid(cpu))
    return module.emitError("unknown --target-cpu '")
           << cpu << "' for " << triple
           << " (try 'native', or a name from 'llc-19 -mcpu=help')";
  return machine;
}

void optimizeModule(llvm::Module &module, llvm::TargetMachine &machine) {
  // LLVM's -O3 with its loop unrolling off. The loops left after fusion are
  // elementwise (vectorized and interleaved anyway) or ordered reductions
  // (a chain of dependent adds that unrolling cannot shorten); fully
  // unrolling the small ones made straight-line blocks of hundreds of
  // instructions whose scheduling was over half of a small model's compile
  // time (mlp_small: 610 -> 214 ms). Steps are as fast, except the tiniest
  // (spiral, 3 classes: 19 -> 26 us, against 400 ms less compiling).
  llvm::PipelineTuningOptions tuning;
  tuning.LoopUnrolling = false;
  tuning.LoopInterleaving = true;
  tuning.LoopVectorization = true;
  tuning.SLPVectorization = true;
  llvm::PassBuilder builder(&machine, tuning);
  llvm::LoopAnalysisManager loops;
  llvm::FunctionAnalysisManager functions;
  llvm::CGSCCAnalysisManager callGraph;
  llvm::ModuleAnalysisManager modules;
  builder.registerModuleAnalyses(modules);
  builder.registerCGSCCAnalyses(callGraph);
  builder.registerFunctionAnalyses(functions);
  builder.registerLoopAnalyses(loops);
  builder.crossRegisterProxies(loops, functions, callGraph, modules);
  builder.buildPerModuleDefaultPipeline(llvm::OptimizationLevel::O3)
      .run(module, modules);
}

std::string entryFunctionName(const rt::Signature &signature, rt::Entry entry) {
  return signature.model + "_" + rt::entryName(entry);
}

FailureOr<std::unique_ptr<llvm::Module>>
buildObjectModule(ModuleOp module, llvm::ArrayRef<rt::Entry> entries,
                  llvm::ArrayRef<rt::Signature> signatures,
                  llvm::TargetMachine &machine, bool withDescriptor,
                  llvm::LLVMContext &context) {
  std::unique_ptr<llvm::Module> llvmModule = translateToLLVMIR(module, context);
  if (!llvmModule)
    return failure();
  llvmModule->setTargetTriple(machine.getTargetTriple().str());
  llvmModule->setDataLayout(machine.createDataLayout());
  for (auto [entry, signature] : llvm::zip(entries, signatures))
    addCEntry(*llvmModule, signature.name, entryFunctionName(signature, entry));
  if (withDescriptor)
    addDescriptor(*llvmModule, entries, signatures, machine);
  optimizeModule(*llvmModule, machine);
  return llvmModule;
}

LogicalResult writeObjectFile(llvm::Module &module,
                              llvm::TargetMachine &machine,
                              llvm::StringRef path, bool assembly,
                              ModuleOp diagnostics) {
  llvm::SmallString<0> contents;
  llvm::raw_svector_ostream os(contents);
  llvm::legacy::PassManager passes;
  auto kind = assembly ? llvm::CodeGenFileType::AssemblyFile
                       : llvm::CodeGenFileType::ObjectFile;
  if (machine.addPassesToEmitFile(passes, os, nullptr, kind))
    return diagnostics.emitError("the target cannot emit this file type");
  passes.run(module);
  if (path == "-") {
    llvm::outs() << contents;
    return success();
  }
  if (rt::Status status =
          rt::writeFileAtomically(path.str(), contents.str().str());
      !status)
    return diagnostics.emitError(status.error());
  return success();
}

} // namespace gradc
