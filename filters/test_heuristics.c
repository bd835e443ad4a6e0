/* Unit tests: the text heuristics, feature by feature and in context. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <utf8proc.h>
#include <cmocka.h>

#include "filters/filter.h"
#include "filters/heuristics.h"


/* ---- the straightforward features of earlier versions, as a reference --- */

/* The stopword test by a walk over the list. */
static bool ref_stopword(const char *w, size_t n)
{
	size_t count;
	const char *const *list = wn_english_stopwords(&count);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)w[i] >= 0x80)
			return false;
	for (size_t i = 0; i < count; i++)
		if (strlen(list[i]) == n && !strncasecmp(list[i], w, n))
			return true;
	return false;
}

static bool ref_is_cjk(int32_t cp)
{
	return (cp >= 0x3040 && cp <= 0x30FF) || (cp >= 0x3400 && cp <= 0x9FFF) || (cp >= 0xAC00 && cp <= 0xD7AF) ||
	       (cp >= 0xF900 && cp <= 0xFAFF);
}

static bool ref_is_word_cp(int32_t cp)
{
	if (cp < 0x80)
		return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || (cp >= '0' && cp <= '9');
	utf8proc_category_t c = utf8proc_category(cp);
	return (c >= UTF8PROC_CATEGORY_LU && c <= UTF8PROC_CATEGORY_LO) ||
	       (c >= UTF8PROC_CATEGORY_MN && c <= UTF8PROC_CATEGORY_ME) ||
	       (c >= UTF8PROC_CATEGORY_ND && c <= UTF8PROC_CATEGORY_NO);
}

static bool ref_is_letter(int32_t cp)
{
	if (cp < 0x80)
		return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z');
	utf8proc_category_t c = utf8proc_category(cp);
	return c >= UTF8PROC_CATEGORY_LU && c <= UTF8PROC_CATEGORY_LO;
}

static bool ref_is_upper(int32_t cp)
{
	if (cp < 0x80)
		return cp >= 'A' && cp <= 'Z';
	utf8proc_category_t c = utf8proc_category(cp);
	return c == UTF8PROC_CATEGORY_LU || c == UTF8PROC_CATEGORY_LT;
}

/* Characters that close a sentence, and those that may follow it. */
static bool ref_is_terminal(int32_t cp)
{
	return cp == '.' || cp == '!' || cp == '?' || cp == ';' || cp == ':' || cp == 0x2026 || cp == 0x3002 ||
	       cp == 0xFF01 || cp == 0xFF1F || cp == 0x061F || cp == 0x0964;
}

static bool ref_is_closing(int32_t cp)
{
	return cp == '"' || cp == '\'' || cp == ')' || cp == ']' || cp == '*' || cp == 0x201D || cp == 0x2019 ||
	       cp == 0x00BB || cp == 0x300D || cp == 0x300F || cp == 0xFF09 || cp == 0x201C;
}

/* Emoji and other pictographs after a sentence end ("today! :)" as a
 * smiley), with their joiners and variation selectors: skipped like closing
 * quotes when looking for the end of a sentence. */
static bool ref_is_trailing_symbol(int32_t cp)
{
	if (cp < 0x80)
		return false;
	if (cp == 0x200D || (cp >= 0xFE00 && cp <= 0xFE0F))
		return true;
	utf8proc_category_t c = utf8proc_category(cp);
	return c == UTF8PROC_CATEGORY_SO || c == UTF8PROC_CATEGORY_SK;
}

static bool ref_is_separator(int32_t cp)
{
	return cp == '|' || cp == 0x00BB || cp == 0x2022 || cp == 0x00B7 || cp == 0x203A || cp == 0x25CF;
}

