/* Unit tests: rule files, rule actions, JIT fallback, match limits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "filters/filter.h"
#include "filters/rules.h"
#include "lib/log.h"

/* Problems reported while loading, as "line: message" lines. */
typedef struct {
	char text[4096];
	unsigned count;
} problems;

static void collect(void *ud, const char *file, unsigned line, const char *msg)
{
	problems *p = ud;
	(void)file;
	size_t used = strlen(p->text);
	snprintf(p->text + used, sizeof p->text - used, "%u: %s\n", line, msg);
	p->count++;
}

static wn_ruleset *rules_from(const char *text, bool no_jit, problems *p)
{
	wn_rules_opts o = {.no_jit = no_jit, .diag = collect, .diag_ud = p};
	wn_ruleset *rs;
	assert_int_equal(wn_ruleset_new(&o, &rs), 0);
	int rc = wn_ruleset_add_text(rs, "test.rules", text);
	if (!p->count)
		assert_int_equal(rc, 0);
	assert_int_equal(wn_ruleset_finish(rs), 0);
	return rs;
}

static wn_doc *doc_from(const char *text, const char *outlet)
{
	wn_doc *doc;
	assert_int_equal(wn_doc_parse(text, strlen(text), "t/f.txt", outlet, &doc), 0);
	assert_int_equal(wn_filter_whitespace(doc, NULL), 0);
	return doc;
}

static void apply(wn_doc *doc, const wn_ruleset *rs)
{
	wn_filter_ctx ctx = {.outlet = doc->outlet, .data = rs};
	assert_int_equal(wn_filter_rules(doc, &ctx), 0);
}

static const char *reason(const wn_doc *doc, unsigned lineno)
{
	for (size_t i = 0; i < doc->nlines; i++)
		if (doc->lines[i].lineno == lineno)
			return doc->lines[i].reason;
	fail_msg("no line %u", lineno);
	return NULL;
}

static void test_drop_line_caseless_and_max_words(void **state)
{
	(void)state;
	problems p = {0};
	wn_ruleset *rs = rules_from("[inbox]\n"
				    "pattern = right in your inbox\n"
				    "action = drop-line\n"
				    "flags = caseless\n"
				    "max-words = 12\n",
				    false, &p);
	wn_doc *doc = doc_from("The ferry ran late again on Monday.\n"
			       "Our best stories, RIGHT IN YOUR INBOX.\n"
			       "She said the reply arrived right in your inbox within a minute of asking, "
			       "which surprised everyone at the meeting that day.\n",
			       "o");
	apply(doc, rs);
	assert_null(reason(doc, 1));
	assert_string_equal(reason(doc, 2), "rule:inbox");
	assert_null(reason(doc, 3)); /* a long sentence is not a prompt */
	wn_doc_free(doc);
	wn_ruleset_free(rs);
}

/* On long lines the word limit is counted before the regex runs: the same
 * decisions as counting after it. A line of few long words still matches;
 * a regex that would fail on a line over the limit neither logs nor stops
 * the rule for the rest of the document. */
static void test_word_limit_on_long_lines(void **state)
{
	(void)state;
	for (int jit_off = 0; jit_off <= 1; jit_off++) {
		wn_rules_opts o = {.no_jit = jit_off, .match_limit = 20000};
		wn_ruleset *rs;
		assert_int_equal(wn_ruleset_new(&o, &rs), 0);
		assert_int_equal(wn_ruleset_add_text(rs, "t.rules",
						     "[zeta]\npattern = \\bzeta\\b\naction = drop-line\nmax-words = 3\n"
						     "[backtrack]\npattern = ^(w+)+$\naction = drop-line\nmax-words = 1\n"),
				 0);
		assert_int_equal(wn_ruleset_finish(rs), 0);
		char text[512];
		char ws[61];
		memset(ws, 'w', 60);
		ws[60] = '\0';
		snprintf(text, sizeof text,
			 "Supercalifragilistic zeta Antidisestablishmentarianism\n" /* 3 words, 55 bytes */
			 "a b c d e f g h i j k l m n o p q r s t zeta\n"             /* 21 words */
			 "x zeta y\n"
			 "one two three four zeta\n"                                 /* 5 words, short */
			 "%s b c d e f g h i j k l m n\n"                            /* would hit the match limit */
			 "wwww\n",
			 ws);
		wn_doc *doc = doc_from(text, "o");
		apply(doc, rs);
		assert_string_equal(reason(doc, 1), "rule:zeta");
		assert_null(reason(doc, 2));
		assert_string_equal(reason(doc, 3), "rule:zeta");
		assert_null(reason(doc, 4));
		assert_null(reason(doc, 5));
		assert_string_equal(reason(doc, 6), "rule:backtrack"); /* still in use */
		wn_doc_free(doc);
		wn_ruleset_free(rs);
	}
}

