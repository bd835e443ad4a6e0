/* chromewin.h — one outlet's learned chrome in memory: the window of its
 * last W counted pages (each page's distinct line keys) with, per key, the
 * number of window pages holding it; and the outlet's chrome lines, which
 * stay chrome once they are (sticky). The index (index.c) decides with it
 * and keeps the store in step; this module only counts. Single-threaded.
 */
#ifndef WN_CHROMEWIN_H
#define WN_CHROMEWIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct wn_chromewin wn_chromewin;

/* A chrome line of the outlet. */
typedef struct wn_chrome_line {
	uint64_t key;
	int64_t since; /* the cseq (chrome_docs) of the page it became chrome with */
	int64_t docs;  /* counted pages that held it */
	bool dirty;    /* docs changed since last written to the store */
} wn_chrome_line;

/* A window of at most `window` pages (>= 1). Returns 0 or -ENOMEM. */
int wn_chromewin_new(unsigned window, wn_chromewin **out);
void wn_chromewin_free(wn_chromewin *w);

/* How many pages of the window hold key. */
unsigned wn_chromewin_count(const wn_chromewin *w, uint64_t key);

/* A hint that key's count is asked for soon: the table is large and its
 * slots random, so a loop over keys that announces the count it needs a
 * few keys ahead waits for memory in parallel. Changes nothing. */
void wn_chromewin_prefetch(const wn_chromewin *w, uint64_t key);

/* Append a counted page (keys: sorted distinct, malloc'd; the window takes
 * them, also on error) and drop the oldest page beyond the window's size.
 * Returns 0 or -ENOMEM (the window is unchanged then). */
int wn_chromewin_push(wn_chromewin *w, int64_t cseq, uint64_t *keys, size_t n);

/* Pages in the window; the cseq of the newest (0: none). */
size_t wn_chromewin_pages(const wn_chromewin *w);
int64_t wn_chromewin_last_cseq(const wn_chromewin *w);

/* The chrome line with key, or NULL. The pointer is valid until the next
 * wn_chromewin_add_line. */
wn_chrome_line *wn_chromewin_line(wn_chromewin *w, uint64_t key);
/* Record a chrome line (key not yet one). Returns 0 or -ENOMEM. */
int wn_chromewin_add_line(wn_chromewin *w, uint64_t key, int64_t since, int64_t docs);
/* All chrome lines, in the order added. */
wn_chrome_line *wn_chromewin_lines(wn_chromewin *w, size_t *n);

/* Bytes held (pages, counts, lines). */
size_t wn_chromewin_bytes(const wn_chromewin *w);

#endif
