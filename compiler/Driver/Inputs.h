//===- Inputs.h - parameters and inputs from the command line ----*- C++
//-*-===//
//
// --params, --input NAME=FILE.npy, --random-inputs and --seed, shared by the
// subcommands that call a model once (run, grad).
//
//===----------------------------------------------------------------------===//
#ifndef GRADC_COMPILER_DRIVER_INPUTS_H
#define GRADC_COMPILER_DRIVER_INPUTS_H

#include "gradc/Runtime/Buffers.h"

#include <string>

namespace gradc::driver {

/// Creates the shared options; main() calls it before parsing.
void registerInputOptions();

/// Fills `buffers` from the options; reports errors and returns the exit
/// code on failure, 0 on success. With `withState`, optimizer state comes
/// from the --params file when it has any (all of it), else from its
/// initializers.
int loadInputs(rt::Buffers &buffers, const rt::Signature &signature,
               const std::string &modelPath, bool withState = false);

} // namespace gradc::driver

#endif // GRADC_COMPILER_DRIVER_INPUTS_H
