/* The machine's measured peak of single-precision FMA throughput, in GFLOP/s
 * over all cores: each thread runs independent chains of vector FMAs (enough
 * of them to hide the FMA latency) on values that stay in registers.
 * Compiled with -march=native, so it uses the widest vectors the CPU has. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

typedef float vec __attribute__((vector_size(64)));
enum { CHAINS = 12, ITERATIONS = 20000000 };

static double seconds(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

static void *run(void *sink) {
  vec acc[CHAINS], a, b;
  for (int i = 0; i < 16; ++i) {
    a[i] = 0.999999f;
    b[i] = 1e-7f;
  }
  for (int c = 0; c < CHAINS; ++c)
    acc[c] = a * (float)c;
  for (long n = 0; n < ITERATIONS; ++n)
    for (int c = 0; c < CHAINS; ++c)
      acc[c] = acc[c] * a + b; /* contracted to one FMA */
  float total = 0;
  for (int c = 0; c < CHAINS; ++c)
    total += acc[c][0];
  *(float *)sink = total;
  return NULL;
}

int main(int argc, char **argv) {
  int threads = argc > 1 ? atoi(argv[1]) : (int)sysconf(_SC_NPROCESSORS_ONLN);
  pthread_t ids[256];
  float sinks[256];
  if (threads < 1 || threads > 256)
    return 1;
  double start = seconds();
  for (int t = 0; t < threads; ++t)
    pthread_create(&ids[t], NULL, run, &sinks[t]);
  for (int t = 0; t < threads; ++t)
    pthread_join(ids[t], NULL);
  double flops = 2.0 * 16 * CHAINS * (double)ITERATIONS * threads;
  printf("fma_peak_gflops %.1f\n", flops / (seconds() - start) * 1e-9);
  return 0;
}
