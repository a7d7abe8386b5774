//===- Parallel.cpp - splitting generated loops across threads ------------===//
//
// Generated code hands large loop nests to gradc_parallel_for, which runs
// slices of the outermost loop on OpenMP's thread pool. The pool is built
// once; a parallel region then allocates nothing, so training steps stay
// free of heap allocations.
//
//===----------------------------------------------------------------------===//
#include "Threads.h"
#include "gradc/Runtime/Runtime.h"

#include <omp.h>

namespace {
int configuredThreads = 0;
} // namespace

int gradc::rt::kernelThreads() {
  return configuredThreads > 0 ? configuredThreads : omp_get_max_threads();
}

extern "C" void gradc_set_threads(int32_t threads) {
  configuredThreads = threads > 0 ? threads : 0;
}

extern "C" void gradc_parallel_for(gradc_loop_body body, void **buffers,
                                   int64_t begin, int64_t end) {
  int64_t extent = end - begin;
  int threads = gradc::rt::kernelThreads();
  if (threads > extent)
    threads = static_cast<int>(extent);
  if (threads <= 1) {
    body(buffers, begin, end);
    return;
  }
#pragma omp parallel num_threads(threads)
  {
    int64_t parts = omp_get_num_threads(), part = omp_get_thread_num();
    int64_t from = begin + extent * part / parts;
    int64_t to = begin + extent * (part + 1) / parts;
    if (to > from)
      body(buffers, from, to);
  }
}
