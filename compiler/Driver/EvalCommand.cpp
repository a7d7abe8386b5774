//===- EvalCommand.cpp - gradc eval: loss and accuracy of a checkpoint ----===//
#include "Commands.h"
#include "Session.h"

#include "gradc/Runtime/Commands.h"

#include <iostream>

using namespace llvm;

namespace gradc::driver {

cl::SubCommand
    EvalCommand("eval",
                "Loss and accuracy of trained parameters on a dataset\n\n"
                "  gradc eval models/mlp_fmnist.grad --params ckpt.safetensors "
                "--data fashion-mnist\n");

static cl::opt<std::string> input(cl::Positional,
                                  cl::desc("<model.grad|dump.mlir>"),
                                  cl::sub(EvalCommand), cl::cat(GradcOptions));
static cl::opt<std::string>
    params("params", cl::desc("A checkpoint from gradc train --save"),
           cl::value_desc("file.safetensors"), cl::sub(EvalCommand),
           cl::cat(GradcOptions));
static cl::opt<std::string> data("data",
                                 cl::desc("The dataset; its test split is used "
                                          "when it has one"),
                                 cl::value_desc("dataset"),
                                 cl::sub(EvalCommand), cl::cat(GradcOptions));
static cl::opt<uint64_t> seed("seed", cl::desc("Seed of generated datasets"),
                              cl::init(0), cl::sub(EvalCommand),
                              cl::cat(GradcOptions));

int runEval() {
  if (input.empty() || params.empty() || data.empty())
    return fail("usage: gradc eval MODEL --params CKPT --data DATASET");
  Session session;
  std::optional<Session::CompiledEntry> forward = session.loadForward(input);
  if (!forward)
    return 1;
  rt::CompiledModel model =
      rt::forwardOnlyModel(forward->signature, forward->caller());
  if (rt::Status status =
          rt::evaluateModel(model, {params, data, seed}, std::cout);
      !status)
    return fail(status.error());
  return 0;
}

} // namespace gradc::driver
