//===- Session.cpp - what every gradc subcommand starts from --------------===//
#include "Session.h"

#include "gradc/Frontend/Frontend.h"
#include "gradc/Pipeline/Pipeline.h"

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

OwningOpRef<ModuleOp> Session::load(llvm::StringRef path,
                                    ImportOptions options) {
  auto buffer = llvm::MemoryBuffer::getFileOrSTDIN(path, /*IsText=*/true);
  if (!buffer) {
    fail(path + ": cannot read: " + buffer.getError().message());
    return nullptr;
  }
  sourceMgr.AddNewSourceBuffer(std::move(*buffer), llvm::SMLoc());
  if (path.ends_with(".mlir")) {
    if (options.promoteToF64) {
      fail(path + ": only .grad models can be promoted to f64");
      return nullptr;
    }
    return parseSourceFile<ModuleOp>(sourceMgr, &mlirContext);
  }
  return importModel(sourceMgr, &mlirContext, options);
}

std::optional<Session::Model> Session::loadModel(llvm::StringRef path,
                                                 ImportOptions options) {
  OwningOpRef<ModuleOp> module = load(path, options);
  if (!module)
    return std::nullopt;
  FailureOr<rt::Signature> signature = readSignature(*module);
  if (failed(signature))
    return std::nullopt;
  return Model{std::move(module), std::move(*signature)};
}

std::optional<Session::Trainable> Session::loadTrainable(llvm::StringRef path) {
  std::optional<Model> loaded = loadModel(path);
  if (!loaded)
    return std::nullopt;
  Model &model = *loaded;
  if (model.signature.loss.empty()) {
    fail("model " + model.signature.model +
         " has no 'optimize LOSS with ...' line, so there is nothing to train");
    return std::nullopt;
  }
  // The step entry exists once the module is at the grad stage.
  if (failed(runPipeline(*model.module, *findStep("grad"))))
    return std::nullopt;
  Trainable trainable;
  auto forward = readSignature(*model.module, rt::Entry::Forward);
  auto step = readSignature(*model.module, rt::Entry::Step);
  if (failed(forward) || failed(step))
    return std::nullopt;
  keepEntries(*model.module, {forward->name, step->name});
  if (failed(runPipeline(*model.module, *findStep("llvm"))))
    return std::nullopt;
  forward->arenaBytes = arenaBytesOf(*model.module, forward->name);
  step->arenaBytes = arenaBytesOf(*model.module, step->name);
  auto jit = JitModel::compile(*model.module, {forward->name, step->name});
  if (failed(jit))
    return std::nullopt;
  trainable.jit = std::move(*jit);
  JitModel *engine = trainable.jit.get();
  auto caller = [engine](std::string name) {
    return [engine, name](std::vector<void *> &buffers) {
      return succeeded(engine->call(name, buffers));
    };
  };
  trainable.model.callForward = caller(forward->name);
  trainable.model.callStep = caller(step->name);
  trainable.model.forward = std::move(*forward);
  trainable.model.step = std::move(*step);
  return trainable;
}

std::optional<Session::Differentiable>
Session::loadGradients(llvm::StringRef path, ImportOptions options) {
  std::optional<Model> model = loadModel(path, options);
  if (!model)
    return std::nullopt;
  if (model->signature.loss.empty()) {
    fail("model " + model->signature.model +
         " has no 'optimize LOSS with ...' line, so it has no gradients");
    return std::nullopt;
  }
  if (failed(runPipeline(*model->module, *findStep("grad"))))
    return std::nullopt;
  auto gradients = readSignature(*model->module, rt::Entry::Gradients);
  if (failed(gradients))
    return std::nullopt;
  keepEntries(*model->module, {gradients->name});
  if (failed(runPipeline(*model->module, *findStep("llvm"))))
    return std::nullopt;
  gradients->arenaBytes = arenaBytesOf(*model->module, gradients->name);
  auto jit = JitModel::compile(*model->module, {gradients->name});
  if (failed(jit))
    return std::nullopt;
  return Differentiable{std::move(*gradients), std::move(*jit)};
}

int fail(const llvm::Twine &message) {
  llvm::WithColor::error(llvm::errs(), "gradc") << message << "\n";
  return 1;
}

} // namespace gradc::driver
