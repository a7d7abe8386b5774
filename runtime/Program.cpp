//===- Program.cpp - the command line of programs gradc builds ------------===//
//
// A built program cannot use LLVM's option parser, so it parses its few
// options here; what each subcommand does is shared with gradc itself
// (Commands.h), so the two print and fail alike.
//
//===----------------------------------------------------------------------===//
#include "gradc/Runtime/Program.h"

#include "gradc/Runtime/Commands.h"
#include "gradc/Runtime/Files.h"
#include "gradc/Runtime/Manifest.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fmt/format.h>
#include <functional>
#include <iostream>
#include <limits>

namespace gradc::rt {
namespace {

/// Sets an option from its text; returns an error message or "".
using Setter = std::function<std::string(const std::string &)>;

struct Option {
  std::string name;  // without "--"
  std::string value; // placeholder shown in help; empty for a flag
  std::string help;
  Setter set;
};

struct Command {
  std::string name, summary, usage;
  std::vector<Option> options;
  std::vector<const std::string *> required; // options that must be given
  bool needsStep;                            // not in --inference builds
  std::function<Status()> run;
};

/// `run`, refused before it allocates anything when one call of `entry`
/// needs more memory than this machine has.
std::function<Status()> fitting(const Signature &entry,
                                std::function<Status()> run) {
  return [&entry, run] {
    if (Status fits = checkFitsInMemory(entry); !fits)
      return fits;
    return run();
  };
}

Setter text(std::string &target) {
  return [&target](const std::string &value) {
    target = value;
    return std::string();
  };
}

/// `text` as a T: the whole text, in T's range, and finite.
template <typename T> std::optional<T> parseNumber(const std::string &text) {
  if (text.empty() || std::isspace(static_cast<unsigned char>(text[0])))
    return std::nullopt;
  char *end = nullptr;
  errno = 0;
  if constexpr (std::is_floating_point_v<T>) {
    double value = std::strtod(text.c_str(), &end);
    if (*end || errno || !std::isfinite(value))
      return std::nullopt;
    return static_cast<T>(value);
  } else if constexpr (std::is_unsigned_v<T>) {
    if (text[0] == '-')
      return std::nullopt; // strtoull would wrap it around
    unsigned long long value = std::strtoull(text.c_str(), &end, 10);
    if (*end || errno || value > std::numeric_limits<T>::max())
      return std::nullopt;
    return static_cast<T>(value);
  } else {
    long long value = std::strtoll(text.c_str(), &end, 10);
    if (*end || errno || value < std::numeric_limits<T>::min() ||
        value > std::numeric_limits<T>::max())
      return std::nullopt;
    return static_cast<T>(value);
  }
}

template <typename T>
Setter number(T &target, const std::string &name, const char *kind) {
  return [&target, name, kind](const std::string &value) {
    std::optional<T> parsed = parseNumber<T>(value);
    if (!parsed && std::is_integral_v<T>)
      return "--" + name + ": '" + value + "' is not " + kind + " from " +
             std::to_string(std::numeric_limits<T>::min()) + " to " +
             std::to_string(std::numeric_limits<T>::max());
    if (!parsed)
      return "--" + name + ": '" + value + "' is not " + kind;
    target = *parsed;
    return std::string();
  };
}

template <typename T>
Setter optionalNumber(std::optional<T> &target, const std::string &name,
                      const char *kind) {
  return [&target, name, kind](const std::string &value) {
    T parsed{};
    std::string error = number(parsed, name, kind)(value);
    if (error.empty())
      target = parsed;
    return error;
  };
}

class Program {
public:
  Program(const char *argv0, const gradc_compiled_model &compiled)
      : compiled(compiled) {
    const char *slash = std::strrchr(argv0, '/');
    name = slash ? slash + 1 : argv0;
  }

  int run(int argc, char **argv);

private:
  int fail(const std::string &message) {
    std::cerr << name << ": error: " << message << "\n";
    return 1;
  }
  Status load();
  std::vector<Command> commands();
  void printHelp();
  void printCommandHelp(const Command &command);
  int parse(const Command &command, int argc, char **argv, bool &help);
  Status info();

