//===- Main.cpp - the gradc driver ----------------------------------------===//
#include "Commands.h"

#include "llvm/Support/InitLLVM.h"

using namespace llvm;

namespace gradc::driver {
cl::OptionCategory GradcOptions("gradc options");
} // namespace gradc::driver

int main(int argc, char **argv) {
  using namespace gradc::driver;
  InitLLVM init(argc, argv);
  // libLLVM and libMLIR register many options of their own; show ours.
  for (cl::SubCommand *command :
       {&DumpCommand, &RunCommand, &InitCommand, &TrainCommand, &EvalCommand,
        &GradCommand, &CheckCommand})
    cl::HideUnrelatedOptions(GradcOptions, *command);
  cl::HideUnrelatedOptions(GradcOptions);
  cl::ParseCommandLineOptions(
      argc, argv,
      "gradc: compiles neural-network training graphs written in .grad "
      "files\n\nRun 'gradc SUBCOMMAND --help' for a subcommand's options.\n");
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
  if (GradCommand)
    return runGrad();
  if (CheckCommand)
    return runCheck();
  errs() << "gradc: give a subcommand (train, eval, run, grad, check, init, "
            "dump); see "
            "gradc --help\n";
  return 1;
}
