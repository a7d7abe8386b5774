//===- PredictCommand.cpp - gradc predict: a checkpoint's predictions -----===//
#include "Commands.h"
#include "Session.h"

#include "gradc/Runtime/Commands.h"

#include <iostream>

using namespace llvm;

namespace gradc::driver {

cl::SubCommand PredictCommand(
    "predict",
    "Predictions of trained parameters for samples in a .npy file\n\n"
    "  gradc predict models/mlp_fmnist.grad --params ckpt.safetensors "
    "--input x.npy --output y.npy\n");

static cl::opt<std::string> input(cl::Positional,
                                  cl::desc("<model.grad|dump.mlir>"),
                                  cl::sub(PredictCommand),
                                  cl::cat(GradcOptions));
static cl::opt<std::string>
    params("params", cl::desc("A checkpoint from gradc train --save"),
           cl::value_desc("file.safetensors"), cl::sub(PredictCommand),
           cl::cat(GradcOptions));
static cl::opt<std::string>
    samples("input",
            cl::desc("Samples [N, ...] as the model's input takes them, any N"),
            cl::value_desc("x.npy"), cl::sub(PredictCommand),
            cl::cat(GradcOptions));
static cl::opt<std::string>
    output("output", cl::desc("Where to write the predictions [N, ...]"),
           cl::value_desc("y.npy"), cl::sub(PredictCommand),
           cl::cat(GradcOptions));

int runPredict() {
  if (input.empty() || params.empty() || samples.empty() || output.empty())
    return fail("usage: gradc predict MODEL --params CKPT --input X.npy "
                "--output Y.npy");
  Session session;
  std::optional<Session::CompiledEntry> model = session.loadForward(input);
  if (!model)
    return 1;
  if (rt::Status status =
          rt::predictWithModel(model->signature, model->caller(),
                               {params, samples, output}, std::cout);
      !status)
    return fail(status.error());
  return 0;
}

} // namespace gradc::driver
