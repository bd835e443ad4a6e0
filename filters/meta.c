/* meta.c — title, byline and date from the head of a document (see filter.h). */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "filters/filter.h"
#include "filters/heuristics.h"
#include "lib/swar.h"

#include <errno.h>
#include <pcre2.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* A date as news pages print them: "September 16, 2014", "16 Sep 2014",
 * "2014-09-16", "9/16/2014", optionally with a weekday and a time. */
static const char date_pattern[] =
	"(?i)(?:\\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\\.?\\s+\\d{1,2}(?:st|nd|rd|th)?,?\\s+\\d{4}"
	"|\\b\\d{1,2}\\s+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\\.?,?\\s+\\d{4}"
	"|\\b\\d{4}-\\d{2}-\\d{2}\\b|\\b\\d{1,2}/\\d{1,2}/\\d{2,4}\\b)";

static pcre2_code *date_re;
static pthread_once_t date_once = PTHREAD_ONCE_INIT;

static void compile_date(void)
{
	int err;
	PCRE2_SIZE off;
	date_re = pcre2_compile((PCRE2_SPTR)date_pattern, PCRE2_ZERO_TERMINATED, PCRE2_UTF, &err, &off,
				NULL);
	/* JIT when the system allows it; pcre2_match falls back to the interpreter otherwise. */
	if (date_re)
		(void)pcre2_jit_compile(date_re, PCRE2_JIT_COMPLETE);
}

/* Offset of the first date in s, or -1. `md` is match data for date_re
 * (NULL: none could be made, no date). */
static long find_date(const char *s, size_t n, pcre2_match_data *md)
{
	if (!date_re || !md)
		return -1;
	int rc = pcre2_match(date_re, (PCRE2_SPTR)s, n, 0, 0, md, NULL);
	return rc > 0 ? (long)pcre2_get_ovector_pointer(md)[0] : -1;
}

static wn_text_features features(const wn_line *l)
{
	wn_text_features f = {0};
	wn_text_features_add(&f, l->text, l->len, true);
	return f;
}

/* Bounds on a line's words as the heuristics count them (features()),
 * read 8 bytes at a time without decoding. From below: a token after a
 * space (or at the start) that starts with an ASCII letter or digit starts
 * a word of its own (a space ends any word, a URL included). From above:
 * a word (a URL, a CJK character) starts at an ASCII letter or digit after
 * a byte that is neither, or at the lead byte of a multi-byte character.
 * Reading stops once `enough` words are known from below (hi is then no
 * bound). */
typedef struct {
	uint32_t lo, hi;
	bool digit; /* an ASCII digit was read */
} word_bounds;

/* The number of 0x80 flags in m. */
static inline uint32_t flags(uint64_t m)
{
	return (uint32_t)(((m >> 7) * WN_SWAR_ONES) >> 56);
}

static word_bounds bound_words(const char *t, size_t len, uint32_t enough)
{
	word_bounds b = {0, 0, false};
	uint64_t after_space = 0x80, after_alnum = 0; /* for the chunk's first byte */
	for (size_t i = 0; i < len && b.lo < enough; i += 8) {
		uint64_t x = 0; /* the last chunk zero-padded: NUL is neither */
		if (i + 8 <= len)
			x = wn_swar_load(t + i);
		else
			memcpy(&x, t + i, len - i);
		uint64_t digits = wn_swar_range(x, '0', '9');
		uint64_t alnum = wn_swar_range(x | (WN_SWAR_ONES * 0x20), 'a', 'z') | digits;
		b.digit |= digits != 0;
		uint64_t space = wn_swar_eq(x, ' '), lead = x & (x << 1) & WN_SWAR_HIGHS;
		b.lo += flags(alnum & ((space << 8) | after_space));
		b.hi += flags((alnum & ~((alnum << 8) | after_alnum)) | lead);
		after_space = space >> 56;
		after_alnum = alnum >> 56;
	}
	return b;
}

/* Is the line surely no body paragraph (is_body_paragraph false), with at
 * most `hi` words? Under 12 words it is not; under 25 neither when it ends
 * in a letter, a digit or a comma, which end no sentence, unless its last
 * token is a URL (the heuristics skip a URL when they look for the last
 * character; one after '(' or '[' leaves that as the last, no end either). */
