/* sort.h — small steps for sorted arrays of 64-bit keys, inline for the
 * hot loops that build them (quote k-grams, a page's chrome keys). */
#ifndef WN_SORT_H
#define WN_SORT_H

#include <stddef.h>
#include <stdint.h>

/* Sorts v[0..n) ascending in place: for arrays that are short or nearly in
 * order already (no call per comparison, as qsort makes). Quadratic else. */
static inline void wn_insertion_sort_u64(uint64_t *v, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		uint64_t x = v[i];
		size_t j = i;
		for (; j > 0 && v[j - 1] > x; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
}

/* Drops the repeats of the sorted v[0..n); returns how many are left. */
static inline size_t wn_distinct_sorted_u64(uint64_t *v, size_t n)
{
	size_t u = 0;
	for (size_t i = 0; i < n; i++)
		if (u == 0 || v[u - 1] != v[i])
			v[u++] = v[i];
	return u;
}

#endif
