//===- Main.cpp - the gradc driver ----------------------------------------===//
#include "Commands.h"
#include "Inputs.h"

#include "gradc/Pipeline/BufferPlan.h"
#include "gradc/Runtime/Files.h"
#include "gradc/Runtime/Runtime.h"

#include "llvm/Support/InitLLVM.h"

using namespace llvm;

namespace gradc::driver {
cl::OptionCategory GradcOptions("gradc options");

/// Built on first use from main(), after every global SubCommand exists:
/// across files, static initialization order is unspecified.
static cl::opt<int> &threadsOption() {
  static cl::opt<int> threads(
      "threads",
      cl::desc("Threads for the compiled kernels (default: one per core)"),
      cl::init(0), cl::sub(TrainCommand), cl::sub(EvalCommand),
      cl::sub(PredictCommand), cl::sub(BenchCommand), cl::sub(RunCommand),
      cl::sub(GradCommand), cl::sub(StepCommand), cl::cat(GradcOptions));
  return threads;
}

static cl::opt<bool> &verifyOption() {
  static cl::opt<bool> verify(
      "verify",
      cl::desc("Prove every buffer plan safe after planning it (on in Debug "
               "builds and with GRADC_VERIFY=1)"),
      cl::init(false), cl::sub(cl::SubCommand::getAll()),
      cl::cat(GradcOptions));
  return verify;
}
/// The subcommand given, run: its exit status, or -1 if none was given.
static int runSubcommand() {
  if (DumpCommand)
    return runDump();
  if (RunCommand)
    return runRun();
  if (InitCommand)
    return runInit();
  if (TrainCommand)
    return runTrain();
  if (EvalCommand)
    return runEval();
  if (PredictCommand)
    return runPredict();
  if (BuildCommand)
    return runBuild();
  if (GradCommand)
    return runGrad();
  if (StepCommand)
    return runStep();
  if (CheckCommand)
    return runCheck();
  if (BenchCommand)
    return runBench();
  if (SummaryCommand)
    return runSummary();
  return -1;
}
} // namespace gradc::driver

int main(int argc, char **argv) {
  using namespace gradc::driver;
  InitLLVM init(argc, argv);
  // libLLVM and libMLIR register many options of their own; show ours.
  for (cl::SubCommand *command :
       {&DumpCommand, &RunCommand, &InitCommand, &TrainCommand, &EvalCommand,
        &PredictCommand, &BuildCommand, &GradCommand, &StepCommand,
        &CheckCommand, &BenchCommand, &SummaryCommand})
    cl::HideUnrelatedOptions(GradcOptions, *command);
  cl::HideUnrelatedOptions(GradcOptions);
  cl::opt<int> &threads = threadsOption();
  cl::opt<bool> &verify = verifyOption();
  registerInputOptions();
  cl::ParseCommandLineOptions(
      argc, argv,
      "gradc: compiles neural-network training graphs written in .grad "
      "files\n\nRun 'gradc SUBCOMMAND --help' for a subcommand's options.\n");
  if (threads < 0)
    return errs() << "gradc: --threads must be 0 (one per core) or more\n", 1;
  gradc_set_threads(threads);
  if (verify)
    gradc::setVerifyBufferPlans(true);
  int status = runSubcommand();
  if (status == -1) {
    errs() << "gradc: give a subcommand (train, eval, predict, build, run, "
              "grad, step, check, init, dump, bench); see gradc --help\n";
    return 1;
  }
  // A full disk or a closed pipe on standard output is a failure too.
  outs().flush();
  if (std::error_code error = outs().error()) {
    outs().clear_error();
    errs() << "gradc: error: cannot write standard output: " << error.message()
           << "\n";
    return 1;
  }
  if (gradc::rt::Status flushed = gradc::rt::flushStandardOutput(); !flushed) {
    errs() << "gradc: error: " << flushed.error() << "\n";
    return 1;
  }
  return status;
}