static bool surely_not_body(const wn_line *l, uint32_t hi)
{
	if (hi < 12)
		return true;
	unsigned char last = (unsigned char)l->text[l->len - 1];
	bool plain_end = (unsigned char)((last | 0x20) - 'a') < 26 || (unsigned char)(last - '0') < 10 ||
			 last == ',';
	if (hi >= 25 || !plain_end)
		return false;
	size_t tok = l->len;
	while (tok > 0 && l->text[tok - 1] != ' ')
		tok--;
	return l->text[tok] != 'h' && l->text[tok] != 'w';
}

/* Words as the heuristics count them: each CJK character is one, so a
 * Chinese or Japanese sentence is as long as its English translation. */
static bool is_body_paragraph(const wn_line *l, const wn_text_features *fp)
{
	wn_text_features f = *fp;
	char last = l->text[l->len - 1];
	return f.words >= 25 || (f.words >= 12 && (strchr(".!?\"'", last) || (f.terminal && !f.colon)));
}

/* Length of a byline prefix ("By ", "Posted by ", "Written by ") followed
 * by a capital, or 0. */
static size_t by_prefix(const char *s)
{
	static const char *const prefixes[] = {"By ", "by ", "BY ", "Posted by ", "Written by "};
	if (s[0] != 'B' && s[0] != 'b' && s[0] != 'P' && s[0] != 'W') /* what most lines fail on */
		return 0;
	for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++) {
		size_t n = strlen(prefixes[i]);
		if (!strncmp(s, prefixes[i], n) && s[n] >= 'A' && s[n] <= 'Z')
			return n;
	}
	return 0;
}

/* A headline: a few words, not ending like a sentence or a clause (a
 * question or an exclamation may be a headline; a CJK full stop may not),
 * and mostly words rather than numbers (a row of a results table is no
 * headline). */
static bool heading_like(const wn_line *l, const wn_text_features *fp)
{
	wn_text_features f = *fp;
	if (f.words < 2 || f.words > 25 || l->len > 250)
		return false;
	uint32_t numbers = f.words - f.stopwords - f.content_words; /* words that start with a digit */
	if (numbers * 2 > f.words)
		return false;
	char last = l->text[l->len - 1];
	if (last == '.' || last == ',' || last == ':' || last == ';')
		return false;
	/* 。 and ．: full stops of CJK text */
	return !(l->len >= 3 && (!memcmp(l->text + l->len - 3, "\xE3\x80\x82", 3) ||
				 !memcmp(l->text + l->len - 3, "\xEF\xBC\x8E", 3)));
}

/* Byline and date from one head line, whose word bounds are `b`; true
 * when the line was used. The bounds hold for wn_count_words too (its
 * words start where the heuristics' do), so a line of few words is not
 * counted unless a date makes the number matter, and a line without a
 * digit is not searched for a date: every date the pattern knows has one
 * (\d without PCRE2_UCP is ASCII). */
static int take_byline_date(wn_doc *doc, size_t i, const word_bounds *b, pcre2_match_data *md, bool *used)
{
	wn_line *l = &doc->lines[i];
	*used = false;
	size_t words = SIZE_MAX; /* not counted yet: at most 16 */
	if (b->hi > 16) {
		wn_word_count count;
		wn_word_count_init(&count, l->text, l->len);
		if (wn_words_exceed(&count, 16))
			return 0;
		words = count.words; /* all of them */
	}
	long d = b->digit ? find_date(l->text, l->len, md) : -1;
	int rc = 0;
	bool named = false;
	size_t by = by_prefix(l->text);
	if (by && !doc->byline) {
		/* "By Name | date", "Posted by Name on date", "By Name": the name
		 * ends at a separator, at " on " or at the date. */
		size_t n = strcspn(l->text, "|\xe2"); /* '|' or a dash/bullet (UTF-8 lead E2) */
		const char *on = strstr(l->text + by, " on ");
		if (on && (size_t)(on - l->text) < n)
			n = (size_t)(on - l->text);
		if (d >= 0 && (size_t)d < n)
			n = (size_t)d;
		while (n > by && (l->text[n - 1] == ' ' || l->text[n - 1] == ','))
			n--;
		char *name = strndup(l->text + by, n - by);
		if (!name)
			return -ENOMEM;
		rc = wn_doc_set_field(&doc->byline, name);
		free(name);
		named = true;
	} else if (d >= 0 && strchr(l->text, '|') && !doc->byline) {
		/* "Name | date | time": the part before the first bar is the author. */
		size_t n = strcspn(l->text, "|");
		while (n > 0 && l->text[n - 1] == ' ')
			n--;
		if (n > 0 && (long)n < d && wn_count_words(l->text, n) <= 5) {
			char *name = strndup(l->text, n);
			if (!name)
				return -ENOMEM;
			rc = wn_doc_set_field(&doc->byline, name);
			free(name);
			named = true;
		}
	}
	*used = named;
	if (rc == 0 && d >= 0 && words == SIZE_MAX)
		words = wn_count_words(l->text, l->len);
	if (rc == 0 && d >= 0 && (words <= 10 || named)) {
		*used = true; /* a second date line in the head ("Updated ...") goes too */
		if (!doc->date) {
			/* Keep the date as printed, up to a separator. */
			size_t n = strcspn(l->text + d, "|");
			while (n > 0 && l->text[d + (long)n - 1] == ' ')
				n--;
			char *date = strndup(l->text + d, n);
			if (!date)
				return -ENOMEM;
			rc = wn_doc_set_field(&doc->date, date);
			free(date);
		}
	}
	if (rc == 0 && *used)
		rc = wn_doc_remove(doc, i, named ? "byline" : "date");
	return rc;
}

