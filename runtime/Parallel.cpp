//===- Parallel.cpp - the runtime's worker threads ------------------------===//
//
// GEMMs and large generated loop nests split their work across a pool of
// threads started once. A training step must not touch the heap, and
// dispatching work must cost far less than the ~30 us loops it splits, so
// workers spin briefly on a generation counter before sleeping on a
// condition variable; neither path allocates.
//
// The pool is ours rather than OpenMP's so that programs built by gradc
// depend on no OpenMP runtime (Debian's clang ships libomp only as a
// shared library under /usr/lib/llvm-19).
//
//===----------------------------------------------------------------------===//
#include "Threads.h"
#include "gradc/Runtime/Runtime.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

namespace gradc::rt {
namespace {

std::atomic<int> configuredThreads{0};

/// Workers 1..N-1; the calling thread is part 0 of every job. A job is
/// published as one atomic word, (generation << 16) | parts, so a worker
/// that takes no part never reads the job and need not acknowledge it.
class Pool {
public:
  explicit Pool(int workers) {
    for (int index = 0; index < workers; ++index)
      threads.emplace_back([this, index] { serve(index + 1); });
  }
  ~Pool() {
    publish(0); // parts 0: stop
    for (std::thread &thread : threads)
      thread.join();
  }

  int size() const { return static_cast<int>(threads.size()) + 1; }

  void run(int parts, void (*work)(void *, int, int), void *context) {
    std::lock_guard<std::mutex> exclusive(callers); // one job at a time
    job = {work, context};
    pending.store(parts - 1, std::memory_order_relaxed);
    publish(parts);
    work(context, 0, parts);
    while (pending.load(std::memory_order_acquire) != 0)
      std::this_thread::yield();
  }

private:
  struct Job {
    void (*work)(void *, int, int) = nullptr;
    void *context = nullptr;
  };

  static int partsOf(uint64_t word) { return static_cast<int>(word & 0xffff); }

  void publish(int parts) {
    {
      std::lock_guard<std::mutex> lock(mutex);
      uint64_t generation = (posted.load(std::memory_order_relaxed) >> 16) + 1;
      posted.store(generation << 16 | static_cast<uint64_t>(parts),
                   std::memory_order_release);
    }
    wake.notify_all();
  }

  /// Waits for a job after `seen`: spinning first, since the next one
  /// usually follows within microseconds, then sleeping.
  uint64_t awaitJob(uint64_t seen) {
    auto deadline =
        std::chrono::steady_clock::now() + std::chrono::microseconds(500);
    for (int spins = 0;; ++spins) {
      uint64_t current = posted.load(std::memory_order_acquire);
      if (current != seen)
        return current;
      if (spins % 64 == 63 && std::chrono::steady_clock::now() > deadline)
        break;
    }
    std::unique_lock<std::mutex> lock(mutex);
    wake.wait(lock,
              [&] { return posted.load(std::memory_order_acquire) != seen; });
    return posted.load(std::memory_order_acquire);
  }

  void serve(int part) {
    uint64_t seen = 0;
    while (true) {
      seen = awaitJob(seen);
      int parts = partsOf(seen);
      if (parts == 0)
        return;
      // The caller writes the next job only after every part is done.
      if (part < parts) {
        job.work(job.context, part, parts);
        pending.fetch_sub(1, std::memory_order_release);
      }
    }
  }

  std::vector<std::thread> threads;
  std::mutex callers, mutex;
  std::condition_variable wake;
  std::atomic<uint64_t> posted{0};
  std::atomic<int> pending{0};
  Job job;
};

Pool &pool() {
  static Pool instance(std::max(1u, std::thread::hardware_concurrency()) - 1);
  return instance;
}

struct Slices {
  gradc_loop_body body;
  void **buffers;
  int64_t begin, extent;
};

void runSlice(void *context, int part, int parts) {
  auto *slices = static_cast<Slices *>(context);
  int64_t from = slices->begin + slices->extent * part / parts;
  int64_t to = slices->begin + slices->extent * (part + 1) / parts;
  if (to > from)
    slices->body(slices->buffers, from, to);
}

} // namespace

int kernelThreads() {
  int configured = configuredThreads.load(std::memory_order_relaxed);
  return configured > 0 ? configured : pool().size(); // runParts caps it
}

void runParts(int parts, void (*work)(void *, int, int), void *context) {
  parts = std::min(parts, pool().size()); // a part per thread at most
  if (parts <= 1) {
    work(context, 0, 1);
    return;
  }
  pool().run(parts, work, context);
}

} // namespace gradc::rt

extern "C" void gradc_set_threads(int32_t threads) {
  gradc::rt::configuredThreads = threads > 0 ? threads : 0;
}

extern "C" void gradc_parallel_for(gradc_loop_body body, void **buffers,
                                   int64_t begin, int64_t end) {
  gradc::rt::Slices slices{body, buffers, begin, end - begin};
  int64_t parts = std::min<int64_t>(gradc::rt::kernelThreads(), end - begin);
  gradc::rt::runParts(static_cast<int>(std::max<int64_t>(parts, 1)),
                      gradc::rt::runSlice, &slices);
}