static size_t ref_url_len_at(const char *s, size_t i, size_t n)
{
	if ((s[i] != 'h' && s[i] != 'w') || (i > 0 && s[i - 1] != ' ' && s[i - 1] != '(' && s[i - 1] != '['))
		return 0;
	if (!((n - i >= 7 && !strncmp(s + i, "http://", 7)) || (n - i >= 8 && !strncmp(s + i, "https://", 8)) ||
	      (n - i >= 4 && !strncmp(s + i, "www.", 4))))
		return 0;
	size_t j = i;
	while (j < n && s[j] != ' ')
		j++;
	return j - i;
}

static bool ref_list_marker(const char *s, size_t n)
{
	if (n >= 2 && strchr("*+o#@-", s[0]) && s[1] == ' ')
		return true;
	if (n >= 4 && !strncmp(s, "\xE2\x80\xA2", 3) && s[3] == ' ') /* • */
		return true;
	size_t d = 0;
	while (d < n && d < 3 && s[d] >= '0' && s[d] <= '9')
		d++;
	return d > 0 && d + 1 < n && (s[d] == '.' || s[d] == ')') && s[d + 1] == ' ';
}

static void ref_features_add(wn_text_features *f, const char *text, size_t len, bool first)
{
	const utf8proc_uint8_t *s = (const utf8proc_uint8_t *)text;
	size_t wstart = 0;
	bool in_word = false, seen_letter = false;
	int32_t wfirst = 0, last = 0, last_open = 0;
	uint32_t digits = 0;
	if (first) {
		f->bullet = ref_list_marker(text, len);
		f->starts_upper = false;
	}
	for (size_t i = 0; i <= len;) {
		int32_t cp = 0;
		utf8proc_ssize_t k = 1;
		if (i < len) {
			size_t u = ref_url_len_at(text, i, len);
			if (u) { /* a URL is one word, never prose */
				f->url_chars += (uint32_t)u;
				f->chars += (uint32_t)u;
				f->words++;
				in_word = false;
				i += u;
				continue;
			}
			if (s[i] < 0x80)
				cp = s[i]; /* ASCII: the common case */
			else
				k = utf8proc_iterate(s + i, (utf8proc_ssize_t)(len - i), &cp);
			if (k <= 0) {
				cp = 0xFFFD;
				k = 1;
			}
		}
		bool cjk = i < len && ref_is_cjk(cp);
		bool w = i < len && !cjk && ref_is_word_cp(cp);
		if (in_word && !w) { /* a word ended */
			f->words++;
			size_t wl = i - wstart;
			if (ref_stopword(text + wstart, wl))
				f->stopwords++;
			else if (ref_is_letter(wfirst)) {
				f->content_words++;
				f->capitalised += ref_is_upper(wfirst);
			}
			in_word = false;
		}
		if (i == len)
			break;
		if (cp >= '0' && cp <= '9') {
			digits++;
		} else {
			if (digits == 4) {
				const char *y = text + i - 4;
				f->has_year |= (y[0] == '1' && y[1] == '9') || (y[0] == '2' && y[1] == '0');
			}
			digits = 0;
		}
		if (cjk) {
			f->words++;
			f->chars += 3;
			f->content_words++;
		} else {
			f->chars++;
			if (w && !in_word) {
				in_word = true;
				wstart = i;
				wfirst = cp;
			}
		}
		if (first && !seen_letter && (cjk || ref_is_letter(cp))) {
			seen_letter = true;
			f->starts_upper = cjk || ref_is_upper(cp) || !utf8proc_isupper(utf8proc_toupper(cp));
		}
		if (ref_is_separator(cp))
			f->separators++;
		else if (cp == '/' && i > 0 && text[i - 1] == ' ' && i + 1 < len && text[i + 1] == ' ')
			f->separators++;
		if (cp != ' ') {
			last = cp;
			if (!ref_is_closing(cp) && !ref_is_trailing_symbol(cp))
				last_open = cp;
		}
		i += (size_t)k;
	}
	if (digits == 4 && len >= 4) {
		const char *y = text + len - 4;
		f->has_year |= (y[0] == '1' && y[1] == '9') || (y[0] == '2' && y[1] == '0');
	}
	if (len) {
		f->terminal = ref_is_terminal(last_open);
		f->colon = last == ':';
	}
}


