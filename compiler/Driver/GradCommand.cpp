//===- GradCommand.cpp - gradc grad: the loss and every gradient ----------===//
#include "Commands.h"
#include "EntryCalls.h"
#include "Session.h"

using namespace llvm;

namespace gradc::driver {

cl::SubCommand GradCommand(
    "grad", "Compute the loss and the gradient of every parameter, without "
            "updating anything\n\n"
            "  gradc grad models/mlp.grad --params p.safetensors \\\n"
            "      --input x=x.npy --input y=y.npy --out grads.safetensors\n");

static cl::opt<std::string> input(cl::Positional,
                                  cl::desc("<model.grad|dump.mlir>"),
                                  cl::sub(GradCommand), cl::cat(GradcOptions));
static cl::opt<std::string> out("out",
                                cl::desc("Write the gradients (safetensors)"),
                                cl::value_desc("file"), cl::sub(GradCommand),
                                cl::cat(GradcOptions));

int runGrad() {
  if (input.empty() || out.empty())
    return fail("usage: gradc grad MODEL --params P.safetensors --input "
                "NAME=FILE.npy ... --out G.safetensors");
  Session session;
  std::optional<Session::CompiledEntry> model = session.loadGradients(input);
  if (!model)
    return 1;
  return writeGradients(*model->jit, model->signature, input, out);
}

} // namespace gradc::driver
