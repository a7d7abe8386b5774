//===- Threads.h - how many threads the runtime's kernels use --*- C++ -*-===//
#ifndef GRADC_RUNTIME_THREADS_H
#define GRADC_RUNTIME_THREADS_H

namespace gradc::rt {

/// The threads a parallel kernel may use: gradc_set_threads' choice, or one
/// per core.
int kernelThreads();

} // namespace gradc::rt

#endif // GRADC_RUNTIME_THREADS_H
