//===- EntryCalls.h - gradients and step entries on a batch -*- C++ -*-===//
//
// What `gradc grad` and `gradc step` do with their compiled entry, shared with
// `gradc run --gradients/--step`, which compiles all three entries into one
// module as `gradc train` does (and pays for one compiler start-up).
//
//===----------------------------------------------------------------------===//
#ifndef GRADC_COMPILER_DRIVER_ENTRYCALLS_H
#define GRADC_COMPILER_DRIVER_ENTRYCALLS_H

#include "gradc/Model/Signature.h"
#include "gradc/Target/JIT.h"

#include <optional>
#include <string>

namespace gradc::driver {

/// Calls the gradients entry `signature` of `jit` on the command line's
/// inputs for `modelPath`, writes every gradient to `out` and prints the loss
/// with every digit. Returns the exit code (errors reported).
int writeGradients(JitModel &jit, const rt::Signature &signature,
                   const std::string &modelPath, const std::string &out);

/// Applies the step entry `signature` of `jit` `steps` times to the command
/// line's batch, at learning rate `lr` (default: the model's), printing each
/// step's loss, and writes the parameters with the optimizer state to `out`.
/// Returns the exit code (errors reported).
int writeSteps(JitModel &jit, const rt::Signature &signature,
               const std::string &modelPath, int steps,
               std::optional<double> lr, const std::string &out);

} // namespace gradc::driver

#endif // GRADC_COMPILER_DRIVER_ENTRYCALLS_H
