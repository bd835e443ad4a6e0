/* swar.h — eight bytes at a time in a 64-bit word (SIMD within a register),
 * for scans over ASCII text (decoder, JSON writer, filters, dedup). Internal to winnow. */
#ifndef WN_SWAR_H
#define WN_SWAR_H

#include <stdint.h>
#include <string.h>

/* The fast paths read byte 0 of a chunk as its lowest bits. */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define WN_SWAR_LE 1
#else
#define WN_SWAR_LE 0
#endif

#define WN_SWAR_ONES 0x0101010101010101ull
#define WN_SWAR_HIGHS 0x8080808080808080ull

static inline uint64_t wn_swar_load(const void *p)
{
	uint64_t x;
	memcpy(&x, p, 8);
	return x;
}

/* 0x80 in each byte of x that equals c, 0 elsewhere (exact, no false hits). */
static inline uint64_t wn_swar_eq(uint64_t x, unsigned char c)
{
	uint64_t y = x ^ (WN_SWAR_ONES * c);
	return ~(((y & ~WN_SWAR_HIGHS) + ~WN_SWAR_HIGHS) | y | ~WN_SWAR_HIGHS);
}

/* 0x80 in each ASCII byte of x within lo..hi (lo <= hi < 0x80). */
static inline uint64_t wn_swar_range(uint64_t x, unsigned char lo, unsigned char hi)
{
	uint64_t h = x & ~WN_SWAR_HIGHS;
	uint64_t ge = h + WN_SWAR_ONES * (0x80 - lo);     /* high bit: byte >= lo */
	uint64_t gt = h + WN_SWAR_ONES * (0x7F - hi);     /* high bit: byte > hi */
	return ge & ~gt & ~x & WN_SWAR_HIGHS;
}

/* ASCII upper-case letters of x lowered; other bytes unchanged. */
static inline uint64_t wn_swar_lower(uint64_t x)
{
	return x | (wn_swar_range(x, 'A', 'Z') >> 2);
}

#endif
