#ifndef C_ARMADILLO_H
#define C_ARMADILLO_H

// A C view of the few Armadillo routines EdgeSculpt needs. Matrices are row-major float
// arrays; every function returns 0 on success, or non-zero with a message in `error`
// (never a C++ exception: they must not cross into Swift).

#ifdef __cplusplus
extern "C" {
#endif

/// Solves min ||A X - B||² + ridge ||X||² for X (n × k), with A m × n and B m × k.
int sculpt_arma_least_squares(const float *a, int m, int n, const float *b, int k,
                              float ridge, float *x, char *error, int error_capacity);

/// Singular values of A (m × n), in descending order, into `values` (min(m, n) floats).
int sculpt_arma_singular_values(const float *a, int m, int n, float *values,
                                char *error, int error_capacity);

/// Solves S X = B for symmetric positive definite S (n × n) by Cholesky; B and X are n × k.
int sculpt_arma_cholesky_solve(const float *s, int n, const float *b, int k, float *x,
                               char *error, int error_capacity);

#ifdef __cplusplus
}
#endif

#endif