/* Six hard-wrapped paragraphs of three lines (wrapped, so blocks span lines). */
static const char wrapped[] =
	"The harbour board met on Tuesday evening to discuss the new timetable for\n"
	"the winter ferries that will run between the islands and the mainland from\n"
	"the first week of November until the end of the coming March season\n"
	"\n"
	"Members of the board said that the changes were needed because fewer people\n"
	"travel in the dark months and the older boats need long repairs in the dock\n"
	"before they can carry passengers safely through another busy summer\n"
	"\n"
	"A spokesman for the ferry company told the meeting that tickets bought for\n"
	"the old timetable would still be accepted on every crossing for a month and\n"
	"that refunds could be claimed at any harbour office during that time too\n"
	"\n"
	"Several residents asked whether the early morning crossing could be kept as\n"
	"it is the only way for pupils to reach the secondary school on the mainland\n"
	"before the first bell rings and the board promised to look at the question\n"
	"\n"
	"The board will publish the final timetable at the end of the month and will\n"
	"hold a second meeting in the village hall for anyone who wants to comment on\n"
	"the plan before it is sent to the transport authority for its approval now\n"
	"\n"
	"SPONSORED MESSAGE from our partners about cheap travel insurance for the\n"
	"whole family with cover for lost luggage and delays in all seasons of the\n"
	"year so you never have to worry about missing a ferry or a flight again\n";

static void test_drop_block(void **state)
{
	(void)state;
	problems p = {0};
	wn_ruleset *rs = rules_from("[sponsored]\npattern = ^SPONSORED MESSAGE\naction = drop-block\n", false, &p);
	wn_doc *doc = doc_from(wrapped, "o");
	assert_true(doc->wrapped);
	apply(doc, rs);
	assert_string_equal(reason(doc, 21), "rule:sponsored");
	assert_string_equal(reason(doc, 22), "rule:sponsored");
	assert_string_equal(reason(doc, 23), "rule:sponsored");
	assert_null(reason(doc, 19));
	wn_doc_free(doc);
	wn_ruleset_free(rs);
}

static void test_drop_rest_and_before(void **state)
{
	(void)state;
	problems p = {0};
	wn_ruleset *rs = rules_from("[start]\npattern = ^-- article starts --$\naction = drop-before\n"
				    "[end]\npattern = ^-- comments --$\naction = drop-rest\n",
				    false, &p);
	wn_doc *doc = doc_from("Menu\nHome\n-- article starts --\nBody one.\n\nBody two.\n-- comments --\n"
			       "First!\nNice piece.\n",
			       "o");
	apply(doc, rs);
	assert_string_equal(reason(doc, 1), "rule:start");
	assert_string_equal(reason(doc, 2), "rule:start");
	assert_string_equal(reason(doc, 3), "rule:start");
	assert_null(reason(doc, 4));
	assert_null(reason(doc, 6));
	assert_string_equal(reason(doc, 7), "rule:end");
	assert_string_equal(reason(doc, 8), "rule:end");
	assert_string_equal(reason(doc, 9), "rule:end");
	wn_doc_free(doc);
	wn_ruleset_free(rs);
}

