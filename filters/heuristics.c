/* heuristics.c — paragraph classes, article segment, context (see heuristics.h). */
#include "filters/heuristics.h"
#include "lib/swar.h"
#include "lib/utf8.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <utf8proc.h>

/* ---- features ------------------------------------------------------------ */

/* English stopwords. Contractions are split by the word
 * rule ("don't" -> "don", "t"), so their first halves are listed. */
static const char *const stopwords[] = {
	"a", "about", "above", "after", "again", "against", "all", "also", "am", "an", "and", "any",
	"are", "aren", "as", "at", "be", "because", "been", "before", "being", "below", "between", "both",
	"but", "by", "can", "cannot", "could", "couldn", "did", "didn", "do", "does", "doesn", "doing",
	"don", "down", "during", "each", "even", "ever", "every", "few", "for", "from", "further", "had",
	"hadn", "has", "hasn", "have", "haven", "having", "he", "her", "here", "hers", "herself", "him",
	"himself", "his", "how", "however", "i", "if", "in", "into", "is", "isn", "it", "its", "itself",
	"just", "least", "less", "let", "like", "ll", "many", "may", "me", "might", "more", "most",
	"much", "must", "my", "myself", "no", "nor", "not", "now", "of", "off", "on", "once", "one",
	"only", "or", "other", "others", "ought", "our", "ours", "ourselves", "out", "over", "own", "per",
	"perhaps", "rather", "re", "said", "same", "say", "says", "shall", "she", "should", "shouldn",
	"since", "so", "some", "such", "than", "that", "the", "their", "theirs", "them", "themselves",
	"then", "there", "these", "they", "this", "those", "though", "through", "thus", "to", "too",
	"toward", "towards", "under", "until", "up", "upon", "us", "very", "via", "was", "wasn", "we",
	"well", "were", "weren", "what", "whatever", "when", "whenever", "where", "whereas", "whether",
	"which", "while", "who", "whoever", "whom", "whose", "why", "will", "with", "within", "without",
	"won", "would", "wouldn", "yet", "you", "your", "yours", "yourself", "yourselves",
};

/* The list as a hash table built once, probed once per word without a
 * branch. A word is its lower-case bytes packed into a 64-bit key (zero
 * padded); the few stopwords longer than eight bytes keep their ninth and
 * tenth bytes in a 16-bit `hi` and are compared one by one (STOP_LONG of
 * them). The table is STOP_BUCKETS buckets of four keys, 32 bytes each (8 KiB
 * in all: it stays in cache between documents); the build picks a hash
 * multiplier under which no bucket overflows. One multiply, one load and
 * four compares per word: the lookup was a third of the feature pass when
 * it compared six 64+16-bit slots. */
#define STOP_BUCKETS 256
#define STOP_SLOTS 4
#define STOP_LONG 4      /* room for stopwords of more than eight bytes */
#define STOP_LONGEST 10 /* bytes of the longest stopword ("themselves") */
_Static_assert(STOP_SLOTS == 4, "stop_short compares four slots");
_Static_assert(STOP_LONG == 4, "stop_lookup compares four long words");
typedef struct {
	_Alignas(32) uint64_t key[STOP_SLOTS];
} stop_bucket;
static stop_bucket stop_table[STOP_BUCKETS];
static uint64_t stop_long_lo[STOP_LONG];
static uint16_t stop_long_hi[STOP_LONG]; /* 0: unused (a long word's hi is never 0) */
static uint64_t stop_mul;
static bool stop_built; /* read with acquire: the table is ready */
static pthread_once_t stop_once = PTHREAD_ONCE_INIT;

static inline uint32_t stop_hash(uint64_t key, uint64_t mul)
{
	return (uint32_t)((key * mul) >> 56) & (STOP_BUCKETS - 1);
}

/* Pack n <= 16 bytes, ASCII letters folded to lower case; false when a
 * byte is not ASCII. (c | 0x20 is a lower-case letter only when c is that
 * letter in either case, so folding every byte is safe.) */
static inline bool stop_pack(const char *w, size_t n, uint64_t *lo, uint64_t *hi)
{
	uint64_t a = 0, b = 0;
	unsigned char any = 0;
	size_t i = 0;
	for (; i < n && i < 8; i++) {
		unsigned char c = (unsigned char)w[i];
		any |= c;
		a |= (uint64_t)(c | 0x20) << (8 * i);
	}
	for (; i < n; i++) {
		unsigned char c = (unsigned char)w[i];
		any |= c;
		b |= (uint64_t)(c | 0x20) << (8 * (i - 8));
	}
	*lo = a;
	*hi = b;
	return any < 0x80;
}

