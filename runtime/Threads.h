//===- Threads.h - the runtime's worker threads -----------------*- C++ -*-===//
#ifndef GRADC_RUNTIME_THREADS_H
#define GRADC_RUNTIME_THREADS_H

#include <cstdint>

namespace gradc::rt {

/// The threads a parallel kernel may use: gradc_set_threads' choice, or one
/// per core (runParts never uses more threads than there are cores).
int kernelThreads();

/// Calls work(context, part, parts) for part = 0 .. parts-1, each on its own
/// thread (the caller runs part 0), and returns when all are done; `parts`
/// is first capped at the number of threads. The worker threads start at
/// the first call and then wait, so later calls allocate nothing.
void runParts(int parts, void (*work)(void *context, int part, int parts),
              void *context);

} // namespace gradc::rt

#endif // GRADC_RUNTIME_THREADS_H
