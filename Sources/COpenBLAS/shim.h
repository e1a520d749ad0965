// OpenBLAS's own cblas.h (found through pkg-config's include path), which also declares
// openblas_set_num_threads and openblas_get_corename.
#include <cblas.h>
