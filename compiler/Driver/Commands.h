//===- Commands.h - gradc's subcommands --------------------------*- C++
//-*-===//
//
// Each subcommand lives in its own file with its options; main() dispatches
// on whichever llvm::cl::SubCommand was given.
//
//===----------------------------------------------------------------------===//
#ifndef GRADC_COMPILER_DRIVER_COMMANDS_H
#define GRADC_COMPILER_DRIVER_COMMANDS_H

#include "llvm/Support/CommandLine.h"

namespace gradc::driver {

extern llvm::cl::OptionCategory GradcOptions;

extern llvm::cl::SubCommand DumpCommand;
int runDump();

extern llvm::cl::SubCommand RunCommand;
int runRun();

extern llvm::cl::SubCommand InitCommand;
int runInit();

extern llvm::cl::SubCommand TrainCommand;
int runTrain();

extern llvm::cl::SubCommand EvalCommand;
int runEval();

extern llvm::cl::SubCommand BuildCommand;
int runBuild();

extern llvm::cl::SubCommand PredictCommand;
int runPredict();

extern llvm::cl::SubCommand GradCommand;
int runGrad();

extern llvm::cl::SubCommand StepCommand;
int runStep();

extern llvm::cl::SubCommand CheckCommand;
int runCheck();

extern llvm::cl::SubCommand BenchCommand;
int runBench();

extern llvm::cl::SubCommand SummaryCommand;
int runSummary();

} // namespace gradc::driver

#endif // GRADC_COMPILER_DRIVER_COMMANDS_H
