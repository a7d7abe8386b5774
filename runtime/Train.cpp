//===- Train.cpp - the training loop --------------------------------------===//
#include "gradc/Runtime/Train.h"

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fmt/format.h>
#include <fstream>
#include <limits>
#include <numeric>
#include <unistd.h>

namespace gradc::rt {

namespace {

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

/// The output whose argmax is the predicted class: "logits" if there is
/// one, else the first [batch, classes] output.
std::string classScores(const Signature &forward, int64_t batch,
                        std::optional<int64_t> classes) {
  std::string chosen;
  for (const TensorSpec &spec : forward.results) {
    bool fits = spec.role == TensorRole::Output && spec.shape.size() == 2 &&
                spec.shape[0] == batch &&
                (!classes || spec.shape[1] == *classes);
    if (fits && (chosen.empty() || spec.name == "logits"))
      chosen = spec.name;
  }
  return chosen;
}

/// One row per epoch, as CSV or JSON lines.
class MetricsFile {
public:
  Status open(const std::string &path, bool append) {
    if (path.empty())
      return ok();
    json = path.size() > 6 && path.compare(path.size() - 6, 6, ".jsonl") == 0;
    bool fresh = !append || !std::ifstream(path).good();
    this->path = path;
    file.open(path, append ? std::ios::app : std::ios::trunc);
    if (!file)
      return failure();
    if (fresh && !json)
      file << "epoch,train_loss,val_loss,val_accuracy,seconds\n";
    return flush();
  }
  Status write(int epoch, double trainLoss,
               const std::optional<EvalResult> &val, double seconds) {
    if (!file.is_open())
      return ok();
    auto number = [&](std::optional<double> v) {
      return v ? fmt::format(FMT_STRING("{:.6g}"), *v)
               : std::string(json ? "null" : "");
    };
    std::optional<double> valLoss, valAccuracy;
    if (val) {
      valLoss = val->loss;
      valAccuracy = val->accuracy;
    }
    if (json)
      file << "{\"epoch\": " << epoch
           << ", \"train_loss\": " << number(trainLoss)
           << ", \"val_loss\": " << number(valLoss)
           << ", \"val_accuracy\": " << number(valAccuracy)
           << ", \"seconds\": " << number(seconds) << "}\n";
    else
      file << epoch << "," << number(trainLoss) << "," << number(valLoss) << ","
           << number(valAccuracy) << "," << number(seconds) << "\n";
    return flush();
  }

private:
  Status flush() {
    errno = 0;
    file.flush();
    return file ? ok() : failure();
  }
  Status failure() const {
    return Status::failure(
        path + ": cannot write metrics: " + std::strerror(errno ? errno : EIO));
  }

