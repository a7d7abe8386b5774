//===- StepCommand.cpp - gradc step: training steps on one batch ----------===//
//
// Applies the compiled training step to the same batch a given number of
// times and writes the parameters with the optimizer state, so updates can
// be compared with another framework's optimizer, and a model shown to
// overfit one batch.
//
//===----------------------------------------------------------------------===//
#include "Commands.h"
#include "EntryCalls.h"
#include "Session.h"

#include "llvm/Support/FormatVariadic.h"

#include <cmath>

using namespace llvm;

namespace gradc::driver {

cl::SubCommand
    StepCommand("step",
                "Apply the training step to one batch, N times, and write the "
                "parameters and optimizer state\n\n"
                "  gradc step models/mlp.grad --params p.safetensors \\\n"
                "      --input x=x.npy --input y=y.npy --steps 20 --out "
                "q.safetensors\n\n"
                "A --params file written by gradc step carries the optimizer "
                "state on.\n");

static cl::opt<std::string> input(cl::Positional,
                                  cl::desc("<model.grad|dump.mlir>"),
                                  cl::sub(StepCommand), cl::cat(GradcOptions));
static cl::opt<std::string>
    out("out", cl::desc("Write the parameters and optimizer state"),
        cl::value_desc("file.safetensors"), cl::sub(StepCommand),
        cl::cat(GradcOptions));
static cl::opt<int> steps("steps", cl::desc("Steps to take (default 1)"),
                          cl::init(1), cl::sub(StepCommand),
                          cl::cat(GradcOptions));
static cl::opt<double> lr("lr",
                          cl::desc("Learning rate (default: the model's)"),
                          cl::sub(StepCommand), cl::cat(GradcOptions));

int runStep() {
  if (input.empty() || out.empty())
    return fail("usage: gradc step MODEL --params P.safetensors --input "
                "NAME=FILE.npy ... [--steps N] --out Q.safetensors");
  if (steps < 1)
    return fail("--steps must be at least 1, got " + Twine(steps.getValue()));
  if (lr.getNumOccurrences() && !(std::isfinite(lr) && lr >= 0))
    return fail("--lr must be a finite number >= 0, got " +
                formatv("{0}", lr.getValue()));
  Session session;
  std::optional<Session::CompiledEntry> model = session.loadStep(input);
  if (!model)
    return 1;
  std::optional<double> rate;
  if (lr.getNumOccurrences())
    rate = lr;
  return writeSteps(*model->jit, model->signature, input, steps, rate, out);
}

} // namespace gradc::driver
