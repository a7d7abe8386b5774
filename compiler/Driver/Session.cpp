//===- Session.cpp - what every gradc subcommand starts from --------------===//
#include "Session.h"

#include "gradc/Frontend/Frontend.h"
#include "gradc/Pipeline/Pipeline.h"
#include "gradc/Runtime/Buffers.h"

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

/// A loaded model with a loss, or nothing (reported): `purpose` says what
/// the loss is for.
static std::optional<Session::Model>
withLoss(std::optional<Session::Model> model, llvm::StringRef purpose) {
  if (model && model->signature.loss.empty()) {
    fail("model " + model->signature.model +
         " has no 'optimize LOSS with ...' line, so " + purpose);
    return std::nullopt;
  }
  return model;
}

/// Calls `jit`'s compiled function `name`.
static std::function<bool(std::vector<void *> &)> jitCaller(JitModel *jit,
                                                            std::string name) {
  return [jit, name](std::vector<void *> &operands) {
    return succeeded(jit->call(name, operands));
  };
}

std::function<bool(std::vector<void *> &)>
Session::CompiledEntry::caller() const {
  return jitCaller(jit.get(), signature.name);
}

using CompiledEntries = Session::CompiledEntries;

double millisecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(
             std::chrono::steady_clock::now() - start)
      .count();
}

std::optional<CompiledEntries>
compileEntries(std::optional<Session::Model> model,
               llvm::ArrayRef<rt::Entry> entries, CompileTimes *times) {
  if (!model)
    return std::nullopt;
  auto start = std::chrono::steady_clock::now();
  auto signatures = lowerEntries(*model->module, entries);
  if (failed(signatures))
    return std::nullopt;
  std::vector<std::string> names;
  for (const rt::Signature &signature : *signatures) {
    if (rt::Status fits = rt::checkFitsInMemory(signature); !fits) {
      model->module->emitError(fits.error());
      return std::nullopt;
    }
    names.push_back(signature.name);
  }
  double pipelineMs = millisecondsSince(start);
  auto jitStart = std::chrono::steady_clock::now();
  auto jit = JitModel::compile(*model->module, names);
  if (failed(jit))
    return std::nullopt;
  if (times)
    *times = {pipelineMs, millisecondsSince(jitStart)};
  return CompiledEntries{std::move(*signatures), std::move(*jit)};
}

std::optional<Session::Trainable> Session::loadTrainable(llvm::StringRef path) {
  auto compiled =
      compileEntries(withLoss(loadModel(path), "there is nothing to train"),
                     {rt::Entry::Forward, rt::Entry::Step});
  if (!compiled)
    return std::nullopt;
  rt::Signature &forward = compiled->signatures[0];
  rt::Signature &step = compiled->signatures[1];
  Trainable trainable;
  trainable.jit = std::move(compiled->jit);
  trainable.model.callForward = jitCaller(trainable.jit.get(), forward.name);
  trainable.model.callStep = jitCaller(trainable.jit.get(), step.name);
  trainable.model.forward = std::move(forward);
  trainable.model.step = std::move(step);
  return trainable;
}

/// The one entry point `compiled` holds.
static std::optional<Session::CompiledEntry>
onlyEntry(std::optional<CompiledEntries> compiled) {
  if (!compiled)
    return std::nullopt;
  return Session::CompiledEntry{std::move(compiled->signatures.front()),
                                std::move(compiled->jit)};
}

std::optional<Session::CompiledEntries>
Session::loadEntries(llvm::StringRef path, llvm::ArrayRef<rt::Entry> entries,
                     ImportOptions options) {
  return compileEntries(
      withLoss(loadModel(path, options), "it has no gradients"), entries);
}

std::optional<Session::CompiledEntry>
Session::loadGradients(llvm::StringRef path, ImportOptions options) {
  return onlyEntry(loadEntries(path, {rt::Entry::Gradients}, options));
}

std::optional<Session::CompiledEntry> Session::loadStep(llvm::StringRef path) {
  return onlyEntry(
      compileEntries(withLoss(loadModel(path), "there is nothing to train"),
                     {rt::Entry::Step}));
}

std::optional<Session::CompiledEntry>
Session::loadForward(llvm::StringRef path) {
  return onlyEntry(compileEntries(loadModel(path), {rt::Entry::Forward}));
}

int fail(const llvm::Twine &message) {
  // After what the command printed so far, also when both go to one pipe.
  llvm::outs().flush();
  llvm::WithColor::error(llvm::errs(), "gradc") << message << "\n";
  return 1;
}

} // namespace gradc::driver
