//===- ConvOps.cpp - conv2d, im2col, col2im and the 2-D pools -------------===//
//
// Windows over NCHW images. The forward loops read a padded copy of the
// images through affine maps (y * stride + i * dilation), so im2col and the
// pools are each one linalg.generic that the parallel-loop passes thread like
// any other. Their adjoints (col2im, the max-pool gradient) gather rather
// than scatter: each image element sums the windows that cover it, found by
// dividing its coordinate by the stride, so no two threads ever write one
// element and no atomics are needed.
//
//===----------------------------------------------------------------------===//
#include "OpSupport.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <array>
#include <limits>

using namespace mlir;

namespace gradc::grad {
namespace {

using Pair = std::array<int64_t, 2>; // (height, width)

/// A window's geometry along the two spatial dimensions.
struct Window {
  Pair kernel, stride, padding, dilation;

  /// How many input elements one window spans along `dim`.
  int64_t span(int dim) const { return (kernel[dim] - 1) * dilation[dim] + 1; }
  /// The number of window positions along `dim` of an input of `size`.
  int64_t positions(int dim, int64_t size) const {
    return (size + 2 * padding[dim] - span(dim)) / stride[dim] + 1;
  }
};

/// Reads a size given as one integer for both dimensions or as a list
/// [height, width]; `fallback` when absent (an error when there is none).
FailureOr<Pair> readPair(std::optional<Location> loc, StringRef opName,
                         DictionaryAttr attributes, StringRef name,
                         std::optional<Pair> fallback, int64_t minimum) {
  Attribute attr = attributes ? attributes.get(name) : Attribute();
  std::string expected =
      "an integer or a list of two like [2, 2] (height, width)";
  Pair pair;
  if (!attr) {
    if (!fallback)
      return shapeError(loc, opName, "missing " + name + " (" + expected + ")");
    pair = *fallback;
  } else if (auto integer = dyn_cast<IntegerAttr>(attr)) {
    pair = {integer.getInt(), integer.getInt()};
  } else if (auto list = dyn_cast<DenseI64ArrayAttr>(attr);
             list && list.size() == 2) {
    pair = {list[0], list[1]};
  } else {
    return shapeError(loc, opName, name + " must be " + expected);
  }
  for (int64_t value : pair)
    if (value < minimum)
      return shapeError(loc, opName,
                        name + " must be " +
                            (minimum > 0 ? "positive" : "non-negative") +
                            ", not " + Twine(value));
  return pair;
}

/// The window of a conv2d (`kernel` from its weights, stride 1 by default)
/// or of a pool (kernel attribute, stride defaulting to the kernel).
FailureOr<Window> readWindow(std::optional<Location> loc, StringRef opName,
                             DictionaryAttr attributes,
                             std::optional<Pair> kernel = std::nullopt) {
  bool isPool = !kernel;
  Window window;
  FailureOr<Pair> size =
      kernel ? FailureOr<Pair>(*kernel)
             : readPair(loc, opName, attributes, "kernel", std::nullopt, 1);
  if (failed(size))
    return failure();
  window.kernel = *size;
  FailureOr<Pair> stride = readPair(loc, opName, attributes, "stride",
                                    isPool ? window.kernel : Pair{1, 1}, 1);
  FailureOr<Pair> padding =
      readPair(loc, opName, attributes, "padding", Pair{0, 0}, 0);
  FailureOr<Pair> dilation =
      readPair(loc, opName, attributes, "dilation", Pair{1, 1}, 1);
  if (failed(stride) || failed(padding) || failed(dilation))
    return failure();
  window.stride = *stride;
  window.padding = *padding;
  window.dilation = *dilation;
  return window;
}

/// The window of a verified op.
Window windowOf(Operation *op, std::optional<Pair> kernel = std::nullopt) {
  return *readWindow(std::nullopt, "", op->getAttrDictionary(), kernel);
}

/// Fails unless `images` is a 4-D [N, C, H, W] tensor.
LogicalResult requireImages(std::optional<Location> loc, StringRef opName,
                            Value images, StringRef role) {
  if (cast<RankedTensorType>(images.getType()).getRank() == 4)
    return success();
  return shapeError(loc, opName,
                    describe(images, role) + "; " + opName +
                        " takes NCHW images [batch, channels, height, width]");
}

/// The window positions over images of spatial size `size`, or a diagnostic
/// when a window does not fit. Pools also keep PyTorch's rule that padding
/// is at most half the kernel, so no window lies wholly in the padding.
FailureOr<Pair> positionsOver(std::optional<Location> loc, StringRef opName,
                              const Window &window, Pair size, bool isPool) {
  Pair positions;
  for (int dim = 0; dim < 2; ++dim) {
    StringRef axis = dim == 0 ? "height" : "width";
    if (window.span(dim) > size[dim] + 2 * window.padding[dim])
      return shapeError(loc, opName,
                        "the window spans " + Twine(window.span(dim)) + " " +
                            axis + " elements but the input has " +
                            Twine(size[dim]) + " plus padding " +
                            Twine(window.padding[dim]) +
                            " on each side; use a smaller kernel or dilation "
                            "or more padding");
    if (isPool && window.padding[dim] > window.kernel[dim] / 2)
      return shapeError(loc, opName,
                        "padding " + Twine(window.padding[dim]) +
                            " must be at most half the kernel " + axis + " " +
                            Twine(window.kernel[dim]));
    positions[dim] = window.positions(dim, size[dim]);
  }
  return positions;
}

Pair spatialSize(RankedTensorType images) {
  return {images.getDimSize(2), images.getDimSize(3)};
}

/// Shape rule of the pools: [N, C, H, W] to [N, C, Ho, Wo].
LogicalResult inferPool(std::optional<Location> loc, StringRef opName,
                        Value input, DictionaryAttr attributes,
                        SmallVectorImpl<Type> &results) {
  if (failed(requireImages(loc, opName, input, "the input")))
    return failure();
  auto type = cast<RankedTensorType>(input.getType());
  FailureOr<Window> window = readWindow(loc, opName, attributes);
  if (failed(window))
    return failure();
  FailureOr<Pair> positions =
      positionsOver(loc, opName, *window, spatialSize(type), /*isPool=*/true);
  if (failed(positions))
    return failure();
  results.push_back(
      RankedTensorType::get({type.getDimSize(0), type.getDimSize(1),
                             (*positions)[0], (*positions)[1]},
                            type.getElementType()));
  return success();
}

//===----------------------------------------------------------------------===//
// Loop building blocks
//===----------------------------------------------------------------------===//

AffineExpr dim(OpBuilder &b, unsigned position) {
  return b.getAffineDimExpr(position);
}

Value indexConstant(OpBuilder &b, Location loc, int64_t value) {
  return b.create<arith::ConstantIndexOp>(loc, value);
}

/// Over [N, C, H, W]: where each element sits in the images padded by the
/// window's padding.
AffineMap intoPadding(OpBuilder &b, const Window &w) {
  return AffineMap::get(4, 0,
                        {dim(b, 0), dim(b, 1), dim(b, 2) + w.padding[0],
                         dim(b, 3) + w.padding[1]},
                        b.getContext());
}

/// The images' type with the window's padding on both sides of H and W.
RankedTensorType paddedType(RankedTensorType images, const Window &w) {
  SmallVector<int64_t> shape(images.getShape());
  shape[2] += 2 * w.padding[0];
  shape[3] += 2 * w.padding[1];
  return RankedTensorType::get(shape, images.getElementType());
}

/// `images` surrounded by the window's padding of `fill`: a filled tensor
/// that one loop copies the images into.
Value paddedImages(OpBuilder &b, Location loc, Value images, const Window &w,
                   TypedAttr fill) {
  if (w.padding == Pair{0, 0})
    return images;
  RankedTensorType type =
      paddedType(cast<RankedTensorType>(images.getType()), w);
  Value init = b.create<linalg::FillOp>(
                    loc, b.create<arith::ConstantOp>(loc, fill).getResult(),
                    b.create<tensor::EmptyOp>(loc, type.getShape(),
                                              type.getElementType())
                        .getResult())
                   .getResult(0);
  SmallVector<AffineMap> maps = {b.getMultiDimIdentityMap(4),
                                 intoPadding(b, w)};
  SmallVector<utils::IteratorType> iterators(4, utils::IteratorType::parallel);
  return b
      .create<linalg::GenericOp>(
          loc, type, images, init, maps, iterators,
          [](OpBuilder &nested, Location nestedLoc, ValueRange args) {
            nested.create<linalg::YieldOp>(nestedLoc, args[0]);
          })
      .getResult(0);
}

/// linalg infers each loop's range from an operand indexed by that loop
/// alone; the window offsets (i, j), the last two of six loops, have none,
/// so, as linalg's own pooling ops do, an unread [kh, kw] tensor read
/// through windowShapeMap gives them theirs.
Value windowShape(OpBuilder &b, Location loc, const Window &w,
                  Type elementType) {
  return b.create<tensor::EmptyOp>(loc, w.kernel, elementType);
}

AffineMap windowShapeMap(OpBuilder &b) {
  return AffineMap::get(6, 0, {dim(b, 4), dim(b, 5)}, b.getContext());
}

TypedAttr floatFill(Value like, double value) {
  return FloatAttr::get(cast<RankedTensorType>(like.getType()).getElementType(),
                        value);
}

/// A loop nest over (n, c, y, x, i, j) that reduces over the window offsets
/// (i, j) into results indexed (n, c, y, x), each starting from `inits`.
/// `body` gets one element per input, then the accumulators.
SmallVector<Value> windowLoop(
    OpBuilder &b, Location loc, const Window &w, ValueRange inputs,
    ArrayRef<AffineMap> inputMaps, ValueRange inits,
    function_ref<SmallVector<Value>(OpBuilder &, Location, ValueRange)> body) {
  using utils::IteratorType;
  SmallVector<Value> operands(inputs.begin(), inputs.end());
  operands.push_back(windowShape(
      b, loc, w, cast<ShapedType>(inits[0].getType()).getElementType()));
  SmallVector<AffineMap> maps(inputMaps.begin(), inputMaps.end());
  maps.push_back(windowShapeMap(b));
  AffineMap result = AffineMap::get(
      6, 0, {dim(b, 0), dim(b, 1), dim(b, 2), dim(b, 3)}, b.getContext());
  maps.append(inits.size(), result);
  SmallVector<IteratorType> iterators(4, IteratorType::parallel);
  iterators.append(2, IteratorType::reduction);
  auto loop = b.create<linalg::GenericOp>(
      loc, ValueRange(inits).getTypes(), operands, inits, maps, iterators,
      [&](OpBuilder &nested, Location nestedLoc, ValueRange args) {
        SmallVector<Value> elements(args.take_front(inputs.size()));
        llvm::append_range(elements, args.take_back(inits.size()));
        nested.create<linalg::YieldOp>(nestedLoc,
                                       body(nested, nestedLoc, elements));
      });
  return loop.getResults();
}

/// Where offset (i, j) of window (y, x) over channel c of image n reads the
/// padded images: (n, c, y * stride + i * dilation, x * stride + j *
/// dilation). The loops are (n, c, y, x, i, j) for the pools, and for
/// im2col, whose windows are rows, (n, y, x, c, i, j): `channel` and `row`
/// give the positions of c and y (x follows y).
AffineMap windowReadMap(OpBuilder &b, const Window &w, unsigned channel = 1,
                        unsigned row = 2) {
  return AffineMap::get(
      6, 0,
      {dim(b, 0), dim(b, channel),
       dim(b, row) * w.stride[0] + dim(b, 4) * w.dilation[0],
       dim(b, row + 1) * w.stride[1] + dim(b, 5) * w.dilation[1]},
      b.getContext());
}

/// A reshape of `value` to `shape`, as a grad op.
Value reshaped(OpBuilder &b, Location loc, Value value,
               ArrayRef<int64_t> shape) {
  return b.create<ReshapeOp>(loc, value, b.getDenseI64ArrayAttr(shape));
}

/// Adds what `body` computes at each point of a loop nest over windows into
/// the image element that point reads (`imageMap`, in padded coordinates):
/// the adjoint of reading through windows. The images start as zeros with
/// the window's padding, cropped at the end. Windows overlap, so several
/// points add into one element: only the first loop (the batch, which the
/// parallel-loop passes split among threads) is parallel, and the others
/// accumulate in order.
Value accumulateIntoImages(
    OpBuilder &b, Location loc, RankedTensorType imageType, const Window &w,
    ValueRange inputs, ArrayRef<AffineMap> inputMaps, AffineMap imageMap,
    function_ref<Value(OpBuilder &, Location, ValueRange)> body) {
  using utils::IteratorType;
  Value zeros = emptyTensor(b, loc, paddedType(imageType, w), 0.0);
  SmallVector<AffineMap> maps(inputMaps.begin(), inputMaps.end());
  maps.push_back(imageMap);
  SmallVector<IteratorType> iterators(6, IteratorType::reduction);
  iterators[0] = IteratorType::parallel;
  Value sums =
      b.create<linalg::GenericOp>(
           loc, zeros.getType(), inputs, zeros, maps, iterators,
           [&](OpBuilder &nested, Location nestedLoc, ValueRange args) {
             Value term = body(nested, nestedLoc, args.drop_back());
             nested.create<linalg::YieldOp>(
                 nestedLoc,
                 nested.create<arith::AddFOp>(nestedLoc, args.back(), term)
                     .getResult());
           })
          .getResult(0);
  if (w.padding == Pair{0, 0})
    return sums;
  return buildGeneric(b, loc, imageType, sums, intoPadding(b, w),
                      [](OpBuilder &, Location, ValueRange x) { return x[0]; });
}

/// Inside a window loop body: the window offset i * kw + j as an i32.
Value windowOffset(OpBuilder &b, Location loc, const Window &w) {
  Value i = b.create<linalg::IndexOp>(loc, 4);
  Value j = b.create<linalg::IndexOp>(loc, 5);
  Value offset = b.create<arith::AddIOp>(
      loc, b.create<arith::MulIOp>(loc, i, indexConstant(b, loc, w.kernel[1])),
      j);
  return b.create<arith::IndexCastOp>(loc, b.getI32Type(), offset);
}

/// Inside a window-read loop body: whether offset (i, j) of window (y, x)
/// reads the images rather than their padding. Without padding along a
/// dimension every window lies inside the images, so nothing is tested.
Value readsImage(OpBuilder &b, Location loc, const Window &w, Pair size) {
  Value inside = b.create<arith::ConstantIntOp>(loc, 1, 1);
  for (int d = 0; d < 2; ++d) {
    if (w.padding[d] == 0)
      continue;
    Value y = b.create<linalg::IndexOp>(loc, 2 + d);
    Value i = b.create<linalg::IndexOp>(loc, 4 + d);
    // y * stride + i * dilation is in [padding, padding + size).
    Value row = b.create<arith::AddIOp>(
        loc,
        b.create<arith::MulIOp>(loc, y, indexConstant(b, loc, w.stride[d])),
        b.create<arith::MulIOp>(loc, i, indexConstant(b, loc, w.dilation[d])));
    auto compare = [&](arith::CmpIPredicate predicate, int64_t bound) {
      return b.create<arith::CmpIOp>(loc, predicate, row,
                                     indexConstant(b, loc, bound));
    };
    inside = b.create<arith::AndIOp>(
        loc, inside, compare(arith::CmpIPredicate::uge, w.padding[d]));
    inside = b.create<arith::AndIOp>(
        loc, inside,
        compare(arith::CmpIPredicate::ult, w.padding[d] + size[d]));
  }
  return inside;
}

} // namespace

//===----------------------------------------------------------------------===//
// conv2d
//===----------------------------------------------------------------------===//

LogicalResult Conv2dOp::inferReturnTypes(MLIRContext *,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &results) {
  Value input = adaptor.getInput(), weight = adaptor.getWeight();
  if (failed(requireImages(loc, "conv2d", input, "the input")))
    return failure();
  auto inputType = cast<RankedTensorType>(input.getType());
  auto weightType = cast<RankedTensorType>(weight.getType());
  if (weightType.getRank() != 4)
    return shapeError(loc, "conv2d",
                      describe(weight, "the weight") +
                          "; conv2d takes OIHW weights [out_channels, "
                          "in_channels, kernel_height, kernel_width]");
  if (inputType.getElementType() != weightType.getElementType())
    return shapeError(loc, "conv2d",
                      describe(input, "the input") + " but " +
                          describe(weight, "the weight") +
                          "; element types differ");
  if (weightType.getDimSize(1) != inputType.getDimSize(1))
    return shapeError(loc, "conv2d",
                      describe(input, "the input") + ", with " +
                          Twine(inputType.getDimSize(1)) + " channels, but " +
                          describe(weight, "the weight") + ", for " +
                          Twine(weightType.getDimSize(1)) +
                          " (its second dimension)");
  FailureOr<Window> window =
      readWindow(loc, "conv2d", adaptor.getAttributes(),
                 Pair{weightType.getDimSize(2), weightType.getDimSize(3)});
  if (failed(window))
    return failure();
  FailureOr<Pair> positions = positionsOver(
      loc, "conv2d", *window, spatialSize(inputType), /*isPool=*/false);
  if (failed(positions))
    return failure();
  results.push_back(
      RankedTensorType::get({inputType.getDimSize(0), weightType.getDimSize(0),
                             (*positions)[0], (*positions)[1]},
                            inputType.getElementType()));
  return success();
}

Value Conv2dOp::decompose(OpBuilder &b) {
  // [N*Ho*Wo, C*kh*kw] windows times [O, C*kh*kw]^T kernels, one GEMM.
  Location loc = getLoc();
  ArrayRef<int64_t> w = getWeight().getType().getShape();
  ArrayRef<int64_t> out = getType().getShape();
  Value cols =
      b.create<Im2colOp>(loc, getInput(), b.getDenseI64ArrayAttr({w[2], w[3]}),
                         getStrideAttr(), getPaddingAttr(), getDilationAttr());
  int64_t rows = out[0] * out[2] * out[3], depth = w[1] * w[2] * w[3];
  Value product =
      b.create<MatmulOp>(loc, reshaped(b, loc, cols, {rows, depth}),
                         reshaped(b, loc, getWeight(), {w[0], depth}),
                         b.getBoolAttr(false), b.getBoolAttr(true));
  Value channelsLast =
      reshaped(b, loc, product, {out[0], out[2], out[3], out[1]});
  return b.create<TransposeOp>(loc, channelsLast,
                               b.getDenseI64ArrayAttr({0, 3, 1, 2}));
}

//===----------------------------------------------------------------------===//
// im2col and col2im
//===----------------------------------------------------------------------===//

LogicalResult Im2colOp::inferReturnTypes(MLIRContext *,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &results) {
  if (failed(requireImages(loc, "im2col", adaptor.getInput(), "the input")))
    return failure();
  auto type = cast<RankedTensorType>(adaptor.getInput().getType());
  FailureOr<Pair> kernel = readPair(loc, "im2col", adaptor.getAttributes(),
                                    "kernel", std::nullopt, 1);
  if (failed(kernel))
    return failure();
  FailureOr<Window> window =
      readWindow(loc, "im2col", adaptor.getAttributes(), *kernel);
  if (failed(window))
    return failure();
  FailureOr<Pair> positions =
      positionsOver(loc, "im2col", *window, spatialSize(type), false);
  if (failed(positions))
    return failure();
  results.push_back(RankedTensorType::get({type.getDimSize(0), (*positions)[0],
                                           (*positions)[1], type.getDimSize(1),
                                           (*kernel)[0], (*kernel)[1]},
                                          type.getElementType()));
  return success();
}

static Pair im2colKernel(Im2colOp op) {
  ArrayRef<int64_t> shape = op.getType().getShape();
  return {shape[4], shape[5]};
}

SmallVector<Value> Im2colOp::lowerToLinalg(OpBuilder &b) {
  Location loc = getLoc();
  Window w = windowOf(*this, im2colKernel(*this));
  Value images =
      paddedImages(b, loc, getInput(), w, floatFill(getInput(), 0.0));
  // Window element (n, y, x, c, i, j) is image element (n, c, y * s + i * d,
  // x * s + j * d).
  AffineMap read = windowReadMap(b, w, /*channel=*/3, /*row=*/1);
  return {
      buildGeneric(b, loc, getType(), images, read,
                   [](OpBuilder &, Location, ValueRange x) { return x[0]; })};
}

SmallVector<Value> Im2colOp::buildVJP(OpBuilder &b, Value g) {
  Window w = windowOf(*this, im2colKernel(*this));
  RankedTensorType type = getInput().getType();
  return {b.create<Col2imOp>(
      getLoc(), g,
      b.getDenseI64ArrayAttr({type.getDimSize(2), type.getDimSize(3)}),
      b.getDenseI64ArrayAttr(w.stride), getPaddingAttr(), getDilationAttr())};
}

LogicalResult Col2imOp::inferReturnTypes(MLIRContext *,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &results) {
  auto type = cast<RankedTensorType>(adaptor.getInput().getType());
  if (type.getRank() != 6)
    return shapeError(loc, "col2im",
                      describe(adaptor.getInput(), "the input") +
                          "; col2im takes windows [batch, out_height, "
                          "out_width, channels, kernel_height, kernel_width]");
  auto size = readAttr<DenseI64ArrayAttr>(
      loc, "col2im", adaptor.getAttributes(), "size",
      "the image size [height, width]", /*required=*/true);
  if (failed(size))
    return failure();
  if (size->size() != 2 || (*size)[0] < 1 || (*size)[1] < 1)
    return shapeError(loc, "col2im",
                      "size must be the image size [height, width]");
  ArrayRef<int64_t> shape = type.getShape();
  FailureOr<Window> window = readWindow(loc, "col2im", adaptor.getAttributes(),
                                        Pair{shape[4], shape[5]});
  if (failed(window))
    return failure();
  Pair imageSize = {(*size)[0], (*size)[1]};
  FailureOr<Pair> positions =
      positionsOver(loc, "col2im", *window, imageSize, false);
  if (failed(positions))
    return failure();
  if ((*positions)[0] != shape[1] || (*positions)[1] != shape[2])
    return shapeError(loc, "col2im",
                      "these windows take " + Twine((*positions)[0]) + "x" +
                          Twine((*positions)[1]) + " positions of a " +
                          Twine(imageSize[0]) + "x" + Twine(imageSize[1]) +
                          " image, but " +
                          describe(adaptor.getInput(), "the input"));
  results.push_back(RankedTensorType::get(
      {shape[0], shape[3], imageSize[0], imageSize[1]}, type.getElementType()));
  return success();
}

static Pair col2imKernel(Col2imOp op) {
  ArrayRef<int64_t> shape = op.getInput().getType().getShape();
  return {shape[4], shape[5]};
}

SmallVector<Value> Col2imOp::lowerToLinalg(OpBuilder &b) {
  // Over (n, y, x, c, i, j), each window element adds into the image
  // element (n, c, y * s + i * d, x * s + j * d) that im2col copied it from.
  Location loc = getLoc();
  Window w = windowOf(*this, col2imKernel(*this));
  AffineMap image = windowReadMap(b, w, /*channel=*/3, /*row=*/1);
  return {accumulateIntoImages(
      b, loc, getType(), w, getInput(), b.getMultiDimIdentityMap(6), image,
      [](OpBuilder &, Location, ValueRange x) { return x[0]; })};
}

SmallVector<Value> Col2imOp::buildVJP(OpBuilder &b, Value g) {
  Pair kernel = col2imKernel(*this);
  return {b.create<Im2colOp>(getLoc(), g, b.getDenseI64ArrayAttr(kernel),
                             getStrideAttr(), getPaddingAttr(),
                             getDilationAttr())};
}

//===----------------------------------------------------------------------===//
// max_pool2d and its gradient
//===----------------------------------------------------------------------===//

LogicalResult MaxPool2dOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &results) {
  return inferPool(loc, "max_pool2d", adaptor.getInput(),
                   adaptor.getAttributes(), results);
}

