//===- DumpCommand.cpp - gradc dump: the IR at any step -------------------===//
#include "Commands.h"
#include "DumpReports.h"
#include "Session.h"

#include "gradc/Pipeline/Pipeline.h"

#include "mlir/IR/OperationSupport.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/ToolOutputFile.h"

using namespace llvm;

namespace gradc::driver {

cl::SubCommand DumpCommand(
    "dump", "Print a model's IR after any pipeline step\n\n"
            "  gradc dump models/mlp.grad                  the grad dialect\n"
            "  gradc dump models/mlp.grad --after=all      after every step\n"
            "  gradc dump models/mlp.grad --emit=llvm-ir   LLVM IR\n"
            "  gradc dump --list-passes                    the steps\n"
            "  gradc dump models/mlp.grad --memory         the buffer plan\n"
            "  gradc dump models/mlp.grad --stats          ops and kernels\n");

static cl::opt<std::string> input(cl::Positional,
                                  cl::desc("<model.grad|dump.mlir>"),
                                  cl::sub(DumpCommand), cl::cat(GradcOptions));
static cl::opt<std::string>
    after("after",
          cl::desc("Print the IR after this step (see --list-passes), or "
                   "after every step with 'all'"),
          cl::value_desc("step|all"), cl::sub(DumpCommand),
          cl::cat(GradcOptions));
static cl::opt<std::string>
    emit("emit", cl::desc("Print this stage: grad, linalg, llvm or llvm-ir"),
         cl::value_desc("stage"), cl::sub(DumpCommand), cl::cat(GradcOptions));
static cl::opt<bool> printAfterAll("print-ir-after-all",
                                   cl::desc("Same as --after=all"),
                                   cl::sub(DumpCommand), cl::cat(GradcOptions));
static cl::opt<bool>
    stats("stats",
          cl::desc("Ops and kernels of each entry point around fusion"),
          cl::sub(DumpCommand), cl::cat(GradcOptions));
static cl::opt<bool> memory("memory",
                            cl::desc("The static buffer plan of each entry "
                                     "point: buffers, offsets, arena size"),
                            cl::sub(DumpCommand), cl::cat(GradcOptions));
static cl::opt<bool> listPasses("list-passes",
                                cl::desc("List the pipeline's steps and exit"),
                                cl::sub(DumpCommand), cl::cat(GradcOptions));
static cl::opt<bool> generic("generic",
                             cl::desc("Print ops in MLIR's generic form"),
                             cl::sub(DumpCommand), cl::cat(GradcOptions));
static cl::opt<std::string>
    output("o", cl::desc("Write to this file (default: stdout)"),
           cl::value_desc("file"), cl::init("-"), cl::sub(DumpCommand),
           cl::cat(GradcOptions));

static int printSteps() {
  for (const PipelineStep &step : pipelineSteps())
    outs() << format("  %-30s %s\n", step.name.c_str(), step.summary.c_str());
  outs() << "Stage names for --emit and --after: grad (after cse), linalg "
            "(after grad-to-linalg), llvm (the last step), llvm-ir.\n";
  return 0;
}

/// The step to stop after, from --after or --emit.
static std::optional<size_t> lastStep(bool &printAll, bool &toLLVMIR) {
  std::string name = printAfterAll    ? std::string("all")
                     : !after.empty() ? after.getValue()
                     : !emit.empty()  ? emit.getValue()
                                      : std::string("grad");
  printAll = name == "all";
  toLLVMIR = name == "llvm-ir";
  if (printAll || toLLVMIR)
    return pipelineSteps().size() - 1;
  return findStep(name);
}

int runDump() {
  if (listPasses)
    return printSteps();
  if (input.empty())
    return fail("dump needs a model file: gradc dump MODEL [--after=STEP|all]");
  if (int(!after.empty()) + int(!emit.empty()) + int(printAfterAll) > 1)
    return fail("give one of --after, --emit and --print-ir-after-all");
  bool printAll = false, toLLVMIR = false;
  std::optional<size_t> last = lastStep(printAll, toLLVMIR);
  if (!last)
    return fail("unknown step '" +
                (after.empty() ? emit.getValue() : after.getValue()) +
                "' (see gradc dump --list-passes)");

  Session session;
  mlir::OwningOpRef<mlir::ModuleOp> module = session.load(input);
  if (!module)
    return 1;
  if (stats || memory)
    return failed(stats ? printStats(*module, outs())
                        : printMemory(*module, outs()));
  std::string error;
  std::unique_ptr<ToolOutputFile> file = mlir::openOutputFile(output, &error);
  if (!file)
    return fail(error);
  mlir::OpPrintingFlags flags;
  if (generic)
    flags.printGenericOpForm();
  auto print = [&](const PipelineStep &step, mlir::ModuleOp current) {
    if (printAll)
      file->os() << "// ----- after " << step.name << ": " << step.summary
                 << " -----\n";
    current.print(file->os(), flags);
    file->os() << "\n";
  };
  auto current = currentStep(*module);
  if (failed(current))
    return 1;
  if (printAll)
    print(pipelineSteps()[*current], *module);
  if (failed(runPipeline(
          *module, *last,
          printAll
              ? function_ref<void(const PipelineStep &, mlir::ModuleOp)>(print)
              : nullptr)))
    return 1;
  if (toLLVMIR) {
    LLVMContext llvmContext;
    std::unique_ptr<Module> llvmModule =
        translateToLLVMIR(*module, llvmContext);
    if (!llvmModule)
      return 1;
    llvmModule->print(file->os(), nullptr);
  } else if (!printAll) {
    print(pipelineSteps()[*last], *module);
  }
  file->keep();
  return 0;
}

} // namespace gradc::driver
