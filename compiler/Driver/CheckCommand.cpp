//===- CheckCommand.cpp - gradc check: every computed number, cross-checked ===//
//
// Compiles the user's model in f64 and checks, on one random batch:
//   - the forward entry point against the gradients entry point (the loss
//     and every output),
//   - every gradient element (or a sample of the largest parameters)
//     against central finite differences of the forward entry's loss,
//   - the model as written in f32 against the f64 build.
// Gradients are all computed before any finite difference perturbs the
// parameters, so each is compared with its own, fresh value.
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
    "check", "Check a model's gradients against finite differences, its "
             "forward pass against its gradients pass, and its f32 build "
             "against f64\n\n"
             "  gradc check models/mlp.grad --seed 3\n");

static cl::opt<std::string> input(cl::Positional, cl::desc("<model.grad>"),
                                  cl::sub(CheckCommand), cl::cat(GradcOptions));
static cl::opt<uint64_t> seed("seed",
                              cl::desc("Seed of parameters and the batch"),
                              cl::init(0), cl::sub(CheckCommand),
                              cl::cat(GradcOptions));
static cl::opt<unsigned>
    samples("samples",
            cl::desc("Elements checked in parameters of more than 4096 "
                     "elements (default 512; smaller ones are checked "
                     "whole)"),
            cl::init(512), cl::sub(CheckCommand), cl::cat(GradcOptions));
static cl::opt<double> threshold(
    "threshold",
    cl::desc("Relative tolerance of a gradient element (default 1e-5); an "
             "absolute 1e-9 * max(1, |loss|) is added for finite "
             "differences' rounding"),
    cl::init(1e-5), cl::sub(CheckCommand), cl::cat(GradcOptions));
static cl::opt<double> f32Tolerance(
    "f32-tolerance",
    cl::desc("Largest difference of an f32 result from f64, relative to "
             "the largest magnitude of that tensor (default 1e-3)"),
    cl::init(1e-3), cl::sub(CheckCommand), cl::cat(GradcOptions));

namespace {

constexpr int64_t kCheckedWhole = 4096;

double valueAt(const rt::Tensor &tensor, int64_t index) {
  return tensor.dtype == rt::DType::F64 ? tensor.data<double>()[index]
                                        : tensor.data<float>()[index];
}

double largestMagnitude(const rt::Tensor &tensor) {
  double largest = 0;
  for (int64_t i = 0; i < tensor.numElements(); ++i)
    largest = std::max(largest, std::abs(valueAt(tensor, i)));
  return largest;
}

/// The element where `got` differs most from `want`, relative to the
/// largest magnitude of `want`, as (index, relative difference).
std::pair<int64_t, double> largestDifference(const rt::Tensor &got,
                                             const rt::Tensor &want) {
  double scale = std::max(largestMagnitude(want), 1e-300);
  std::pair<int64_t, double> worst = {0, 0.0};
  for (int64_t i = 0; i < want.numElements(); ++i) {
    double difference = std::abs(valueAt(got, i) - valueAt(want, i)) / scale;
    if (!(difference <= worst.second)) // NaN counts as the worst
      worst = {i, std::isnan(difference) ? INFINITY : difference};
  }
  return worst;
}

/// The f64 gradients and forward entry points of the model on one batch.
class Checker {
public:
  Checker(Session::CompiledEntries compiled)
      : entries(std::move(compiled)), gradients(entries.signatures[0]),
        forward(entries.signatures[1]), buffers(gradients) {}

  bool prepare() {
    if (rt::Status status = buffers.initializeParams(seed); !status)
      return fail(status.error()), false;
    buffers.fillMissingInputsRandomly(seed + 1);
    forwardOperands = buffers.pointersFor(forward, forwardResults);
    gradientOperands = buffers.pointers();
    return run(gradients, gradientOperands);
  }

  /// The loss and outputs of both entry points on the same batch.
  bool forwardMatches() {
    if (!run(forward, forwardOperands))
      return false;
    bool same = true;
    outs() << "forward entry against the gradients entry:\n";
    for (const rt::TensorSpec &result : forward.results) {
      const rt::Tensor &mine =
          *rt::findResult(forward, forwardResults, result.name);
      const rt::Tensor &theirs = *buffers.findResult(result.name);
      auto [index, difference] = largestDifference(mine, theirs);
      bool ok = difference <= 1e-10;
      same &= ok;
      outs() << format("  %-12s %-18s largest difference %.2e  %s\n",
                       result.name.c_str(), mine.typeString().c_str(),
                       difference, ok ? "ok" : "MISMATCH");
      if (!ok)
        outs() << format("    element %lld: forward %.17g, gradients entry "
                         "%.17g\n",
                         (long long)index, valueAt(mine, index),
                         valueAt(theirs, index));
    }
    return same;
  }

