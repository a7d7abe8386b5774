//===- GradOps.td - the grad dialect's ops ----------------------*- tablegen -*-===//
//
// Every op works on ranked tensors of static shape. Each op infers its result
// type from its operands and attributes (the shape rule, in the op's .cpp
// file), and implements one of the lowering interfaces.
//
//===----------------------------------------------------------------------===//

#ifndef GRADC_DIALECT_GRADOPS_TD
#define GRADC_DIALECT_GRADOPS_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/OpAsmInterface.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/CommonAttrConstraints.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/ControlFlowInterfaces.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "gradc/Dialect/GradInterfaces.td"

def Grad_Dialect : Dialect {
  let name = "grad";
  let summary = "Tensor ops of gradc's training graphs";
  let cppNamespace = "::gradc::grad";
  // Attributes stay in the attribute dictionary so the frontend can build any
  // op generically by name (see ModelEmitter).
  let usePropertiesForAttributes = 0;
  let hasConstantMaterializer = 1;
}

def Grad_FloatTensor : StaticShapeTensorOf<[F32, F64]>;
def Grad_IntTensor : StaticShapeTensorOf<[I32, I64]>;
def Grad_Tensor : StaticShapeTensorOf<[F32, F64, I32, I64]>;

class Grad_Op<string mnemonic, list<Trait> traits = []>
    : Op<Grad_Dialect, mnemonic, !listconcat(traits, [Pure, OpAsmOpInterface])> {
  let extraClassDeclaration = [{
    /// Prints the result under its source name: %h1 rather than %3.
    void getAsmResultNames(
        ::llvm::function_ref<void(::mlir::Value, ::llvm::StringRef)> setName) {
      ::gradc::grad::nameResultAfterSource(getOperation(), setName);
    }
  }];
}

//===----------------------------------------------------------------------===//
// Constants
//===----------------------------------------------------------------------===//