SmallVector<Value> MaxPool2dOp::lowerToLinalg(OpBuilder &b) {
  Location loc = getLoc();
  Window w = windowOf(*this);
  double lowest = -std::numeric_limits<double>::infinity();
  Value images =
      paddedImages(b, loc, getInput(), w, floatFill(getInput(), lowest));
  Value init = emptyTensor(b, loc, getType(), lowest);
  return windowLoop(
      b, loc, w, images, windowReadMap(b, w), init,
      [](OpBuilder &nested, Location nestedLoc, ValueRange args) {
        return SmallVector<Value>{
            nested.create<arith::MaximumFOp>(nestedLoc, args[1], args[0])};
      });
}

SmallVector<Value> MaxPool2dOp::buildVJP(OpBuilder &b, Value g) {
  return {b.create<MaxPool2dGradOp>(getLoc(), getInput(), g, getKernelAttr(),
                                    getStrideAttr(), getPaddingAttr(),
                                    getDilationAttr())};
}

LogicalResult
MaxPool2dGradOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                  Adaptor adaptor,
                                  SmallVectorImpl<Type> &results) {
  SmallVector<Type> pooled;
  if (failed(inferPool(loc, "max_pool2d_grad", adaptor.getInput(),
                       adaptor.getAttributes(), pooled)))
    return failure();
  if (adaptor.getGrad().getType() != pooled[0])
    return shapeError(loc, "max_pool2d_grad",
                      describe(adaptor.getGrad(), "the gradient") +
                          " but the pool's result is " + formatType(pooled[0]));
  results.push_back(adaptor.getInput().getType());
  return success();
}

