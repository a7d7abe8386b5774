//===- NoAllocationTest.cpp - a training step allocates nothing -----------===//
//
// This binary replaces malloc and its relatives with counting forwarders to
// glibc, then runs compiled training steps: with the static buffer plan,
// the generated code and the runtime's kernels must not touch the heap.
//
//===----------------------------------------------------------------------===//
#include "TestSupport.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>

extern "C" {
void *__libc_malloc(size_t);
void *__libc_calloc(size_t, size_t);
void *__libc_realloc(void *, size_t);
void *__libc_memalign(size_t, size_t);
}

namespace {
std::atomic<bool> counting{false};
std::atomic<long> allocations{0};
void count() {
  if (counting.load(std::memory_order_relaxed))
    allocations.fetch_add(1, std::memory_order_relaxed);
}
} // namespace

extern "C" {
void *malloc(size_t size) {
  count();
  return __libc_malloc(size);
}
void *calloc(size_t count_, size_t size) {
  count();
  return __libc_calloc(count_, size);
}
void *realloc(void *memory, size_t size) {
  count();
  return __libc_realloc(memory, size);
}
void *aligned_alloc(size_t alignment, size_t size) {
  count();
  return __libc_memalign(alignment, size);
}
int posix_memalign(void **memory, size_t alignment, size_t size) {
  count();
  *memory = __libc_memalign(alignment, size);
  return *memory ? 0 : 12; // ENOMEM
}
}

using namespace gradc;
using namespace gradc::test;

namespace {

class NoAllocation : public ::testing::TestWithParam<const char *> {};

TEST_P(NoAllocation, InTrainingSteps) {
  Compiler compiler;
  auto module = compiler.importSource(readModel(GetParam()));
  ASSERT_TRUE(module);
  auto model = compileToJit(*module, 3, rt::Entry::Step);
  ASSERT_TRUE(model);
  if (rt::Tensor *lr = model->buffers->find("lr"))
    lr->data<float>()[0] = 0.01f;
  std::vector<void *> pointers = model->buffers->pointers();
  for (int step = 0; step < 3; ++step) // warm up (threads, first calls)
    ASSERT_TRUE(succeeded(model->jit->call(model->signature.name, pointers)));
  allocations = 0;
  counting = true;
  for (int step = 0; step < 50; ++step)
    (void)model->jit->call(model->signature.name, pointers);
  counting = false;
  EXPECT_EQ(allocations.load(), 0) << "heap allocations in 50 steps";
}

INSTANTIATE_TEST_SUITE_P(Models, NoAllocation,
                         ::testing::Values("mlp_small.grad", "mlp_fmnist.grad",
                                           "mlp_big.grad", "mlp_adam.grad"),
                         [](const auto &info) {
                           std::string name = info.param;
                           return name.substr(0, name.find('.'));
                         });

} // namespace
