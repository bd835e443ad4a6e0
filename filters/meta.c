/* meta.c — title, byline and date from the head of a document (see filter.h). */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "filters/filter.h"
#include "filters/heuristics.h"

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
}

/* Offset of the first date in s, or -1. */
static long find_date(const char *s, size_t n)
{
	pthread_once(&date_once, compile_date);
	if (!date_re)
		return -1;
	pcre2_match_data *md = pcre2_match_data_create_from_pattern(date_re, NULL);
	if (!md)
		return -1;
	int rc = pcre2_match(date_re, (PCRE2_SPTR)s, n, 0, 0, md, NULL);
	long at = rc > 0 ? (long)pcre2_get_ovector_pointer(md)[0] : -1;
	pcre2_match_data_free(md);
	return at;
}

static wn_text_features features(const wn_line *l)
{
	wn_text_features f = {0};
	wn_text_features_add(&f, l->text, l->len, true);
	return f;
}

/* Words as the heuristics count them: each CJK character is one, so a
 * Chinese or Japanese sentence is as long as its English translation. */
static bool is_body_paragraph(const wn_line *l)
{
	wn_text_features f = features(l);
	char last = l->text[l->len - 1];
	return f.words >= 25 || (f.words >= 12 && (strchr(".!?\"'", last) || (f.terminal && !f.colon)));
}

static bool starts_with_by(const char *s)
{
	return (!strncmp(s, "By ", 3) || !strncmp(s, "by ", 3) || !strncmp(s, "BY ", 3)) &&
	       s[3] >= 'A' && s[3] <= 'Z';
}

/* A headline: a few words, not ending like a sentence or a clause (a
 * question or an exclamation may be a headline; a CJK full stop may not),
 * and mostly words rather than numbers (a row of a results table is no
 * headline). */
static bool heading_like(const wn_line *l)
{
	wn_text_features f = features(l);
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

/* Byline and date from one head line; true when the line was used. */
static int take_byline_date(wn_doc *doc, size_t i, bool *used)
{
	wn_line *l = &doc->lines[i];
	*used = false;
	size_t words = wn_count_words(l->text, l->len);
	if (words > 16)
		return 0;
	long d = find_date(l->text, l->len);
	int rc = 0;
	bool named = false;
	if (starts_with_by(l->text) && !doc->byline) {
		/* "By Name | date" or "By Name": the name ends at a separator. */
		size_t n = strcspn(l->text, "|\xe2"); /* '|' or a dash/bullet (UTF-8 lead E2) */
		while (n > 3 && l->text[n - 1] == ' ')
			n--;
		char *name = strndup(l->text + 3, n > 3 ? n - 3 : 0);
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
	size_t head_end = doc->nlines;
	for (size_t i = 0; i < doc->nlines; i++)
		if (wn_line_kept(&doc->lines[i]) && is_body_paragraph(&doc->lines[i])) {
			head_end = i;
			break;
		}
	int rc = 0;
	size_t title_at = SIZE_MAX;
	for (size_t i = 0; i < head_end && rc == 0; i++) {
		wn_line *l = &doc->lines[i];
		if (!wn_line_kept(l))
			continue;
		bool used;
		rc = take_byline_date(doc, i, &used);
		if (rc < 0 || used)
			continue;
		if (!doc->title && heading_like(l)) {
			rc = wn_doc_set_field(&doc->title, l->text);
			if (rc == 0)
				rc = wn_doc_remove(doc, i, "title");
			title_at = i;
		}
	}
	if (rc < 0 || !doc->title)
		return rc;
	/* The title is not repeated in the body, also not as "Title | Site". */
	char *tkey = wn_fold_key(doc->title, strlen(doc->title));
	if (!tkey)
		return -ENOMEM;
	size_t tn = strlen(tkey);
	for (size_t i = 0; i < doc->nlines && rc == 0; i++) {
		wn_line *l = &doc->lines[i];
		if (i == title_at || !wn_line_kept(l))
			continue;
		char *k = wn_fold_key(l->text, l->len);
		if (!k) {
			rc = -ENOMEM;
			break;
		}
		if (!strcmp(k, tkey) || (!strncmp(k, tkey, tn) && (!strncmp(k + tn, " | ", 3) ||
								   !strncmp(k + tn, " - ", 3))))
			rc = wn_doc_remove(doc, i, "repeated-title");
		free(k);
	}
	free(tkey);
	return rc;
}
