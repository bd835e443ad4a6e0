/* Unit tests: the text heuristics, feature by feature and in context. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "filters/filter.h"
#include "filters/heuristics.h"

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
