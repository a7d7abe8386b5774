//===- BenchCommand.cpp - gradc bench: time the compiled training step ----===//
#include "Commands.h"
#include "Session.h"

#include "gradc/Runtime/Runtime.h"

#include "llvm/Support/Format.h"

#include <algorithm>
#include <chrono>

using namespace llvm;

namespace gradc::driver {

cl::SubCommand
    BenchCommand("bench",
                 "Time one training step (forward, backward, update) on a "
                 "random batch\n\n"
                 "  gradc bench models/mlp_big.grad --steps 50\n");

static cl::opt<std::string> input(cl::Positional,
                                  cl::desc("<model.grad|dump.mlir>"),
                                  cl::sub(BenchCommand), cl::cat(GradcOptions));
static cl::opt<unsigned> steps("steps", cl::desc("Timed steps (default 50)"),
                               cl::init(50), cl::sub(BenchCommand),
                               cl::cat(GradcOptions));
static cl::opt<unsigned> warmup("warmup",
                                cl::desc("Untimed steps first (default 10)"),
                                cl::init(10), cl::sub(BenchCommand),
                                cl::cat(GradcOptions));

int runBench() {
  using Clock = std::chrono::steady_clock;
  if (input.empty())
    return fail("usage: gradc bench MODEL [--steps N] [--threads N]");
  auto start = Clock::now();
  Session session;
  std::optional<Session::Trainable> trainable = session.loadTrainable(input);
  if (!trainable)
    return 1;
  double compileMs =
      std::chrono::duration<double, std::milli>(Clock::now() - start).count();
  rt::Buffers buffers(trainable->model.step);
  if (rt::Status status = buffers.initializeParams(1); !status)
    return fail(status.error());
  buffers.fillMissingInputsRandomly(2);
  if (rt::Tensor *lr = buffers.find("lr"))
    lr->setScalar(0.01);
  std::vector<void *> pointers = buffers.pointers();
  std::vector<double> times;
  for (unsigned i = 0; i < warmup + steps; ++i) {
    auto stepStart = Clock::now();
    if (!trainable->model.callStep(pointers))
      return fail("the training step failed");
    if (i >= warmup)
      times.push_back(
          std::chrono::duration<double, std::milli>(Clock::now() - stepStart)
              .count());
  }
  std::sort(times.begin(), times.end());
  outs() << format("compile_ms %.1f\nstep_ms_median %.4f\nstep_ms_min %.4f\n",
                   compileMs, times[times.size() / 2], times.front());
  return 0;
}

} // namespace gradc::driver