/// Offset i * kw + j of the first maximum of each window, or -1 when every
/// element of the window is padding (never, given the padding rule): the
/// order and NaN rule of PyTorch's max_pool2d, which keeps the first element
/// that is greater than the maximum so far or is NaN.
static Value firstMaxima(OpBuilder &b, Location loc, Value input,
                         const Window &w) {
  auto type = cast<RankedTensorType>(input.getType());
  double lowest = -std::numeric_limits<double>::infinity();
  Value images = paddedImages(b, loc, input, w, floatFill(input, lowest));
  SmallVector<int64_t> shape = {type.getDimSize(0), type.getDimSize(1),
                                w.positions(0, type.getDimSize(2)),
                                w.positions(1, type.getDimSize(3))};
  Value maxima = emptyTensor(
      b, loc, RankedTensorType::get(shape, type.getElementType()), lowest);
  Value none =
      b.create<linalg::FillOp>(
           loc, b.create<arith::ConstantIntOp>(loc, -1, 32).getResult(),
           b.create<tensor::EmptyOp>(loc, shape, b.getI32Type()).getResult())
          .getResult(0);
  Pair size = spatialSize(type);
  return windowLoop(
      b, loc, w, images, windowReadMap(b, w), {maxima, none},
      [&](OpBuilder &nested, Location nestedLoc, ValueRange args) {
        Value element = args[0], max = args[1], index = args[2];
        auto orElse = [&](Value x, Value y) {
          return nested.create<arith::OrIOp>(nestedLoc, x, y);
        };
        Value isFirst = nested.create<arith::CmpIOp>(
            nestedLoc, arith::CmpIPredicate::slt, index,
            nested.create<arith::ConstantIntOp>(nestedLoc, 0, 32));
        Value greater = nested.create<arith::CmpFOp>(
            nestedLoc, arith::CmpFPredicate::OGT, element, max);
        Value isNaN = nested.create<arith::CmpFOp>(
            nestedLoc, arith::CmpFPredicate::UNO, element, element);
        Value take = nested.create<arith::AndIOp>(
            nestedLoc, readsImage(nested, nestedLoc, w, size),
            orElse(orElse(isFirst, greater), isNaN));
        return SmallVector<Value>{
            nested.create<arith::SelectOp>(nestedLoc, take, element, max),
            nested.create<arith::SelectOp>(
                nestedLoc, take, windowOffset(nested, nestedLoc, w), index)};
      })[1];
}