static bool stop_fill(uint64_t mul)
{
	memset(stop_table, 0, sizeof stop_table);
	memset(stop_long_lo, 0, sizeof stop_long_lo);
	memset(stop_long_hi, 0, sizeof stop_long_hi);
	size_t nlong = 0;
	for (size_t i = 0; i < sizeof stopwords / sizeof stopwords[0]; i++) {
		size_t n = strlen(stopwords[i]);
		uint64_t lo, hi;
		if (n > STOP_LONGEST) /* cannot be: the unit test finds every word */
			continue;
		stop_pack(stopwords[i], n, &lo, &hi);
		if (n > 8) {
			if (nlong == STOP_LONG) /* cannot be: the unit test finds every word */
				continue;
			stop_long_lo[nlong] = lo;
			stop_long_hi[nlong++] = (uint16_t)hi;
			continue;
		}
		stop_bucket *b = &stop_table[stop_hash(lo, mul)];
		size_t k = 0;
		while (k < STOP_SLOTS && b->key[k])
			k++;
		if (k == STOP_SLOTS)
			return false;
		b->key[k] = lo;
	}
	return true;
}

static void build_stop_table(void)
{
	/* Odd multipliers from a fixed sequence: the same table every run. */
	uint64_t mul = 0x9E3779B97F4A7C15ull;
	while (!stop_fill(mul))
		mul = (mul * 6364136223846793005ull + 1442695040888963407ull) | 1;
	stop_mul = mul;
	__atomic_store_n(&stop_built, true, __ATOMIC_RELEASE);
}

static inline void stop_ready(void)
{
	if (!__atomic_load_n(&stop_built, __ATOMIC_ACQUIRE))
		pthread_once(&stop_once, build_stop_table);
}

/* Is the packed word of at most eight bytes (key != 0) in the list? */
static inline bool stop_short(uint64_t key)
{
	const stop_bucket *b = &stop_table[stop_hash(key, stop_mul)];
	return (b->key[0] == key) | (b->key[1] == key) | (b->key[2] == key) | (b->key[3] == key);
}

/* Is the packed word (from stop_pack, at most STOP_LONGEST bytes) in the list? */
static inline bool stop_lookup(uint64_t lo, uint64_t hi)
{
#define LONG(k) ((stop_long_lo[k] == lo) & (stop_long_hi[k] == hi))
	return (hi == 0 && stop_short(lo)) | LONG(0) | LONG(1) | LONG(2) | LONG(3); /* STOP_LONG */
#undef LONG
}

static inline bool is_stopword(const char *word, size_t len)
{
	uint64_t lo, hi;
	if (len == 0 || len > STOP_LONGEST || !stop_pack(word, len, &lo, &hi))
		return false;
	stop_ready();
	return stop_lookup(lo, hi);
}

bool wn_english_stopword(const char *word, size_t len)
{
	return is_stopword(word, len);
}

const char *const *wn_english_stopwords(size_t *n)
{
	*n = sizeof stopwords / sizeof stopwords[0];
	return stopwords;
}

static bool is_cjk(int32_t cp)
{
	return (cp >= 0x3040 && cp <= 0x30FF) || (cp >= 0x3400 && cp <= 0x9FFF) || (cp >= 0xAC00 && cp <= 0xD7AF) ||
	       (cp >= 0xF900 && cp <= 0xFAFF);
}

static bool is_letter(int32_t cp)
{
	if (cp < 0x80)
		return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z');
	utf8proc_category_t c = utf8proc_category(cp);
	return c >= UTF8PROC_CATEGORY_LU && c <= UTF8PROC_CATEGORY_LO;
}

static bool is_upper(int32_t cp)
{
	if (cp < 0x80)
		return cp >= 'A' && cp <= 'Z';
	utf8proc_category_t c = utf8proc_category(cp);
	return c == UTF8PROC_CATEGORY_LU || c == UTF8PROC_CATEGORY_LT;
}

/* Characters that close a sentence, and those that may follow it. */
static bool is_terminal(int32_t cp)
{
	return cp == '.' || cp == '!' || cp == '?' || cp == ';' || cp == ':' || cp == 0x2026 || cp == 0x3002 ||
	       cp == 0xFF01 || cp == 0xFF1F || cp == 0x061F || cp == 0x0964;
}

static bool is_closing(int32_t cp)
{
	return cp == '"' || cp == '\'' || cp == ')' || cp == ']' || cp == '*' || cp == 0x201D || cp == 0x2019 ||
	       cp == 0x00BB || cp == 0x300D || cp == 0x300F || cp == 0xFF09 || cp == 0x201C;
}

/* Emoji and other pictographs after a sentence end ("today! :)" as a
 * smiley), with their joiners and variation selectors: skipped like closing
 * quotes when looking for the end of a sentence. */
