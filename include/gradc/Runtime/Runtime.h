/*===- Runtime.h - C ABI called by gradc-generated code ------------*- C -*-===*
 *
 * Generated code calls these with bare pointers to row-major buffers. The
 * runtime depends on Eigen only; never on LLVM or MLIR.
 *
 *===----------------------------------------------------------------------===*/
#ifndef GRADC_RUNTIME_RUNTIME_H
#define GRADC_RUNTIME_RUNTIME_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* out[m,n] (+)= op(lhs) * op(rhs), where op(lhs) is [m,k] and op(rhs) is
 * [k,n]; op transposes when the matching flag is non-zero, so lhs is stored
 * as [k,m] when transpose_lhs is set. With accumulate == 0, out is
 * overwritten. */
void gradc_matmul_f32(const float *lhs, const float *rhs, float *out, int64_t m,
                      int64_t n, int64_t k, int32_t transpose_lhs,
                      int32_t transpose_rhs, int32_t accumulate);
void gradc_matmul_f64(const double *lhs, const double *rhs, double *out,
                      int64_t m, int64_t n, int64_t k, int32_t transpose_lhs,
                      int32_t transpose_rhs, int32_t accumulate);

/* Threads the runtime's kernels (GEMMs, parallel loops) may use; 0 means
 * one per core. */
void gradc_set_threads(int32_t threads);

/* One slice [begin, end) of a generated loop nest's outermost loop, reading
 * and writing the buffers whose addresses `buffers` holds. */
typedef void (*gradc_loop_body)(void **buffers, int64_t begin, int64_t end);

/* Runs body over [begin, end) split into one slice per thread; returns when
 * every slice is done. */
void gradc_parallel_for(gradc_loop_body body, void **buffers, int64_t begin,
                        int64_t end);

/* gradc_matmul_f32/f64, then `epilogue` over the m rows of out: each thread
 * runs it on the rows it has just computed. The epilogue may overwrite out
 * but nothing the product reads. */
void gradc_matmul_epilogue_f32(const float *lhs, const float *rhs, float *out,
                               int64_t m, int64_t n, int64_t k,
                               int32_t transpose_lhs, int32_t transpose_rhs,
                               int32_t accumulate, gradc_loop_body epilogue,
                               void **buffers);
void gradc_matmul_epilogue_f64(const double *lhs, const double *rhs,
                               double *out, int64_t m, int64_t n, int64_t k,
                               int32_t transpose_lhs, int32_t transpose_rhs,
                               int32_t accumulate, gradc_loop_body epilogue,
                               void **buffers);

/* An entry point of a compiled model, called with one pointer per operand:
 * its arguments, then its results (except the updates, which overwrite
 * their argument), then its scratch arena. */
typedef void (*gradc_entry)(void **operands);

/* What an object file from `gradc build` defines as `gradc_model`: the
 * model's entry points and, as JSON, their signatures (every operand's
 * name, role, type and initializer, and the arena's size). */
typedef struct {
  const char *manifest;
  const char *target; /* "<triple> <cpu>" the code was compiled for */
  gradc_entry forward;
  gradc_entry step; /* null in a forward-only (--inference) build */
} gradc_compiled_model;

/* Every function above by name, for registering with a JIT; the list ends
 * with a null name. */
typedef struct {
  const char *name;
  void *address;
} gradc_symbol;
const gradc_symbol *gradc_runtime_symbols(void);

#ifdef __cplusplus
}
#endif

#endif /* GRADC_RUNTIME_RUNTIME_H */