SmallVector<Value> MaxPool2dGradOp::lowerToLinalg(OpBuilder &b) {
  // Over (n, c, y, x, i, j), the window element at the first maximum adds
  // the window's gradient into the image element it read.
  Location loc = getLoc();
  Window w = windowOf(*this);
  Value maxima = firstMaxima(b, loc, getInput(), w);
  AffineMap window = AffineMap::get(
      6, 0, {dim(b, 0), dim(b, 1), dim(b, 2), dim(b, 3)}, b.getContext());
  return {accumulateIntoImages(
      b, loc, getType(), w,
      {getGrad(), maxima, windowShape(b, loc, w, getType().getElementType())},
      {window, window, windowShapeMap(b)}, windowReadMap(b, w),
      [&](OpBuilder &nested, Location nestedLoc, ValueRange args) {
        Value isMax = nested.create<arith::CmpIOp>(
            nestedLoc, arith::CmpIPredicate::eq, args[1],
            windowOffset(nested, nestedLoc, w));
        Value zero = scalarConstant(nested, nestedLoc, args[0].getType(), 0.0);
        return nested.create<arith::SelectOp>(nestedLoc, isMax, args[0], zero)
            .getResult();
      })};
}

//===----------------------------------------------------------------------===//
// avg_pool2d
//===----------------------------------------------------------------------===//

LogicalResult AvgPool2dOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &results) {
  return inferPool(loc, "avg_pool2d", adaptor.getInput(),
                   adaptor.getAttributes(), results);
}

Value AvgPool2dOp::decompose(OpBuilder &b) {
  // Each channel as its own one-channel image, so the windows come out
  // [N*C, Ho, Wo, 1, kh, kw]: already in NCHW order, no transpose.
  Location loc = getLoc();
  Window w = windowOf(*this);
  ArrayRef<int64_t> in = getInput().getType().getShape();
  ArrayRef<int64_t> out = getType().getShape();
  Value channels =
      reshaped(b, loc, getInput(), {in[0] * in[1], 1, in[2], in[3]});
  Value windows = b.create<Im2colOp>(
      loc, channels, b.getDenseI64ArrayAttr(w.kernel),
      b.getDenseI64ArrayAttr(w.stride), getPaddingAttr(), getDilationAttr());
  Value grouped =
      reshaped(b, loc, windows,
               {out[0], out[1], out[2], out[3], w.kernel[0] * w.kernel[1]});
  return b.create<ReduceMeanOp>(loc, grouped, b.getDenseI64ArrayAttr({4}),
                                b.getBoolAttr(false));
}

} // namespace gradc::grad
