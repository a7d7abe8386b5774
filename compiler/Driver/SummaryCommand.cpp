//===- SummaryCommand.cpp - gradc summary: the model as a table -----------===//
//
// One row per named value, as torchsummary and Keras print one per layer:
// the ops that compute it, its shape (the batch dimension as -1) and the
// parameters it reads first. Then the totals, and what only a static
// compiler knows: the exact arena bytes of the forward pass and of the
// training step from their buffer plans, and the optimizer's state.
//
//===----------------------------------------------------------------------===//
#include "Commands.h"
#include "Session.h"

#include "gradc/Pipeline/Pipeline.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/Support/Format.h"

using namespace llvm;
using mlir::BlockArgument;
using mlir::Operation;
using mlir::RankedTensorType;
namespace func = mlir::func;

namespace gradc::driver {

cl::SubCommand SummaryCommand(
    "summary", "Print a model's values, shapes and parameter counts, and the "
               "memory its compiled entry points take\n\n"
               "  gradc summary models/mlp.grad\n");

static cl::opt<std::string> input(cl::Positional,
                                  cl::desc("<model.grad|dump.mlir>"),
                                  cl::sub(SummaryCommand),
                                  cl::cat(GradcOptions));

namespace {

/// "1,234,567".
std::string withCommas(int64_t value) {
  std::string digits = std::to_string(value), text;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0)
      text += ',';
    text += digits[i];
  }
  return text;
}

/// The variable an op's result is named after, if it has one.
std::optional<std::string> valueName(Operation *op) {
  mlir::Location loc = op->getLoc();
  while (auto callSite = dyn_cast<mlir::CallSiteLoc>(loc))
    loc = callSite.getCallee();
  if (auto name = dyn_cast<mlir::NameLoc>(loc))
    return name.getName().str();
  return std::nullopt;
}

struct Row {
  std::string name, ops, shape;
  int64_t params = 0;
};

/// "[-1, 6, 28, 28]": the leading dimension is the batch's when it is
/// `batch` long.
std::string shapeText(mlir::Type type, int64_t batch) {
  auto tensor = cast<RankedTensorType>(type);
  std::string text = "[";
  for (auto [index, size] : llvm::enumerate(tensor.getShape()))
    text += (index ? ", " : "") +
            (index == 0 && size == batch ? "-1" : std::to_string(size));
  return text + "]";
}

/// The rows of `function`: each named op with the unnamed ops it is computed
/// from, and the parameters they read that no earlier row read.
std::vector<Row> rowsOf(func::FuncOp function, int64_t batch) {
  std::vector<Row> rows;
  llvm::DenseSet<Operation *> claimed;
  llvm::DenseSet<mlir::Value> counted;
  for (Operation &op : function.getBody().front()) {
    std::optional<std::string> name = valueName(&op);
    if (!name || op.getNumResults() != 1)
      continue;
    SmallVector<Operation *> group, pending{&op};
    Row row{*name, "", shapeText(op.getResult(0).getType(), batch)};
    while (!pending.empty()) {
      Operation *member = pending.pop_back_val();
      if (!claimed.insert(member).second)
        continue;
      group.push_back(member);
      for (mlir::Value operand : member->getOperands()) {
        auto argument = dyn_cast<BlockArgument>(operand);
        if (argument &&
            function.getArgAttr(argument.getArgNumber(), "grad.param") &&
            counted.insert(operand).second)
          row.params +=
              cast<RankedTensorType>(operand.getType()).getNumElements();
        Operation *producer = operand.getDefiningOp();
        if (producer && !valueName(producer))
          pending.push_back(producer);
      }
    }
    llvm::sort(group, [](Operation *a, Operation *b) {
      return a->isBeforeInBlock(b);
    });
    SetVector<StringRef> kinds;
    for (Operation *member : group)
      kinds.insert(member->getName().stripDialect());
    row.ops = join(kinds, ", ");
    rows.push_back(std::move(row));
  }
  return rows;
}

void printRows(ArrayRef<Row> rows) {
  size_t nameWidth = 5, opsWidth = 2, shapeWidth = 5;
  for (const Row &row : rows) {
    nameWidth = std::max(nameWidth, row.name.size());
    opsWidth = std::max(opsWidth, row.ops.size());
    shapeWidth = std::max(shapeWidth, row.shape.size());
  }
  auto line = [&](StringRef name, StringRef ops, StringRef shape,
                  StringRef params) {
    outs() << left_justify(name, nameWidth + 2)
           << left_justify(ops, opsWidth + 2)
           << left_justify(shape, shapeWidth + 2) << right_justify(params, 11)
           << "\n";
  };
  line("Value", "Op", "Shape", "Param #");
  outs() << std::string(nameWidth + opsWidth + shapeWidth + 17, '=') << "\n";
  for (const Row &row : rows)
    line(row.name, row.ops, row.shape, withCommas(row.params));
  outs() << std::string(nameWidth + opsWidth + shapeWidth + 17, '=') << "\n";
}

std::string bytesText(int64_t bytes) {
  return withCommas(bytes) + " bytes" +
         (bytes >= 1024 * 1024
              ? formatv(" ({0:F2} MiB)", bytes / (1024.0 * 1024)).str()
              : std::string());
}

} // namespace

int runSummary() {
  if (input.empty())
    return fail("usage: gradc summary MODEL");
  Session session;
  std::optional<Session::Model> model = session.loadModel(input);
  if (!model)
    return 1;
  const rt::Signature &signature = model->signature;
  int64_t batch = -1;
  for (const rt::TensorSpec &spec : signature.arguments)
    if (spec.role == rt::TensorRole::Input && !spec.shape.empty()) {
      batch = spec.shape[0];
      break;
    }
  auto function = *model->module->getOps<func::FuncOp>().begin();
  printRows(rowsOf(function, batch));

  int64_t total = 0, frozen = 0, bytes = 0;
  for (const rt::TensorSpec &spec : signature.arguments)
    if (spec.role == rt::TensorRole::Param) {
      int64_t count = 1;
      for (int64_t size : spec.shape)
        count *= size;
      total += count;
      frozen += spec.frozen ? count : 0;
      bytes += static_cast<int64_t>(rt::byteSize(spec.dtype, spec.shape));
    }
  outs() << "Total params: " << withCommas(total) << "\n"
         << "Trainable params: " << withCommas(total - frozen) << "\n"
         << "Frozen params: " << withCommas(frozen) << "\n"
         << "Params size: " << bytesText(bytes) << "\n";

  SmallVector<rt::Entry> entries{rt::Entry::Forward};
  if (!signature.loss.empty())
    entries.push_back(rt::Entry::Step);
  auto signatures = lowerEntries(*model->module, entries);
  if (failed(signatures))
    return 1;
  outs() << "Forward pass arena: " << bytesText(signatures->front().arenaBytes)
         << "\n";
  if (signatures->size() > 1) {
    const rt::Signature &step = signatures->back();
    int64_t state = 0;
    for (const rt::TensorSpec &spec : step.arguments)
      if (spec.role == rt::TensorRole::State)
        state += static_cast<int64_t>(rt::byteSize(spec.dtype, spec.shape));
    outs() << "Training step arena: " << bytesText(step.arenaBytes) << "\n"
           << "Optimizer state: " << bytesText(state) << "\n";
  }
  return 0;
}

} // namespace gradc::driver
