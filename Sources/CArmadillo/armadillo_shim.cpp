#include "CArmadillo.h"

#include <armadillo>
#include <cstring>
#include <exception>

namespace {

// Armadillo is column-major; a row-major m × n array is the column-major n × m transpose.
arma::mat fromRowMajor(const float *data, int rows, int cols) {
    arma::fmat t(const_cast<float *>(data), cols, rows, /*copy_aux_mem=*/false, /*strict=*/true);
    return arma::conv_to<arma::mat>::from(t.t());
}

void toRowMajor(const arma::mat &m, float *out) {
    arma::fmat t = arma::conv_to<arma::fmat>::from(m.t());
    std::memcpy(out, t.memptr(), sizeof(float) * t.n_elem);
}

int fail(char *error, int capacity, const char *message) {
    if (error && capacity > 0) {
        std::strncpy(error, message, capacity - 1);
        error[capacity - 1] = 0;
    }
    return 1;
}

template <typename F> int guarded(char *error, int capacity, F body) {
    try {
        return body();
    } catch (const std::exception &e) {
        return fail(error, capacity, e.what());
    } catch (...) {
        return fail(error, capacity, "unknown Armadillo error");
    }
}

} // namespace

extern "C" int sculpt_arma_least_squares(const float *a, int m, int n, const float *b, int k,
                                         float ridge, float *x, char *error, int capacity) {
    return guarded(error, capacity, [&] {
        arma::mat A = fromRowMajor(a, m, n), B = fromRowMajor(b, m, k);
        // Normal equations in double precision: calibration matrices are tall (m >> n).
        arma::mat gram = A.t() * A;
        gram.diag() += ridge;
        arma::mat X;
        if (!arma::solve(X, gram, A.t() * B, arma::solve_opts::likely_sympd))
            return fail(error, capacity, "least squares: the system is singular");
        toRowMajor(X, x);
        return 0;
    });
}

extern "C" int sculpt_arma_singular_values(const float *a, int m, int n, float *values,
                                           char *error, int capacity) {
    return guarded(error, capacity, [&] {
        arma::vec s;
        if (!arma::svd(s, fromRowMajor(a, m, n)))
            return fail(error, capacity, "SVD did not converge");
        for (arma::uword i = 0; i < s.n_elem; ++i) values[i] = static_cast<float>(s[i]);
        return 0;
    });
}

extern "C" int sculpt_arma_cholesky_solve(const float *s, int n, const float *b, int k, float *x,
                                          char *error, int capacity) {
    return guarded(error, capacity, [&] {
        arma::mat R;
        if (!arma::chol(R, fromRowMajor(s, n, n)))
            return fail(error, capacity, "Cholesky: the matrix is not positive definite");
        arma::mat B = fromRowMajor(b, n, k);
        arma::mat y = arma::solve(arma::trimatl(R.t()), B);
        toRowMajor(arma::solve(arma::trimatu(R), y), x);
        return 0;
    });
}