static bool is_trailing_symbol(int32_t cp)
{
	if (cp < 0x80)
		return false;
	if (cp == 0x200D || (cp >= 0xFE00 && cp <= 0xFE0F))
		return true;
	utf8proc_category_t c = utf8proc_category(cp);
	return c == UTF8PROC_CATEGORY_SO || c == UTF8PROC_CATEGORY_SK;
}

static bool is_separator(int32_t cp)
{
	return cp == '|' || cp == 0x00BB || cp == 0x2022 || cp == 0x00B7 || cp == 0x203A || cp == 0x25CF;
}

static size_t url_len_at(const char *s, size_t i, size_t n)
{
	if ((s[i] != 'h' && s[i] != 'w') || (i > 0 && s[i - 1] != ' ' && s[i - 1] != '(' && s[i - 1] != '['))
		return 0;
	if (n - i < 4 || (s[i + 1] != 't' && s[i + 1] != 'w')) /* neither "http" nor "www." */
		return 0;
	if (!((n - i >= 7 && !strncmp(s + i, "http://", 7)) || (n - i >= 8 && !strncmp(s + i, "https://", 8)) ||
	      (n - i >= 4 && !strncmp(s + i, "www.", 4))))
		return 0;
	size_t j = i;
	while (j < n && s[j] != ' ')
		j++;
	return j - i;
}

static bool list_marker(const char *s, size_t n)
{
	if (n >= 2 && s[1] == ' ' &&
	    (s[0] == '*' || s[0] == '+' || s[0] == 'o' || s[0] == '#' || s[0] == '@' || s[0] == '-'))
		return true;
	if (n >= 4 && !strncmp(s, "\xE2\x80\xA2", 3) && s[3] == ' ') /* • */
		return true;
	size_t d = 0;
	while (d < n && d < 3 && s[d] >= '0' && s[d] <= '9')
		d++;
	return d > 0 && d + 1 < n && (s[d] == '.' || s[d] == ')') && s[d + 1] == ' ';
}

/* The eight bytes from s[i] (i < len, 8 <= len), those at len and beyond
 * read as 0 (not a letter): near the end of the text, the last eight bytes
 * shifted down. Near the end byte by byte cost a quarter of the bytes of
 * a typical line. */
static inline uint64_t load_upto8(const unsigned char *s, size_t i, size_t len)
{
	if (i + 8 <= len)
		return wn_swar_load(s + i);
	return wn_swar_load(s + len - 8) >> (8 * (8 - (len - i)));
}

static inline bool ascii_letter(unsigned char c)
{
	return (unsigned char)((c | 0x20) - 'a') < 26;
}

/* A word ended: `stop` it is a stopword; `letter`, `upper` its first
 * character is a letter, an upper-case one. No branch: the outcome of the
 * stopword test is a coin toss to the branch predictor. */
static inline void end_word(wn_text_features *f, bool stop, bool letter, bool upper)
{
	bool content = !stop & letter;
	f->words++;
	f->stopwords += stop;
	f->content_words += content;
	f->capitalised += content & upper;
}

/* Four digits that just ended at `end` (exclusive): a year 1900-2099? */
static inline bool year_before(const char *text, size_t end)
{
	const char *y = text + end - 4;
	return (y[0] == '1' && y[1] == '9') || (y[0] == '2' && y[1] == '0');
}

