//===- Gemm.cpp - matrix products for generated code, through Eigen -------===//
#include "Threads.h"
#include "gradc/Runtime/Runtime.h"

// A training step must not touch the heap: Eigen's GEMM packs its operands
// into blocks on the stack below this limit (1.3 MB at most for the model
// shapes of models/), on the heap above it (Eigen's default is 128 KB).
#define EIGEN_STACK_ALLOCATION_LIMIT (4 * 1024 * 1024)
#include <Eigen/Core>

#include <algorithm>
#include <utility>

// Eigen is built without OpenMP, so its products are serial: the runtime
// cuts a large GEMM into tiles shared out among its own threads, each
// packing its blocks on its own (8 MB) stack.

namespace {

template <typename T>
using RowMajor =
    Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

/// How a product is cut into tiles, each computed by one serial Eigen
/// product. The cut depends on the shape alone, never on the thread count:
/// Eigen's blocking (and so each element's summation order) follows the
/// shape of the product it computes, so a cut that followed the threads
/// would make results depend on them. Threads only share out the tiles.
struct Tiling {
  bool byColumns; // tiles are slices of columns, else of rows
  int64_t tiles, tileExtent;
};

/// Below about 4M multiply-adds, waking a second thread costs more than it
/// saves (measured with mlp_small's 32x784x128 products), so small products
/// are one tile. Larger ones are cut along the longer side of the output
/// into at least two tiles of about kTileExtent rows or columns (a multiple
/// of 16, so that Eigen's register blocks stay whole). Cutting has a cost
/// (each tile repacks the operand the tiles share, and Eigen blocks a
/// narrower product less well): on mlp_big, whose 1000-wide products make
/// 4 tiles, a step takes 2% longer with two threads than the old cut into
/// one slice per thread did, and 5% longer with one thread than one uncut
/// product. Narrower tiles cost more; wider ones would idle cores.
Tiling tilingFor(int64_t m, int64_t n, int64_t k) {
  constexpr int64_t kTileExtent = 256, kMaxTiles = 16, kQuantum = 16;
  bool byColumns = n >= m;
  int64_t extent = byColumns ? n : m;
  if (m * n * k < (int64_t{1} << 22) || extent < 2 * kQuantum)
    return {byColumns, 1, extent};
  int64_t tiles = std::clamp<int64_t>((extent + kTileExtent - 1) / kTileExtent,
                                      2, kMaxTiles);
  int64_t tileExtent = (extent + tiles - 1) / tiles;
  tileExtent = (tileExtent + kQuantum - 1) / kQuantum * kQuantum;
  return {byColumns, (extent + tileExtent - 1) / tileExtent, tileExtent};
}

/// With an epilogue over the output's rows: when the product is cut by
/// rows (or not cut), each thread runs it on its rows as soon as it has
/// computed them; when by columns, all threads run it on slices of rows
/// once the product is done.
template <typename T>
void matmul(const T *lhs, const T *rhs, T *out, int64_t m, int64_t n, int64_t k,
            bool transposeLhs, bool transposeRhs, bool accumulate,
            gradc_loop_body epilogue = nullptr, void **buffers = nullptr) {
  // A row-major [r,c] buffer read as column-major [c,r] is its transpose, so
  // transposed operands are mapped, never copied.
  Eigen::Map<RowMajor<T>> c(out, m, n);
  Eigen::Map<const RowMajor<T>> a(lhs, transposeLhs ? k : m,
                                  transposeLhs ? m : k);
  Eigen::Map<const RowMajor<T>> b(rhs, transposeRhs ? n : k,
                                  transposeRhs ? k : n);
  // Each tile is computed with Eigen's serial product, which packs its
  // blocks on the thread's stack: Eigen's own parallel product allocates a
  // shared block on the heap at every call.
  Tiling tiling = tilingFor(m, n, k);
  int64_t extent = tiling.byColumns ? n : m;
  auto store = [&](auto target, const auto &product) {
    if (accumulate)
      target.noalias() += product;
    else
      target.noalias() = product;
  };
  auto slice = [&](int64_t begin, int64_t size, const auto &left,
                   const auto &right) {
    if (tiling.byColumns)
      store(c.middleCols(begin, size), left * right.middleCols(begin, size));
    else
      store(c.middleRows(begin, size), left.middleRows(begin, size) * right);
  };
  auto computeTile = [&](int64_t tile) {
    int64_t begin = tile * tiling.tileExtent;
    int64_t size = std::min(tiling.tileExtent, extent - begin);
    if (transposeLhs && transposeRhs)
      slice(begin, size, a.transpose(), b.transpose());
    else if (transposeLhs)
      slice(begin, size, a.transpose(), b);
    else if (transposeRhs)
      slice(begin, size, a, b.transpose());
    else
      slice(begin, size, a, b);
    if (epilogue && !tiling.byColumns)
      epilogue(buffers, begin, begin + size);
  };
  // Part p of P computes tiles p, p + P, ...: contiguous tiles would do as
  // well, but this needs no rounding.
  auto part = [](void *context, int index, int parts) {
    auto &[compute, tiles] =
        *static_cast<std::pair<decltype(computeTile) *, int64_t> *>(context);
    for (int64_t tile = index; tile < tiles; tile += parts)
      (*compute)(tile);
  };
  std::pair<decltype(computeTile) *, int64_t> context(&computeTile,
                                                      tiling.tiles);
  int threads = static_cast<int>(
      std::min<int64_t>(gradc::rt::kernelThreads(), tiling.tiles));
  gradc::rt::runParts(threads, part, &context);
  if (epilogue && tiling.byColumns)
    gradc_parallel_for(epilogue, buffers, 0, m);
}

} // namespace

extern "C" void gradc_matmul_f32(const float *lhs, const float *rhs, float *out,
                                 int64_t m, int64_t n, int64_t k,
                                 int32_t transpose_lhs, int32_t transpose_rhs,
                                 int32_t accumulate) {
  matmul(lhs, rhs, out, m, n, k, transpose_lhs, transpose_rhs, accumulate);
}

extern "C" void gradc_matmul_f64(const double *lhs, const double *rhs,
                                 double *out, int64_t m, int64_t n, int64_t k,
                                 int32_t transpose_lhs, int32_t transpose_rhs,
                                 int32_t accumulate) {
  matmul(lhs, rhs, out, m, n, k, transpose_lhs, transpose_rhs, accumulate);
}

extern "C" void gradc_matmul_epilogue_f32(
    const float *lhs, const float *rhs, float *out, int64_t m, int64_t n,
    int64_t k, int32_t transpose_lhs, int32_t transpose_rhs, int32_t accumulate,
    gradc_loop_body epilogue, void **buffers) {
  matmul(lhs, rhs, out, m, n, k, transpose_lhs, transpose_rhs, accumulate,
         epilogue, buffers);
}

extern "C" void gradc_matmul_epilogue_f64(
    const double *lhs, const double *rhs, double *out, int64_t m, int64_t n,
    int64_t k, int32_t transpose_lhs, int32_t transpose_rhs, int32_t accumulate,
    gradc_loop_body epilogue, void **buffers) {
  matmul(lhs, rhs, out, m, n, k, transpose_lhs, transpose_rhs, accumulate,
         epilogue, buffers);
}
