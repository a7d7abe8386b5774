//===- CheckCommand.cpp - gradc check: gradients vs finite differences ----===//
//
// Compiles the user's model in f64, derives its gradients, and compares a
// sample of each parameter's gradient with central finite differences of
// the loss on a random batch.
//
//===----------------------------------------------------------------------===//
#include "Commands.h"
#include "Session.h"

#include "gradc/Runtime/Init.h"

#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"

#include <cmath>

using namespace llvm;

namespace gradc::driver {

cl::SubCommand CheckCommand(
    "check", "Check a model's derived gradients against finite differences, "
             "in f64\n\n"
             "  gradc check models/mlp.grad --seed 3\n");

static cl::opt<std::string> input(cl::Positional, cl::desc("<model.grad>"),
                                  cl::sub(CheckCommand), cl::cat(GradcOptions));
static cl::opt<uint64_t> seed("seed",
                              cl::desc("Seed of parameters and the batch"),
                              cl::init(0), cl::sub(CheckCommand),
                              cl::cat(GradcOptions));
static cl::opt<unsigned> samples("samples",
                                 cl::desc("Elements checked per parameter "
                                          "(default 20)"),
                                 cl::init(20), cl::sub(CheckCommand),
                                 cl::cat(GradcOptions));
static cl::opt<double>
    threshold("threshold",
              cl::desc("Largest relative error accepted (default 1e-4: "
                       "finite differences of a loss near 1 carry about "
                       "1e-10 of rounding, large next to small gradients)"),
              cl::init(1e-4), cl::sub(CheckCommand), cl::cat(GradcOptions));

int runCheck() {
  if (input.empty())
    return fail("usage: gradc check MODEL [--seed N]");
  if (samples < 1)
    return fail("--samples must be at least 1");
  Session session;
  std::optional<Session::CompiledEntry> model =
      session.loadGradients(input, ImportOptions{/*promoteToF64=*/true});
  if (!model)
    return 1;
  JitModel *jit = model->jit.get();
  const rt::Signature &signature = model->signature;
  rt::Buffers buffers(signature);
  if (rt::Status status = buffers.initializeParams(seed); !status)
    return fail(status.error());
  buffers.fillMissingInputsRandomly(seed + 1);
  std::vector<void *> pointers = buffers.pointers();
  double &loss = buffers.findResult(signature.loss)->data<double>()[0];
  auto lossNow = [&]() -> double {
    if (failed(jit->call(signature.name, pointers)))
      return NAN;
    return loss;
  };
  lossNow();
  outs() << "gradient check of " << signature.model << " in f64 (seed " << seed
         << ", up to " << samples << " elements per parameter)\n";
  rt::Rng rng(seed + 2);
  double worst = 0;
  for (const rt::TensorSpec &result : signature.results) {
    if (result.role != rt::TensorRole::Gradient)
      continue;
    // Copy: the finite-difference calls overwrite the gradient buffer.
    rt::Tensor analytic = *buffers.findResult(result.name);
    rt::Tensor &param = *buffers.find(result.name); // the argument
    int64_t count = param.numElements();
    int64_t checked = std::min<int64_t>(count, samples);
    double largest = 0;
    for (int64_t k = 0; k < checked; ++k) {
      int64_t index = checked == count ? k : int64_t(rng.next() % count);
      double &value = param.data<double>()[index];
      double original = value;
      double step = 1e-6 * std::max(1.0, std::abs(original));
      value = original + step;
      double above = lossNow();
      value = original - step;
      double below = lossNow();
      value = original;
      double numeric = (above - below) / (2 * step);
      double derived = analytic.data<double>()[index];
      double scale = std::max({std::abs(numeric), std::abs(derived), 1e-6});
      largest = std::max(largest, std::abs(numeric - derived) / scale);
    }
    worst = std::max(worst, largest);
    outs() << format("  %-12s %-18s max relative error %.2e  %s\n",
                     result.name.c_str(), param.typeString().c_str(), largest,
                     largest <= threshold ? "ok" : "MISMATCH");
  }
  if (worst > threshold)
    return fail(formatv("gradients differ from finite differences (largest "
                        "relative error {0:e} > {1:e})",
                        worst, double(threshold))
                    .str());
  outs() << "all gradients match finite differences\n";
  return 0;
}

} // namespace gradc::driver
