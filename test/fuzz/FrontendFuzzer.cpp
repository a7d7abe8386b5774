//===- FrontendFuzzer.cpp - .grad models: parsed, emitted and verified ----===//
#include "gradc/Frontend/Frontend.h"
#include "gradc/Pipeline/Pipeline.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"

#include <memory>

namespace {

/// A context with diagnostics discarded (the fuzzer looks for crashes, hangs
/// and leaks; a bad model's errors are none of those), replaced now and then
/// so that names uniqued from millions of inputs do not pile up.
mlir::MLIRContext &context() {
  static std::unique_ptr<mlir::MLIRContext> context;
  static int uses = 0;
  if (!context || ++uses % 4096 == 0) {
    mlir::DialectRegistry registry;
    gradc::registerGradcDialects(registry);
    context = std::make_unique<mlir::MLIRContext>(
        registry, mlir::MLIRContext::Threading::DISABLED);
    context->loadAllAvailableDialects();
    context->getDiagEngine().registerHandler(
        [](mlir::Diagnostic &) { return mlir::success(); });
  }
  return *context;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(
      llvm::MemoryBuffer::getMemBufferCopy(
          llvm::StringRef(reinterpret_cast<const char *>(data), size),
          "fuzz.grad"),
      llvm::SMLoc());
  (void)gradc::importModel(sourceMgr, &context());
  return 0;
}