  /// Every gradient (or a sample) against central finite differences.
  bool gradientsMatch() {
    rt::NamedTensors analytic = computedGradients();
    double loss = forwardLoss();
    double absolute = 1e-9 * std::max(1.0, std::abs(loss));
    outs() << formatv("gradients against central finite differences "
                      "(|error| <= {0:e} * |gradient| + {1:e}):\n",
                      double(threshold), absolute);
    rt::Rng rng(seed + 2);
    bool all = true;
    for (auto &[name, gradient] : analytic) {
      rt::Tensor &param = *buffers.find(name); // the argument
      int64_t count = param.numElements();
      bool whole = count <= kCheckedWhole;
      int64_t checked = whole ? count : std::min<int64_t>(count, samples);
      double worstRatio = 0;
      int64_t worstIndex = 0;
      double worstNumeric = 0;
      for (int64_t k = 0; k < checked; ++k) {
        int64_t index = whole ? k : int64_t(rng.next() % count);
        double numeric = finiteDifference(param.data<double>()[index]);
        double derived = gradient.data<double>()[index];
        double allowed =
            threshold * std::max(std::abs(numeric), std::abs(derived)) +
            absolute;
        double ratio = std::abs(numeric - derived) / allowed;
        if (!(ratio <= worstRatio)) {
          worstRatio = std::isnan(ratio) ? INFINITY : ratio;
          worstIndex = index;
          worstNumeric = numeric;
        }
      }
      bool ok = worstRatio <= 1;
      all &= ok;
      outs() << format("  %-12s %-18s %lld of %lld elements  error %.2f of "
                       "allowed  %s\n",
                       name.c_str(), param.typeString().c_str(),
                       (long long)checked, (long long)count, worstRatio,
                       ok ? "ok" : "MISMATCH");
      if (!ok)
        outs() << format("    element %lld: derived %.17g, finite "
                         "differences %.17g\n",
                         (long long)worstIndex,
                         gradient.data<double>()[worstIndex], worstNumeric);
    }
    return all;
  }

  /// The model as written (f32) on the same parameters and batch.
  bool f32BuildMatches(Session::CompiledEntry f32) {
    rt::Buffers narrow(f32.signature);
    rt::NamedTensors params = buffers.params();
    if (rt::Status status = narrow.loadParams(params, "the f64 parameters");
        !status)
      return fail(status.error()), false;
    for (const rt::TensorSpec &argument : gradients.arguments)
      if (argument.role == rt::TensorRole::Input ||
          argument.role == rt::TensorRole::Label)
        if (rt::Status status = narrow.setInput(
                argument.name, *buffers.find(argument.name), "the f64 batch");
            !status)
          return fail(status.error()), false;
    std::vector<void *> operands = narrow.pointers();
    if (!f32.caller()(operands))
      return fail("the f32 build failed to run"), false;
    outs() << formatv("f32 build against f64 (largest difference relative to "
                      "the tensor's largest magnitude <= {0:e}):\n",
                      double(f32Tolerance));
    bool all = true;
    for (const rt::TensorSpec &result : gradients.results) {
      const rt::Tensor &mine = *narrow.findResult(result.name);
      const rt::Tensor &exact = *buffers.findResult(result.name);
      auto [index, difference] = largestDifference(mine, exact);
      bool ok = difference <= f32Tolerance;
      all &= ok;
      outs() << format("  %-12s %-18s largest difference %.2e  %s\n",
                       result.name.c_str(), mine.typeString().c_str(),
                       difference, ok ? "ok" : "MISMATCH");
      if (!ok)
        outs() << format("    element %lld: f32 %.9g, f64 %.17g\n",
                         (long long)index, valueAt(mine, index),
                         valueAt(exact, index));
    }
    return all;
  }

private:
  bool run(const rt::Signature &entry, std::vector<void *> &operands) {
    if (succeeded(entries.jit->call(entry.name, operands)))
      return true;
    fail("calling " + entry.name + " failed");
    return false;
  }

  rt::NamedTensors computedGradients() {
    rt::NamedTensors copies;
    for (const rt::TensorSpec &result : gradients.results)
      if (result.role == rt::TensorRole::Gradient)
        copies.emplace_back(result.name, *buffers.findResult(result.name));
    return copies;
  }

  double forwardLoss() {
    if (!run(forward, forwardOperands))
      return NAN;
    return rt::findResult(forward, forwardResults, forward.loss)
        ->data<double>()[0];
  }

  /// d loss / d value, by central differences, with `value` restored.
  double finiteDifference(double &value) {
    double original = value;
    double step = 1e-5 * std::max(1.0, std::abs(original));
    value = original + step;
    double above = forwardLoss();
    value = original - step;
    double below = forwardLoss();
    value = original;
    return (above - below) / (2 * step);
  }

  Session::CompiledEntries entries;
  const rt::Signature &gradients, &forward;
  rt::Buffers buffers;
  std::vector<rt::Tensor> forwardResults;
  std::vector<void *> forwardOperands, gradientOperands;
};

/// Whether every float tensor of the model is f64 as written.
bool writtenInF64(const rt::Signature &signature) {
  return llvm::all_of(signature.arguments, [](const rt::TensorSpec &spec) {
    return spec.dtype != rt::DType::F32;
  });
}

} // namespace

int runCheck() {
  if (input.empty())
    return fail("usage: gradc check MODEL [--seed N]");
  if (samples < 1)
    return fail("--samples must be at least 1");
  Session session;
  std::optional<Session::CompiledEntries> f64 = session.loadEntries(
      input, {rt::Entry::Gradients, rt::Entry::Forward},
      ImportOptions{/*promoteToF64=*/true});
  if (!f64)
    return 1;
  Checker checker(std::move(*f64));
  outs() << "check of " << input << " in f64 (seed " << seed << ")\n";
  if (!checker.prepare())
    return 1;
  bool forwardOk = checker.forwardMatches();
  bool gradientsOk = checker.gradientsMatch();
  bool f32Ok = true;
  std::optional<Session::CompiledEntry> asWritten =
      session.loadGradients(input);
  if (!asWritten)
    return 1;
  if (writtenInF64(asWritten->signature))
    outs() << "the model is written in f64: no f32 build to compare\n";
  else
    f32Ok = checker.f32BuildMatches(std::move(*asWritten));
  if (!forwardOk || !gradientsOk || !f32Ok)
    return fail(Twine("check failed: ") +
                (!forwardOk ? "the forward entry disagrees with the "
                              "gradients entry; "
                            : "") +
                (!gradientsOk ? "gradients differ from finite differences; "
                              : "") +
                (!f32Ok ? "the f32 build differs from f64" : ""));
  outs() << "all checks passed\n";
  return 0;
}

} // namespace gradc::driver
