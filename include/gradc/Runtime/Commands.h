//===- Commands.h - train, eval and predict, for every front end -*- C++
//-*-===//
//
// What `gradc train|eval|predict` and the same subcommands of programs built
// by `gradc build` do once their model is compiled: one implementation, so
// both print the same progress, write the same files and fail with the same
// messages.
//
//===----------------------------------------------------------------------===//
#ifndef GRADC_RUNTIME_COMMANDS_H
#define GRADC_RUNTIME_COMMANDS_H

#include "gradc/Runtime/Train.h"

#include <optional>
#include <ostream>
#include <string>

namespace gradc::rt {

struct TrainRequest {
  std::string data;
  int epochs = 1;
  std::optional<double> lr;
  std::optional<uint64_t> seed; // default 0, or the resumed checkpoint's
  double valSplit = 0;
  std::string normalize = "zscore";
  std::string save, resume, metrics;
  bool progress = true;
};
Status trainModel(CompiledModel &model, const TrainRequest &request,
                  std::ostream &out);

struct EvalRequest {
  std::string params, data;
  uint64_t seed = 0;
};
/// Prints "loss L  accuracy A% (N test samples)".
Status evaluateModel(CompiledModel &model, const EvalRequest &request,
                     std::ostream &out);

struct PredictRequest {
  std::string params, input, output;
};
/// Runs the forward entry point over every sample of the .npy `input`
/// (scaled as the checkpoint's training run scaled its data), batch by
/// batch, and writes the model's prediction output for all of them to
/// `output`.
Status predictWithModel(const Signature &forward,
                        const std::function<bool(std::vector<void *> &)> &call,
                        const PredictRequest &request, std::ostream &out);

} // namespace gradc::rt

#endif // GRADC_RUNTIME_COMMANDS_H