  std::string name;
  const gradc_compiled_model &compiled;
  CompiledModel model;
  bool hasStep = false;
  TrainRequest train;
  EvalRequest eval;
  PredictRequest predict;
  int threads = 0;
};

Status Program::load() {
  auto signatures = manifestFromJson(compiled.manifest);
  if (!signatures)
    return Status::failure(signatures.error());
  for (Signature &signature : *signatures) {
    bool isStep = signature.name == entrySymbol(signature.model, Entry::Step);
    (isStep ? model.step : model.forward) = std::move(signature);
  }
  gradc_entry forward = compiled.forward, step = compiled.step;
  auto callForward = [forward](std::vector<void *> &operands) {
    forward(operands.data());
    return true;
  };
  hasStep = step != nullptr;
  if (!hasStep) {
    model = forwardOnlyModel(std::move(model.forward), callForward);
    return ok();
  }
  model.callForward = callForward;
  model.callStep = [step](std::vector<void *> &operands) {
    step(operands.data());
    return true;
  };
  return ok();
}

std::string describeOptimizer(const OptimizerSpec &optimizer) {
  std::string text = optimizer.kind + "(";
  for (size_t i = 0; i < optimizer.arguments.size(); ++i)
    text += (i ? ", " : "") + optimizer.arguments[i].first + " = " +
            fmt::format(FMT_STRING("{:g}"), optimizer.arguments[i].second);
  return text + ")";
}

Status Program::info() {
  const Signature &forward = model.forward;
  std::cout << "model " << forward.model << ", compiled by gradc for "
            << compiled.target << "\n";
  int64_t values = 0, paramBytes = 0, stateBytes = 0, tensors = 0;
  const Signature &largest = hasStep ? model.step : forward;
  for (const TensorSpec &spec : largest.arguments) {
    size_t bytes = byteSize(spec.dtype, spec.shape);
    if (spec.role == TensorRole::Input || spec.role == TensorRole::Label) {
      std::cout << (spec.role == TensorRole::Input ? "input  " : "label  ")
                << spec.name << " : " << typeString(spec.dtype, spec.shape);
      if (spec.classes)
        std::cout << " (" << *spec.classes << " classes)";
      std::cout << "\n";
    } else if (spec.role == TensorRole::Param) {
      ++tensors;
      values += static_cast<int64_t>(bytes / sizeOf(spec.dtype));
      paramBytes += static_cast<int64_t>(bytes);
    } else if (spec.role == TensorRole::State) {
      stateBytes += static_cast<int64_t>(bytes);
    }
  }
  std::cout << "parameters: " << values << " in " << tensors << " tensors ("
            << paramBytes << " bytes)\n";
  if (hasStep && model.step.optimizer)
    std::cout << "optimizer: " << describeOptimizer(*model.step.optimizer)
              << ", state " << stateBytes << " bytes\n";
  std::cout << "arena: forward " << forward.arenaBytes << " bytes";
  if (hasStep)
    std::cout << ", training step " << model.step.arenaBytes << " bytes";
  std::cout << "\ncommands: "
            << (hasStep ? "train, eval, predict"
                        : "eval, predict (an --inference build)")
            << "\n";
  return ok();
}

std::vector<Command> Program::commands() {
  Option threadsOption{
      "threads", "N",
      "Threads for the compiled kernels (default: one per core)",
      number(threads, "threads", "a whole number")};
  Command trainCommand{
      "train",
      "Train the model on a dataset",
      "train --data DATASET [--epochs N] [--lr X] [--seed N] [--save F] ...",
      {{"data", "dataset",
        "spiral, fashion-mnist, a directory of MNIST-format IDX files, or a "
        ".csv file (label last)",
        text(train.data)},
       {"epochs", "N", "Epochs in all (default 1)",
        number(train.epochs, "epochs", "a whole number")},
       {"lr", "X", "Learning rate (default: the model's)",
        optionalNumber(train.lr, "lr", "a finite number")},
       {"seed", "N", "Seed of initialization, shuffling and splits (default 0)",
        optionalNumber(train.seed, "seed", "a whole number")},
       {"val-split", "F",
        "Fraction of the training set held out for validation (default 0)",
        number(train.valSplit, "val-split", "a finite number")},
       {"normalize", "zscore|minmax|none",
        "Input scaling fitted on the training set (default zscore)",
        text(train.normalize)},
       {"save", "file.safetensors", "Write a checkpoint after every epoch",
        text(train.save)},
       {"resume", "file.safetensors", "Continue from a checkpoint",
        text(train.resume)},
       {"metrics", "file", "One row per epoch, as .csv or .jsonl",
        text(train.metrics)},
       {"no-progress", "", "No live progress line",
        [this](const std::string &) {
          train.progress = false;
          return std::string();
        }},
       threadsOption},
      {&train.data},
      true,
      fitting(model.step,
              [this] { return trainModel(model, train, std::cout); })};
  Command evalCommand{
      "eval",
      "Loss and accuracy of trained parameters on a dataset",
      "eval --params CKPT --data DATASET",
      {{"params", "file.safetensors", "A checkpoint from train --save",
        text(eval.params)},
       {"data", "dataset",
        "The dataset; its test split is used when it has one", text(eval.data)},
       {"seed", "N", "Seed of generated datasets",
        number(eval.seed, "seed", "a whole number")},
       threadsOption},
      {&eval.params, &eval.data},
      false,
      fitting(model.forward,
              [this] { return evaluateModel(model, eval, std::cout); })};
  Command predictCommand{
      "predict",
      "Predictions of trained parameters for samples in a .npy file",
      "predict --params CKPT --input X.npy --output Y.npy",
      {{"params", "file.safetensors", "A checkpoint from train --save",
        text(predict.params)},
       {"input", "x.npy",
        "Samples [N, ...] as the model's input takes them, any N",
        text(predict.input)},
       {"output", "y.npy", "Where to write the predictions [N, ...]",
        text(predict.output)},
       threadsOption},
      {&predict.params, &predict.input, &predict.output},
      false,
      fitting(model.forward, [this] {
        return predictWithModel(model.forward, model.callForward, predict,
                                std::cout);
      })};
  Command infoCommand{"info",
                      "The model: inputs, parameters, optimizer, memory",
                      "info",
                      {},
                      {},
                      false,
                      [this] { return info(); }};
  return {trainCommand, evalCommand, predictCommand, infoCommand};
}

void Program::printHelp() {
  std::cout << name << ": the model '" << model.forward.model
            << "', compiled by gradc for " << compiled.target << "\n\n"
            << "USAGE: " << name << " <command> [options]\n\nCOMMANDS:\n";
  for (const Command &command : commands()) {
    std::string padded = command.name;
    padded.resize(10, ' ');
    std::cout << "  " << padded << command.summary << "\n";
  }
  std::cout << "\nRun '" << name << " <command> --help' for its options.\n";
}

void Program::printCommandHelp(const Command &command) {
  std::cout << command.summary << "\n\nUSAGE: " << name << " " << command.usage
            << "\n\nOPTIONS:\n";
  for (const Option &option : command.options) {
    std::string left = "--" + option.name;
    if (!option.value.empty())
      left += "=<" + option.value + ">";
    if (left.size() < 30)
      left.resize(30, ' ');
    std::cout << "  " << left << " - " << option.help << "\n";
  }
  std::cout << "  --help                         - This text\n";
}

int Program::parse(const Command &command, int argc, char **argv, bool &help) {
  for (int index = 0; index < argc; ++index) {
    std::string argument = argv[index];
    if (argument == "--help" || argument == "-h") {
      help = true;
      return 0;
    }
    if (argument.compare(0, 2, "--") != 0)
      return fail("unexpected argument '" + argument + "'; see " + name + " " +
                  command.name + " --help");
    std::string key = argument.substr(2), value;
    size_t equals = key.find('=');
    bool hasValue = equals != std::string::npos;
    if (hasValue) {
      value = key.substr(equals + 1);
      key = key.substr(0, equals);
    }
    auto option = std::find_if(
        command.options.begin(), command.options.end(),
        [&](const Option &candidate) { return candidate.name == key; });
    if (option == command.options.end())
      return fail("unknown option '--" + key + "' for '" + name + " " +
                  command.name + "'; see " + name + " " + command.name +
                  " --help");
    if (option->value.empty()) {
      if (hasValue)
        return fail("--" + key + " takes no value");
    } else if (!hasValue) {
      if (index + 1 >= argc)
        return fail("--" + key + " needs a value (" + option->value + ")");
      value = argv[++index];
    }
    if (std::string error = option->set(value); !error.empty())
      return fail(error);
  }
  return 0;
}

int Program::run(int argc, char **argv) {
  if (Status status = load(); !status)
    return fail(status.error());
  if (argc < 2) {
    printHelp();
    return 1;
  }
  std::string first = argv[1];
  if (first == "--help" || first == "-h" || first == "help") {
    printHelp();
    return 0;
  }
  std::vector<Command> available = commands();
  auto command =
      std::find_if(available.begin(), available.end(),
                   [&](const Command &c) { return c.name == first; });
  if (command == available.end())
    return fail("unknown command '" + first +
                "'; the commands are train, "
                "eval, predict and info (see " +
                name + " --help)");
  bool help = false;
  if (int status = parse(*command, argc - 2, argv + 2, help))
    return status;
  if (help) {
    printCommandHelp(*command);
    return 0;
  }
  if (std::any_of(command->required.begin(), command->required.end(),
                  [](const std::string *value) { return value->empty(); }))
    return fail("usage: " + name + " " + command->usage);
  if (command->needsStep && !hasStep)
    return fail("this program was built with --inference and cannot train; "
                "build it without --inference to train");
  if (threads < 0)
    return fail("--threads must be 0 (one per core) or more");
  gradc_set_threads(threads);
  if (Status status = command->run(); !status)
    return fail(status.error());
  if (Status status = flushStandardOutput(); !status)
    return fail(status.error());
  return 0;
}

} // namespace

int runProgram(int argc, char **argv, const gradc_compiled_model &model) {
  return Program(argc > 0 ? argv[0] : "program", model).run(argc, argv);
}

} // namespace gradc::rt
