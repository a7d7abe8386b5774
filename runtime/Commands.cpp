//===- Commands.cpp - train, eval and predict, for every front end --------===//
#include "gradc/Runtime/Commands.h"

#include "gradc/Runtime/Files.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <fmt/format.h>
#include <functional>
#include <numeric>

namespace gradc::rt {
namespace {

/// The output of `forward` holding its predictions: the first output other
/// than the loss.
Expected<std::string> predictionOutput(const Signature &forward) {
  for (const TensorSpec &spec : forward.results)
    if (spec.role == TensorRole::Output && spec.name != forward.loss)
      return spec.name;
  return Expected<std::string>::failure(
      "the model has no output other than its loss");
}

/// `samples` as f32 features [N, ...] checked against the model's input.
Expected<Dataset> samplesFor(const TensorSpec &input, Tensor samples,
                             const std::string &path) {
  using Result = Expected<Dataset>;
  std::vector<int64_t> perSample(input.shape.begin() + 1, input.shape.end());
  bool fits =
      samples.shape.size() == input.shape.size() &&
      std::equal(perSample.begin(), perSample.end(), samples.shape.begin() + 1);
  std::vector<int64_t> expected = {-1};
  expected.insert(expected.end(), perSample.begin(), perSample.end());
  if (!fits || (samples.dtype != DType::F32 && samples.dtype != DType::F64)) {
    std::string wanted = typeString(input.dtype, expected);
    wanted.replace(wanted.find("-1"), 2, "N");
    return Result::failure(path + " is " + samples.typeString() +
                           " but the model's input " + input.name + " is " +
                           typeString(input.dtype, input.shape) +
                           "; give samples as " + wanted);
  }
  Dataset data;
  int64_t count = samples.shape[0];
  data.features = Tensor(DType::F32, samples.shape);
  float *to = data.features.data<float>();
  for (int64_t i = 0; i < samples.numElements(); ++i) {
    double value = samples.dtype == DType::F32 ? samples.data<float>()[i]
                                               : samples.data<double>()[i];
    if (!std::isfinite(value) || std::abs(value) > FLT_MAX)
      return Result::failure(path + ": element " + std::to_string(i) + " is " +
                             fmt::format(FMT_STRING("{:g}"), value) +
                             "; samples must be finite f32 numbers");
    to[i] = static_cast<float>(value);
  }
  data.labels = Tensor(DType::I32, {count});
  return data;
}

void copyRows(const float *from, Tensor &to, int64_t rows, int64_t width) {
  if (to.dtype == DType::F32)
    std::copy(from, from + rows * width, to.data<float>());
  else
    std::copy(from, from + rows * width, to.data<double>());
}

} // namespace

Status trainModel(CompiledModel &model, const TrainRequest &request,
                  std::ostream &out) {
  if (request.epochs < 1)
    return Status::failure("--epochs must be at least 1");
  if (request.lr && !(*request.lr > 0 && std::isfinite(*request.lr)))
    return Status::failure("--lr must be a positive finite number, got " +
                           fmt::format(FMT_STRING("{:g}"), *request.lr));
  if (!(request.valSplit >= 0 && request.valSplit < 1))
    return Status::failure("--val-split must be at least 0 and below 1, got " +
                           fmt::format(FMT_STRING("{:g}"), request.valSplit));
  // Metrics are a log, which may go to a device (/dev/stdout); a checkpoint
  // replaces a file, so find out now, not after an epoch, if it cannot.
  if (!request.save.empty())
    if (Status status = checkWritable(request.save); !status)
      return status;
  auto normalization = parseNormalization(request.normalize);
  if (!normalization)
    return Status::failure(normalization.error());
  uint64_t seed = request.seed.value_or(0);
  std::optional<Checkpoint> resumed;
  if (!request.resume.empty()) {
    auto checkpoint = readCheckpoint(request.resume, model.step.model);
    if (!checkpoint)
      return Status::failure(checkpoint.error());
    resumed = std::move(*checkpoint);
    auto recorded = resumed->seed();
    if (!recorded)
      return Status::failure(recorded.error());
    if (request.seed && *recorded != *request.seed)
      return Status::failure(
          "--seed " + std::to_string(*request.seed) +
          " differs from the seed " + std::to_string(*recorded) + " of " +
          request.resume + "; a resumed run keeps its seed (drop --seed)");
    seed = *recorded; // the run continues as it began
  }
  auto splits = loadData(request.data, seed);
  if (!splits)
    return Status::failure(splits.error());
  if (Status status = splitValidation(*splits, request.valSplit, seed); !status)
    return status;
  auto trainer = Trainer::create(model, *splits);
  if (!trainer)
    return Status::failure(trainer.error());
  TrainOptions options;
  options.epochs = request.epochs;
  options.lr = request.lr;
  options.seed = seed;
  options.valSplit = request.valSplit;
  options.normalization = *normalization;
  options.save = request.save;
  options.resume = resumed ? &*resumed : nullptr;
  options.metrics = request.metrics;
  options.progress = request.progress;
  return (*trainer)->train(*splits, options, out);
}

Status evaluateModel(CompiledModel &model, const EvalRequest &request,
                     std::ostream &out) {
  if (model.forward.loss.empty())
    return Status::failure("the model names no loss to evaluate (its "
                           "'optimize LOSS with ...' line does)");
  auto splits = loadData(request.data, request.seed);
  if (!splits)
    return Status::failure(splits.error());
  auto trainer = Trainer::create(model, *splits);
  if (!trainer)
    return Status::failure(trainer.error());
  auto checkpoint = readCheckpoint(request.params, model.step.model);
  if (!checkpoint)
    return Status::failure(checkpoint.error());
  if (Status status = (*trainer)->loadCheckpoint(*checkpoint); !status)
    return status;
  (*trainer)->normalizer().apply(*splits);
  bool useTest = splits->test.size() > 0;
  auto result = (*trainer)->evaluate(useTest ? splits->test : splits->train);
  if (!result)
    return Status::failure(result.error());
  out << fmt::format(FMT_STRING("loss {:.4f}"), result->loss);
  if (result->accuracy)
    out << fmt::format(FMT_STRING("  accuracy {:.2f}%"),
                       100 * *result->accuracy);
  out << " (" << result->samples << " " << (useTest ? "test" : "training")
      << " samples)\n";
  return ok();
}

Status predictWithModel(const Signature &forward,
                        const std::function<bool(std::vector<void *> &)> &call,
                        const PredictRequest &request, std::ostream &out) {
  const TensorSpec *inputSpec = onlyArgument(forward, TensorRole::Input);
  if (!inputSpec)
    return Status::failure("predict needs a model with exactly one input");
  auto output = predictionOutput(forward);
  if (!output)
    return Status::failure(output.error());
  if (Status status = checkWritable(request.output); !status)
    return status;
  auto checkpoint = readCheckpoint(request.params, forward.model);
  if (!checkpoint)
    return Status::failure(checkpoint.error());
  auto scaling = checkpoint->inputScaling(
      std::accumulate(inputSpec->shape.begin() + 1, inputSpec->shape.end(),
                      int64_t{1}, std::multiplies<int64_t>()));
  if (!scaling)
    return Status::failure(scaling.error());
  Buffers buffers(forward);
  if (Status status = buffers.loadParams(checkpoint->tensors, request.params);
      !status)
    return status;
  auto samples = readNpy(request.input);
  if (!samples)
    return Status::failure(samples.error());
  auto data = samplesFor(*inputSpec, std::move(*samples), request.input);
  if (!data)
    return Status::failure(data.error());
  scaling->apply(*data);

  // Labels (which only the loss reads) stay zero; the last batch is padded.
  std::vector<void *> pointers = buffers.pointers();
  Tensor &input = *buffers.find(inputSpec->name);
  const Tensor &scores = *buffers.findResult(*output);
  int64_t batch = inputSpec->shape[0], count = data->size();
  int64_t width = data->sampleSize();
  int64_t outWidth = scores.numElements() / batch;
  std::vector<int64_t> shape = scores.shape;
  shape[0] = count;
  Tensor predictions(scores.dtype, shape);
  std::vector<float> padded(batch * width);
  for (int64_t first = 0; first < count; first += batch) {
    int64_t real = std::min(batch, count - first);
    const float *rows = data->features.data<float>() + first * width;
    std::copy(rows, rows + real * width, padded.begin());
    std::fill(padded.begin() + real * width, padded.end(), 0.0f);
    copyRows(padded.data(), input, batch, width);
    if (!call(pointers))
      return Status::failure("the forward pass failed");
    size_t element = sizeOf(scores.dtype);
    std::copy(scores.bytes.begin(),
              scores.bytes.begin() + real * outWidth * element,
              predictions.bytes.begin() + first * outWidth * element);
  }
  if (Status status = writeNpy(request.output, predictions); !status)
    return status;
  out << "wrote " << request.output << ": " << predictions.typeString() << " ("
      << *output << " of " << count << " samples)\n";
  return ok();
}

} // namespace gradc::rt