static void test_metadata_actions(void **state)
{
	(void)state;
	problems p = {0};
	wn_ruleset *rs = rules_from("[t]\npattern = ^Headline: (?<value>.+)$\naction = title\n"
				    "[b]\npattern = ^Written by (.+?)\\s*$\naction = byline\n"
				    "[d]\npattern = ^\\d{4}-\\d{2}-\\d{2}$\naction = date\n",
				    false, &p);
	wn_doc *doc = doc_from("Headline: Quarry Reopens\nWritten by Ana Brook \n2024-05-01\n"
			       "Written by Someone Else\nThe quarry reopened.\n",
			       "o");
	apply(doc, rs);
	assert_string_equal(doc->title, "Quarry Reopens"); /* the named group */
	assert_string_equal(doc->byline, "Ana Brook");     /* group 1, trimmed */
	assert_string_equal(doc->date, "2024-05-01");      /* the whole line */
	assert_string_equal(reason(doc, 1), "rule:t");
	assert_string_equal(reason(doc, 4), "rule:b"); /* dropped, the first byline stays */
	assert_null(reason(doc, 5));
	wn_doc_free(doc);

	/* A field set already is not overwritten. */
	doc = doc_from("Headline: Other\n", "o");
	assert_int_equal(wn_doc_set_field(&doc->title, "Given"), 0);
	apply(doc, rs);
	assert_string_equal(doc->title, "Given");
	wn_doc_free(doc);
	wn_ruleset_free(rs);
}

static void test_scope(void **state)
{
	(void)state;
	problems p = {0};
	wn_ruleset *rs = rules_from("[tagline]\npattern = ^Local news that matters$\naction = drop-line\n"
				    "scope = valley-*, harbour-herald\n",
				    false, &p);
	const char *text = "Local news that matters\nThe bridge opened.\n";
	const char *outlets[] = {"valley-courier", "harbour-herald", "city-post"};
	const bool dropped[] = {true, true, false};
	for (size_t i = 0; i < 3; i++) {
		wn_doc *doc = doc_from(text, outlets[i]);
		apply(doc, rs);
		assert_true((reason(doc, 1) != NULL) == dropped[i]);
		wn_doc_free(doc);
	}
	wn_ruleset_free(rs);
}

static void test_continuation_and_first_rule_wins(void **state)
{
	(void)state;
	problems p = {0};
	wn_ruleset *rs = rules_from("; a comment\n"
				    "[nav]\n"
				    "pattern = ^(?:home|news|\n"
				    "   sport|weather)$\n"
				    "action = drop-line\n"
				    "flags = caseless\n"
				    "[any-short]\n"
				    "pattern = ^\\w+$\n"
				    "action = drop-line\n",
				    false, &p);
	assert_int_equal(wn_ruleset_count(rs), 2);
	wn_doc *doc = doc_from("Sport\nWeather\nHello\n", "o");
	apply(doc, rs);
	assert_string_equal(reason(doc, 1), "rule:nav");
	assert_string_equal(reason(doc, 2), "rule:nav");
	assert_string_equal(reason(doc, 3), "rule:any-short");
	wn_doc_free(doc);
	wn_ruleset_free(rs);
}

