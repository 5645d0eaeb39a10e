// Reference for the n-body benchmark: one velocity update of n bodies under softened gravity, with
// positions and velocities as float3 (array of structures, the layout of weft's Array<vec3>).
// Built by bench/run.js with `gcc -O3 -march=native [-fopenmp]`; prints JSON.
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

typedef struct { float x, y, z; } float3;
static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec * 1e-9; }

int main(int argc, char** argv) {
  int n = argc > 1 ? atoi(argv[1]) : 4096;
  int reps = argc > 2 ? atoi(argv[2]) : 5;
  float3* pos = malloc(n * sizeof(float3));
  float3* vel = malloc(n * sizeof(float3));
  float* mass = malloc(n * sizeof(float));
  unsigned s = 1;
  for (int i = 0; i < n; i++) {
    s = s * 1664525u + 1013904223u; pos[i].x = (s >> 8) * (1.0f / 16777216.0f) * 2 - 1;
    s = s * 1664525u + 1013904223u; pos[i].y = (s >> 8) * (1.0f / 16777216.0f) * 2 - 1;
    s = s * 1664525u + 1013904223u; pos[i].z = (s >> 8) * (1.0f / 16777216.0f) * 2 - 1;
    vel[i].x = vel[i].y = vel[i].z = 0; mass[i] = 1.0f / n;
  }
  const float dt = 0.001f, eps2 = 0.01f;
  double best = 1e30;
  for (int r = 0; r < reps; r++) {
    double t0 = now();
    #pragma omp parallel for schedule(static)
    for (int i = 0; i < n; i++) {
      float3 p = pos[i];
      float ax = 0, ay = 0, az = 0;
      for (int j = 0; j < n; j++) {
        float dx = pos[j].x - p.x, dy = pos[j].y - p.y, dz = pos[j].z - p.z;
        float d2 = dx * dx + dy * dy + dz * dz + eps2;
        float inv = 1.0f / sqrtf(d2);
        float w = mass[j] * inv * inv * inv;
        ax += dx * w; ay += dy * w; az += dz * w;
      }
      vel[i].x += ax * dt; vel[i].y += ay * dt; vel[i].z += az * dt;
    }
    double t = now() - t0;
    if (t < best) best = t;
  }
  double check = 0;
  for (int i = 0; i < n; i++) check += vel[i].x + vel[i].y + vel[i].z;
  printf("{\"seconds\": %.9f, \"check\": %.9g}\n", best, check);
  return 0;
}
