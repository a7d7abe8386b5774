//===- Train.h - the training loop ---------------------------------*- C++
//-*-===//
//
// Drives a compiled model's entry points over a dataset: shuffled batches,
// the training step, validation and test evaluation, checkpoints, metrics.
// The same loop runs JIT-compiled models (gradc train) and models linked
// into executables (gradc build).
//
//===----------------------------------------------------------------------===//
#ifndef GRADC_RUNTIME_TRAIN_H
#define GRADC_RUNTIME_TRAIN_H

#include "gradc/Runtime/Buffers.h"
#include "gradc/Runtime/Data.h"
#include "gradc/Runtime/Signature.h"

#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <string>

namespace gradc::rt {

/// A model's entry points, however they were compiled. Each call takes the
/// entry's operands (Buffers::pointers order) and reports failure.
struct CompiledModel {
  Signature forward;
  Signature step;
  std::function<bool(std::vector<void *> &)> callForward;
  std::function<bool(std::vector<void *> &)> callStep;
};

/// A model of which only the forward entry point was compiled (a model
/// without an optimizer, or a forward-only build): enough to evaluate;
/// its training step fails.
CompiledModel
forwardOnlyModel(Signature forward,
                 std::function<bool(std::vector<void *> &)> callForward);

/// A checkpoint file, read once: its tensors (parameters, optimizer state,
/// input scaling) and its metadata.
struct Checkpoint {
  std::string path;
  NamedTensors tensors;
  Metadata metadata;
  /// The epochs trained when `gradc train --save` wrote it (gradc.epoch);
  /// only such checkpoints hold optimizer state to resume.
  std::optional<int> epoch;
  /// The seed of the run that wrote it (gradc.seed): a resumed run must
  /// generate, split and shuffle its data with it.
  std::optional<uint64_t> recordedSeed;
  /// recordedSeed, or an error saying the checkpoint has none.
  Expected<uint64_t> seed() const;
  /// The input scaling its training run fitted, for inputs of `width`
  /// values; fails if the checkpoint says it has one but does not hold it.
  Expected<Normalizer> inputScaling(int64_t width) const;
};
/// Reads the checkpoint `path`; fails if it was written for another model
/// than `model`, or if its metadata is malformed.
Expected<Checkpoint> readCheckpoint(const std::string &path,
                                    const std::string &model);

struct TrainOptions {
  int epochs = 1;
  std::optional<double> lr; // default: the model's optimizer's
  uint64_t seed = 0;
  double valSplit = 0;
  Normalization normalization = Normalization::ZScore;
  std::string save;             // checkpoint after every epoch
  Checkpoint *resume = nullptr; // continue from this checkpoint
  std::string metrics;          // one row per epoch: .csv, or .jsonl
  bool progress = true; // a live progress line when stderr is a terminal
};

struct EvalResult {
  double loss = 0;
  std::optional<double> accuracy; // for classifiers
  int64_t samples = 0;
};

class Trainer {
public:
  /// Checks that `model` can learn from `data`: one input whose per-sample
  /// shape matches the data's, and one label.
  static Expected<std::unique_ptr<Trainer>> create(CompiledModel &model,
                                                   const DataSplits &data);

  /// Parameters from their initializers, or from a checkpoint (with
  /// optimizer state when it has it, its tensors moved out). A checkpoint
  /// also gives the epoch it was written after.
  Status initialize(uint64_t seed);
  Status loadCheckpoint(Checkpoint &checkpoint, int *epoch = nullptr);
  Status saveCheckpoint(const std::string &path, int epoch, uint64_t seed);

  /// Trains `options.epochs` epochs in all (fewer when resuming, with the
  /// checkpoint's seed in `options.seed`), printing one line per epoch to
  /// `out`. Normalizes `data` in place (with the
  /// checkpoint's statistics when resuming).
  Status train(DataSplits &data, TrainOptions options, std::ostream &out);

  /// Mean loss and accuracy over `data`, which must be normalized already.
  /// The last partial batch is padded with samples from the start; only
  /// real samples count for accuracy.
  Expected<EvalResult> evaluate(const Dataset &data);

  /// The input scaling of the loaded checkpoint or of the last training.
  const Normalizer &normalizer() const { return inputScaling; }

private:
  explicit Trainer(CompiledModel &model);
  void loadBatch(const Dataset &data, const std::vector<int64_t> &order,
                 int64_t first);

  CompiledModel &model;
  Buffers buffers; // the step's arguments: the model's parameters
  Normalizer inputScaling;
  std::string input, label, logits;
  int64_t batch = 0;
};

} // namespace gradc::rt

#endif // GRADC_RUNTIME_TRAIN_H