/* Problems are reported with the line they are on; good rules still load. */
static void test_problems_with_lines(void **state)
{
	(void)state;
	problems p = {0};
	const char *text = "[good]\n"                        /* 1 */
			   "pattern = fine\n"                /* 2 */
			   "action = drop-line\n"            /* 3 */
			   "[bad-action]\n"                  /* 4 */
			   "pattern = x+\n"                  /* 5 */
			   "action = delete\n"               /* 6 */
			   "[bad-regex]\n"                   /* 7 */
			   "pattern = (unclosed\n"           /* 8 */
			   "action = drop-line\n"            /* 9 */
			   "[no-pattern]\n"                  /* 10 */
			   "action = drop-line\n"            /* 11 */
			   "[typo]\n"                        /* 12 */
			   "patern = y\n"                    /* 13 */
			   "pattern = y\n"                   /* 14 */
			   "action = drop-line\n"            /* 15 */
			   "[good]\n"                        /* 16 */
			   "pattern = again\n"               /* 17 */
			   "action = drop-line\n"            /* 18 */
			   "[flags]\n"                       /* 19 */
			   "pattern = z\n"                   /* 20 */
			   "action = drop-line\n"            /* 21 */
			   "flags = caseless, shouty\n"      /* 22 */
			   "max-words = -3\n";               /* 23 */
	wn_rules_opts o = {.diag = collect, .diag_ud = &p};
	wn_ruleset *rs;
	assert_int_equal(wn_ruleset_new(&o, &rs), 0);
	assert_int_equal(wn_ruleset_add_text(rs, "test.rules", text), -EINVAL);
	assert_non_null(strstr(p.text, "6: unknown action 'delete'"));
	assert_non_null(strstr(p.text, "8: pattern: missing closing parenthesis"));
	assert_non_null(strstr(p.text, "10: rule 'no-pattern' has no pattern"));
	assert_non_null(strstr(p.text, "13: unknown key 'patern'"));
	assert_non_null(strstr(p.text, "16: duplicate rule id 'good'"));
	assert_non_null(strstr(p.text, "22: unknown flag 'shouty'"));
	assert_non_null(strstr(p.text, "23: max-words must be"));
	assert_int_equal(wn_ruleset_count(rs), 1); /* only the first [good] */
	wn_ruleset_free(rs);

	/* Syntax errors stop the file: nothing of it is loaded. */
	problems q = {0};
	o.diag_ud = &q;
	assert_int_equal(wn_ruleset_new(&o, &rs), 0);
	char longline[300];
	memset(longline, 'a', sizeof longline);
	memcpy(longline, "pattern = ", 10);
	longline[sizeof longline - 1] = '\0';
	char text2[512];
	snprintf(text2, sizeof text2, "[r]\naction = drop-line\nno equals sign here\n[unclosed\n%s\n", longline);
	assert_int_equal(wn_ruleset_add_text(rs, "t2.rules", text2), -EINVAL);
	assert_non_null(strstr(q.text, "3: expected 'key = value'"));
	assert_non_null(strstr(q.text, "4: section header without ']'"));
	assert_non_null(strstr(q.text, "5: line too long"));
	assert_int_equal(wn_ruleset_count(rs), 0);
	wn_ruleset_free(rs);
}

static void test_builtin_rules_load(void **state)
{
	(void)state;
	problems p = {0};
	wn_rules_opts o = {.diag = collect, .diag_ud = &p};
	wn_ruleset *rs;
	assert_int_equal(wn_ruleset_new(&o, &rs), 0);
	assert_true(wn_builtin_rules_count() > 0);
	assert_int_equal(wn_ruleset_add_builtin(rs), 0);
	assert_int_equal(p.count, 0);
	assert_true(wn_ruleset_count(rs) >= 20);
	assert_int_equal(wn_ruleset_finish(rs), 0);
	assert_true(wn_ruleset_prefiltered_count(rs) > wn_ruleset_count(rs) / 2);
	wn_ruleset_free(rs);
}

/* A chrome-heavy page of my own for the built-in rules. */
static const char page[] =
	"Skip to content\n"
	"(BUTTON) Toggle navigation\n"
	"IFRAME: https://ads.example.net/frame\n"
	"[wpResize]\n"
	"[additional-authors]\n"
	"Font Size\n"
	"By Ana Brook\n"
	"March 3, 2022\n"
	"The museum opened its new wing on Saturday with a display of old maps.\n"
	"Visitors can sign up for guided tours at the front desk, the director said.\n"
	"Share this article\n"
	"Sign up for our newsletter and get the best of the week right in your inbox.\n"
	"Editor's Picks\n"
	"Leave a comment\n"
	"Powered by ExamplePress\n"
	"© 2022 Example Media. All rights reserved.\n"
	"About Us | Privacy Policy | Terms of Use | Contact Us\n"
	"____________________\n"
	"fbpx\n";

static void check_builtin_page(bool prefilter, bool no_jit)
{
	wn_rules_opts o = {.no_jit = no_jit};
	wn_ruleset *rs;
	assert_int_equal(wn_ruleset_new(&o, &rs), 0);
	assert_int_equal(wn_ruleset_add_builtin(rs), 0);
	assert_int_equal(wn_ruleset_finish(rs), 0);
	if (no_jit)
		assert_int_equal(wn_ruleset_jit_count(rs), 0);
	wn_doc *doc = doc_from(page, "o");
	wn_filter_ctx ctx = {.outlet = "o", .data = rs};
	assert_int_equal(prefilter ? wn_filter_rules(doc, &ctx) : wn_filter_rules_unfiltered(doc, &ctx), 0);
	for (unsigned n = 1; n <= 19; n++) {
		bool article = n == 9 || n == 10;
		if (article && reason(doc, n))
			fail_msg("article line %u removed (%s)", n, reason(doc, n));
		if (!article && !reason(doc, n))
			fail_msg("chrome line %u kept: %s", n, doc->lines[n - 1].text);
	}
	assert_string_equal(doc->byline, "Ana Brook");
	assert_string_equal(doc->date, "March 3, 2022");
	wn_doc_free(doc);
	wn_ruleset_free(rs);
}

