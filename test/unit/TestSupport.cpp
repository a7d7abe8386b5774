//===- TestSupport.cpp - compiling models inside tests --------------------===//
#include "TestSupport.h"

#include "gradc/Frontend/Frontend.h"
#include "gradc/Pipeline/Pipeline.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/Parser/Parser.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"

#include <gtest/gtest.h>

using namespace mlir;

namespace gradc::test {

namespace {
std::string formatDiagnostic(Diagnostic &diagnostic) {
  std::string text;
  if (auto loc = diagnostic.getLocation()->findInstanceOf<FileLineColLoc>())
    text = std::to_string(loc.getLine()) + ":" +
           std::to_string(loc.getColumn()) + ": ";
  switch (diagnostic.getSeverity()) {
  case DiagnosticSeverity::Error:
    text += "error: ";
    break;
  case DiagnosticSeverity::Note:
    text += "note: ";
    break;
  default:
    text += "remark: ";
  }
  return text + diagnostic.str();
}

DialectRegistry registry() {
  DialectRegistry registry;
  registerGradcDialects(registry);
  return registry;
}
} // namespace

struct Compiler::Handler {
  Handler(MLIRContext &context, std::vector<std::string> &messages)
      : handler(&context, [&messages](Diagnostic &diagnostic) {
          messages.push_back(formatDiagnostic(diagnostic));
          // As the printed diagnostics do: errors inside a block are followed
          // by where it was called from.
          if (auto call = mlir::dyn_cast<CallSiteLoc>(diagnostic.getLocation()))
            if (auto caller =
                    call.getCaller()->findInstanceOf<FileLineColLoc>())
              messages.push_back(std::to_string(caller.getLine()) + ":" +
                                 std::to_string(caller.getColumn()) +
                                 ": note: called from");
          for (Diagnostic &note : diagnostic.getNotes())
            messages.push_back(formatDiagnostic(note));
          return success();
        }) {}
  ScopedDiagnosticHandler handler;
};

Compiler::Compiler()
    : mlirContext(registry(), MLIRContext::Threading::DISABLED),
      handler(std::make_unique<Handler>(mlirContext, messages)) {
  mlirContext.loadAllAvailableDialects();
  mlirContext.printOpOnDiagnostic(false);
}

Compiler::~Compiler() = default;

OwningOpRef<ModuleOp> Compiler::importSource(llvm::StringRef source) {
  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(
      llvm::MemoryBuffer::getMemBufferCopy(source, "test.grad"), llvm::SMLoc());
  return importModel(sourceMgr, &mlirContext);
}

OwningOpRef<ModuleOp> Compiler::parseMlir(llvm::StringRef source) {
  return parseSourceString<ModuleOp>(source, &mlirContext);
}

std::unique_ptr<RunnableModel> compileToJit(ModuleOp module, uint64_t seed,
                                            rt::Entry entry) {
  auto model = std::make_unique<RunnableModel>();
  auto signatures = lowerEntries(module, {entry});
  if (failed(signatures)) {
    ADD_FAILURE() << "pipeline failed";
    return nullptr;
  }
  model->signature = std::move(signatures->front());
  model->buffers = std::make_unique<rt::Buffers>(model->signature);
  EXPECT_TRUE(static_cast<bool>(model->buffers->initializeParams(seed)));
  model->buffers->fillMissingInputsRandomly(seed + 1);
  auto jit = JitModel::compile(module, {model->signature.name});
  if (failed(jit)) {
    ADD_FAILURE() << "JIT compilation failed";
    return nullptr;
  }
  model->jit = std::move(*jit);
  return model;
}

std::string readModel(llvm::StringRef name) {
  auto buffer = llvm::MemoryBuffer::getFile(std::string(GRADC_SOURCE_DIR) +
                                            "/models/" + name.str());
  if (!buffer) {
    ADD_FAILURE() << "cannot read models/" << name.str();
    return "";
  }
  return (*buffer)->getBuffer().str();
}

} // namespace gradc::test