static void test_stopword_table(void **state)
{
	(void)state;
	size_t n;
	const char *const *list = wn_english_stopwords(&n);
	assert_true(n > 100);
	char w[64];
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(list[i]);
		assert_true(wn_english_stopword(list[i], len)); /* every word is in, in any case */
		for (size_t k = 0; k <= len; k++)
			w[k] = (char)(list[i][k] >= 'a' && list[i][k] <= 'z' ? list[i][k] - 32 : list[i][k]);
		assert_true(wn_english_stopword(w, len));
		w[0] = list[i][0];
		assert_true(wn_english_stopword(w, len));
		/* near misses: one letter more, one less, one changed, a digit, an accent */
		const char *tails[] = {"x", "q", "1"};
		for (size_t t = 0; t < 3; t++) {
			snprintf(w, sizeof w, "%s%s", list[i], tails[t]);
			assert_int_equal(wn_english_stopword(w, len + 1), ref_stopword(w, len + 1));
			snprintf(w, sizeof w, "%s%s", tails[t], list[i]);
			assert_int_equal(wn_english_stopword(w, len + 1), ref_stopword(w, len + 1));
		}
		assert_int_equal(wn_english_stopword(list[i], len - 1), ref_stopword(list[i], len - 1));
		snprintf(w, sizeof w, "%s", list[i]);
		for (size_t k = 0; k < len; k++) {
			char keep = w[k];
			w[k] = keep == 'z' ? 'a' : (char)(keep + 1);
			assert_int_equal(wn_english_stopword(w, len), ref_stopword(w, len));
			w[k] = '@'; /* folds to '`', next to the letters */
			assert_false(wn_english_stopword(w, len));
			w[k] = keep;
		}
		snprintf(w, sizeof w, "%s\xC3\xA9", list[i]);
		assert_false(wn_english_stopword(w, len + 2));
	}
	assert_false(wn_english_stopword("", 0));
	assert_false(wn_english_stopword("themselvesx", 11));
	assert_false(wn_english_stopword("abcdefghijklmnopqrstuvwxyz", 26));
	assert_true(wn_english_stopword("YOURSELVES", 10));
}

static uint32_t rnd_state = 2024;
static uint32_t rnd(void)
{
	rnd_state = rnd_state * 1103515245u + 12345u;
	return rnd_state >> 8;
}

static void expect_same_features(const char *s, size_t len, bool first, const wn_text_features *start)
{
	wn_text_features got = *start, want = *start;
	wn_text_features_add(&got, s, len, first);
	ref_features_add(&want, s, len, first);
	if (memcmp(&got, &want, sizeof got))
		fail_msg("features differ for '%.*s': words %u/%u stop %u/%u content %u/%u cap %u/%u chars %u/%u "
			 "sep %u/%u url %u/%u term %d/%d colon %d/%d bullet %d/%d upper %d/%d year %d/%d",
			 (int)len, s, got.words, want.words, got.stopwords, want.stopwords, got.content_words,
			 want.content_words, got.capitalised, want.capitalised, got.chars, want.chars, got.separators,
			 want.separators, got.url_chars, want.url_chars, got.terminal, want.terminal, got.colon,
			 want.colon, got.bullet, want.bullet, got.starts_upper, want.starts_upper, got.has_year,
			 want.has_year);
}

/* The features of generated lines equal those of the straightforward
 * version: words of every length around the eight- and sixteen-byte steps,
 * stopwords in any case, URLs, years, CJK, emoji, separators. */
