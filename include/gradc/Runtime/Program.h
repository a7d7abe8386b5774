//===- Program.h - the command line of programs gradc builds ----*- C++ -*-===//
#ifndef GRADC_RUNTIME_PROGRAM_H
#define GRADC_RUNTIME_PROGRAM_H

#include "gradc/Runtime/Runtime.h"

namespace gradc::rt {

/// `PROG train|eval|predict|info|--help` for the compiled `model`, with the
/// options, output and messages of the matching gradc subcommands. Returns
/// the exit status.
int runProgram(int argc, char **argv, const gradc_compiled_model &model);

} // namespace gradc::rt

#endif // GRADC_RUNTIME_PROGRAM_H
