//===- InitCommand.cpp - gradc init: initial parameters -------------------===//
#include "Commands.h"
#include "Session.h"
#include "gradc/Runtime/Buffers.h"

#include "gradc/Model/Signature.h"

using namespace llvm;

namespace gradc::driver {

cl::SubCommand InitCommand(
    "init", "Write a model's initial parameters (its initializers, seeded)\n\n"
            "  gradc init models/mlp.grad --seed 1 --out params.safetensors\n");

static cl::opt<std::string> input(cl::Positional,
                                  cl::desc("<model.grad|dump.mlir>"),
                                  cl::sub(InitCommand), cl::cat(GradcOptions));
static cl::opt<uint64_t> seed("seed", cl::desc("Random seed (default 0)"),
                              cl::init(0), cl::sub(InitCommand),
                              cl::cat(GradcOptions));
static cl::opt<std::string> out("out",
                                cl::desc("The safetensors file to write"),
                                cl::value_desc("file"), cl::sub(InitCommand),
                                cl::cat(GradcOptions));

int runInit() {
  if (input.empty() || out.empty())
    return fail("usage: gradc init MODEL --out PARAMS.safetensors [--seed N]");
  Session session;
  std::optional<Session::Model> model = session.loadModel(input);
  if (!model)
    return 1;
  rt::Buffers buffers(model->signature);
  if (rt::Status status = buffers.initializeParams(seed); !status)
    return fail(status.error());
  rt::NamedTensors params = buffers.params();
  if (rt::Status status = rt::writeSafetensors(out, params); !status)
    return fail(status.error());
  outs() << "wrote " << params.size() << " parameters of "
         << model->signature.name << " to " << out << "\n";
  return 0;
}

} // namespace gradc::driver