static void test_builtin_rules_on_chrome(void **state)
{
	(void)state;
	check_builtin_page(true, false);
	check_builtin_page(false, false); /* the prefilter changes nothing */
	check_builtin_page(true, true);   /* nor does the interpreter */
}

/* Bylines that carry their outlet; sentences that start with "By" stay,
 * and so does a byline with a date, for the metadata filter. */
static void test_builtin_bylines_with_outlet(void **state)
{
	(void)state;
	wn_ruleset *rs;
	assert_int_equal(wn_ruleset_new(NULL, &rs), 0);
	assert_int_equal(wn_ruleset_add_builtin(rs), 0);
	assert_int_equal(wn_ruleset_finish(rs), 0);
	wn_doc *doc = doc_from("By Rosa Linde | Valley Courier\n"
			       "By Ida Marsh, Valley Courier Staff\n"
			       "By Tom Reyes - Special to the Courier\n"
			       "By Friday, the council had agreed to the plan.\n"
			       "By March 3, 2021, the bridge will be open again.\n"
			       "Posted by Omar Feld on June 2, 2021, 7:45 AM PDT\n",
			       "o");
	apply(doc, rs);
	assert_string_equal(doc->byline, "Rosa Linde");
	assert_string_equal(reason(doc, 1), "rule:byline-with-outlet");
	assert_string_equal(reason(doc, 2), "rule:byline-with-outlet");
	assert_string_equal(reason(doc, 3), "rule:byline-with-outlet");
	assert_null(reason(doc, 4));
	assert_null(reason(doc, 5));
	assert_null(reason(doc, 6));
	wn_doc_free(doc);
	wn_ruleset_free(rs);
}

/* Small print: affiliate disclosures, newsletter promises, site terms,
 * script notices; the article sentences beside them stay. */
static void test_builtin_small_print(void **state)
{
	(void)state;
	wn_ruleset *rs;
	assert_int_equal(wn_ruleset_new(NULL, &rs), 0);
	assert_int_equal(wn_ruleset_add_builtin(rs), 0);
	assert_int_equal(wn_ruleset_finish(rs), 0);
	wn_doc *doc = doc_from("We may earn a commission when you buy through links on our site.\n"
			       "No spam, ever. You can unsubscribe at any time.\n"
			       "Use of this website constitutes acceptance of our terms.\n"
			       "The material on this site may not be reproduced, distributed or used without permission.\n"
			       "This gallery requires JavaScript.\n"
			       "If you enjoyed this article, share it with a friend.\n"
			       "The agents earn a commission on every boat they sell, the harbour master said.\n"
			       "The new timetable starts on Monday and runs until the spring.\n",
			       "o");
	apply(doc, rs);
	for (unsigned n = 1; n <= 6; n++)
		if (!reason(doc, n))
			fail_msg("chrome line %u kept", n);
	assert_null(reason(doc, 7));
	assert_null(reason(doc, 8));
	wn_doc_free(doc);
	wn_ruleset_free(rs);
}

/* Under MemoryDenyWriteExecute pcre2_jit_compile fails; no_jit takes that path. */
static void test_no_jit_matches_the_same(void **state)
{
	(void)state;
	const char *rules = "[a]\npattern = \\bcolou?r\\b\naction = drop-line\nflags = caseless\n";
	const char *text = "Colour me surprised.\nNo match here.\nthe COLOR red\n";
	for (int jit_off = 0; jit_off <= 1; jit_off++) {
		problems p = {0};
		wn_ruleset *rs = rules_from(rules, jit_off, &p);
		if (jit_off)
			assert_int_equal(wn_ruleset_jit_count(rs), 0);
		wn_doc *doc = doc_from(text, "o");
		apply(doc, rs);
		assert_string_equal(reason(doc, 1), "rule:a");
		assert_null(reason(doc, 2));
		assert_string_equal(reason(doc, 3), "rule:a");
		wn_doc_free(doc);
		wn_ruleset_free(rs);
	}
}