/* One pass; ASCII letters go by whole runs, other characters one by one. */
void wn_text_features_add(wn_text_features *out, const char *text, size_t len, bool first)
{
	wn_text_features acc = *out, *f = &acc; /* counted in registers, stored once */
	const utf8proc_uint8_t *s = (const utf8proc_uint8_t *)text;
	bool in_word = false, seen_letter = false;
	bool w_letter = false, w_upper = false; /* the current word's first character */
	int32_t last = 0, last_open = 0;
	uint32_t digits = 0;
	bool run_stop = false; /* the current word's first run is a stopword ... */
	size_t run_end = 0;    /* ... and ends here */
	stop_ready();
	if (first) {
		f->bullet = list_marker(text, len);
		f->starts_upper = false;
	}
	for (size_t i = 0; i < len;) {
		unsigned char c = s[i];
		if (c == ' ') { /* the most common character after letters: ends a word */
			if (in_word) {
				end_word(f, run_stop & (run_end == i), w_letter, w_upper);
				in_word = false;
			}
			f->has_year |= digits == 4 && year_before(text, i);
			digits = 0;
			f->chars++;
			i++;
			continue;
		}
		if (c < 0x80) {
			if (c == 'h' || c == 'w') {
				size_t u = url_len_at(text, i, len);
				if (u) { /* a URL is one word, never prose (it follows no word) */
					f->url_chars += (uint32_t)u;
					f->chars += (uint32_t)u;
					f->words++;
					i += u;
					continue;
				}
			}
			if (ascii_letter(c)) {
				/* the run, packed as a stopword key on the way */
				uint64_t lo, hi = 0;
				size_t j;
				bool stop; /* the run is a stopword */
				if (WN_SWAR_LE && len >= 8) {
					uint64_t x = load_upto8(s, i, len) | (WN_SWAR_ONES * 0x20);
					uint64_t stop_at = ~wn_swar_range(x, 'a', 'z') & WN_SWAR_HIGHS;
					if (stop_at) {
						size_t r = (size_t)__builtin_ctzll(stop_at) >> 3;
						lo = x & ((1ull << (8 * r)) - 1);
						j = i + r;
						stop = stop_short(lo); /* r >= 1: lo != 0 */
					} else {
						uint64_t y = (i + 8 < len ? load_upto8(s, i + 8, len) : 0) |
							     (WN_SWAR_ONES * 0x20);
						lo = x;
						stop_at = ~wn_swar_range(y, 'a', 'z') & WN_SWAR_HIGHS;
						if (stop_at) {
							size_t r = (size_t)__builtin_ctzll(stop_at) >> 3;
							hi = r ? y & ((1ull << (8 * r)) - 1) : 0;
							j = i + 8 + r;
							stop = r <= STOP_LONGEST - 8 && stop_lookup(lo, hi);
						} else { /* 16 letters and more: no stopword */
							stop = false;
							j = i + 16;
							while (j < len && ascii_letter(s[j]))
								j++;
						}
					}
				} else {
					lo = (uint64_t)(c | 0x20);
					for (j = i + 1; j < len && ascii_letter(s[j]); j++) {
						size_t at = j - i;
						if (at < 8)
							lo |= (uint64_t)(s[j] | 0x20) << (8 * at);
						else if (at < 16)
							hi |= (uint64_t)(s[j] | 0x20) << (8 * (at - 8));
					}
					stop = j - i <= STOP_LONGEST && stop_lookup(lo, hi);
				}
				f->has_year |= digits == 4 && year_before(text, i);
				digits = 0;
				f->chars += (uint32_t)(j - i);
				if (!in_word) {
					in_word = true;
					w_letter = true;
					w_upper = c <= 'Z';
					/* a word that is this run alone may be a stopword */
					run_stop = stop;
					run_end = j;
				}
				if (first && !seen_letter) {
					seen_letter = true;
					f->starts_upper = c <= 'Z';
				}
				last = last_open = s[j - 1];
				i = j;
				continue;
			}
			f->chars++;
			if (c >= '0' && c <= '9') {
				digits++;
				if (!in_word) {
					in_word = true;
					w_letter = w_upper = false;
					run_stop = false;
				}
				last = last_open = c;
				i++;
				continue;
			}
			/* white space or punctuation: ends a word */
			if (in_word) {
				end_word(f, run_stop & (run_end == i), w_letter, w_upper);
				in_word = false;
			}
			f->has_year |= digits == 4 && year_before(text, i);
			digits = 0;
			if (c == '|')
				f->separators++;
			else if (c == '/' && i > 0 && text[i - 1] == ' ' && i + 1 < len && text[i + 1] == ' ')
				f->separators++;
			if (c != ' ') {
				last = c;
				if (!is_closing(c))
					last_open = c;
			}
			i++;
			continue;
		}
		int32_t cp;
		utf8proc_ssize_t k = utf8proc_iterate(s + i, (utf8proc_ssize_t)(len - i), &cp);
		if (k <= 0) {
			cp = 0xFFFD;
			k = 1;
		}
		bool cjk = is_cjk(cp);
		bool w = !cjk && wn_utf8_is_word(cp);
		if (in_word && !w) {
			end_word(f, run_stop & (run_end == i), w_letter, w_upper);
			in_word = false;
		}
		f->has_year |= digits == 4 && year_before(text, i);
		digits = 0;
		if (cjk) {
			f->words++;
			f->chars += 3;
			f->content_words++;
		} else {
			f->chars++;
			if (w && !in_word) {
				in_word = true;
				w_letter = is_letter(cp);
				w_upper = is_upper(cp);
				run_stop = false;
			}
		}
		if (first && !seen_letter && (cjk || is_letter(cp))) {
			seen_letter = true;
			f->starts_upper = cjk || is_upper(cp) || !utf8proc_isupper(utf8proc_toupper(cp));
		}
		if (is_separator(cp))
			f->separators++;
		last = cp;
		if (!is_closing(cp) && !is_trailing_symbol(cp))
			last_open = cp;
		i += (size_t)k;
	}
	if (in_word)
		end_word(f, run_stop & (run_end == len), w_letter, w_upper);
	if (digits == 4 && len >= 4)
		f->has_year |= year_before(text, len);
	if (len) {
		f->terminal = is_terminal(last_open);
		f->colon = last == ':';
	}
	*out = acc;
}

/* ---- classes ------------------------------------------------------------- */

