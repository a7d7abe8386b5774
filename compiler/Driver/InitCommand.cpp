//===- InitCommand.cpp - gradc init: initial parameters -------------------===//
#include "Commands.h"
#include "ModelBuffers.h"
#include "Session.h"

#include "gradc/Model/Signature.h"
#include "gradc/Runtime/Init.h"

using namespace llvm;

namespace gradc::driver {

cl::SubCommand InitCommand(
    "init", "Write a model's initial parameters (its initializers, seeded)\n\n"
            "  gradc init models/mlp.grad --seed 1 --out params.safetensors\n");

static cl::opt<std::string> input(cl::Positional, cl::desc("<model.grad|dump.mlir>"),
                                  cl::sub(InitCommand), cl::cat(GradcOptions));
static cl::opt<uint64_t> seed("seed", cl::desc("Random seed (default 0)"),
                              cl::init(0), cl::sub(InitCommand),
                              cl::cat(GradcOptions));
static cl::opt<std::string> out("out", cl::desc("The safetensors file to write"),
                                cl::value_desc("file"), cl::sub(InitCommand),
                                cl::cat(GradcOptions));

int runInit() {
  if (input.empty() || out.empty())
    return fail("usage: gradc init MODEL --out PARAMS.safetensors [--seed N]");
  Session session;
  mlir::OwningOpRef<mlir::ModuleOp> module = session.load(input);
  if (!module)
    return 1;
  auto signature = ModelSignature::read(*module);
  if (failed(signature))
    return 1;
  rt::NamedTensors params;
  for (const TensorSpec &spec : signature->arguments) {
    if (spec.role != TensorRole::Param)
      continue;
    rt::Tensor tensor = allocate(spec);
    if (rt::Status status = rt::initialize(spec.init, spec.name, seed, tensor);
        !status)
      return fail(status.error());
    params.emplace_back(spec.name, std::move(tensor));
  }
  if (rt::Status status = rt::writeSafetensors(out, params); !status)
    return fail(status.error());
  outs() << "wrote " << params.size() << " parameters of " << signature->name
         << " to " << out << "\n";
  return 0;
}

} // namespace gradc::driver
