//===- Gemm.cpp - matrix products for generated code, through Eigen -------===//
#include "Threads.h"
#include "gradc/Runtime/Runtime.h"

// A training step must not touch the heap: Eigen's GEMM packs its operands
// into blocks on the stack below this limit (1.3 MB at most for the model
// shapes of models/), on the heap above it (Eigen's default is 128 KB).
#define EIGEN_STACK_ALLOCATION_LIMIT (4 * 1024 * 1024)
#include <Eigen/Core>

#include <utility>

// Eigen is built without OpenMP, so its products are serial: the runtime
// splits a large GEMM across its own threads, each packing its blocks on its
// own (8 MB) stack.

namespace {

template <typename T>
using RowMajor =
    Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

/// Below about 4M multiply-adds, waking a second thread costs more than it
/// saves (measured with mlp_small's 32x784x128 products).
int threadsFor(int64_t m, int64_t n, int64_t k) {
  if (m * n * k < (int64_t{1} << 22))
    return 1;
  return gradc::rt::kernelThreads();
}

/// With an epilogue over the output's rows: when the product is split by
/// rows (or not split), each thread runs it on its rows as soon as it has
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
  // Each thread computes a slice of the output with Eigen's serial product,
  // which packs its blocks on the thread's stack: Eigen's own parallel
  // product allocates a shared block on the heap at every call.
  int threads = threadsFor(m, n, k);
  bool byColumns = n >= m && threads > 1;
  int64_t extent = byColumns ? n : m;
  auto store = [&](auto target, const auto &product) {
    if (accumulate)
      target.noalias() += product;
    else
      target.noalias() = product;
  };
  auto slice = [&](int64_t begin, int64_t size, const auto &left,
                   const auto &right) {
    if (byColumns)
      store(c.middleCols(begin, size), left * right.middleCols(begin, size));
    else
      store(c.middleRows(begin, size), left.middleRows(begin, size) * right);
  };
  auto compute = [&](int64_t begin, int64_t size) {
    if (transposeLhs && transposeRhs)
      slice(begin, size, a.transpose(), b.transpose());
    else if (transposeLhs)
      slice(begin, size, a.transpose(), b);
    else if (transposeRhs)
      slice(begin, size, a, b.transpose());
    else
      slice(begin, size, a, b);
    if (epilogue && !byColumns)
      epilogue(buffers, begin, begin + size);
  };
  auto part = [](void *context, int index, int parts) {
    auto &[computeSlice, extent] =
        *static_cast<std::pair<decltype(compute) *, int64_t> *>(context);
    int64_t begin = extent * index / parts;
    int64_t end = extent * (index + 1) / parts;
    if (end > begin)
      (*computeSlice)(begin, end - begin);
  };
  std::pair<decltype(compute) *, int64_t> context(&compute, extent);
  gradc::rt::runParts(threads, part, &context);
  if (epilogue && byColumns)
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