/* The reasons, compared by address: every unit's reason is one of these. */
static const char R_DOUBLED_TEXT[] = "heuristic:doubled-text";
static const char R_FEW_STOPWORDS[] = "heuristic:few-stopwords";
static const char R_FOOTER[] = "heuristic:footer";
static const char R_HEADER[] = "heuristic:header";
static const char R_LINK[] = "heuristic:link";
static const char R_MENU[] = "heuristic:menu";
static const char R_NO_LETTERS[] = "heuristic:no-letters";
static const char R_NO_PUNCTUATION[] = "heuristic:no-punctuation";
static const char R_REPEATED_CAPTION[] = "heuristic:repeated-caption";
static const char R_SEPARATORS[] = "heuristic:separators";
static const char R_TITLE_CAPTION[] = "heuristic:title-caption";
static const char R_TITLE_CASE[] = "heuristic:title-case";

enum cls { CLS_BAD, CLS_SHORT, CLS_NEAR, CLS_GOOD };

/* Tuned on text-browser dumps of news pages; see README "Heuristics". */
#define LENGTH_LOW 40          /* chars: below, too short to judge alone */
#define LENGTH_HIGH 100        /* chars: above, long enough to be GOOD */
#define STOPWORDS_HIGH 0.25    /* stopword density of prose */
#define STOPWORDS_LOW 0.20     /* below: not prose */
#define ENGLISH_MEAN 0.20      /* English text: mean stopword density of paragraphs of 10+ words */
#define TITLE_CASE_MAX 0.6     /* without stopwords: share of capitalised words in prose */
#define SEGMENT_GAP 6.0        /* non-GOOD paragraphs (NEAR count half) that end a segment */
#define MERGE_GAP 15.0         /* a dense neighbouring segment joins across this much */
#define MERGE_DENSITY 0.5
#define MERGE_MIN_GOOD 2
#define WEIGHT_CAP 400         /* chars a single paragraph adds to its segment */
#define MENU_RUN 3             /* short list items in a row that make a menu */
#define HEAD_WINDOW 15         /* paragraphs before the article searched for the title */

typedef struct {
	wn_text_features f;
	uint32_t block;
	uint8_t cls;
	const char *reason; /* for CLS_BAD */
	bool gone;          /* every line already removed by an earlier filter */
	bool adj_next;      /* the next paragraph follows with no blank line between */
	bool keep;          /* decided: stays */
	bool protect;       /* left for the metadata filter */
} unit;

static void classify(unit *u, bool english)
{
	const wn_text_features *f = &u->f;
	u->reason = NULL;
	if (f->words == 0) {
		u->cls = CLS_BAD, u->reason = R_NO_LETTERS;
		return;
	}
	if (f->url_chars && (f->url_chars * 2 > f->chars || f->words <= 12)) {
		u->cls = CLS_BAD, u->reason = R_LINK;
		return;
	}
	if (f->separators >= 2 && f->words < 8 * f->separators) {
		u->cls = CLS_BAD, u->reason = R_SEPARATORS;
		return;
	}
	if (f->chars < LENGTH_LOW) {
		u->cls = CLS_SHORT;
		return;
	}
	if (english) {
		double sd = (double)f->stopwords / f->words;
		if (sd >= STOPWORDS_HIGH && (f->terminal || f->chars >= 300))
			u->cls = f->chars > LENGTH_HIGH ? CLS_GOOD : CLS_NEAR;
		else if (sd >= STOPWORDS_LOW)
			u->cls = CLS_NEAR;
		else
			u->cls = CLS_BAD, u->reason = R_FEW_STOPWORDS;
		return;
	}
	double tc = f->content_words ? (double)f->capitalised / f->content_words : 0;
	if (f->terminal && tc < TITLE_CASE_MAX)
		u->cls = f->chars > LENGTH_HIGH ? CLS_GOOD : CLS_NEAR;
	else if (tc < TITLE_CASE_MAX && f->chars > LENGTH_HIGH)
		u->cls = CLS_NEAR; /* long and sentence-cased: prose-like without its full stop */
	else
		u->cls = CLS_BAD, u->reason = f->terminal ? R_TITLE_CASE : R_NO_PUNCTUATION;
}

/* "X X": a text browser prints an image's alt text and its title together. */
static bool doubled(const wn_doc *doc, const unit *u)
{
	const wn_block *b = &doc->blocks[u->block];
	if (b->count != 1)
		return false;
	const wn_line *l = &doc->lines[b->first];
	size_t h = l->len / 2;
	return l->len >= 9 && l->len % 2 == 1 && l->text[h] == ' ' && !memcmp(l->text, l->text + h + 1, h);
}

/* ---- segments ------------------------------------------------------------ */

typedef struct {
	size_t first, last; /* unit indexes of the first and last GOOD paragraph */
	double weight;      /* chars of GOOD paragraphs (each capped) */
	double gap_before;  /* cost of the gap that separated it from the previous one */
	size_t good, units;
	size_t near_after, near; /* NEAR paragraphs inside */
} segment;