def Grad_ConstantOp : Grad_Op<"constant", [ConstantLike, InferTypeOpAdaptor,
    DeclareOpInterfaceMethods<Grad_VJPOpInterface>,
    DeclareOpInterfaceMethods<Grad_LowerToLinalgOpInterface>]> {
  let summary = "A tensor constant";
  let arguments = (ins ElementsAttr:$value);
  let results = (outs Grad_Tensor:$result);
  let assemblyFormat = "$value attr-dict";
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// Elementwise ops: operands and result share one type (ODS derives the shape
// rule from AllTypesMatch; the frontend inserts grad.broadcast as needed).
//===----------------------------------------------------------------------===//

class Grad_UnaryOp<string mnemonic, string summaryText, bit expensive = 0>
    : Grad_Op<mnemonic, [AllTypesMatch<["input", "result"]>,
                         DeclareOpInterfaceMethods<InferTypeOpInterface>,
                         DeclareOpInterfaceMethods<Grad_ElementwiseOpInterface,
                             !if(expensive, ["isExpensive"], [])>,
                         DeclareOpInterfaceMethods<Grad_VJPOpInterface>]> {
  let summary = summaryText;
  let arguments = (ins Grad_FloatTensor:$input);
  let results = (outs Grad_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($result)";
}

class Grad_BinaryOp<string mnemonic, string summaryText, list<Trait> traits = [],
                    bit expensive = 0>
    : Grad_Op<mnemonic, !listconcat(traits,
          [AllTypesMatch<["lhs", "rhs", "result"]>,
           DeclareOpInterfaceMethods<InferTypeOpInterface>,
           DeclareOpInterfaceMethods<Grad_ElementwiseOpInterface,
               !if(expensive, ["isExpensive"], [])>,
           DeclareOpInterfaceMethods<Grad_VJPOpInterface>])> {
  let summary = summaryText;
  let arguments = (ins Grad_FloatTensor:$lhs, Grad_FloatTensor:$rhs);
  let results = (outs Grad_FloatTensor:$result);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` type($result)";
}

def Grad_AddOp : Grad_BinaryOp<"add", "Elementwise sum", [Commutative]> {
  let hasFolder = 1;
}
def Grad_SubOp : Grad_BinaryOp<"sub", "Elementwise difference"> {
  let hasFolder = 1;
}
def Grad_MulOp : Grad_BinaryOp<"mul", "Elementwise product", [Commutative]> {
  let hasFolder = 1;
}
def Grad_DivOp : Grad_BinaryOp<"div", "Elementwise quotient", [], 1> {
  let hasFolder = 1;
}

def Grad_NegOp : Grad_UnaryOp<"neg", "Elementwise negation"> {
  let hasFolder = 1;
}
def Grad_ExpOp : Grad_UnaryOp<"exp", "Elementwise e^x", 1>;
def Grad_LogOp : Grad_UnaryOp<"log", "Elementwise natural logarithm", 1>;
def Grad_SqrtOp : Grad_UnaryOp<"sqrt", "Elementwise square root", 1>;
def Grad_TanhOp : Grad_UnaryOp<"tanh", "Elementwise hyperbolic tangent", 1>;
def Grad_SigmoidOp : Grad_UnaryOp<"sigmoid", "Elementwise 1 / (1 + e^-x)", 1>;
def Grad_ReluOp : Grad_UnaryOp<"relu", "Elementwise max(x, 0)">;
def Grad_StepOp : Grad_UnaryOp<"step", "Elementwise 1 where x > 0, else 0"> {
  let description = [{
    The Heaviside step; the derivative of relu. Its own derivative is zero
    almost everywhere, so no gradient flows through it.
  }];
}

// Not an ElementwiseOpInterface op: fused loops compute in one element type.
def Grad_CastOp : Grad_Op<"cast", [InferTypeOpAdaptor,
    DeclareOpInterfaceMethods<Grad_LowerToLinalgOpInterface>,
    DeclareOpInterfaceMethods<Grad_VJPOpInterface>]> {
  let summary = "Elementwise conversion to another float type";
  let description = [{
    Rounds to nearest-even when narrowing, exactly as PyTorch's `.float()`;
    the gradient is converted back. Optimizers use it to compute scalars
    such as Adam's bias corrections in f64 for an f32 model.
  }];
  let arguments = (ins Grad_FloatTensor:$input, TypeAttr:$dtype);
  let results = (outs Grad_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// Shape ops
//===----------------------------------------------------------------------===//

class Grad_LoweredOp<string mnemonic, list<Trait> traits = []>
    : Grad_Op<mnemonic, !listconcat(traits,
          [InferTypeOpAdaptor,
           DeclareOpInterfaceMethods<Grad_LowerToLinalgOpInterface>,
           DeclareOpInterfaceMethods<Grad_VJPOpInterface>])>;

// Rewritten into simpler grad ops by grad-decompose, after autodiff. Its
// gradient is its decomposition's unless it declares a VJP rule of its own
// (Grad_WithVJP), where the parts' gradients would be slower or less exact.
class Grad_CompositeOp<string mnemonic, list<Trait> traits = []>
    : Grad_Op<mnemonic, !listconcat(traits,
          [InferTypeOpAdaptor,
           DeclareOpInterfaceMethods<Grad_DecomposeOpInterface>])>;
defvar Grad_WithVJP = DeclareOpInterfaceMethods<Grad_VJPOpInterface>;

def Grad_BroadcastOp : Grad_LoweredOp<"broadcast"> {
  let summary = "NumPy-style broadcast to a larger shape";
  let description = [{
    Aligns the input's dimensions with the trailing dimensions of `shape`;
    each input dimension must equal the target dimension or be 1.
  }];
  let arguments = (ins Grad_FloatTensor:$input, DenseI64ArrayAttr:$shape);
  let results = (outs Grad_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasFolder = 1;
}

def Grad_TransposeOp : Grad_LoweredOp<"transpose"> {
  let summary = "Permutes dimensions (reverses them when `perm` is absent)";
  let arguments = (ins Grad_FloatTensor:$input,
                       OptionalAttr<DenseI64ArrayAttr>:$perm);
  let results = (outs Grad_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasCanonicalizer = 1;
}

def Grad_ReshapeOp : Grad_LoweredOp<"reshape"> {
  let summary = "Same elements in row-major order, new shape";
  let arguments = (ins Grad_FloatTensor:$input, DenseI64ArrayAttr:$shape);
  let results = (outs Grad_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasFolder = 1;
  let hasCanonicalizer = 1;
}

//===----------------------------------------------------------------------===//
// Reductions
//===----------------------------------------------------------------------===//

class Grad_ReduceOp<string mnemonic, string summaryText,
                    list<Trait> traits = [
                      InferTypeOpAdaptor,
                      DeclareOpInterfaceMethods<Grad_ReductionOpInterface>,
                      DeclareOpInterfaceMethods<Grad_LowerToLinalgOpInterface>,
                      DeclareOpInterfaceMethods<Grad_VJPOpInterface>]>
    : Grad_Op<mnemonic, traits> {
  let summary = summaryText;
  let description = [{
    Reduces over `axes` (every axis when absent; negative axes count from
    the end). With `keepdims`, reduced axes stay as size 1.
  }];
  let arguments = (ins Grad_FloatTensor:$input,
                       OptionalAttr<DenseI64ArrayAttr>:$axes,
                       DefaultValuedAttr<BoolAttr, "false">:$keepdims);
  let results = (outs Grad_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
}

// A running f32 sum rounds at every element, and a convolution's bias
// gradient sums 50,000 of them: sums of f32 accumulate in f64.
def Grad_ReduceSumOp : Grad_ReduceOp<"reduce_sum", "Sum over axes",
    [InferTypeOpAdaptor,
     DeclareOpInterfaceMethods<Grad_ReductionOpInterface, ["getAccumulatorType"]>,
     DeclareOpInterfaceMethods<Grad_LowerToLinalgOpInterface>,
     DeclareOpInterfaceMethods<Grad_VJPOpInterface>]>;
def Grad_ReduceMeanOp : Grad_ReduceOp<"reduce_mean", "Mean over axes",
    [InferTypeOpAdaptor, DeclareOpInterfaceMethods<Grad_DecomposeOpInterface>,
     DeclareOpInterfaceMethods<Grad_VJPOpInterface>]>;
def Grad_ReduceMaxOp : Grad_ReduceOp<"reduce_max", "Maximum over axes">;

//===----------------------------------------------------------------------===//
// Linear algebra
//===----------------------------------------------------------------------===//

def Grad_MatmulOp : Grad_LoweredOp<"matmul"> {
  let summary = "Matrix product of 2-D tensors, optionally transposed";
  let description = [{
    `op(lhs) x op(rhs)` where op transposes when `transpose_lhs` /
    `transpose_rhs` is set. Lowered to a call into the runtime's GEMM, which
    takes the transposes as flags, so no transposed copy is ever made.
  }];
  let arguments = (ins Grad_FloatTensor:$lhs, Grad_FloatTensor:$rhs,
                       DefaultValuedAttr<BoolAttr, "false">:$transpose_lhs,
                       DefaultValuedAttr<BoolAttr, "false">:$transpose_rhs);
  let results = (outs Grad_FloatTensor:$result);
  let assemblyFormat = [{
    $lhs `,` $rhs attr-dict `:` type($lhs) `,` type($rhs) `->` type($result)
  }];
}

//===----------------------------------------------------------------------===//
// Convolution and pooling over NCHW images. A window has a kernel size,
// stride, padding and dilation per spatial dimension, each given as one
// integer for both or a list [height, width].
//===----------------------------------------------------------------------===//

defvar Grad_WindowSize = OptionalAttr<AnyAttrOf<[DenseI64ArrayAttr, I64Attr]>>;

def Grad_Conv2dOp : Grad_CompositeOp<"conv2d"> {
  let summary = "2-D cross-correlation of NCHW images with OIHW kernels";
  let description = [{
    As torch.nn.functional.conv2d without bias: the kernel size comes from
    the weights. Decomposes into im2col and one GEMM, so its gradients are
    those of the GEMM and col2im.
  }];
  let arguments = (ins Grad_FloatTensor:$input, Grad_FloatTensor:$weight,
                       Grad_WindowSize:$stride, Grad_WindowSize:$padding,
                       Grad_WindowSize:$dilation);
  let results = (outs Grad_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $weight attr-dict `:` type($input) `,` type($weight) `->` type($result)
  }];
}

def Grad_Im2colOp : Grad_LoweredOp<"im2col"> {
  let summary = "The zero-padded windows of NCHW images, one row per position";
  let description = [{
    [N, C, H, W] to [N, Ho, Wo, C, kh, kw]: element (n, y, x, c, i, j) is
    input (n, c, y * stride + i * dilation - padding, ...), or 0 in the
    padding. Rows of C * kh * kw are what a convolution multiplies by its
    kernels.
  }];
  let arguments = (ins Grad_FloatTensor:$input, Grad_WindowSize:$kernel,
                       Grad_WindowSize:$stride, Grad_WindowSize:$padding,
                       Grad_WindowSize:$dilation);
  let results = (outs Grad_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
}

def Grad_Col2imOp : Grad_LoweredOp<"col2im"> {
  let summary = "Sums windows back into NCHW images: the adjoint of im2col";
  let description = [{
    [N, Ho, Wo, C, kh, kw] to [N, C, H, W] with H, W given by `size`: each
    image element is the sum of the window elements im2col copied it to.
  }];
  let arguments = (ins Grad_FloatTensor:$input, DenseI64ArrayAttr:$size,
                       Grad_WindowSize:$stride, Grad_WindowSize:$padding,
                       Grad_WindowSize:$dilation);
  let results = (outs Grad_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
}

def Grad_MaxPool2dOp : Grad_LoweredOp<"max_pool2d"> {
  let summary = "Maximum over each window of NCHW images";
  let description = [{
    As torch.nn.functional.max_pool2d: `stride` defaults to `kernel`, the
    padding never wins, and the gradient goes to the first maximum of each
    window in row-major order (a NaN counts as a maximum).
  }];
  let arguments = (ins Grad_FloatTensor:$input, Grad_WindowSize:$kernel,
                       Grad_WindowSize:$stride, Grad_WindowSize:$padding,
                       Grad_WindowSize:$dilation);
  let results = (outs Grad_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
}

def Grad_MaxPool2dGradOp : Grad_Op<"max_pool2d_grad", [InferTypeOpAdaptor,
    DeclareOpInterfaceMethods<Grad_LowerToLinalgOpInterface>]> {
  let summary = "The gradient of max_pool2d with respect to its input";
  let description = [{
    Routes each element of `grad` (shaped like the pool's result) to the
    first maximum of its window of `input`, summing where windows overlap.
  }];
  let arguments = (ins Grad_FloatTensor:$input, Grad_FloatTensor:$grad,
                       Grad_WindowSize:$kernel, Grad_WindowSize:$stride,
                       Grad_WindowSize:$padding, Grad_WindowSize:$dilation);
  let results = (outs Grad_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $grad attr-dict `:` type($input) `,` type($grad) `->` type($result)
  }];
}

def Grad_AvgPool2dOp : Grad_CompositeOp<"avg_pool2d"> {
  let summary = "Mean over each window of NCHW images, padding counted";
  let description = [{
    As torch.nn.functional.avg_pool2d (count_include_pad): `stride`
    defaults to `kernel`. Decomposes into im2col and a mean.
  }];
  let arguments = (ins Grad_FloatTensor:$input, Grad_WindowSize:$kernel,
                       Grad_WindowSize:$stride, Grad_WindowSize:$padding,
                       Grad_WindowSize:$dilation);
  let results = (outs Grad_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
}

//===----------------------------------------------------------------------===//
// Activations over an axis, and losses
//===----------------------------------------------------------------------===//

def Grad_SoftmaxOp : Grad_CompositeOp<"softmax", [Grad_WithVJP]> {
  let summary = "exp(x - max) / sum(exp(x - max)) along `axis`";
  let arguments = (ins Grad_FloatTensor:$input,
                       DefaultValuedAttr<I64Attr, "-1">:$axis);
  let results = (outs Grad_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
}

def Grad_LogSoftmaxOp : Grad_CompositeOp<"log_softmax", [Grad_WithVJP]> {
  let summary = "x - max - log(sum(exp(x - max))) along `axis`";
  let arguments = (ins Grad_FloatTensor:$input,
                       DefaultValuedAttr<I64Attr, "-1">:$axis);
  let results = (outs Grad_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
}

def Grad_OneHotOp : Grad_LoweredOp<"one_hot"> {
  let summary = "Integer labels [N] to a [N, classes] 0/1 float tensor";
  let arguments = (ins Grad_IntTensor:$labels, I64Attr:$classes,
                       OptionalAttr<TypeAttr>:$dtype);
  let results = (outs Grad_FloatTensor:$result);
  let assemblyFormat = "$labels attr-dict `:` type($labels) `->` type($result)";
}

def Grad_SoftmaxCrossEntropyOp : Grad_CompositeOp<"softmax_cross_entropy", [Grad_WithVJP]> {
  let summary = "Mean cross-entropy of softmax(logits [N, C]) and labels [N]";
  let arguments = (ins Grad_FloatTensor:$logits, Grad_IntTensor:$labels);
  let results = (outs Grad_FloatTensor:$result);
  let assemblyFormat = [{
    $logits `,` $labels attr-dict `:` type($logits) `,` type($labels) `->` type($result)
  }];
}

def Grad_MseOp : Grad_CompositeOp<"mse", [AllTypesMatch<["prediction", "target"]>]> {
  let summary = "Mean of (prediction - target)^2 over all elements";
  let arguments = (ins Grad_FloatTensor:$prediction, Grad_FloatTensor:$target);
  let results = (outs Grad_FloatTensor:$result);
  let assemblyFormat = "$prediction `,` $target attr-dict `:` type($prediction) `->` type($result)";
}

//===----------------------------------------------------------------------===//
// Fusion
//===----------------------------------------------------------------------===//

def Grad_FusedOp : Grad_Op<"fused", [IsolatedFromAbove,
    DeclareOpInterfaceMethods<Grad_LowerToLinalgOpInterface>]> {
  let summary = "Elementwise ops and their reductions in one loop nest";
  let description = [{
    Made by grad-fuse. The region holds ordinary grad elementwise ops (and
    broadcasts of the inputs, and splat constants) on tensors of one shape,
    the loop domain, and optionally reductions (reduce_sum, reduce_max) of
    those values over the same axes. It yields one or more values: each is
    a domain-shaped value or a reduction. It lowers to a single
    linalg.generic whose body composes the ops' scalar bodies, reading
    broadcast inputs through indexing maps and folding each reduction into
    its accumulator as the elements are computed.
  }];
  let arguments = (ins Variadic<Grad_Tensor>:$inputs);
  let results = (outs Variadic<Grad_FloatTensor>:$results);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = [{
    `(` $inputs `)` attr-dict `:` functional-type($inputs, $results) $body
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// The shape of the loop nest: every non-reduction value in the region
    /// has this type.
    ::mlir::RankedTensorType getDomainType();
  }];
}

def Grad_YieldOp : Op<Grad_Dialect, "yield",
    [Pure, Terminator, ReturnLike, HasParent<"FusedOp">]> {
  let summary = "The values a grad.fused region computes";
  let arguments = (ins Variadic<Grad_FloatTensor>:$values);
  let assemblyFormat = "$values attr-dict `:` type($values)";
}

#endif // GRADC_DIALECT_GRADOPS_TD