static void test_features_match_reference(void **state)
{
	(void)state;
	static const char *pieces[] = {
		"the", "The", "THE", "a", "I", "of", "themselves", "yourselves", "whatever", "Whoever", "however",
		"don't", "it's", "ferry", "harbour", "abcdefg", "abcdefgh", "abcdefghi", "Abcdefghijklmno",
		"abcdefghijklmnop", "abcdefghijklmnopq", "council", "2014", "1999", "20999", "1899", "12", "3.5",
		"http://example.com/a?b=1", "https://x.org", "www.site.net", "wheel", "home", "(www.a.b)",
		"[http://q]", "|", "\xC2\xBB", "\xE2\x80\xA2", "\xC2\xB7", " / ", "/", "*", "-", "1.", "o", "#",
		"\xE6\x97\xA5\xE6\x9C\xAC", "\xED\x95\x9C", "caf\xC3\xA9", "\xC3\x89t\xC3\xA9", "stra\xC3\x9F" "e",
		"\xF0\x9F\x99\x82", "\xE2\x9D\xA4\xEF\xB8\x8F", "\xE2\x80\x9D", "\"", "'", ")", ".", "!", "?", ":",
		";", ",", "\xE2\x80\xA6", "the1", "1the", "x\xCC\x81", "\xEF\xBF\xBD", "\xFF", "\xC3",
	};
	static const char *seps[] = {" ", " ", " ", "", "  ", "\t"};
	char line[1024];
	wn_text_features zero = {0};
	for (int n = 0; n < 4000; n++) {
		size_t len = 0, words = rnd() % 24;
		for (size_t k = 0; k < words; k++) {
			const char *p = pieces[rnd() % (sizeof pieces / sizeof pieces[0])];
			const char *sep = k ? seps[rnd() % (sizeof seps / sizeof seps[0])] : "";
			if (len + strlen(p) + strlen(sep) + 1 >= sizeof line)
				break;
			len += (size_t)sprintf(line + len, "%s%s", sep, p);
		}
		expect_same_features(line, len, true, &zero);
		/* every prefix length, for the ends of the eight-byte steps */
		if (n < 300)
			for (size_t cut = 0; cut < len; cut++)
				expect_same_features(line, cut, rnd() % 2, &zero);
		/* accumulation onto earlier lines */
		wn_text_features acc = zero;
		ref_features_add(&acc, "Some Earlier line.", 18, true);
		expect_same_features(line, len, false, &acc);
	}
}

static wn_text_features feats(const char *s)
{
	wn_text_features f = {0};
	wn_text_features_add(&f, s, strlen(s), true);
	return f;
}

static void test_words_stopwords_punctuation(void **state)
{
	(void)state;
	wn_text_features f = feats("The council met on Tuesday.");
	assert_int_equal(f.words, 5);
	assert_int_equal(f.stopwords, 2); /* the, on */
	assert_true(f.terminal);
	assert_true(f.starts_upper);
	assert_false(f.colon);
	f = feats("\"It will be done,\" she said.\xE2\x80\x9D"); /* closing quotes skipped */
	assert_true(f.terminal);
	f = feats("The plan includes:");
	assert_true(f.terminal && f.colon);
	f = feats("Fishing Fleet Returns Early");
	assert_false(f.terminal);
	assert_true(wn_english_stopword("THE", 3));
	assert_true(wn_english_stopword("would", 5));
	assert_false(wn_english_stopword("ferry", 5));
	assert_false(wn_english_stopword("\xC3\xA9t\xC3\xA9", 6));
}

static void test_emoji_after_sentence_end(void **state)
{
	(void)state;
	/* "... there! <smiling face>": the sentence still ends */
	assert_true(feats("We hope to see all of you there! \xF0\x9F\x99\x82").terminal);
	/* a joined emoji with a variation selector, after a full stop */
	assert_true(feats("The boat is back.\xE2\x9D\xA4\xEF\xB8\x8F").terminal);
	/* an arrow after words is no sentence end */
	assert_false(feats("Scroll down for more \xE2\xAC\x87\xEF\xB8\x8F").terminal);
}

