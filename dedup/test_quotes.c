/* test_quotes.c — finding quotations in a cleaned body. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dedup/quotes.h"

/* Find the quotes of body and compare their texts with want[] (NULL-ended). */
static void expect_quotes(const char *body, const char *const *want)
{
	wn_quote_span *q;
	size_t n;
	assert_int_equal(wn_quotes_find(body, strlen(body), &q, &n), 0);
	size_t nwant = 0;
	while (want[nwant])
		nwant++;
	for (size_t i = 0; i < n && i < nwant; i++) {
		assert_true(q[i].start <= q[i].end && q[i].end <= strlen(body));
		char *t = strndup(body + q[i].start, q[i].end - q[i].start);
		assert_string_equal(t, want[i]);
		free(t);
	}
	assert_int_equal(n, nwant);
	free(q);
}

#define QUOTES(...) ((const char *const[]){__VA_ARGS__, NULL})
#define NO_QUOTES ((const char *const[]){NULL})

static void double_marks(void **state)
{
	(void)state;
	expect_quotes("“We will rebuild,” the mayor said. “Soon.”\n",
		      QUOTES("We will rebuild,", "Soon."));
	expect_quotes("He said \"we will rebuild\" and \"soon\".\n",
		      QUOTES("we will rebuild", "soon"));
	expect_quotes("Sie sagte: „Wir bauen neu“ und ging.\n", QUOTES("Wir bauen neu"));
	expect_quotes("Il a dit « nous reconstruirons » hier.\n", QUOTES("nous reconstruirons"));
	expect_quotes("No quotes here at all.\n", NO_QUOTES);
	expect_quotes("Empty “ ” marks and “…” only.\n", NO_QUOTES);
}

static void apostrophes_are_not_quotes(void **state)
{
	(void)state;
	expect_quotes("We’re told the Shi’ite clerics of the 1990’s said “no deal” today.\n",
		      QUOTES("no deal"));
	expect_quotes("We're told the Shi'ite clerics of the 1990's said no.\n", NO_QUOTES);
	/* a trailing possessive with no single quote open closes nothing */
	expect_quotes("The hauliers’ lorries and ISIS’ advance, “said plainly”.\n",
		      QUOTES("said plainly"));
	expect_quotes("She called it ‘a turning point’ for the town.\n",
		      QUOTES("a turning point"));
	expect_quotes("US is 'open' to talks.\n", QUOTES("open"));
	/* a stray opening single mark does not hide the quotes after it */
	expect_quotes("Back in the ‘90s he said “never again” to us.\n", QUOTES("never again"));
}

static void nesting(void **state)
{
	(void)state;
	expect_quotes("“He told me ‘stop the boats’ and left,” she said.\n",
		      QUOTES("He told me ‘stop the boats’ and left,"));
	expect_quotes("“Avoid mistakes — strike the word ‘disasters’ — and go,” he said.\n",
		      QUOTES("Avoid mistakes — strike the word ‘disasters’ — and go,"));
	expect_quotes("\"As [the mayor] said 'no', we stop\" today.\n",
		      QUOTES("As [the mayor] said 'no', we stop"));
	/* British style: single outside, double inside */
	expect_quotes("‘They shouted “out” at us,’ he said.\n",
		      QUOTES("They shouted “out” at us,"));
}

static void multi_paragraph(void **state)
{
	(void)state;
	/* open at the end of a paragraph, re-opened at the next: one quote */
	const char *body = "“The first part of a long statement.\n\n"
			   "“The second part, which ends it,” she said.\n\n"
			   "After that, a plain paragraph.\n";
	expect_quotes(body, QUOTES("The first part of a long statement.\n\n“The second part, "
				   "which ends it,"));
	/* three paragraphs */
	expect_quotes("“One.\n\n“Two.\n\n“Three.”\n",
		      QUOTES("One.\n\n“Two.\n\n“Three."));
	/* a typographic quote not re-opened ends with its paragraph */
	expect_quotes("“Left open by the writer\n\nA new paragraph “with a quote”.\n",
		      QUOTES("Left open by the writer", "with a quote"));
	/* an unclosed straight quote is dropped */
	expect_quotes("He was 6 ft \"tall and\n\nthen \"left\" town.\n", QUOTES("left"));
	/* wrapped lines inside a paragraph are one paragraph */
	expect_quotes("“A quote that wraps\nonto a second line,” he said.\n",
		      QUOTES("A quote that wraps\nonto a second line,"));
}

static void offsets(void **state)
{
	(void)state;
	const char *body = "Intro.\n\n“Quoted words here,” said Ann.\n";
	wn_quote_span *q;
	size_t n;
	assert_int_equal(wn_quotes_find(body, strlen(body), &q, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(q[0].start, strlen("Intro.\n\n“"));
	assert_int_equal(q[0].end, strlen("Intro.\n\n“Quoted words here,"));
	free(q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(double_marks),
		cmocka_unit_test(apostrophes_are_not_quotes),
		cmocka_unit_test(nesting),
		cmocka_unit_test(multi_paragraph),
		cmocka_unit_test(offsets),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