static double gap_cost(const unit *u)
{
	return u->cls == CLS_NEAR ? 0.5 : 1.0;
}

/* Segments seeded by `seed` class (GOOD, or NEAR when there is no GOOD). */
static size_t find_segments(const unit *us, size_t n, uint8_t seed, segment *segs)
{
	size_t nsegs = 0;
	double cost = 0;
	for (size_t i = 0; i < n; i++) {
		const unit *u = &us[i];
		if (u->cls >= seed) {
			if (nsegs == 0 || cost > SEGMENT_GAP) {
				segs[nsegs++] = (segment){.first = i, .last = i, .gap_before = cost};
				if (nsegs > 1)
					segs[nsegs - 2].near_after = 0;
			}
			segment *s = &segs[nsegs - 1];
			s->near += s->near_after;
			s->near_after = 0;
			s->last = i;
			s->weight += u->f.chars < WEIGHT_CAP ? u->f.chars : WEIGHT_CAP;
			s->good++;
			cost = 0;
		} else {
			if (nsegs && u->cls == CLS_NEAR)
				segs[nsegs - 1].near_after++;
			cost += gap_cost(u);
		}
	}
	for (size_t s = 0; s < nsegs; s++)
		segs[s].units = segs[s].last - segs[s].first + 1;
	return nsegs;
}

static double density(const segment *s)
{
	return ((double)s->good + 0.5 * (double)s->near) / (double)s->units; /* NEAR counts half */
}

static bool joins(const segment *s, double gap)
{
	return gap <= MERGE_GAP && density(s) >= MERGE_DENSITY && s->good >= MERGE_MIN_GOOD;
}

/* ---- decisions ----------------------------------------------------------- */

static bool sentence_like(const unit *u, bool english)
{
	const wn_text_features *f = &u->f;
	if (u->gone || u->cls == CLS_BAD || !f->terminal || f->colon || f->words < 4 || !f->starts_upper)
		return false;
	if (english)
		return (double)f->stopwords / f->words >= 0.15;
	return f->content_words == 0 || (double)f->capitalised / f->content_words < TITLE_CASE_MAX;
}

/* BAD only for what it is made of (a link, a separator bar, no words),
 * not for how it reads. */
static bool strong_bad(const unit *u)
{
	return u->gone || (u->cls == CLS_BAD && u->reason &&
			   ((u->reason == R_LINK) || (u->reason == R_SEPARATORS) ||
			    (u->reason == R_NO_LETTERS) || (u->reason == R_DOUBLED_TEXT) ||
			    (u->reason == R_REPEATED_CAPTION)));
}

/* A heading-shaped paragraph (a few words, no sentence end, no list
 * marker) with prose before it and a GOOD paragraph right after it: inside
 * the article that is a subheading, whatever its words (jusText: a short
 * paragraph between good ones is good). Teasers inside an article come in
 * runs, next to other teasers, and fail the test. */
static bool subheading(const wn_doc *doc, const unit *us, size_t n, size_t i)
{
	const wn_text_features *f = &us[i].f;
	if (f->bullet || (f->terminal && !f->colon) || f->words > 15)
		return false;
	const wn_line *l = &doc->lines[doc->blocks[us[i].block].first];
	if (!memchr(l->text, ' ', l->len)) /* one token: a file name, a slug */
		return false;
	size_t p = i, q = i + 1;
	while (p > 0 && us[p - 1].gone)
		p--;
	while (q < n && us[q].gone)
		q++;
	return p > 0 && q < n && us[p - 1].cls >= CLS_NEAR && us[q].cls == CLS_GOOD;
}

/* A link or a line without words between paragraphs. */
static bool stray(const unit *u)
{
	return !u->gone && u->cls == CLS_BAD &&
	       ((u->reason == R_LINK) || (u->reason == R_NO_LETTERS));
}

/* A title: a few words, no sentence end but ? or !. */
static bool heading_like(const wn_doc *doc, const unit *u)
{
	const wn_text_features *f = &u->f;
	if (strong_bad(u) || f->bullet || f->words < 4 || f->words > 25)
		return false;
	if ((f->words - f->stopwords - f->content_words) * 2 > f->words) /* mostly numbers: a table row */
		return false;
	const wn_block *b = &doc->blocks[u->block];
	const wn_line *l = &doc->lines[b->first + b->count - 1];
	char last = l->len ? l->text[l->len - 1] : 0;
	return last != '.' && last != ',' && last != ';' && last != ':';
}

