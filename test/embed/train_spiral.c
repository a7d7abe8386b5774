/* Trains models/spiral.grad from C, through the library gradc builds:
 *
 *   gradc build models/spiral.grad --emit=lib -o spiral_lib
 *   cc -O2 -I spiral_lib -c test/embed/train_spiral.c -o train_spiral.o
 *   c++ train_spiral.o spiral_lib/spiral.o spiral_lib/libgradc_kernels.a \
 *       -pthread -o train_spiral
 *   ./train_spiral
 *
 * The program owns every buffer: one block for the parameters and the
 * optimizer state (laid out by spiral.h), the batch, the outputs and the
 * scratch arena. No gradc runtime beyond the kernels is involved. */
#include "spiral.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { CLASSES = 3, PER_CLASS = 100, SAMPLES = CLASSES * PER_CLASS };
enum { BATCH = 50, HIDDEN = 100, EPOCHS = 300 };

static unsigned long long rng_state = 42;

static double uniform(void) { /* [0, 1) */
  rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
  return (double)(rng_state >> 11) / 9007199254740992.0;
}

static double normal(void) {
  double u = uniform(), v = uniform();
  return sqrt(-2.0 * log(1.0 - u)) * cos(6.283185307179586 * v);
}

static void *aligned(size_t bytes) {
  void *memory = aligned_alloc(64, (bytes + 63) / 64 * 64);
  if (!memory) {
    fprintf(stderr, "out of memory\n");
    exit(1);
  }
  memset(memory, 0, bytes);
  return memory;
}

/* Three interleaved spiral arms, as in CS231n. */
static void make_spiral(float points[SAMPLES][2], int labels[SAMPLES]) {
  for (int c = 0; c < CLASSES; ++c)
    for (int i = 0; i < PER_CLASS; ++i) {
      double r = (double)i / (PER_CLASS - 1);
      double t = c * 4.0 + 4.0 * r + 0.2 * normal();
      points[c * PER_CLASS + i][0] = (float)(r * sin(t));
      points[c * PER_CLASS + i][1] = (float)(r * cos(t));
      labels[c * PER_CLASS + i] = c;
    }
}

/* The initializers spiral.grad asks for: he_normal w1, xavier_uniform w2,
 * zero biases and zero velocities (the block starts zeroed). */
static void initialize(spiral_step_operands *step) {
  for (int i = 0; i < 2 * HIDDEN; ++i)
    step->w1[i] = (float)(normal() * sqrt(2.0 / 2));
  double limit = sqrt(6.0 / (HIDDEN + CLASSES));
  for (int i = 0; i < HIDDEN * CLASSES; ++i)
    step->w2[i] = (float)((2 * uniform() - 1) * limit);
}

int main(void) {
  static float points[SAMPLES][2];
  static int labels[SAMPLES];
  make_spiral(points, labels);
  /* Results are the same for any thread count; one is enough here. */
  gradc_set_threads(1);

  void *state = aligned(SPIRAL_STATE_BYTES);
  float *x = aligned(sizeof(float) * BATCH * 2);
  int32_t *y = aligned(sizeof(int32_t) * BATCH);
  float *lr = aligned(sizeof(float));
  float *logits = aligned(sizeof(float) * BATCH * CLASSES);
  float *loss = aligned(sizeof(float));

  spiral_step_operands step = {0};
  spiral_step_bind_state(&step, state);
  step.x = x;
  step.y = y;
  step.lr = lr;
  step.logits = logits;
  step.loss = loss;
  step.arena = aligned(SPIRAL_STEP_ARENA_BYTES);
  initialize(&step);
  *lr = 0.1f;

  int order[SAMPLES];
  for (int i = 0; i < SAMPLES; ++i)
    order[i] = i;
  for (int epoch = 1; epoch <= EPOCHS; ++epoch) {
    for (int i = SAMPLES - 1; i > 0; --i) { /* shuffle */
      int j = (int)(uniform() * (i + 1)), swap = order[i];
      order[i] = order[j];
      order[j] = swap;
    }
    double total = 0;
    for (int first = 0; first < SAMPLES; first += BATCH) {
      for (int row = 0; row < BATCH; ++row) {
        x[2 * row] = points[order[first + row]][0];
        x[2 * row + 1] = points[order[first + row]][1];
        y[row] = labels[order[first + row]];
      }
      spiral_step(&step);
      total += *loss;
    }
    if (epoch % 100 == 0)
      printf("epoch %d  loss %.4f\n", epoch, total / (SAMPLES / BATCH));
  }

  /* Accuracy with the forward entry point, on the same parameters. */
  spiral_forward_operands forward = {0};
  spiral_forward_bind_state(&forward, state);
  forward.x = x;
  forward.y = y;
  forward.logits = logits;
  forward.loss = loss;
  forward.arena = aligned(SPIRAL_FORWARD_ARENA_BYTES);
  int correct = 0;
  for (int first = 0; first < SAMPLES; first += BATCH) {
    memcpy(x, points[first], sizeof(float) * BATCH * 2);
    memcpy(y, labels + first, sizeof(int32_t) * BATCH);
    spiral_forward(&forward);
    for (int row = 0; row < BATCH; ++row) {
      int best = 0;
      for (int c = 1; c < CLASSES; ++c)
        if (logits[row * CLASSES + c] > logits[row * CLASSES + best])
          best = c;
      correct += best == labels[first + row];
    }
  }
  printf("training accuracy %.1f%%\n", 100.0 * correct / SAMPLES);

  void *blocks[] = {state, x, y, lr, logits, loss, step.arena, forward.arena};
  for (size_t i = 0; i < sizeof blocks / sizeof *blocks; ++i)
    free(blocks[i]);
  return correct * 10 >= SAMPLES * 9 ? 0 : 1; /* 90% or better */
}