/* Catastrophic backtracking is cut off by the match limit: the rule is
 * skipped for the document (logged), the other rules still apply. */
static void test_match_limit_skips_rule(void **state)
{
	(void)state;
	for (int jit_off = 0; jit_off <= 1; jit_off++) {
		wn_rules_opts o = {.no_jit = jit_off, .match_limit = 20000};
		wn_ruleset *rs;
		assert_int_equal(wn_ruleset_new(&o, &rs), 0);
		assert_int_equal(wn_ruleset_add_text(rs, "t.rules",
						     "[backtrack]\npattern = (a+)+$\naction = drop-line\n"
						     "[plain]\npattern = ^drop me$\naction = drop-line\n"),
				 0);
		assert_int_equal(wn_ruleset_finish(rs), 0);
		char text[256];
		memset(text, 'a', 60);
		strcpy(text + 60, "b\ndrop me\nthe end aaaa\n");
		wn_doc *doc = doc_from(text, "o");

		/* Capture the log (stderr) around the filter. */
		char path[] = "/tmp/wn-rules-log-XXXXXX";
		int fd = mkstemp(path);
		assert_true(fd >= 0);
		fflush(stderr);
		int saved = dup(STDERR_FILENO);
		dup2(fd, STDERR_FILENO);
		wn_filter_ctx ctx = {.outlet = "o", .data = rs};
		int rc = wn_filter_rules(doc, &ctx);
		fflush(stderr);
		dup2(saved, STDERR_FILENO);
		close(saved);
		char log[1024] = "";
		ssize_t got = pread(fd, log, sizeof log - 1, 0);
		close(fd);
		unlink(path);
		assert_int_equal(rc, 0);
		assert_true(got > 0);
		assert_non_null(strstr(log, "rule backtrack skipped"));
		assert_null(reason(doc, 1));                 /* the rule gave up on it */
		assert_string_equal(reason(doc, 2), "rule:plain");
		assert_null(reason(doc, 3));                 /* skipped for the rest of the document */
		wn_doc_free(doc);
		wn_ruleset_free(rs);
	}
}


static uint32_t rnd_state = 4242;
static uint32_t rnd(void)
{
	rnd_state = rnd_state * 1103515245u + 12345u;
	return rnd_state >> 8;
}

/* Both runs decide every line alike: the same reason, the same metadata. */
static void expect_same_decisions(const wn_doc *a, const wn_doc *b)
{
	assert_int_equal(a->nlines, b->nlines);
	for (size_t i = 0; i < a->nlines; i++) {
		const char *x = a->lines[i].reason, *y = b->lines[i].reason;
		if ((x == NULL) != (y == NULL) || (x && strcmp(x, y)))
			fail_msg("line %zu '%s': %s vs %s", i + 1, a->lines[i].text, x ? x : "kept", y ? y : "kept");
	}
	const char *const *fa[] = {(const char *const *)&a->title, (const char *const *)&a->byline,
				   (const char *const *)&a->date};
	const char *const *fb[] = {(const char *const *)&b->title, (const char *const *)&b->byline,
				   (const char *const *)&b->date};
	for (int k = 0; k < 3; k++) {
		const char *x = *fa[k], *y = *fb[k];
		assert_true((x == NULL) == (y == NULL) && (!x || !strcmp(x, y)));
	}
}

/* Generated pages of chrome phrases, prose and odd characters: the
 * prefilter (literals, first bytes, the document-wide scan) decides every
 * line as running every regex on every line does. */
