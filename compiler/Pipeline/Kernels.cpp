//===- Kernels.cpp - the runtime's kernels as generated code calls them ---===//
#include "gradc/Pipeline/Kernels.h"

#include "gradc/Runtime/Runtime.h"

#include <type_traits>

using namespace mlir;

namespace gradc {
namespace {

template <typename Parameter> Type typeOf(MLIRContext *context) {
  if constexpr (std::is_pointer_v<Parameter>) {
    return LLVM::LLVMPointerType::get(context);
  } else {
    static_assert(std::is_integral_v<Parameter>,
                  "kernels take pointers and integers");
    return IntegerType::get(context, 8 * sizeof(Parameter));
  }
}

/// The types of a kernel's parameters, from its C declaration (kernels
/// return nothing).
template <typename... Parameters>
SmallVector<Type> typesOf(MLIRContext *context, void (*)(Parameters...)) {
  return {typeOf<Parameters>(context)...};
}

struct KernelInfo {
  llvm::StringLiteral name;
  SmallVector<Type> (*parameters)(MLIRContext *);
  const char *declaration; // "void name(parameters);"
  bool forUsers;
};

const KernelInfo kernels[] = {
#define GRADC_KERNEL(name, parameters, users)                                  \
  {#name, [](MLIRContext *context) { return typesOf(context, &name); },        \
   "void " #name #parameters ";", users},
#include "gradc/Runtime/Kernels.def"
};

const KernelInfo &infoOf(Kernel kernel) {
  return kernels[static_cast<size_t>(kernel)];
}

} // namespace

StringRef kernelName(Kernel kernel) { return infoOf(kernel).name; }

std::optional<Kernel> kernelNamed(StringRef name) {
  for (size_t index = 0; index < std::size(kernels); ++index)
    if (kernels[index].name == name)
      return static_cast<Kernel>(index);
  return std::nullopt;
}

SmallVector<Type> kernelParameters(MLIRContext *context, Kernel kernel) {
  return infoOf(kernel).parameters(context);
}

func::FuncOp declareKernel(ModuleOp module, Kernel kernel) {
  StringRef name = kernelName(kernel);
  if (auto existing = module.lookupSymbol<func::FuncOp>(name))
    return existing;
  auto b = OpBuilder::atBlockBegin(module.getBody());
  auto type = b.getFunctionType(kernelParameters(module.getContext(), kernel),
                                /*results=*/{});
  auto function = b.create<func::FuncOp>(module.getLoc(), name, type);
  function.setPrivate();
  return function;
}

LLVM::LLVMFuncOp declareLLVMKernel(ModuleOp module, Kernel kernel) {
  StringRef name = kernelName(kernel);
  if (auto existing = module.lookupSymbol<LLVM::LLVMFuncOp>(name))
    return existing;
  MLIRContext *context = module.getContext();
  auto b = OpBuilder::atBlockBegin(module.getBody());
  return b.create<LLVM::LLVMFuncOp>(
      module.getLoc(), name,
      LLVM::LLVMFunctionType::get(LLVM::LLVMVoidType::get(context),
                                  kernelParameters(context, kernel)));
}

Kernel gemmKernel(Type elementType, bool withEpilogue) {
  if (elementType.isF32())
    return withEpilogue ? Kernel::gradc_matmul_epilogue_f32
                        : Kernel::gradc_matmul_f32;
  return withEpilogue ? Kernel::gradc_matmul_epilogue_f64
                      : Kernel::gradc_matmul_f64;
}

std::optional<Kernel> withEpilogue(Kernel kernel) {
  switch (kernel) {
  case Kernel::gradc_matmul_f32:
    return Kernel::gradc_matmul_epilogue_f32;
  case Kernel::gradc_matmul_f64:
    return Kernel::gradc_matmul_epilogue_f64;
  default:
    return std::nullopt;
  }
}

std::vector<std::string> userKernelDeclarations() {
  std::vector<std::string> declarations;
  for (const KernelInfo &kernel : kernels)
    if (kernel.forUsers)
      declarations.push_back(kernel.declaration);
  return declarations;
}

} // namespace gradc