/* A byline ("By ...") or a short line with a year: for the metadata filter. */
static bool meta_like(const wn_doc *doc, const unit *u)
{
	if (u->gone || (strong_bad(u) && (u->reason != R_SEPARATORS)) || u->f.bullet ||
	    u->f.words > 14)
		return false;
	const wn_line *l = &doc->lines[doc->blocks[u->block].first];
	return u->f.has_year || (l->len > 3 && !strncasecmp(l->text, "by ", 3));
}

/* Keep the list that follows the paragraph at `at` (ending in ':'): the
 * lines that follow it directly, or a run of list items. Returns the last
 * unit kept. */
static size_t keep_list(unit *us, size_t n, size_t at)
{
	size_t i = at;
	if (us[at].adj_next) {
		while (i + 1 < n && us[i].adj_next && !strong_bad(&us[i + 1]))
			us[++i].keep = true;
	} else {
		while (i + 1 < n && us[i + 1].f.bullet && !strong_bad(&us[i + 1]))
			us[++i].keep = true;
	}
	return i;
}

/* Single-line paragraphs with the same text, case aside. */
static bool same_text(const wn_doc *doc, const unit *a, const unit *b)
{
	const wn_block *x = &doc->blocks[a->block], *y = &doc->blocks[b->block];
	if (x->count != 1 || y->count != 1)
		return false;
	const wn_line *l = &doc->lines[x->first], *m = &doc->lines[y->first];
	return l->len == m->len && !strncasecmp(l->text, m->text, l->len);
}

/* Image captions that repeat the title and run on into the caption
 * ("<title> A view of ...", "<title> 2"): a text browser's alt text. */
static void drop_title_prefixed(const wn_doc *doc, unit *us, size_t n, const unit *title)
{
	const wn_block *tb = &doc->blocks[title->block];
	if (tb->count != 1 || title->f.words < 4)
		return;
	const wn_line *t = &doc->lines[tb->first];
	for (size_t i = 0; i < n; i++) {
		unit *u = &us[i];
		const wn_block *b = &doc->blocks[u->block];
		if (u == title || u->gone || b->count != 1)
			continue;
		const wn_line *l = &doc->lines[b->first];
		const char *x = l->text;
		size_t len = l->len;
		if (u->f.bullet && len > 2 && x[1] == ' ') /* "* <title> ..." */
			x += 2, len -= 2;
		if (len > t->len + 2 && x[t->len] == ' ' && !strncasecmp(x, t->text, t->len)) {
			unsigned char c = (unsigned char)x[t->len + 1];
			if ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
				u->cls = CLS_BAD;
				u->reason = R_TITLE_CAPTION;
				u->keep = false;
			}
		}
	}
}

static int remove_unit(wn_doc *doc, const unit *u, const char *reason)
{
	const wn_block *b = &doc->blocks[u->block];
	int rc = 0;
	for (uint32_t j = 0; j < b->count && rc == 0; j++)
		if (wn_line_kept(&doc->lines[b->first + j]))
			rc = wn_doc_remove(doc, b->first + j, reason);
	return rc;
}