static void test_prefilter_changes_nothing_generated(void **state)
{
	(void)state;
	static const char *pieces[] = {
		"Home", "home", "Menu", "Advertisement", "AD", "Ads", "vk", "Facebook", "Twitter", "Email", "E-mail",
		"Share", "Sign in", "Log in", "Register", "Related stories", "Read more:", "Read more", "Most popular",
		"You may also like", "Photo: Reuters", "(AP Photo/Jo Smith)", "(Photo by X via AFP)", "Getty Images",
		"Copyright", "\xC2\xA9 2021 Site", "(c) 2020", "All rights reserved.", "Powered by WordPress",
		"Privacy Policy", "Terms of Use", "Cookie settings", "we use cookies", "newsletter", "Subscribe",
		"sign up for our newsletter", "in your inbox", "By", "by", "Ana Brook", "Posted by", "Written by",
		"| Valley Courier", "Updated", "March 3, 2022", "3 March 2022", "2022-03-03", "3/3/2022", "Mon,",
		"5 min read", "12 photos", "(3 videos)", "Tags:", "Filed under:", "________", "____", "_",
		"[Input]", "[a] [b]", "(BUTTON)", "IFRAME:", "https://a.example/x", "www.example.org", "photo.jpg",
		"IMG.JPEG", "Loading...", "fbpx", "Comments", "3 comments", "Reply", "Cancel reply", "Leave a comment",
		"\xE2\x84\xAA", "\xC5\xBF", "ign in", "elvin", "\xE2\x80\xA2", "*", "-", "o", "the", "council", "met",
		"on", "Tuesday", "and", "agreed", ".", ",", ":", "!", "JavaScript", "enable", "commission",
	};
	wn_ruleset *rs;
	assert_int_equal(wn_ruleset_new(NULL, &rs), 0);
	assert_int_equal(wn_ruleset_add_builtin(rs), 0);
	assert_int_equal(wn_ruleset_finish(rs), 0);
	char text[16384];
	for (int n = 0; n < 150; n++) {
		size_t len = 0, lines = 1 + rnd() % 60;
		for (size_t k = 0; k < lines && len + 400 < sizeof text; k++) {
			size_t words = 1 + rnd() % (rnd() % 4 ? 5 : 40);
			for (size_t w = 0; w < words; w++) {
				const char *p = pieces[rnd() % (sizeof pieces / sizeof pieces[0])];
				len += (size_t)snprintf(text + len, sizeof text - len, "%s%s", w ? " " : "", p);
			}
			text[len++] = '\n';
			if (rnd() % 4 == 0)
				text[len++] = '\n';
		}
		text[len] = '\0';
		wn_doc *a = doc_from(text, "o"), *b = doc_from(text, "o");
		wn_filter_ctx ctx = {.outlet = "o", .data = rs};
		assert_int_equal(wn_filter_rules(a, &ctx), 0);
		assert_int_equal(wn_filter_rules_unfiltered(b, &ctx), 0);
		expect_same_decisions(a, b);
		wn_doc_free(a);
		wn_doc_free(b);
	}
	wn_ruleset_free(rs);
}

/* Lines that do not lie in the text in order (not as wn_doc_parse leaves
 * them) are scanned one by one, with the same result. */
static void test_lines_out_of_order(void **state)
{
	(void)state;
	wn_ruleset *rs;
	assert_int_equal(wn_ruleset_new(NULL, &rs), 0);
	assert_int_equal(wn_ruleset_add_builtin(rs), 0);
	assert_int_equal(wn_ruleset_finish(rs), 0);
	const char *text = "The council met on Tuesday.\nShare this article\nPowered by ExamplePress\n"
			   "The harbour wall will be rebuilt.\n";
	wn_doc *a = doc_from(text, "o"), *b = doc_from(text, "o");
	for (wn_doc *d = a; d; d = d == a ? b : NULL) { /* swap the texts of lines 1 and 3 */
		char *t = d->lines[0].text;
		uint32_t len = d->lines[0].len;
		d->lines[0].text = d->lines[2].text, d->lines[0].len = d->lines[2].len;
		d->lines[2].text = t, d->lines[2].len = len;
	}
	wn_filter_ctx ctx = {.outlet = "o", .data = rs};
	assert_int_equal(wn_filter_rules(a, &ctx), 0);
	assert_int_equal(wn_filter_rules_unfiltered(b, &ctx), 0);
	expect_same_decisions(a, b);
	assert_string_equal(a->lines[0].reason, "rule:powered-by");
	assert_string_equal(a->lines[1].reason, "rule:share-prompt");
	assert_null(a->lines[2].reason);
	wn_doc_free(a);
	wn_doc_free(b);
	wn_ruleset_free(rs);
}

