//===- EntryCalls.cpp - the gradients and step entries on one batch -------===//
#include "EntryCalls.h"
#include "Inputs.h"
#include "Session.h"

#include "gradc/Runtime/Buffers.h"
#include "llvm/Support/Format.h"

using namespace llvm;

namespace gradc::driver {

int writeGradients(JitModel &jit, const rt::Signature &signature,
                   const std::string &modelPath, const std::string &out) {
  rt::Buffers buffers(signature);
  if (int status = loadInputs(buffers, signature, modelPath))
    return status;
  if (failed(jit.call(signature.name, buffers.pointers())))
    return 1;
  rt::NamedTensors gradients;
  for (const rt::TensorSpec &spec : signature.results)
    if (spec.role == rt::TensorRole::Gradient)
      gradients.emplace_back(spec.name, *buffers.findResult(spec.name));
  if (rt::Status status = rt::writeSafetensors(out, gradients); !status)
    return fail(status.error());
  const rt::Tensor &loss = *buffers.findResult(signature.loss);
  // Every digit, so the loss can be compared exactly with other frameworks.
  outs() << format(loss.dtype == rt::DType::F64 ? "loss %.17g\n"
                                                : "loss %.9g\n",
                   loss.scalar())
         << "wrote " << gradients.size() << " gradients to " << out << "\n";
  return 0;
}

int writeSteps(JitModel &jit, const rt::Signature &signature,
               const std::string &modelPath, int steps,
               std::optional<double> lr, const std::string &out) {
  rt::Buffers buffers(signature);
  if (int status =
          loadInputs(buffers, signature, modelPath, /*withState=*/true))
    return status;
  if (rt::Tensor *rate = buffers.find("lr"))
    rate->setScalar(lr ? *lr : rt::defaultLearningRate(signature));
  std::vector<void *> pointers = buffers.pointers();
  const rt::Tensor &loss = *buffers.findResult(signature.loss);
  const char *lossFormat = loss.dtype == rt::DType::F64 ? "step %d loss %.17g\n"
                                                        : "step %d loss %.9g\n";
  for (int step = 1; step <= steps; ++step) {
    if (failed(jit.call(signature.name, pointers)))
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
