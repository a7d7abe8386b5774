//===- BuildCommand.cpp - gradc build: ahead-of-time programs and libraries
//===//
//
// The model is compiled once, here; the result needs no compiler, LLVM or
// MLIR to run. A program is the object file linked by the system's C++
// compiler with the runtime's static libraries: its main (ProgramMain.cpp)
// reads the object's gradc_model descriptor.
//
//===----------------------------------------------------------------------===//
#include "Commands.h"
#include "Session.h"

#include "gradc/Pipeline/Pipeline.h"
#include "gradc/Runtime/Files.h"
#include "gradc/Target/CHeader.h"
#include "gradc/Target/Object.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/TargetParser/Host.h"

#include <chrono>

using namespace llvm;

namespace gradc::driver {

cl::SubCommand BuildCommand(
    "build", "Compile a model ahead of time into a program or a library\n\n"
             "  gradc build models/mlp_fmnist.grad -o mlp\n"
             "  ./mlp train --data fashion-mnist --epochs 5 --save ckpt\n"
             "  gradc build models/spiral.grad --emit=lib -o spiral_lib/\n");

static cl::opt<std::string> input(cl::Positional,
                                  cl::desc("<model.grad|dump.mlir>"),
                                  cl::sub(BuildCommand), cl::cat(GradcOptions));
static cl::opt<std::string> output("o", cl::desc("Where to write the result"),
                                   cl::value_desc("path"),
                                   cl::sub(BuildCommand),
                                   cl::cat(GradcOptions));
enum class Emit { Program, Library, Object, Assembly, LLVMIR };
static cl::opt<Emit> emit(
    "emit", cl::desc("What to write (default: a program)"),
    cl::values(
        clEnumValN(Emit::Program, "exe",
                   "a program: train, eval, predict, info"),
        clEnumValN(Emit::Library, "lib",
                   "a directory with MODEL.o, MODEL.h and libgradc_kernels.a"),
        clEnumValN(Emit::Object, "obj", "the object file alone"),
        clEnumValN(Emit::Assembly, "asm", "assembly, as compiled"),
        clEnumValN(Emit::LLVMIR, "llvm-ir", "LLVM IR, optimized as compiled")),
    cl::init(Emit::Program), cl::sub(BuildCommand), cl::cat(GradcOptions));
static cl::opt<bool> inference(
    "inference",
    cl::desc("Forward pass only (predict): no backward graph, no optimizer"),
    cl::sub(BuildCommand), cl::cat(GradcOptions));
static cl::opt<std::string> targetCpu(
    "target-cpu", cl::desc("The CPU to compile for (default: this machine's)"),
    cl::value_desc("cpu"), cl::sub(BuildCommand), cl::cat(GradcOptions));

namespace {

/// Where the runtime's static libraries are: $GRADC_RUNTIME_DIR, or the
/// build tree this gradc comes from.
std::string runtimeDirectory() {
  if (const char *chosen = std::getenv("GRADC_RUNTIME_DIR"))
    return chosen;
  return GRADC_RUNTIME_DIR;
}

Expected<std::string> runtimeLibrary(StringRef name) {
  SmallString<256> path(runtimeDirectory());
  sys::path::append(path, name);
  if (!sys::fs::exists(path))
    return createStringError(
        "the gradc runtime library " + path.str() +
        " is missing (rebuild gradc, or set GRADC_RUNTIME_DIR)");
  return path.str().str();
}

/// The system's C++ compiler, which links programs.
Expected<std::string> cxxCompiler() {
  for (const char *name : {"clang++-19", "clang++", "g++", "c++"})
    if (auto found = sys::findProgramByName(name))
      return *found;
  return createStringError("no C++ compiler to link with (clang++-19, "
                           "clang++, g++ or c++); install clang-19");
}

/// Links `object` with the runtime into the program `path`, written
/// atomically.
Error linkProgram(StringRef object, StringRef path) {
  auto compiler = cxxCompiler();
  if (!compiler)
    return compiler.takeError();
  SmallVector<std::string> libraries;
  for (StringRef name : {"libgradc_program_main.a", "libgradc_runtime.a",
                         "libgradc_kernels.a"}) {
    auto library = runtimeLibrary(name);
    if (!library)
      return library.takeError();
    libraries.push_back(*library);
  }
  auto program = rt::PendingFile::create(path.str());
  if (!program)
    return createStringError(program.error());
  SmallVector<StringRef> arguments = {*compiler, object};
  arguments.append(libraries.begin(), libraries.end());
  arguments.append({"-lz", "-pthread", "-o", program->temporaryPath()});
  if (StringRef flag = GRADC_RUNTIME_LINK_FLAG; !flag.empty())
    arguments.push_back(flag);
  std::string message;
  int status = sys::ExecuteAndWait(*compiler, arguments, std::nullopt, {}, 0, 0,
                                   &message);
  if (status != 0)
    return createStringError("linking " + path.str() + " with " + *compiler +
                             " failed" +
                             (message.empty() ? "" : ": " + message));
  if (rt::Status committed = program->commit(/*executable=*/true); !committed)
    return createStringError(committed.error());
  return Error::success();
}

/// Writes `text` to `path`, or to stdout for "-".
Error writeText(StringRef path, StringRef text) {
  if (path == "-") {
    outs() << text;
    return Error::success();
  }
  if (rt::Status status = rt::writeFileAtomically(path.str(), text.str());
      !status)
    return createStringError(status.error());
  return Error::success();
}

/// MODEL.o, MODEL.h and a copy of libgradc_kernels.a in the directory
/// `path`.
Error writeLibrary(Module &llvmModule, TargetMachine &machine,
                   mlir::ModuleOp module, ArrayRef<rt::Entry> entries,
                   ArrayRef<rt::Signature> signatures, StringRef path) {
  if (std::error_code error = sys::fs::create_directories(path))
    return createStringError(path.str() +
                             ": cannot create: " + error.message());
  const std::string &model = signatures.front().model;
  SmallString<256> object(path), header(path), kernels(path);
  sys::path::append(object, model + ".o");
  sys::path::append(header, model + ".h");
  sys::path::append(kernels, "libgradc_kernels.a");
  if (failed(writeObjectFile(llvmModule, machine, object, false, module)))
    return createStringError("writing " + object.str() + " failed");
  if (Error error = writeText(header, emitCHeader(entries, signatures)))
    return error;
  auto library = runtimeLibrary("libgradc_kernels.a");
  if (!library)
    return library.takeError();
  auto contents = MemoryBuffer::getFile(*library);
  if (!contents)
    return createStringError(*library +
                             ": cannot read: " + contents.getError().message());
  return writeText(kernels, (*contents)->getBuffer());
}

} // namespace

int runBuild() {
  if (input.empty() || output.empty())
    return fail("usage: gradc build MODEL -o OUTPUT [--emit=exe|lib|obj|asm|"
                "llvm-ir] [--inference] [--target-cpu=CPU]");
  StringRef directory = sys::path::parent_path(output);
  if (emit != Emit::Library && output != "-" && !directory.empty() &&
      !sys::fs::is_directory(directory))
    return fail("cannot write " + output + ": the directory " + directory +
                " does not exist");
  auto start = std::chrono::steady_clock::now();
  Session session;
  std::optional<Session::Model> loaded = session.loadModel(input);
  if (!loaded)
    return 1;
  mlir::ModuleOp module = *loaded->module;
  if (!inference && !loaded->signature.optimizer)
    return fail(input + " has no 'optimize' line, so its program could not "
                        "train; add one, or build with --inference");
  SmallVector<rt::Entry> entries = {rt::Entry::Forward};
  if (!inference)
    entries.push_back(rt::Entry::Step);
  auto machine = createTargetMachine(module, targetCpu);
  if (failed(machine))
    return 1;
  if (GRADC_RUNTIME_NATIVE && emit != Emit::LLVMIR && emit != Emit::Assembly &&
      !targetCpu.empty() && targetCpu != sys::getHostCPUName())
    WithColor::warning(errs(), "gradc")
        << "the runtime's kernels were compiled for this machine's CPU "
           "(-march=native), so the result may not run on a "
        << targetCpu
        << " CPU; configure gradc with -DGRADC_NATIVE=OFF for portable "
           "kernels\n";
  auto signatures = lowerEntries(module, entries);
  if (failed(signatures))
    return 1;
  LLVMContext context;
  auto llvmModule = buildObjectModule(module, entries, *signatures, **machine,
                                      emit == Emit::Program, context);
  if (failed(llvmModule))
    return 1;
  Error error = Error::success();
  switch (emit) {
  case Emit::LLVMIR: {
    std::string text;
    raw_string_ostream os(text);
    (*llvmModule)->print(os, nullptr);
    error = writeText(output, text);
    break;
  }
  case Emit::Object:
  case Emit::Assembly:
    if (failed(writeObjectFile(**llvmModule, **machine, output,
                               emit == Emit::Assembly, module)))
      return 1;
    break;
  case Emit::Library:
    error = writeLibrary(**llvmModule, **machine, module, entries, *signatures,
                         output);
    break;
  case Emit::Program: {
    SmallString<128> object;
    if (std::error_code code =
            sys::fs::createTemporaryFile("gradc-build", "o", object))
      return fail("cannot create a temporary file: " + code.message());
    FileRemover removeObject(object);
    if (failed(writeObjectFile(**llvmModule, **machine, object, false, module)))
      return 1;
    error = linkProgram(object, output);
    break;
  }
  }
  if (error)
    return fail(toString(std::move(error)));
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  if (output != "-")
    errs() << "built " << output << " (" << signatures->front().model << ", "
           << (inference ? "forward only" : "forward and training step")
           << ", for " << (*machine)->getTargetCPU() << ") in "
           << format("%.2f", seconds) << " s\n";
  return 0;
}

} // namespace gradc::driver
