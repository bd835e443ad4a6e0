/* test_normalise_swar.c — the normalisation tests again, on the fast path
 * built without SSE2 (the 64-bit word fallback of normalise.c), which the
 * machines that build the suite would otherwise never run. */
#define WN_NORM_NO_SIMD
#include "dedup/normalise.c"
#include "dedup/test_normalise.c"