  std::string path;
  std::ofstream file;
  bool json = false;
};

/// The live "epoch 2/5  step 120/540 ..." line on a terminal.
class Progress {
public:
  explicit Progress(bool enabled) : enabled(enabled && ::isatty(2)) {}
  void update(int epoch, int epochs, int64_t step, int64_t steps, double loss,
              double samplesPerSecond, double remaining) {
    if (!enabled || secondsSince(last) < 0.1)
      return;
    last = Clock::now();
    fmt::print(stderr,
               FMT_STRING("\r\033[K  epoch {}/{}  step {}/{}  loss {:.4f}  "
                          "{:.0f} samples/s  ETA {:.0f}s"),
               epoch, epochs, step, steps, loss, samplesPerSecond, remaining);
  }
  void clear() {
    if (enabled)
      fmt::print(stderr, "\r\033[K");
  }

private:
  bool enabled;
  Clock::time_point last = Clock::now();
};

} // namespace

CompiledModel
forwardOnlyModel(Signature forward,
                 std::function<bool(std::vector<void *> &)> callForward) {
  CompiledModel model;
  // The forward function's arguments are the trainer's buffers.
  model.step = forward;
  model.forward = std::move(forward);
  model.callForward = std::move(callForward);
  model.callStep = [](std::vector<void *> &) { return false; };
  return model;
}

namespace {

/// Metadata saying whether a checkpoint holds input scaling ("fitted") or
/// was trained on unscaled inputs ("none").
constexpr char kScalingKey[] = "gradc.input_scaling";

/// A whole number in [0, most] from a checkpoint's metadata: decimal digits
/// only, so that "-5", "2.5" or "1e23" are refused rather than misread.
Expected<uint64_t> metadataNumber(const std::string &path,
                                  const std::string &key,
                                  const std::string &value, uint64_t most) {
  uint64_t number = 0;
  bool valid = !value.empty();
  for (char c : value) {
    valid = valid && c >= '0' && c <= '9' &&
            number <= (most - uint64_t(c - '0')) / 10;
    if (valid)
      number = number * 10 + uint64_t(c - '0');
  }
  if (!valid)
    return Expected<uint64_t>::failure(
        path + ": metadata " + key + " is '" + value +
        "', not a whole number from 0 to " + std::to_string(most) +
        "; the checkpoint is damaged or was not written by gradc train "
        "--save");
  return number;
}

} // namespace

Expected<Checkpoint> readCheckpoint(const std::string &path,
                                    const std::string &model) {
  Checkpoint checkpoint;
  checkpoint.path = path;
  auto tensors = readSafetensors(path, &checkpoint.metadata);
  if (!tensors)
    return Expected<Checkpoint>::failure(tensors.error());
  checkpoint.tensors = std::move(*tensors);
  if (auto recorded = checkpoint.metadata.find("gradc.model");
      recorded != checkpoint.metadata.end() && recorded->second != model)
    return Expected<Checkpoint>::failure(path + ": a checkpoint of model '" +
                                         recorded->second + "', not '" + model +
                                         "'");
  const Metadata &metadata = checkpoint.metadata;
  if (auto epoch = metadata.find("gradc.epoch"); epoch != metadata.end()) {
    auto number = metadataNumber(path, epoch->first, epoch->second,
                                 std::numeric_limits<int>::max());
    if (!number)
      return Expected<Checkpoint>::failure(number.error());
    checkpoint.epoch = static_cast<int>(*number);
  }
  if (auto seed = metadata.find("gradc.seed"); seed != metadata.end()) {
    auto number = metadataNumber(path, seed->first, seed->second,
                                 std::numeric_limits<uint64_t>::max());
    if (!number)
      return Expected<Checkpoint>::failure(number.error());
    checkpoint.recordedSeed = *number;
  }
  return checkpoint;
}

Trainer::Trainer(CompiledModel &model) : model(model), buffers(model.step) {}

Expected<std::unique_ptr<Trainer>> Trainer::create(CompiledModel &model,
                                                   const DataSplits &data) {
  using Result = Expected<std::unique_ptr<Trainer>>;
  const TensorSpec *input = onlyArgument(model.step, TensorRole::Input);
  const TensorSpec *label = onlyArgument(model.step, TensorRole::Label);
  if (!input || !label)
    return Result::failure("training needs a model with exactly one input "
                           "and one label");
  if (input->dtype != DType::F32 && input->dtype != DType::F64)
    return Result::failure("the input " + input->name + " must be f32 or f64");
  if (label->dtype != DType::I32 && label->dtype != DType::I64)
    return Result::failure("the label " + label->name +
                           " must hold class indices (i32 or i64)");
  int64_t batch = input->shape.empty() ? 0 : input->shape[0];
  int64_t perSample = 1;
  for (size_t i = 1; i < input->shape.size(); ++i)
    perSample *= input->shape[i];
  std::string inputType = typeString(input->dtype, input->shape);
  if (perSample != data.train.sampleSize())
    return Result::failure("the model's input " + input->name + " is " +
                           inputType + " (" + std::to_string(perSample) +
                           " values per sample) but " + data.description +
                           " has " + std::to_string(data.train.sampleSize()) +
                           " per sample");
  if (data.train.size() < batch)
    return Result::failure(
        "the training set has " + std::to_string(data.train.size()) +
        " samples, fewer than the batch size " + std::to_string(batch));
  for (const Dataset *set : {&data.train, &data.validation, &data.test})
    for (int64_t i = 0; i < set->size(); ++i) {
      int32_t value = set->labels.data<int32_t>()[i];
      if (value < 0 || (label->classes && value >= *label->classes))
        return Result::failure(
            "label " + std::to_string(value) + " of sample " +
            std::to_string(i) + " is out of range for the model's " +
            std::to_string(label->classes.value_or(0)) + " classes");
    }
  std::unique_ptr<Trainer> trainer(new Trainer(model));
  trainer->input = input->name;
  trainer->label = label->name;
  trainer->batch = batch;
  trainer->logits = classScores(model.forward, batch, label->classes);
  return trainer;
}

Status Trainer::initialize(uint64_t seed) {
  return buffers.initializeParams(seed);
}

Expected<Normalizer> Checkpoint::inputScaling(int64_t width) const {
  auto scaling = Normalizer::fromTensors(tensors, width, path);
  if (!scaling || !scaling->empty())
    return scaling;
  auto recorded = metadata.find(kScalingKey);
  if (recorded == metadata.end())
    fmt::print(stderr,
               FMT_STRING("warning: {} holds no input scaling (gradc train "
                          "--save writes one); inputs are used as given\n"),
               path);
  else if (recorded->second != "none")
    return Expected<Normalizer>::failure(
        path + ": its metadata " + kScalingKey + " is '" + recorded->second +
        "' but it lacks normalization.shift and normalization.scale; the "
        "checkpoint is damaged");
  return scaling;
}

Status Trainer::loadCheckpoint(Checkpoint &checkpoint, int *epoch) {
  // The input scaling first: loading the parameters moves tensors out.
  auto scaling = checkpoint.inputScaling(buffers.find(input)->numElements() /
                                         std::max<int64_t>(batch, 1));
  if (!scaling)
    return Status::failure(scaling.error());
  inputScaling = std::move(*scaling);
  bool withState = checkpoint.epoch.has_value();
  if (Status status =
          buffers.loadParams(checkpoint.tensors, checkpoint.path, withState);
      !status)
    return status;
  if (epoch)
    *epoch = checkpoint.epoch.value_or(0);
  return ok();
}

Status Trainer::saveCheckpoint(const std::string &path, int epoch,
                               uint64_t seed) {
  NamedTensors tensors = buffers.params(/*withState=*/true);
  for (auto &entry : inputScaling.asTensors())
    tensors.push_back(std::move(entry));
  return writeSafetensors(
      path, tensors,
      {{"gradc.model", model.step.model},
       {kScalingKey, inputScaling.empty() ? "none" : "fitted"},
       {"gradc.epoch", std::to_string(epoch)},
       {"gradc.seed", std::to_string(seed)}});
}

Expected<uint64_t> Checkpoint::seed() const {
  if (!recordedSeed)
    return Expected<uint64_t>::failure(
        path + ": not a checkpoint of gradc train --save (no seed recorded)");
  return *recordedSeed;
}

void Trainer::loadBatch(const Dataset &data, const std::vector<int64_t> &order,
                        int64_t first) {
  Tensor &features = *buffers.find(input);
  Tensor &labels = *buffers.find(label);
  int64_t width = data.sampleSize();
  for (int64_t row = 0; row < batch; ++row) {
    // Past the end (the last evaluation batch), wrap around to the start.
    int64_t sample = order[(first + row) % order.size()];
    const float *from = data.features.data<float>() + sample * width;
    if (features.dtype == DType::F32)
      std::copy(from, from + width, features.data<float>() + row * width);
    else
      std::copy(from, from + width, features.data<double>() + row * width);
    int32_t value = data.labels.data<int32_t>()[sample];
    if (labels.dtype == DType::I32)
      labels.data<int32_t>()[row] = value;
    else
      labels.data<int64_t>()[row] = value;
  }
}

Expected<EvalResult> Trainer::evaluate(const Dataset &data) {
  std::vector<Tensor> results;
  std::vector<void *> pointers = buffers.pointersFor(model.forward, results);
  Tensor *loss = findResult(model.forward, results, model.forward.loss);
  Tensor *scores =
      logits.empty() ? nullptr : findResult(model.forward, results, logits);
  if (pointers.empty() || !loss)
    return Expected<EvalResult>::failure(
        "the model's forward function does not match its training step");
  std::vector<int64_t> order(data.size());
  std::iota(order.begin(), order.end(), 0);
  EvalResult result;
  int64_t correct = 0;
  double weightedLoss = 0;
  for (int64_t first = 0; first < data.size(); first += batch) {
    loadBatch(data, order, first);
    if (!model.callForward(pointers))
      return Expected<EvalResult>::failure("evaluation failed");
    int64_t real = std::min(batch, data.size() - first);
    weightedLoss += loss->scalar() * double(real);
    if (scores) {
      int64_t classes = scores->shape[1];
      for (int64_t row = 0; row < real; ++row) {
        int64_t best = 0;
        for (int64_t c = 1; c < classes; ++c) {
          auto at = [&](int64_t k) {
            return scores->dtype == DType::F64
                       ? scores->data<double>()[row * classes + k]
                       : double(scores->data<float>()[row * classes + k]);
          };
          if (at(c) > at(best))
            best = c;
        }
        correct += best == data.labels.data<int32_t>()[first + row];
      }
    }
  }
  result.samples = data.size();
  result.loss = data.size() ? weightedLoss / double(data.size()) : 0;
  if (scores && data.size())
    result.accuracy = double(correct) / double(data.size());
  return result;
}

Status Trainer::train(DataSplits &data, TrainOptions options,
                      std::ostream &out) {
  int startEpoch = 0;
  if (options.resume) {
    if (Status status = loadCheckpoint(*options.resume, &startEpoch); !status)
      return status;
  } else {
    if (Status status = initialize(options.seed); !status)
      return status;
    inputScaling = Normalizer::fit(data.train, options.normalization);
  }
  inputScaling.apply(data);
  double lr = options.lr.value_or(defaultLearningRate(model.step));
  if (Tensor *rate = buffers.find("lr"))
    rate->setScalar(lr);
  MetricsFile metrics;
  if (Status status = metrics.open(options.metrics, startEpoch > 0); !status)
    return status;

  int64_t steps = data.train.size() / batch;
  out << "training " << model.step.model << " on " << data.description << ": "
      << data.train.size() << " samples (" << steps << " steps of " << batch
      << ")";
  if (data.validation.size())
    out << ", " << data.validation.size() << " for validation";
  out << fmt::format(FMT_STRING(", lr {:g}"), lr);
  if (startEpoch > 0)
    out << ", resuming after epoch " << startEpoch;
  out << "\n";
  Progress progress(options.progress);
  std::vector<void *> pointers = buffers.pointers();
  Tensor &loss = *buffers.findResult(model.step.loss);
  for (int epoch = startEpoch + 1; epoch <= options.epochs; ++epoch) {
    auto start = Clock::now();
    // The order depends on the seed and the epoch only, so a resumed run
    // sees the same batches as an uninterrupted one.
    std::vector<int64_t> order = shuffledOrder(
        data.train.size(), options.seed * 0x9e3779b97f4a7c15ULL + epoch);
    double total = 0;
    for (int64_t step = 0; step < steps; ++step) {
      loadBatch(data.train, order, step * batch);
      if (!model.callStep(pointers))
        return Status::failure("the training step failed");
      double value = loss.scalar();
      if (!std::isfinite(value)) {
        progress.clear();
        return Status::failure(fmt::format(
            FMT_STRING(
                "the loss became {} at epoch {}, step {} of {}; training "
                "diverged: try a lower learning rate (--lr, now {:g})"),
            std::isnan(value) ? "NaN" : "infinite", epoch, step + 1, steps,
            lr));
      }
      total += value;
      double elapsed = secondsSince(start);
      double rate = double((step + 1) * batch) / std::max(elapsed, 1e-9);
      progress.update(epoch, options.epochs, step + 1, steps,
                      total / double(step + 1), rate,
                      elapsed / double(step + 1) * double(steps - step - 1));
    }
    double seconds = secondsSince(start);
    progress.clear();
    double trainLoss = total / double(std::max<int64_t>(steps, 1));
    std::optional<EvalResult> validation;
    if (data.validation.size()) {
      auto result = evaluate(data.validation);
      if (!result)
        return Status::failure(result.error());
      validation = *result;
    }
    out << fmt::format(FMT_STRING("epoch {}/{}  train loss {:.4f}"), epoch,
                       options.epochs, trainLoss);
    if (validation) {
      out << fmt::format(FMT_STRING("  val loss {:.4f}"), validation->loss);
      if (validation->accuracy)
        out << fmt::format(FMT_STRING("  val accuracy {:.2f}%"),
                           100 * *validation->accuracy);
    }
    out << fmt::format(FMT_STRING("  {:.2f} s  {:.0f} samples/s\n"), seconds,
                       double(steps * batch) / seconds);
    if (Status status = metrics.write(epoch, trainLoss, validation, seconds);
        !status)
      return status;
    if (!options.save.empty())
      if (Status status = saveCheckpoint(options.save, epoch, options.seed);
          !status)
        return status;
  }
  for (auto [name, set] :
       {std::pair{"train", &data.train}, std::pair{"test", &data.test}}) {
    if (!set->size())
      continue;
    auto result = evaluate(*set);
    if (!result)
      return Status::failure(result.error());
    out << fmt::format(FMT_STRING("{} loss {:.4f}"), name, result->loss);
    if (result->accuracy)
      out << fmt::format(FMT_STRING("  {} accuracy {:.2f}%"), name,
                         100 * *result->accuracy);
    out << fmt::format(FMT_STRING(" ({} samples)\n"), result->samples);
  }
  return ok();
}

} // namespace gradc::rt
