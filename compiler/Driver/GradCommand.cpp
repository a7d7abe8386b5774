//===- GradCommand.cpp - gradc grad: the loss and every gradient ----------===//
#include "Commands.h"
#include "Inputs.h"
#include "Session.h"

#include "llvm/Support/Format.h"

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
  JitModel *jit = model->jit.get();
  const rt::Signature &signature = model->signature;
  rt::Buffers buffers(signature);
  if (int status = loadInputs(buffers, signature, input))
    return status;
  if (failed(jit->call(signature.name, buffers.pointers())))
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

} // namespace gradc::driver