int wn_filter_meta(wn_doc *doc, const wn_filter_ctx *ctx)
{
	(void)ctx;
	int rc = 0;
	size_t title_at = SIZE_MAX;
	pthread_once(&date_once, compile_date);
	pcre2_match_data *md = date_re ? pcre2_match_data_create_from_pattern(date_re, NULL) : NULL;
	/* The head: the lines before the first body paragraph. A byline as long
	 * as a sentence ("By Name on Monday, ... at 11:04 a.m.") is no body. */
	for (size_t i = 0; i < doc->nlines && rc == 0; i++) {
		wn_line *l = &doc->lines[i];
		if (!wn_line_kept(l))
			continue;
		bool by = by_prefix(l->text) > 0;
		word_bounds words = bound_words(l->text, l->len, by ? UINT32_MAX : 25);
		if (!by && words.lo >= 25) /* a body paragraph, whatever its end */
			break;
		/* The features, once for both tests, only when one needs them: a
		 * hard-wrapped body runs on in lines too short for a body
		 * paragraph, and the head goes on to the end of the page. */
		wn_text_features f = {0};
		if (!doc->title || (!by && !surely_not_body(l, words.hi))) {
			f = features(l);
			if (is_body_paragraph(l, &f) && !by)
				break;
		}
		bool used;
		rc = take_byline_date(doc, i, &words, md, &used);
		if (rc < 0 || used)
			continue;
		if (!doc->title && heading_like(l, &f)) {
			rc = wn_doc_set_field(&doc->title, l->text);
			if (rc == 0)
				rc = wn_doc_remove(doc, i, "title");
			title_at = i;
		}
	}
	pcre2_match_data_free(md);
	if (rc < 0 || !doc->title)
		return rc;
	/* The title is not repeated in the body, also not as "Title | Site". */
	size_t tlen = strlen(doc->title), cap = 0;
	char *tkey = wn_fold_key(doc->title, tlen), *k = NULL;
	if (!tkey)
		return -ENOMEM;
	size_t tn = strlen(tkey);
	for (size_t i = 0; i < doc->nlines && rc == 0; i++) {
		wn_line *l = &doc->lines[i];
		if (i == title_at || !wn_line_kept(l))
			continue;
		/* Cheap exact pre-check: an ASCII first character folds to itself in lower case. */
		unsigned char c0 = (unsigned char)l->text[0];
		if (c0 < 0x80 && c0 != ' ' && c0 != '\t' &&
		    (c0 >= 'A' && c0 <= 'Z' ? c0 + ('a' - 'A') : c0) != (unsigned char)tkey[0])
			continue;
		if (WN_FOLD_KEY_MAX(l->len) > cap) { /* one buffer, grown as needed */
			free(k);
			cap = WN_FOLD_KEY_MAX(l->len);
			if (!(k = malloc(cap))) {
				rc = -ENOMEM;
				break;
			}
		}
		wn_fold_key_into(l->text, l->len, false, k);
		if (!strcmp(k, tkey) || (!strncmp(k, tkey, tn) && (!strncmp(k + tn, " | ", 3) ||
								   !strncmp(k + tn, " - ", 3))))
			rc = wn_doc_remove(doc, i, "repeated-title");
	}
	free(k);
	free(tkey);
	return rc;
}
