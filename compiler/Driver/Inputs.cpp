//===- Inputs.cpp - parameters and inputs from the command line -----------===//
#include "Inputs.h"

#include "Commands.h"
#include "Session.h"

using namespace llvm;

namespace gradc::driver {

static cl::opt<std::string>
    params("params", cl::desc("Parameters (safetensors), e.g. from gradc init"),
           cl::value_desc("file"), cl::sub(RunCommand), cl::sub(GradCommand),
           cl::cat(GradcOptions));
static cl::list<std::string>
    inputs("input", cl::desc("An input or label: NAME=FILE.npy"),
           cl::value_desc("name=file"), cl::sub(RunCommand),
           cl::sub(GradCommand), cl::cat(GradcOptions));
static cl::opt<bool> randomInputs(
    "random-inputs",
    cl::desc("Fill inputs and labels not given with --input with seeded "
             "random data (floats ~ N(0,1), labels uniform over the classes)"),
    cl::sub(RunCommand), cl::sub(GradCommand), cl::cat(GradcOptions));
static cl::opt<uint64_t> seed("seed", cl::desc("Seed for --random-inputs"),
                              cl::init(0), cl::sub(RunCommand),
                              cl::sub(GradCommand), cl::cat(GradcOptions));

int loadInputs(rt::Buffers &buffers, const rt::Signature &signature,
               const std::string &modelPath) {
  bool hasParams = llvm::any_of(signature.arguments, [](const auto &spec) {
    return spec.role == rt::TensorRole::Param;
  });
  if (hasParams && params.empty())
    return fail("the model has parameters: pass --params FILE.safetensors "
                "(create one with 'gradc init " +
                modelPath + " --out FILE')");
  if (hasParams)
    if (rt::Status status = buffers.loadParams(params); !status)
      return fail(status.error());
  for (const std::string &binding : inputs) {
    auto [name, path] = StringRef(binding).split('=');
    if (path.empty())
      return fail("--input takes NAME=FILE.npy, got '" + binding + "'");
    if (rt::Status status = buffers.loadInput(name.str(), path.str()); !status)
      return fail(status.error());
  }
  if (randomInputs)
    buffers.fillMissingInputsRandomly(seed);
  if (rt::Status status = buffers.checkAllInputsLoaded(); !status)
    return fail(status.error());
  return 0;
}

} // namespace gradc::driver