int wn_filter_heuristics(wn_doc *doc, const wn_filter_ctx *ctx)
{
	(void)ctx;
	size_t n = doc->nblocks;
	if (n == 0)
		return 0;
	unit *us = calloc(n, sizeof *us);
	if (!us)
		return -ENOMEM;
	/* Features; the language decision. */
	size_t long_units = 0;
	double density_sum = 0;
	for (size_t i = 0; i < n; i++) {
		unit *u = &us[i];
		const wn_block *b = &doc->blocks[i];
		u->block = (uint32_t)i;
		u->gone = true;
		for (uint32_t j = 0; j < b->count; j++) {
			const wn_line *l = &doc->lines[b->first + j];
			if (!wn_line_kept(l))
				continue;
			wn_text_features_add(&u->f, l->text, l->len, u->gone);
			u->gone = false;
		}
		if (i + 1 < n)
			u->adj_next = doc->blocks[i + 1].first == b->first + b->count;
		if (!u->gone && u->f.words >= 10) {
			long_units++;
			density_sum += (double)u->f.stopwords / u->f.words;
		}
	}
	bool english = long_units && density_sum / (double)long_units >= ENGLISH_MEAN;
	for (size_t i = 0; i < n; i++) {
		if (us[i].gone)
			us[i].cls = CLS_BAD, us[i].reason = NULL;
		else if (doubled(doc, &us[i]))
			us[i].cls = CLS_BAD, us[i].reason = R_DOUBLED_TEXT;
		else
			classify(&us[i], english);
	}
	/* A caption printed twice in a row. */
	for (size_t i = 0; i + 1 < n; i++) {
		unit *a = &us[i], *b = &us[i + 1];
		bool caption = a->f.terminal ? a->f.words >= 5 : a->f.words >= 15; /* titles are shorter */
		if (!a->gone && !b->gone && caption && same_text(doc, a, b)) {
			a->cls = b->cls = CLS_BAD;
			a->reason = b->reason = R_REPEATED_CAPTION;
		}
	}
	/* The article: the heaviest segment, joined with dense neighbours. A
	 * segment starts at a NEAR or GOOD paragraph: sized by those, not by
	 * every paragraph (a page of one-word lines has hundreds of thousands). */
	size_t seeds = 0;
	for (size_t i = 0; i < n; i++)
		seeds += us[i].cls >= CLS_NEAR;
	segment *segs = calloc(seeds ? seeds : 1, sizeof *segs);
	if (!segs) {
		free(us);
		return -ENOMEM;
	}
	uint8_t seed = CLS_GOOD;
	size_t nsegs = find_segments(us, n, seed, segs);
	if (nsegs == 0)
		nsegs = find_segments(us, n, seed = CLS_NEAR, segs);
	size_t a = 0, b = n ? n - 1 : 0;
	bool have_span = nsegs > 0;
	if (have_span) {
		size_t best = 0;
		double best_score = -1;
		for (size_t s = 0; s < nsegs; s++) {
			double score = segs[s].weight * sqrt(density(&segs[s]));
			if (score > best_score)
				best = s, best_score = score;
		}
		size_t lo = best, hi = best;
		while (hi + 1 < nsegs && joins(&segs[hi + 1], segs[hi + 1].gap_before))
			hi++;
		while (lo > 0 && joins(&segs[lo - 1], segs[lo].gap_before))
			lo--;
		a = segs[lo].first;
		b = segs[hi].last;
	}
	/* Inside: prose and short paragraphs stay, menus and BAD go. */
	for (size_t i = a; i <= b && i < n;) {
		unit *u = &us[i];
		if (u->gone || u->cls == CLS_BAD) {
			/* a long sentence of names and numbers inside the article */
			u->keep = !strong_bad(u) && u->f.terminal && u->f.chars > LENGTH_HIGH &&
				  u->reason != R_MENU;
			/* a subheading: between prose and the paragraph it heads */
			u->keep = u->keep || (!strong_bad(u) && subheading(doc, us, n, i));
			i++;
			continue;
		}
		if (u->cls != CLS_SHORT || u->f.colon) { /* a line ending in ':' introduces what follows */
			u->keep = true;
			i++;
			continue;
		}
		size_t j = i, bullets = 0;
		while (j <= b && !us[j].gone && us[j].cls == CLS_SHORT && !us[j].f.colon)
			bullets += us[j++].f.bullet;
		size_t run = j - i;
		bool introduced = i > 0 && !us[i - 1].gone && us[i - 1].f.colon && us[i - 1].keep;
		bool menu = run >= MENU_RUN && bullets * 2 >= run && !introduced;
		for (size_t k = i; k < j; k++) {
			us[k].keep = !menu;
			if (menu)
				us[k].reason = R_MENU;
		}
		i = j;
	}
	if (have_span) {
		/* Sentences that directly continue the article (over a stray link line). */
		size_t end = b;
		for (size_t k = end + 1; k < n; k++) {
			if (sentence_like(&us[k], english))
				us[end = k].keep = true;
			else if (!stray(&us[k]))
				break;
		}
		size_t start = a;
		for (size_t k = start; k > 0; k--) {
			if (sentence_like(&us[k - 1], english))
				us[start = k - 1].keep = true;
			else if (!stray(&us[k - 1]))
				break;
		}
		/* A list introduced by "...:" right after the article. */
		if (end + 1 < n && us[end + 1].f.colon && !strong_bad(&us[end + 1])) {
			us[++end].keep = true;
			end = keep_list(us, n, end);
		}
		/* Title, byline and date just before the article, for the metadata filter. */
		size_t seen = 0;
		for (size_t i = start; i > 0 && seen < HEAD_WINDOW; i--) {
			unit *u = &us[i - 1];
			if (u->gone)
				continue;
			seen++;
			if (meta_like(doc, u)) {
				u->protect = true;
				continue;
			}
			if (heading_like(doc, u)) {
				u->protect = true;
				/* a title printed twice: the metadata filter takes the first */
				for (size_t k = i - 1; k > 0 && seen++ < HEAD_WINDOW; k--)
					if (!us[k - 1].gone && same_text(doc, &us[k - 1], u))
						us[k - 1].protect = true;
				drop_title_prefixed(doc, us, n, u);
				break;
			}
		}
	} else {
		for (size_t i = 0; i < n; i++)
			us[i].keep = us[i].cls != CLS_BAD;
	}
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		unit *u = &us[i];
		if (u->gone || u->keep || u->protect)
			continue;
		const char *reason = u->reason;
		if (!reason)
			reason = i < a ? R_HEADER : R_FOOTER;
		rc = remove_unit(doc, u, reason);
	}
	free(us);
	free(segs);
	return rc;
}
