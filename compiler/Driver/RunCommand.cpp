//===- RunCommand.cpp - gradc run: one forward pass, JIT-compiled ---------===//
#include "Commands.h"
#include "EntryCalls.h"
#include "Inputs.h"
#include "Session.h"
#include "gradc/Runtime/Buffers.h"

#include "gradc/Model/Signature.h"
#include "gradc/Target/JIT.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <chrono>

using namespace llvm;

namespace gradc::driver {

cl::SubCommand
    RunCommand("run", "Run a model's forward pass on inputs from .npy files\n\n"
                      "  gradc run models/mlp.grad --params p.safetensors \\\n"
                      "      --input x=x.npy --input y=y.npy --output out/\n");

static cl::opt<std::string> input(cl::Positional,
                                  cl::desc("<model.grad|dump.mlir>"),
                                  cl::sub(RunCommand), cl::cat(GradcOptions));
static cl::opt<std::string>
    outputDir("output", cl::desc("Write each output as DIR/NAME.npy"),
              cl::value_desc("dir"), cl::sub(RunCommand),
              cl::cat(GradcOptions));
static cl::opt<std::string> gradientsOut(
    "gradients",
    cl::desc("Also compute the loss and every gradient on the same inputs, "
             "as gradc grad does, and write them to FILE"),
    cl::value_desc("file.safetensors"), cl::sub(RunCommand),
    cl::cat(GradcOptions));
static cl::opt<std::string> stepOut(
    "step",
    cl::desc("Also take one training step from --params on the same inputs, "
             "as gradc step does, and write the parameters and optimizer "
             "state to FILE"),
    cl::value_desc("file.safetensors"), cl::sub(RunCommand),
    cl::cat(GradcOptions));
static cl::opt<bool> timings("timings",
                             cl::desc("Print the time of each phase"),
                             cl::sub(RunCommand), cl::cat(GradcOptions));

namespace {

/// "logits : f32[100,10] = [0.12, -0.5, ...] (mean 0.01)".
void printSummary(const std::string &name, const rt::Tensor &tensor) {
  outs() << name << " : " << tensor.typeString() << " = [";
  int64_t count = tensor.numElements(), shown = std::min<int64_t>(count, 8);
  double sum = 0;
  for (int64_t i = 0; i < count; ++i) {
    double value = tensor.dtype == rt::DType::F32 ? tensor.data<float>()[i]
                                                  : tensor.data<double>()[i];
    sum += value;
    if (i < shown)
      outs() << (i ? ", " : "") << format("%.6g", value);
  }
  outs() << (count > shown ? ", ...]" : "]");
  if (count > 1)
    outs() << format(" (mean %.6g)", sum / double(count));
  outs() << "\n";
}

} // namespace

int runRun() {
  if (input.empty())
    return fail("usage: gradc run MODEL --params P.safetensors --input "
                "NAME=FILE.npy ... [--output DIR] [--gradients G.safetensors] "
                "[--step Q.safetensors]");
  auto start = std::chrono::steady_clock::now();
  Session session;
  std::optional<Session::Model> loaded = session.loadModel(input);
  if (!loaded)
    return 1;
  double parseMs = millisecondsSince(start);

  // The other entries are compiled into the same module, as for training.
  SmallVector<rt::Entry> entries{rt::Entry::Forward};
  if (!gradientsOut.empty())
    entries.push_back(rt::Entry::Gradients);
  if (!stepOut.empty())
    entries.push_back(rt::Entry::Step);
  if (entries.size() > 1 && loaded->signature.loss.empty())
    return fail("model " + loaded->signature.model +
                " has no 'optimize LOSS with ...' line, so it has no "
                "gradients and no training step: drop --gradients and --step");
  CompileTimes times;
  auto compiled = compileEntries(std::move(loaded), entries, &times);
  if (!compiled)
    return 1;
  JitModel &jit = *compiled->jit;
  const rt::Signature &signature = compiled->signatures.front();

  rt::Buffers buffers(signature);
  if (int status = loadInputs(buffers, signature, input))
    return status;

  auto runStart = std::chrono::steady_clock::now();
  if (failed(jit.call(signature.name, buffers.pointers())))
    return 1;
  double runMs = millisecondsSince(runStart);

  for (auto [spec, tensor] : llvm::zip(signature.results, buffers.results()))
    printSummary(spec.name, tensor);
  if (!outputDir.empty()) {
    if (std::error_code error = sys::fs::create_directories(outputDir))
      return fail(outputDir + ": cannot create: " + error.message());
    for (auto [spec, tensor] :
         llvm::zip(signature.results, buffers.results())) {
      SmallString<128> path(outputDir);
      sys::path::append(path, spec.name + ".npy");
      if (rt::Status status = rt::writeNpy(path.str().str(), tensor); !status)
        return fail(status.error());
    }
  }
  for (auto [entry, each] : llvm::zip(entries, compiled->signatures)) {
    int status = 0;
    if (entry == rt::Entry::Gradients)
      status = writeGradients(jit, each, input, gradientsOut);
    if (entry == rt::Entry::Step)
      status = writeSteps(jit, each, input, /*steps=*/1, std::nullopt, stepOut);
    if (status)
      return status;
  }
  if (timings)
    errs() << format("parse %.1f ms, pipeline %.1f ms, jit %.1f ms "
                     "(parse-to-ready %.1f ms), run %.2f ms\n",
                     parseMs, times.pipelineMs, times.jitMs,
                     parseMs + times.pipelineMs + times.jitMs, runMs);
  return 0;
}

} // namespace gradc::driver
