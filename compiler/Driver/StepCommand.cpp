//===- StepCommand.cpp - gradc step: training steps on one batch ----------===//
//
// Applies the compiled training step to the same batch a given number of
// times and writes the parameters with the optimizer state, so updates can
// be compared with another framework's optimizer, and a model shown to
// overfit one batch.
//
//===----------------------------------------------------------------------===//
#include "Commands.h"
#include "Inputs.h"
#include "Session.h"

#include "llvm/Support/Format.h"
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
  const rt::Signature &signature = model->signature;
  rt::Buffers buffers(signature);
  if (int status = loadInputs(buffers, signature, input, /*withState=*/true))
    return status;
  if (rt::Tensor *rate = buffers.find("lr"))
    rate->setScalar(
        lr.getNumOccurrences() ? lr : rt::defaultLearningRate(signature));
  std::vector<void *> pointers = buffers.pointers();
  const rt::Tensor &loss = *buffers.findResult(signature.loss);
  const char *lossFormat = loss.dtype == rt::DType::F64 ? "step %d loss %.17g\n"
                                                        : "step %d loss %.9g\n";
  for (int step = 1; step <= steps; ++step) {
    if (!model->caller()(pointers))
      return fail("the training step failed");
    // The loss before this step's update, with every digit.
    outs() << format(lossFormat, step, loss.scalar());
  }
  if (rt::Status status =
          rt::writeSafetensors(out, buffers.params(/*withState=*/true),
                               {{"gradc.model", signature.model}});
      !status)
    return fail(status.error());
  outs() << "wrote the parameters and optimizer state to " << out << "\n";
  return 0;
}

} // namespace gradc::driver
