// Reference for the saxpy benchmark: y = a*x + y over n floats, the best of `reps` runs.
// Built by bench/run.js with `gcc -O3 -march=native [-fopenmp]`; prints JSON.
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec * 1e-9; }

int main(int argc, char** argv) {
  long n = argc > 1 ? atol(argv[1]) : 1L << 24;
  int reps = argc > 2 ? atoi(argv[2]) : 10;
  float* x = aligned_alloc(64, n * sizeof(float));
  float* y = aligned_alloc(64, n * sizeof(float));
  #pragma omp parallel for
  for (long i = 0; i < n; i++) { x[i] = (float)(i % 1000) * 0.001f; y[i] = 1.0f; }
  const float a = 0.5f;
  double best = 1e30;
  for (int r = 0; r < reps; r++) {
    double t0 = now();
    #pragma omp parallel for
    for (long i = 0; i < n; i++) y[i] = a * x[i] + y[i];
    double t = now() - t0;
    if (t < best) best = t;
  }
  double check = 0;
  for (long i = 0; i < n; i += 4099) check += y[i];
  printf("{\"seconds\": %.9f, \"check\": %.6f}\n", best, check);
  free(x); free(y);
  return 0;
}
