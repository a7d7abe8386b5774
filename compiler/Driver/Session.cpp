//===- Session.cpp - what every gradc subcommand starts from --------------===//
#include "Session.h"

#include "gradc/Frontend/Frontend.h"
#include "gradc/Pipeline/Pipeline.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/Parser/Parser.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/WithColor.h"

using namespace mlir;

namespace gradc::driver {

static DialectRegistry gradcRegistry() {
  DialectRegistry registry;
  registerGradcDialects(registry);
  return registry;
}

Session::Session()
    : mlirContext(gradcRegistry(), MLIRContext::Threading::DISABLED),
      handler(std::make_unique<SourceMgrDiagnosticHandler>(sourceMgr,
                                                           &mlirContext)) {
  mlirContext.loadAllAvailableDialects();
  // Diagnostics point at source lines; dumping the whole op would bury them.
  mlirContext.printOpOnDiagnostic(false);
}

Session::~Session() = default;

OwningOpRef<ModuleOp> Session::load(llvm::StringRef path) {
  auto buffer = llvm::MemoryBuffer::getFileOrSTDIN(path, /*IsText=*/true);
  if (!buffer) {
    fail(path + ": cannot read: " + buffer.getError().message());
    return nullptr;
  }
  sourceMgr.AddNewSourceBuffer(std::move(*buffer), llvm::SMLoc());
  if (path.ends_with(".mlir"))
    return parseSourceFile<ModuleOp>(sourceMgr, &mlirContext);
  return importModel(sourceMgr, &mlirContext);
}

std::optional<Session::Model> Session::loadModel(llvm::StringRef path) {
  OwningOpRef<ModuleOp> module = load(path);
  if (!module)
    return std::nullopt;
  FailureOr<rt::Signature> signature = readSignature(*module);
  if (failed(signature))
    return std::nullopt;
  return Model{std::move(module), std::move(*signature)};
}

int fail(const llvm::Twine &message) {
  llvm::WithColor::error(llvm::errs(), "gradc") << message << "\n";
  return 1;
}

} // namespace gradc::driver