static void test_title_case_share(void **state)
{
	(void)state;
	wn_text_features f = feats("Council Approves New Budget For Parks");
	assert_int_equal(f.content_words, 5); /* "For" is a stopword */
	assert_int_equal(f.capitalised, 5);
	f = feats("the council approved a new budget for parks");
	assert_int_equal(f.capitalised, 0);
}

static void test_markers_separators_links_years(void **state)
{
	(void)state;
	assert_true(feats("* Home").bullet);
	assert_true(feats("12. Step twelve").bullet);
	assert_false(feats("12.5 percent").bullet);
	assert_int_equal(feats("Home | News | Sport \xC2\xBB More").separators, 3);
	assert_int_equal(feats("and/or either way").separators, 0);
	wn_text_features f = feats("See https://example.org/a/b for more");
	assert_int_equal(f.url_chars, strlen("https://example.org/a/b"));
	assert_int_equal(f.words, 4);
	assert_true(feats("Published 12 March 2019").has_year);
	assert_false(feats("Room 2450 is closed").has_year);
}

static void test_cjk_and_accumulation(void **state)
{
	(void)state;
	/* 今日は晴れです。: seven characters, each a word, and a full stop. */
	wn_text_features f = feats("\xE4\xBB\x8A\xE6\x97\xA5\xE3\x81\xAF\xE6\x99\xB4\xE3\x82\x8C\xE3\x81\xA7\xE3\x81\x99"
				   "\xE3\x80\x82");
	assert_int_equal(f.words, 7);
	assert_int_equal(f.chars, 7 * 3 + 1);
	assert_true(f.terminal);
	/* Lines of one paragraph add up; the flags follow the first and last line. */
	wn_text_features g = {0};
	wn_text_features_add(&g, "* the first", 11, true);
	wn_text_features_add(&g, "and the last.", 13, false);
	assert_int_equal(g.words, 5);
	assert_int_equal(g.stopwords, 3);
	assert_true(g.bullet);
	assert_true(g.terminal);
}

/* An article of my own, laid out like a text-browser dump. */
static const char article[] =
	"     * Home\n"                                                                     /* 1 */
	"     * News\n"                                                                     /* 2 */
	"     * Sport\n"                                                                    /* 3 */
	"     * Weather\n"                                                                  /* 4 */
	"     * Contact\n"                                                                  /* 5 */
	"\n"                                                                                /* 6 */
	"Harbour Council Approves Plan For New Sea Wall\n"                                  /* 7 */
	"\n"                                                                                /* 8 */
	"   By Mira Holt\n"                                                                 /* 9 */
	"   June 4, 2023\n"                                                                 /* 10 */
	"   A crane lifts stones onto the old harbour wall in the rain.\n"                  /* 11 */
	"   A crane lifts stones onto the old harbour wall in the rain.\n"                  /* 12 */
	"\n"                                                                                /* 13 */
	"   The harbour council approved a plan on Tuesday to build a new sea wall along the northern "
	"edge of the old port, after two winters of storms flooded the fish market and the lifeboat "
	"station.\n"                                                                        /* 14 */
	"\n"                                                                                /* 15 */
	"   Work is expected to start in the spring and to last for about eighteen months, according to "
	"the engineers who drew up the plan for the council.\n"                             /* 16 */
	"\n"                                                                                /* 17 */
	"   It was a short meeting.\n"                                                      /* 18 */
	"\n"                                                                                /* 19 */
	"   The wall will be paid for by the council and by a grant from the regional government, which "
	"has promised to cover half of the cost of the whole project.\n"                    /* 20 */
	"\n"                                                                                /* 21 */
	"     * Weather today\n"                                                            /* 22 */
	"     * Traffic news\n"                                                             /* 23 */
	"     * Ferry times\n"                                                              /* 24 */
	"\n"                                                                                /* 25 */
	"   The plan includes:\n"                                                           /* 26 */
	"     * a higher wall at the market\n"                                              /* 27 */
	"     * new gates for the slipway\n"                                                /* 28 */
	"     * steps down to the beach\n"                                                  /* 29 */
	"\n"                                                                                /* 30 */
	"   Residents who spoke at the meeting said they were relieved that something would finally be "
	"done about the flooding in the lower town.\n"                                      /* 31 */
	"\n"                                                                                /* 32 */
	"Repairs to the lifeboat station\n"                                                 /* 33 */
	"\n"                                                                                /* 34 */
	"   The lifeboat crew said the station had been flooded three times since the autumn and that "
	"their equipment had to be moved to a shed on the hill each time.\n"                /* 35 */
	"   Read the plan at https://council.example.org/plans/sea-wall\n"                  /* 36 */
	"\n"                                                                                /* 37 */
	"   The council will meet again in September to choose a builder for the new wall.\n" /* 38 */
	"\n"                                                                                /* 39 */
	"Related stories\n"                                                                 /* 40 */
	"\n"                                                                                /* 41 */
	"   Fishing Fleet Returns Early As Prices Fall\n"                                   /* 42 */
	"   Lighthouse Keeper Retires After Forty Years\n"                                  /* 43 */
	"   New Ferry Timetable Announced For Winter\n"                                     /* 44 */
	"     * Facebook\n"                                                                 /* 45 */
	"     * Twitter\n"                                                                  /* 46 */
	"   Home | About | Advertise | Contact\n"                                           /* 47 */
	"   Harbour wall at dusk Harbour wall at dusk\n"                                   /* 48 */
	"     * Harbour Council Approves Plan For New Sea Wall A crane at work\n";          /* 49 */

