//===- Inputs.cpp - parameters and inputs from the command line -----------===//
#include "Inputs.h"

#include "Commands.h"
#include "Session.h"

using namespace llvm;

namespace gradc::driver {

namespace {

/// Options shared by run, grad and step. Built on first use from main(), after
/// every global SubCommand exists: across files, static initialization
/// order is unspecified.
struct InputOptions {
  cl::opt<std::string> params{
      "params",
      cl::desc("Parameters (safetensors), e.g. from gradc init"),
      cl::value_desc("file"),
      cl::sub(RunCommand),
      cl::sub(GradCommand),
      cl::sub(StepCommand),
      cl::cat(GradcOptions)};
  cl::list<std::string> inputs{"input",
                               cl::desc("An input or label: NAME=FILE.npy"),
                               cl::value_desc("name=file"),
                               cl::sub(RunCommand),
                               cl::sub(GradCommand),
                               cl::sub(StepCommand),
                               cl::cat(GradcOptions)};
  cl::opt<bool> randomInputs{
      "random-inputs",
      cl::desc("Fill inputs and labels not given with --input with seeded "
               "random data (floats ~ N(0,1), labels uniform over the "
               "classes)"),
      cl::sub(RunCommand),
      cl::sub(GradCommand),
      cl::sub(StepCommand),
      cl::cat(GradcOptions)};
  cl::opt<uint64_t> seed{"seed",
                         cl::desc("Seed for --random-inputs"),
                         cl::init(0),
                         cl::sub(RunCommand),
                         cl::sub(GradCommand),
                         cl::sub(StepCommand),
                         cl::cat(GradcOptions)};
};

InputOptions &inputOptions() {
  static InputOptions options;
  return options;
}

} // namespace

void registerInputOptions() { inputOptions(); }

/// Loads the parameters from `path`, and the optimizer state if asked and
/// the file has any; state it does not have starts from its initializers.
static int loadParams(rt::Buffers &buffers, const rt::Signature &signature,
                      const std::string &path, bool withState) {
  auto file = rt::readSafetensors(path);
  if (!file)
    return fail(file.error());
  bool fileHasState =
      withState && llvm::any_of(signature.arguments, [&](const auto &spec) {
        return spec.role == rt::TensorRole::State &&
               llvm::any_of(*file, [&](const auto &entry) {
                 return entry.first == spec.name;
               });
      });
  if (withState && !fileHasState)
    if (rt::Status status = buffers.initializeParams(0); !status)
      return fail(status.error());
  if (rt::Status status = buffers.loadParams(*file, path, fileHasState);
      !status)
    return fail(status.error());
  return 0;
}

int loadInputs(rt::Buffers &buffers, const rt::Signature &signature,
               const std::string &modelPath, bool withState) {
  InputOptions &options = inputOptions();
  const std::string &params = options.params;
  bool hasParams = llvm::any_of(signature.arguments, [](const auto &spec) {
    return spec.role == rt::TensorRole::Param;
  });
  if (hasParams && params.empty())
    return fail("the model has parameters: pass --params FILE.safetensors "
                "(create one with 'gradc init " +
                modelPath + " --out FILE')");
  if (hasParams)
    if (int status = loadParams(buffers, signature, params, withState))
      return status;
  for (const std::string &binding : options.inputs) {
    auto [name, path] = StringRef(binding).split('=');
    if (path.empty())
      return fail("--input takes NAME=FILE.npy, got '" + binding + "'");
    if (rt::Status status = buffers.loadInput(name.str(), path.str()); !status)
      return fail(status.error());
  }
  if (options.randomInputs)
    buffers.fillMissingInputsRandomly(options.seed);
  if (rt::Status status = buffers.checkAllInputsLoaded(); !status)
    return fail(status.error());
  return 0;
}

} // namespace gradc::driver
