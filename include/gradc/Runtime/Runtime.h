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

/* One slice [begin, end) of a generated loop nest's outermost loop, reading
 * and writing the buffers whose addresses `buffers` holds. */
typedef void (*gradc_loop_body)(void **buffers, int64_t begin, int64_t end);

#define GRADC_KERNEL(name, parameters, users) void name parameters;
#include "gradc/Runtime/Kernels.def"

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

/* Every kernel of Kernels.def by name, for registering with a JIT; the list
 * ends with a null name. */
typedef struct {
  const char *name;
  void *address;
} gradc_symbol;
const gradc_symbol *gradc_runtime_symbols(void);

#ifdef __cplusplus
}
#endif

#endif /* GRADC_RUNTIME_RUNTIME_H */