static wn_doc *cleaned(const char *text)
{
	wn_doc *doc;
	assert_int_equal(wn_doc_parse(text, strlen(text), "t/o/a.txt", "o", &doc), 0);
	assert_int_equal(wn_filter_whitespace(doc, NULL), 0);
	assert_int_equal(wn_filter_heuristics(doc, NULL), 0);
	return doc;
}

static const char *why(const wn_doc *doc, unsigned lineno)
{
	return doc->lines[lineno - 1].reason;
}

static void expect_kept(const wn_doc *doc, unsigned lineno)
{
	if (why(doc, lineno))
		fail_msg("line %u removed (%s): %s", lineno, why(doc, lineno), doc->lines[lineno - 1].text);
}

static void expect_reason(const wn_doc *doc, unsigned lineno, const char *reason)
{
	const char *r = why(doc, lineno);
	if (!r || strcmp(r, reason))
		fail_msg("line %u: reason %s, expected %s", lineno, r ? r : "(kept)", reason);
}

static void test_article_in_context(void **state)
{
	(void)state;
	wn_doc *doc = cleaned(article);
	for (unsigned n = 1; n <= 5; n++) /* the menu before the article */
		expect_reason(doc, n, "heuristic:header");
	expect_kept(doc, 7);  /* the title, left for the metadata filter */
	expect_kept(doc, 9);  /* byline */
	expect_kept(doc, 10); /* date */
	expect_reason(doc, 11, "heuristic:repeated-caption");
	expect_reason(doc, 12, "heuristic:repeated-caption");
	expect_kept(doc, 14);
	expect_kept(doc, 16);
	expect_kept(doc, 18); /* a short paragraph between good ones */
	expect_kept(doc, 20);
	expect_reason(doc, 22, "heuristic:menu"); /* short list items, not introduced */
	expect_reason(doc, 23, "heuristic:menu");
	expect_reason(doc, 24, "heuristic:menu");
	for (unsigned n = 26; n <= 29; n++) /* a list introduced by "...:" stays */
		expect_kept(doc, n);
	expect_kept(doc, 31);
	expect_kept(doc, 33); /* a subheading inside the article */
	expect_kept(doc, 35);
	expect_reason(doc, 36, "heuristic:link");
	expect_kept(doc, 38); /* a closing sentence that continues the article */
	expect_reason(doc, 40, "heuristic:footer");
	for (unsigned n = 42; n <= 44; n++) /* teaser headlines: few stopwords, or just after the article */
		assert_non_null(why(doc, n));
	expect_reason(doc, 45, "heuristic:footer");
	expect_reason(doc, 46, "heuristic:footer");
	expect_reason(doc, 47, "heuristic:separators");
	expect_reason(doc, 48, "heuristic:doubled-text");
	expect_reason(doc, 49, "heuristic:title-caption");
	wn_doc_free(doc);
}

