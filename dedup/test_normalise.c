/* test_normalise.c — text normalised for matching. */
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dedup/normalise.h"
#include "dedup/normalise_ref_test.h"

static void expect_norm(const char *in, const char *want)
{
	char *got = wn_norm_text(in, strlen(in));
	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

static void case_quotes_dashes_ellipses(void **state)
{
	(void)state;
	expect_norm("“Hold the LINE,” she said…", "hold the line she said");
	expect_norm("and not — strike that", "and not strike that");
	expect_norm("and not –strike that", "and not strike that");
	expect_norm("and not - strike that", "and not strike that");
	expect_norm("and not--strike that", "and not strike that");
	expect_norm("ways to help… so we wait", "ways to help so we wait");
	expect_norm("ways to help... so we wait", "ways to help so we wait");
	expect_norm("", "");
	expect_norm("— … —", "");
}

static void contractions(void **state)
{
	(void)state;
	expect_norm("there's a way", "there is a way");
	expect_norm("There’s a way", "there is a way");
	expect_norm("We're ready, we’ve said", "we are ready we have said");
	expect_norm("I'm sure they'll go, you'd think", "i am sure they will go you would think");
	expect_norm("don't, wouldn’t, can't, won't, cannot", "do not would not can not will not can not");
	expect_norm("let's see", "let us see");
	/* a possessive 's is dropped, a plain apostrophe inside a word removed */
	expect_norm("the council's plan", "the council plan");
	expect_norm("Shi’ite and Shi'ite and Shiite", "shiite and shiite and shiite");
	expect_norm("the hauliers’ lorries", "the hauliers lorries");
}

static void brackets_digits_accents(void **state)
{
	(void)state;
	expect_norm("Whatever they [the council] do", "whatever they do");
	expect_norm("an [unclosed bracket stays", "an unclosed bracket stays");
	expect_norm("2,000 troops and 3.5 per cent", "2000 troops and 3.5 per cent");
	expect_norm("Café CRÈME", "cafe creme");
	expect_norm("ﬁne", "fine"); /* compatibility ligature */
	/* invalid UTF-8 does not stop it */
	expect_norm("ok \xff fine", "ok fine");
}

static void words_and_content(void **state)
{
	(void)state;
	wn_words a, b;
	const char *x = "We’re not going to coordinate";
	const char *y = "we are NOT going to — coordinate";
	assert_int_equal(wn_norm_words(x, strlen(x), &a), 0);
	assert_int_equal(wn_norm_words(y, strlen(y), &b), 0);
	assert_int_equal(a.n, 6);
	assert_int_equal(b.n, 6);
	assert_memory_equal(a.hash, b.hash, 6 * sizeof(uint64_t));
	/* only "coordinate" carries content */
	for (size_t i = 0; i < 5; i++)
		assert_false(a.content[i]);
	assert_true(a.content[5]);
	wn_words_free(&a);
	wn_words_free(&b);
	assert_true(wn_norm_stopword("the", 3));
	assert_true(wn_norm_stopword("going", 5));
	assert_false(wn_norm_stopword("hinge", 5));
	assert_false(wn_norm_stopword("averyveryverylongword", 21));
	assert_true(wn_norm_stopword("a", 1));
	assert_true(wn_norm_stopword("between", 7)); /* the longest */
	assert_true(wn_norm_stopword("yours", 5));
	assert_false(wn_norm_stopword("yourse", 6));
	assert_false(wn_norm_stopword("thes", 4));
	assert_false(wn_norm_stopword("", 0));
}

/* Generated text (words of 1 to 20 letters and digits in mixed case,
 * runs of separators, digit groups, an accented letter now and then)
 * against a plain reference split: the 8-bytes-at-a-time path meets word
 * ends at every offset and agrees with the byte path. */
static uint32_t rnd_state = 4242;
static uint32_t rnd(void)
{
	rnd_state = rnd_state * 1103515245u + 12345u;
	return rnd_state >> 8;
}

static bool ref_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static void ref_emit(char *out, size_t *o, char *word, size_t *wl)
{
	if (!*wl)
		return;
	if (*o)
		out[(*o)++] = ' ';
	if (*wl == 6 && !memcmp(word, "cannot", 6)) {
		memcpy(out + *o, "can not", 7);
		*o += 7;
	} else {
		memcpy(out + *o, word, *wl);
		*o += *wl;
	}
	*wl = 0;
}

static void ascii_runs_agree_with_reference(void **state)
{
	(void)state;
	static const char seps[] = " \t;:!?-()/\"*+=\n";
	static const char letters[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	enum { CAP = 1 << 16 };
	char *in = malloc(CAP), *want = malloc(CAP), *word = malloc(CAP);
	for (int round = 0; round < 200; round++) {
		size_t n = 0, o = 0, wl = 0;
		char prev = 0;
		for (int k = 0; k < 60 && n < CAP - 64; k++) {
			size_t len = 1 + rnd() % 20;
			for (size_t i = 0; i < len; i++) {
				if (rnd() % 40 == 0) { /* é: folds to e */
					memcpy(in + n, "\xC3\xA9", 2);
					n += 2;
					word[wl++] = prev = 'e';
					continue;
				}
				char c = letters[rnd() % (sizeof letters - 1)];
				in[n++] = c;
				word[wl++] = prev = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
			}
			uint32_t r = rnd() % 10;
			if (r == 0 && prev >= '0' && prev <= '9') { /* a digit group: 2,000 or 3.5 */
				char mark = rnd() % 2 ? ',' : '.';
				in[n++] = mark;
				in[n++] = '7';
				if (mark == '.')
					word[wl++] = '.';
				word[wl++] = prev = '7';
				continue; /* the word goes on */
			}
			/* a lone ',' or '.' between digits would join them: two or more */
			size_t gaps = r == 2 ? 2 + rnd() % 3 : 1 + (r == 1 ? rnd() % 12 : 0);
			for (size_t g = 0; g < gaps; g++)
				in[n++] = r == 2 ? (rnd() % 2 ? ',' : '.') : seps[rnd() % (sizeof seps - 1)];
			ref_emit(want, &o, word, &wl);
			prev = 0;
		}
		ref_emit(want, &o, word, &wl);
		want[o] = '\0';
		/* every start offset, so the 8-byte loads fall everywhere */
		for (size_t shift = 0; shift < 8 && shift < n; shift++) {
			char *got = wn_norm_text(in + shift, n - shift);
			assert_non_null(got);
			if (shift == 0)
				assert_string_equal(got, want);
			else if (ref_alnum(in[shift - 1]) || (unsigned char)in[shift - 1] >= 0x80)
				; /* cut inside a word: only the whole text has a reference */
			else
				assert_string_equal(got, want + (strlen(want) - strlen(got)));
			free(got);
		}
	}
	free(in);
	free(want);
	free(word);
}

/* Pieces of generated text: what each branch of the normaliser reads. */
static const char *const pieces[] = {
	"a", "b", "Z", "Q", "x", "the", "and", "not", "going", "between", "Council", "HARBOUR",
	"7", "42", "2", "cannot", "CANNOT", "can", "n't", "'s", "'re", "'ve", "'ll", "'m", "'d",
	"let", "it", "there", "ca", "wo", "sha", "ai", " ", " ", " ", " ", "  ", "\n", "\n\n", "\t",
	",", ".", ", ", ". ", "...", "'", "`", "\xE2\x80\x99", "\xE2\x80\x98", "\xCA\xBC",
	"\xE2\x80\xB2", "[", "]", "[the council]", "(", ")", "\"", "-", "--", "/", ";", ":", "!",
	"?", "\xE2\x80\x94", "\xE2\x80\x93", "\xE2\x80\xA6", "\xE2\x80\x9C", "\xE2\x80\x9D",
	"\xC2\xAB", "\xC2\xBB", "\xC2\xA0", "\xC3\xA9", "\xC3\x89", "\xC3\x9F", "\xEF\xAC\x81",
	"\xCE\xB1\xCE\x92", "\xD0\x96", "\xE4\xB8\xAD", "e\xCC\x81", "\xCC\x81", "\xF0\x9D\x90\x80",
	"\xE2\x85\xA0", "\xC2\xB2", "\xEF\xBC\xA1", "\xFF", "\xC3", "\xE2\x80", "\x80", "\xF4\x90\x80\x80",
	"\xED\xA0\x80", "", "\x01", "\x7F", "#", "@", "_", "0", "9", "1,000", "3.5", "1990's",
	"Shi'ite", "\xCA\xB9", "\xE3\x80\x80",
};

/* A random text of n pieces, and now and then a long word. */
static size_t gen_text(char *out, size_t cap, size_t n)
{
	size_t len = 0;
	for (size_t i = 0; i < n && len + 400 < cap; i++) {
		if (rnd() % 50 == 0) { /* a long word, ASCII or not */
			size_t m = 10 + rnd() % 300;
			for (size_t j = 0; j < m; j++)
				out[len++] = rnd() % 7 ? (char)('a' + rnd() % 26) : 'Q';
			if (rnd() % 2) {
				memcpy(out + len, "\xC3\xA9", 2);
				len += 2;
			}
			continue;
		}
		size_t k = rnd() % (sizeof pieces / sizeof pieces[0]);
		size_t pl = pieces[k][0] ? strlen(pieces[k]) : 1; /* "": the NUL byte */
		memcpy(out + len, pieces[k], pl);
		len += pl;
	}
	return len;
}

static void expect_same_as_reference(const char *s, size_t len)
{
	char *got = wn_norm_text(s, len), *want = ref_norm_text(s, len);
	assert_non_null(got);
	assert_non_null(want);
	assert_string_equal(got, want);
	free(got);
	free(want);
	wn_words gw, rw;
	assert_int_equal(wn_norm_words(s, len, &gw), 0);
	assert_int_equal(ref_norm_words(s, len, &rw), 0);
	assert_int_equal(gw.n, rw.n);
	if (rw.n) {
		assert_memory_equal(gw.hash, rw.hash, rw.n * sizeof *rw.hash);
		assert_memory_equal(gw.content, rw.content, rw.n * sizeof *rw.content);
	}
	wn_words_free(&gw);
	wn_words_free(&rw);
}

/* The fast normaliser reads what the plain one of normalise_ref_test.h
 * reads: generated text of every branch, cut at every start and end near
 * its edges (so the 16-byte loads fall everywhere, and past the end). */
static void agrees_with_reference(void **state)
{
	(void)state;
	enum { CAP = 1 << 15 };
	char *in = malloc(CAP);
	assert_non_null(in);
	for (int round = 0; round < 400; round++) {
		size_t len = gen_text(in, CAP, 1 + rnd() % (round % 4 ? 40 : 400));
		for (size_t cut = 0; cut < 20 && cut <= len; cut++) {
			expect_same_as_reference(in + cut, len - cut);
			expect_same_as_reference(in, len - cut);
		}
	}
	/* short texts of one to three pieces */
	for (int round = 0; round < 20000; round++) {
		size_t len = gen_text(in, CAP, 1 + rnd() % 3);
		expect_same_as_reference(in, len);
	}
	free(in);
}

/* Every function word of the list is one (none lost a slot of the lookup
 * table to another), as a word of a text too; its neighbours are not. */
static void every_stopword_found(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof ref_stopwords / sizeof ref_stopwords[0]; i++) {
		const char *sw = ref_stopwords[i];
		size_t n = strlen(sw);
		assert_true(wn_norm_stopword(sw, n));
		char text[32];
		snprintf(text, sizeof text, "%s %sx x%s", sw, sw, sw);
		wn_words w;
		assert_int_equal(wn_norm_words(text, strlen(text), &w), 0);
		assert_int_equal(w.n, 3);
		assert_false(w.content[0]);
		assert_int_equal(w.content[1], !ref_stopword(text + n + 1, n + 1));
		assert_int_equal(w.content[2], !ref_stopword(text + 2 * n + 3, n + 1));
		wn_words_free(&w);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(case_quotes_dashes_ellipses),
		cmocka_unit_test(contractions),
		cmocka_unit_test(brackets_digits_accents),
		cmocka_unit_test(words_and_content),
		cmocka_unit_test(ascii_runs_agree_with_reference),
		cmocka_unit_test(agrees_with_reference),
		cmocka_unit_test(every_stopword_found),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
