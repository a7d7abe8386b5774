//===- TrainCommand.cpp - gradc train: JIT-compiled training --------------===//
#include "Commands.h"
#include "Session.h"

#include "gradc/Runtime/Commands.h"

#include "llvm/Support/raw_ostream.h"

#include <iostream>

using namespace llvm;

namespace gradc::driver {

cl::SubCommand
    TrainCommand("train",
                 "Train a model, JIT-compiled, on a dataset\n\n"
                 "  gradc train models/spiral.grad --data spiral --epochs 100\n"
                 "  gradc train models/mlp_fmnist.grad --data fashion-mnist "
                 "--epochs 5 --save ckpt.safetensors\n");

static cl::opt<std::string> input(cl::Positional,
                                  cl::desc("<model.grad|dump.mlir>"),
                                  cl::sub(TrainCommand), cl::cat(GradcOptions));
static cl::opt<std::string>
    data("data",
         cl::desc("spiral, fashion-mnist, a directory of MNIST-format IDX "
                  "files, or a .csv file (label last)"),
         cl::value_desc("dataset"), cl::sub(TrainCommand),
         cl::cat(GradcOptions));
static cl::opt<int> epochs("epochs", cl::desc("Epochs in all (default 1)"),
                           cl::init(1), cl::sub(TrainCommand),
                           cl::cat(GradcOptions));
static cl::opt<double> lr("lr",
                          cl::desc("Learning rate (default: the model's)"),
                          cl::sub(TrainCommand), cl::cat(GradcOptions));
static cl::opt<uint64_t> seed("seed",
                              cl::desc("Seed of initialization, shuffling and "
                                       "splits (default 0)"),
                              cl::init(0), cl::sub(TrainCommand),
                              cl::cat(GradcOptions));
static cl::opt<double> valSplit("val-split",
                                cl::desc("Fraction of the training set held "
                                         "out for validation (default 0)"),
                                cl::init(0), cl::sub(TrainCommand),
                                cl::cat(GradcOptions));
static cl::opt<std::string>
    normalize("normalize",
              cl::desc("Input scaling fitted on the training set: zscore "
                       "(default), minmax or none"),
              cl::init("zscore"), cl::sub(TrainCommand), cl::cat(GradcOptions));
static cl::opt<std::string>
    save("save", cl::desc("Write a checkpoint after every epoch"),
         cl::value_desc("file.safetensors"), cl::sub(TrainCommand),
         cl::cat(GradcOptions));
static cl::opt<std::string> resume("resume",
                                   cl::desc("Continue from a checkpoint"),
                                   cl::value_desc("file.safetensors"),
                                   cl::sub(TrainCommand),
                                   cl::cat(GradcOptions));
static cl::opt<std::string>
    metrics("metrics", cl::desc("One row per epoch, as .csv or .jsonl"),
            cl::value_desc("file"), cl::sub(TrainCommand),
            cl::cat(GradcOptions));
static cl::opt<bool> noProgress("no-progress",
                                cl::desc("No live progress line"),
                                cl::sub(TrainCommand), cl::cat(GradcOptions));

int runTrain() {
  if (input.empty() || data.empty())
    return fail("usage: gradc train MODEL --data DATASET [--epochs N] ...");
  Session session;
  std::optional<Session::Trainable> trainable = session.loadTrainable(input);
  if (!trainable)
    return 1;
  rt::TrainRequest request;
  request.data = data;
  request.epochs = epochs;
  if (lr.getNumOccurrences())
    request.lr = lr;
  if (seed.getNumOccurrences())
    request.seed = seed;
  request.valSplit = valSplit;
  request.normalize = normalize;
  request.save = save;
  request.resume = resume;
  request.metrics = metrics;
  request.progress = !noProgress;
  if (rt::Status status = rt::trainModel(trainable->model, request, std::cout);
      !status)
    return fail(status.error());
  return 0;
}

} // namespace gradc::driver