/* German: no English stopwords, judged on punctuation and capitals. */
static const char german[] =
	"     * Startseite\n"
	"     * Politik\n"
	"     * Kontakt\n"
	"\n"
	"   Der Gemeinderat hat am Dienstag beschlossen, die alte Br\xC3\xBC""cke \xC3\xBC""ber den Fluss im "
	"n\xC3\xA4""chsten Fr\xC3\xBC""hjahr vollst\xC3\xA4ndig zu erneuern.\n"
	"\n"
	"   Die Arbeiten sollen nach Angaben der Verwaltung etwa ein Jahr dauern und werden von einer "
	"Firma aus der Region ausgef\xC3\xBC""hrt.\n"
	"\n"
	"   W\xC3\xA4hrend der Bauzeit wird eine F\xC3\xA4hre die beiden Ufer verbinden, damit Sch\xC3\xBC""ler "
	"und Pendler weiterhin p\xC3\xBCnktlich ankommen.\n"
	"\n"
	"   Impressum | Datenschutz | Kontakt\n";

static void test_other_language_survives(void **state)
{
	(void)state;
	wn_doc *doc = cleaned(german);
	expect_reason(doc, 1, "heuristic:header");
	expect_reason(doc, 3, "heuristic:header");
	expect_kept(doc, 5);
	expect_kept(doc, 7);
	expect_kept(doc, 9);
	expect_reason(doc, 11, "heuristic:separators");
	wn_doc_free(doc);
}

/* Portuguese, with a quotation whose source closes the paragraph instead
 * of a full stop: long and sentence-cased, it reads as prose. */
static void test_other_language_paragraph_without_full_stop(void **state)
{
	(void)state;
	wn_doc *doc = cleaned(
		"     * In\xC3\xAD""cio\n     * Esportes\n\n"
		"   A prefeitura anunciou na segunda-feira que a ponte velha sobre o rio ser\xC3\xA1 "
		"reformada a partir de mar\xC3\xA7o, com obras que devem durar quase um ano inteiro.\n\n"
		"   \xE2\x80\x9C""Vamos manter uma balsa funcionando durante toda a obra para que ningu\xC3\xA9m "
		"fique sem transporte\xE2\x80\x9D, disse o engenheiro respons\xC3\xA1vel [Jornal da Cidade, p. 4]\n\n"
		"   Os moradores da margem norte pediram que a balsa tamb\xC3\xA9m funcione durante a noite, "
		"porque muitos trabalham no porto e voltam para casa muito tarde.\n");
	expect_kept(doc, 4);
	expect_kept(doc, 6);
	expect_kept(doc, 8);
	wn_doc_free(doc);
}

static void test_teasers_without_punctuation_go(void **state)
{
	(void)state;
	/* A long teaser deck with no sentence end, far after the article. */
	wn_doc *doc = cleaned(
		"   The bridge over the river reopened on Friday after a year of repairs, and the first cars "
		"crossed it shortly after the ribbon was cut by the mayor.\n\n"
		"   Traffic in the town centre is expected to ease now that drivers no longer have to take the "
		"long way round through the industrial estate every morning.\n\n"
		"   Most read\n   Sport\n   Weather\n   Jobs\n   Cars\n   Homes\n   Puzzles\n\n"
		"   Some people thought the painted cattle were a joke but the science behind the stripes could "
		"save farmers a great deal of money\n");
	expect_kept(doc, 1);
	expect_kept(doc, 3);
	expect_reason(doc, 13, "heuristic:footer");
	wn_doc_free(doc);
}