/* Anchored rules skip lines by their first byte, but caseless matching
 * folds KELVIN SIGN to k and LONG S to s: those lines still match. */
static void test_anchored_rules_and_case_folding(void **state)
{
	(void)state;
	problems p = {0};
	wn_ruleset *rs = rules_from("[kelvin]\npattern = ^kelvin scale\\b\nflags = caseless\naction = drop-line\n"
				    "[short]\npattern = ^(?:ad|ads)\\W*$\nflags = caseless\naction = drop-line\n"
				    "[sign]\npattern = ^sign in$\nflags = caseless\naction = drop-line\n",
				    false, &p);
	assert_int_equal(p.count, 0);
	wn_doc *doc = doc_from("\xE2\x84\xAA" "elvin scale readings\nKELVIN scale\nAd\nADS:\nBad\nadvert\n"
			       "\xC5\xBF" "ign in\nsign in now\n",
			       "o");
	apply(doc, rs);
	assert_string_equal(reason(doc, 1), "rule:kelvin");
	assert_string_equal(reason(doc, 2), "rule:kelvin");
	assert_string_equal(reason(doc, 3), "rule:short");
	assert_string_equal(reason(doc, 4), "rule:short");
	assert_null(reason(doc, 5));
	assert_null(reason(doc, 6));
	assert_string_equal(reason(doc, 7), "rule:sign");
	assert_null(reason(doc, 8));
	wn_doc_free(doc);
	wn_ruleset_free(rs);
}

/* A long document is scanned a window of lines at a time: lines on both
 * sides of every window's edge are decided as by every regex. */
static void test_long_document_windows(void **state)
{
	(void)state;
	wn_ruleset *rs;
	assert_int_equal(wn_ruleset_new(NULL, &rs), 0);
	assert_int_equal(wn_ruleset_add_builtin(rs), 0);
	assert_int_equal(wn_ruleset_finish(rs), 0);
	static const char *kinds[] = {"Share this article", "The council met on Tuesday.", "Powered by Foo",
				      "Advertisement", "", "All rights reserved.", "a"};
	size_t cap = 3000 * 32, len = 0;
	char *text = malloc(cap);
	for (size_t i = 0; i < 3000; i++)
		len += (size_t)snprintf(text + len, cap - len, "%s\n", kinds[(i * 7 + i / 5) % 7]);
	wn_doc *a = doc_from(text, "o"), *b = doc_from(text, "o");
	wn_filter_ctx ctx = {.outlet = "o", .data = rs};
	assert_int_equal(wn_filter_rules(a, &ctx), 0);
	assert_int_equal(wn_filter_rules_unfiltered(b, &ctx), 0);
	expect_same_decisions(a, b);
	size_t removed = 0;
	for (size_t i = 0; i < a->nlines; i++)
		removed += a->lines[i].reason != NULL;
	assert_true(removed > 1500);
	wn_doc_free(a);
	wn_doc_free(b);
	free(text);
	wn_ruleset_free(rs);
}

int main(void)
{
	wn_log_set_level(WN_LOG_WARNING);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_drop_line_caseless_and_max_words),
		cmocka_unit_test(test_word_limit_on_long_lines),
		cmocka_unit_test(test_drop_block),
		cmocka_unit_test(test_drop_rest_and_before),
		cmocka_unit_test(test_metadata_actions),
		cmocka_unit_test(test_scope),
		cmocka_unit_test(test_continuation_and_first_rule_wins),
		cmocka_unit_test(test_problems_with_lines),
		cmocka_unit_test(test_builtin_rules_load),
		cmocka_unit_test(test_builtin_rules_on_chrome),
		cmocka_unit_test(test_builtin_bylines_with_outlet),
		cmocka_unit_test(test_builtin_small_print),
		cmocka_unit_test(test_no_jit_matches_the_same),
		cmocka_unit_test(test_match_limit_skips_rule),
		cmocka_unit_test(test_prefilter_changes_nothing_generated),
		cmocka_unit_test(test_lines_out_of_order),
		cmocka_unit_test(test_long_document_windows),
		cmocka_unit_test(test_anchored_rules_and_case_folding),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