static void test_table_row_before_article_not_left_as_title(void **state)
{
	(void)state;
	wn_doc *doc = cleaned(
		"   Team Blue 12 4 3 1 40\n\n"
		"   The bridge over the river reopened on Friday after a year of repairs, and the first cars "
		"crossed it shortly after the ribbon was cut by the mayor.\n\n"
		"   Traffic in the town centre is expected to ease now that drivers no longer have to take the "
		"long way round through the industrial estate every morning.\n");
	expect_reason(doc, 1, "heuristic:header");
	expect_kept(doc, 3);
	wn_doc_free(doc);
}

static void test_subheading_kept_teasers_not(void **state)
{
	(void)state;
	wn_doc *doc = cleaned(
		"   The bridge over the river reopened on Friday after a year of repairs, and the first cars "
		"crossed it shortly after the ribbon was cut by the mayor.\n\n"
		"   Council Budget Figures, Costs And Timetable\n\n"
		"   The repairs cost less than the council had set aside for them, and the money left over will "
		"be spent on new lights along the footpath on the eastern side.\n\n"
		"   Fishing Fleet Returns Early As Prices Fall Sharply\n\n"
		"   Lighthouse Keeper Retires After Forty Years Service\n\n"
		"   Traffic in the town centre is expected to ease now that drivers no longer have to take the "
		"long way round through the industrial estate every morning.\n\n"
		"   Buses will return to their old route over the bridge from the first of next month, the "
		"transport office said in a statement on its website.\n");
	expect_kept(doc, 1);
	expect_kept(doc, 3); /* between prose and the paragraph it heads */
	expect_kept(doc, 5);
	expect_reason(doc, 7, "heuristic:few-stopwords"); /* teasers in a run */
	expect_reason(doc, 9, "heuristic:few-stopwords");
	expect_kept(doc, 11);
	wn_doc_free(doc);
}

static void test_short_document_kept(void **state)
{
	(void)state;
	wn_doc *doc = cleaned("Short Headline Here\n\nA first paragraph of the story.\n\nA second one.\n");
	expect_kept(doc, 1);
	expect_kept(doc, 3);
	expect_kept(doc, 5);
	wn_doc_free(doc);
}

static void test_wrapped_paragraphs_stay_whole(void **state)
{
	(void)state;
	char text[4096] = "";
	for (int p = 0; p < 6; p++)
		strcat(text, "The ferry company said on Monday that it would add a second boat to the\n"
			     "morning crossing from next week because the first one has been full on\n"
			     "most days since the start of the school term in early September again\n\n");
	wn_doc *doc = cleaned(text);
	assert_true(doc->wrapped);
	for (size_t i = 0; i < doc->nlines; i++)
		if (!doc->lines[i].blank)
			expect_kept(doc, doc->lines[i].lineno);
	wn_doc_free(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_words_stopwords_punctuation),
		cmocka_unit_test(test_stopword_table),
		cmocka_unit_test(test_features_match_reference),
		cmocka_unit_test(test_emoji_after_sentence_end),
		cmocka_unit_test(test_title_case_share),
		cmocka_unit_test(test_markers_separators_links_years),
		cmocka_unit_test(test_cjk_and_accumulation),
		cmocka_unit_test(test_article_in_context),
		cmocka_unit_test(test_other_language_survives),
		cmocka_unit_test(test_other_language_paragraph_without_full_stop),
		cmocka_unit_test(test_teasers_without_punctuation_go),
		cmocka_unit_test(test_table_row_before_article_not_left_as_title),
		cmocka_unit_test(test_subheading_kept_teasers_not),
		cmocka_unit_test(test_short_document_kept),
		cmocka_unit_test(test_wrapped_paragraphs_stay_whole),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
