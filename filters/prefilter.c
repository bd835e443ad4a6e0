/* prefilter.c — required literals of a pattern, and an Aho-Corasick set
 * (see prefilter.h). */
#include "filters/prefilter.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

static unsigned char fold(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

/* ---- required literals --------------------------------------------------- *
 *
 * A requirement is a set of literals of which a match must contain at least
 * one. A sequence requires the best of its items' requirements (a literal
 * run, or a group's alternatives); an alternation the union of its
 * branches' requirements, or nothing when one branch has none. Anything not
 * understood gives up: no requirement, the regex always runs.
 */

typedef struct {
	char **v;
	size_t n;
	size_t minlen; /* shortest member: the quality of the requirement */
} req;

static void req_free(req *r)
{
	wn_literals_free(r->v, r->n);
	*r = (req){0};
}

/* Take `cand` if it is a better requirement than *best. */
static void req_consider(req *best, req *cand)
{
	if (cand->n && (!best->n || cand->minlen > best->minlen ||
			(cand->minlen == best->minlen && cand->n < best->n))) {
		req_free(best);
		*best = *cand;
		*cand = (req){0};
	} else
		req_free(cand);
}

static int req_of_run(const char *run, size_t len, size_t minlen, req *out)
{
	*out = (req){0};
	if (len < minlen)
		return 0;
	out->v = malloc(sizeof *out->v);
	if (!out->v || !(out->v[0] = strndup(run, len))) {
		free(out->v);
		out->v = NULL;
		return -ENOMEM;
	}
	out->n = 1;
	out->minlen = len;
	return 0;
}

/* Move the members of `add` into `into`. */
static int req_union(req *into, req *add)
{
	char **g = realloc(into->v, (into->n + add->n) * sizeof *g);
	if (!g)
		return -ENOMEM;
	into->v = g;
	memcpy(into->v + into->n, add->v, add->n * sizeof *add->v);
	into->minlen = into->n ? (add->minlen < into->minlen ? add->minlen : into->minlen) : add->minlen;
	into->n += add->n;
	free(add->v);
	*add = (req){0};
	return 0;
}

enum { PARSE_OK = 0, PARSE_GIVE_UP = 1 };

typedef struct {
	const char *p;
	size_t i;
	int depth;
	size_t minlen; /* shortest literal worth taking */
} parser;

/* Escapes that match no fixed character: skipped as one item. */
static bool class_escape(char c)
{
	return strchr("bBdDwWsShHvVRAzZGNXKC", c) != NULL;
}

/* Index just past the ']' closing the class opened at p[i] == '['; 0 if none. */
static size_t skip_class(const char *p, size_t i)
{
	i++;
	if (p[i] == '^')
		i++;
	if (p[i] == ']')
		i++;
	while (p[i] && p[i] != ']') {
		if (p[i] == '\\' && p[i + 1])
			i += 2;
		else if (p[i] == '[' && p[i + 1] == ':') {
			const char *e = strstr(p + i + 2, ":]");
			if (!e)
				return 0;
			i = (size_t)(e - p) + 2;
		} else
			i++;
	}
	return p[i] == ']' ? i + 1 : 0;
}

/* Index just past the ')' closing the group opened at p[i] == '('; 0 if none. */
static size_t skip_group(const char *p, size_t i)
{
	int depth = 0;
	while (p[i]) {
		if (p[i] == '\\') {
			if (p[i + 1] == 'Q') {
				const char *e = strstr(p + i + 2, "\\E");
				if (!e)
					return 0;
				i = (size_t)(e - p) + 2;
				continue;
			}
			i += p[i + 1] ? 2 : 1;
		} else if (p[i] == '[') {
			i = skip_class(p, i);
			if (!i)
				return 0;
		} else if (p[i] == '(') {
			depth++;
			i++;
		} else if (p[i] == ')') {
			i++;
			if (--depth == 0)
				return i;
		} else
			i++;
	}
	return 0;
}

/* Length of a {n}, {n,}, {n,m} quantifier at p[i] ('{'), 0 if p[i] starts
 * none (then '{' is a literal); *min receives n. */
static size_t quantifier_braces(const char *p, size_t i, unsigned *min)
{
	size_t j = i + 1;
	unsigned n = 0;
	bool digits = false;
	while (p[j] >= '0' && p[j] <= '9') {
		n = n * 10 + (unsigned)(p[j] - '0');
		if (n > 100000)
			n = 100000;
		j++;
		digits = true;
	}
	if (!digits)
		return 0;
	if (p[j] == ',') {
		j++;
		while (p[j] >= '0' && p[j] <= '9')
			j++;
	}
	if (p[j] != '}')
		return 0;
	*min = n;
	return j + 1 - i;
}

/* A quantifier at p[i]: its length (0: none) and minimum count. */
static size_t quantifier(const char *p, size_t i, unsigned *min)
{
	size_t q = 0;
	*min = 1;
	if (p[i] == '*' || p[i] == '?')
		*min = 0, q = 1;
	else if (p[i] == '+')
		q = 1;
	else if (p[i] == '{')
		q = quantifier_braces(p, i, min);
	if (q && (p[i + q] == '+' || p[i + q] == '?')) /* possessive or lazy */
		q++;
	return q;
}

static int parse_alternation(parser *ps, req *out);

/* Length of an escape we can step over at p[i] ('\\'), 0 if unknown. */
static size_t escape_len(const char *p, size_t i)
{
	char e = p[i + 1];
	if (class_escape(e))
		return 2;
	if (e == 'p' || e == 'P') { /* \pL, \p{Lu} */
		if (p[i + 2] == '{') {
			const char *c = strchr(p + i + 3, '}');
			return c ? (size_t)(c - p) + 1 - i : 0;
		}
		return p[i + 2] ? 3 : 0;
	}
	return 0;
}

/* Bytes of the character at s when it is a symbol, punctuation or a digit
 * outside ASCII with no other case ("©", "€", "–", "…"): caseless matching
 * matches only those bytes, so it may stand in a literal; else 0. (Letters
 * are left out whatever their case mappings say: caseless matching also
 * pairs some through case folding alone, as ß with ẞ.) */
static size_t caseless_fixed_char(const char *s)
{
	int32_t cp;
	utf8proc_ssize_t k = utf8proc_iterate((const utf8proc_uint8_t *)s, -1, &cp);
	if (k <= 1 || cp < 0x80)
		return 0;
	switch (utf8proc_category(cp)) {
	case UTF8PROC_CATEGORY_ND: case UTF8PROC_CATEGORY_NO:
	case UTF8PROC_CATEGORY_PC: case UTF8PROC_CATEGORY_PD: case UTF8PROC_CATEGORY_PS:
	case UTF8PROC_CATEGORY_PE: case UTF8PROC_CATEGORY_PI: case UTF8PROC_CATEGORY_PF:
	case UTF8PROC_CATEGORY_PO: case UTF8PROC_CATEGORY_SM: case UTF8PROC_CATEGORY_SC:
	case UTF8PROC_CATEGORY_SK: case UTF8PROC_CATEGORY_SO:
		break;
	default:
		return 0;
	}
	if (utf8proc_tolower(cp) != cp || utf8proc_toupper(cp) != cp || utf8proc_totitle(cp) != cp)
		return 0; /* circled letters, for one, have cases */
	return (size_t)k;
}

static int parse_sequence(parser *ps, req *best)
{
	const char *p = ps->p;
	char run[256];
	size_t runlen = 0;
	bool last_lit = false;
	size_t last_len = 1; /* bytes of the run's last character */
	*best = (req){0};
	int rc;
#define COMMIT()                                                     \
	do {                                                         \
		req r_;                                              \
		if ((rc = req_of_run(run, runlen, ps->minlen, &r_)) < 0) \
			return rc;                                   \
		req_consider(best, &r_);                             \
		runlen = 0;                                          \
		last_lit = false;                                    \
	} while (0)
	for (;;) {
		char c = p[ps->i];
		if (c == '\0' || c == '|' || c == ')') {
			COMMIT();
			return PARSE_OK;
		}
		unsigned min;
		size_t q = quantifier(p, ps->i, &min);
		if (q) {
			if (last_lit && min == 0)
				runlen -= last_len; /* the character before is optional */
			/* x{n,}: n x's in a row are required (the run ends there:
			 * more may follow) */
			for (unsigned k = 1; last_lit && last_len == 1 && k < min && runlen < sizeof run; k++)
				run[runlen] = run[runlen - 1], runlen++;
			COMMIT();
			ps->i += q;
			continue;
		}
		if (c == '\\') {
			char e = p[ps->i + 1];
			if (e == '\0')
				return PARSE_GIVE_UP;
			if ((e >= 'a' && e <= 'z') || (e >= 'A' && e <= 'Z') || (e >= '0' && e <= '9')) {
				size_t k = escape_len(p, ps->i);
				if (!k)
					return PARSE_GIVE_UP; /* \x.., \Q, back references */
				COMMIT();
				ps->i += k;
				continue;
			}
			if ((unsigned char)e >= 0x80)
				return PARSE_GIVE_UP;
			if (runlen == sizeof run)
				COMMIT();
			run[runlen++] = (char)fold((unsigned char)e);
			last_lit = true;
			last_len = 1;
			ps->i += 2;
			continue;
		}
		if (c == '[') {
			COMMIT();
			size_t j = skip_class(p, ps->i);
			if (!j)
				return PARSE_GIVE_UP;
			ps->i = j;
			continue;
		}
		if (c == '(') {
			COMMIT();
			size_t open = ps->i, body = 0;
			const char *g = p + open;
			bool descend = true;
			if (g[1] == '?') {
				size_t k = 2;
				if (g[2] == ':' || g[2] == '|' || g[2] == '>')
					body = 3;
				else if ((g[2] == '<' && g[3] != '=' && g[3] != '!') || g[2] == '\'' ||
					 (g[2] == 'P' && g[3] == '<')) {
					const char *e = strpbrk(g + 3, ">'");
					if (!e)
						return PARSE_GIVE_UP;
					body = (size_t)(e - g) + 1;
				} else if (g[2] == '#') {
					const char *e = strchr(g, ')');
					if (!e)
						return PARSE_GIVE_UP;
					ps->i = (size_t)(e - p) + 1;
					continue;
				} else if (g[2] == '=' || g[2] == '!' || g[2] == '<') {
					descend = false; /* lookaround: requires nothing */
				} else {
					/* option letters, then ')' (setting) or ':' (group) */
					while ((g[k] >= 'a' && g[k] <= 'z') || (g[k] >= 'A' && g[k] <= 'Z') || g[k] == '-' ||
					       g[k] == '^') {
						if (g[k] == 'x')
							return PARSE_GIVE_UP;
						k++;
					}
					if (k == 2 || (g[k] != ')' && g[k] != ':'))
						return PARSE_GIVE_UP; /* conditionals, recursion, callouts */
					if (g[k] == ')') {
						ps->i = open + k + 1;
						continue;
					}
					body = k + 1;
				}
			} else if (g[1] == '*') {
				descend = false; /* verbs */
			} else
				body = 1;
			req sub = {0};
			if (descend) {
				if (++ps->depth > 50)
					return PARSE_GIVE_UP;
				ps->i = open + body;
				rc = parse_alternation(ps, &sub);
				ps->depth--;
				if (rc != PARSE_OK) {
					req_free(&sub);
					return rc;
				}
				if (p[ps->i] != ')') {
					req_free(&sub);
					return PARSE_GIVE_UP;
				}
				ps->i++;
			} else {
				size_t j = skip_group(p, open);
				if (!j)
					return PARSE_GIVE_UP;
				ps->i = j;
			}
			size_t gq = quantifier(p, ps->i, &min);
			ps->i += gq;
			if (gq && min == 0)
				req_free(&sub);
			else
				req_consider(best, &sub);
			continue;
		}
		size_t fixed = (unsigned char)c >= 0x80 ? caseless_fixed_char(p + ps->i) : 0;
		if (fixed) {
			if (runlen + fixed > sizeof run)
				COMMIT();
			memcpy(run + runlen, p + ps->i, fixed);
			runlen += fixed;
			last_lit = true;
			last_len = fixed;
			ps->i += fixed;
			continue;
		}
		if (c == '.' || c == '^' || c == '$' || (unsigned char)c >= 0x80) {
			COMMIT();
			ps->i++;
			continue;
		}
		if (runlen == sizeof run)
			COMMIT();
		run[runlen++] = (char)fold((unsigned char)c);
		last_lit = true;
		last_len = 1;
		ps->i++;
	}
#undef COMMIT
}

static int parse_alternation(parser *ps, req *out)
{
	*out = (req){0};
	bool complete = true;
	for (;;) {
		req branch;
		int rc = parse_sequence(ps, &branch);
		if (rc != PARSE_OK) {
			req_free(&branch);
			req_free(out);
			return rc;
		}
		if (!branch.n)
			complete = false;
		if (complete && (rc = req_union(out, &branch)) < 0) {
			req_free(&branch);
			req_free(out);
			return rc;
		}
		req_free(&branch);
		if (ps->p[ps->i] != '|')
			break;
		ps->i++;
	}
	if (!complete)
		req_free(out);
	return PARSE_OK;
}

int wn_required_literals(const char *pattern, bool extended, char ***out, size_t *n)
{
	return wn_required_literals_min(pattern, extended, WN_LITERAL_MIN, out, n);
}

int wn_required_literals_min(const char *pattern, bool extended, size_t minlen, char ***out, size_t *n)
{
	*out = NULL;
	*n = 0;
	if (extended)
		return 0;
	parser ps = {.p = pattern, .minlen = minlen ? minlen : 1};
	req r;
	int rc = parse_alternation(&ps, &r);
	if (rc < 0)
		return rc;
	if (rc == PARSE_GIVE_UP || pattern[ps.i] != '\0') { /* an unmatched ')' */
		if (rc == PARSE_OK)
			req_free(&r);
		return 0;
	}
	*out = r.v;
	*n = r.n;
	return 0;
}

/* ---- first bytes of anchored patterns ------------------------------------ *
 *
 * FIRST of a sequence is FIRST of its items up to and including the first
 * one that cannot match empty; a group's is the union of its branches'.
 * Zero-width items (assertions, lookarounds, option settings) add nothing
 * and can be skipped over: they only ever reject a match.
 */

typedef struct {
	uint8_t b[32];
} byteset;

static void bs_add(byteset *s, unsigned c)
{
	s->b[c >> 3] |= (uint8_t)(1u << (c & 7));
}

static void bs_range(byteset *s, unsigned lo, unsigned hi)
{
	for (unsigned c = lo; c <= hi && c < 256; c++)
		bs_add(s, c);
}

static void bs_union(byteset *into, const byteset *add)
{
	for (int i = 0; i < 32; i++)
		into->b[i] |= add->b[i];
}

/* An ASCII character as a pattern may match it: both cases of a letter, and
 * then every non-ASCII byte too (caseless K, S match KELVIN SIGN, LONG S). */
static void bs_char(byteset *s, unsigned char c)
{
	if (c >= 0x80) {
		bs_range(s, 0x80, 0xFF);
		return;
	}
	bs_add(s, c);
	if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') {
		bs_add(s, c ^ 0x20);
		bs_range(s, 0x80, 0xFF);
	}
}

/* The bytes a class escape (\d, \w, \s, ...) can start; false: unknown or all. */
static bool bs_class_escape(byteset *s, char e)
{
	switch (e) {
	case 'd':
		bs_range(s, '0', '9');
		break;
	case 'w':
		bs_range(s, '0', '9');
		bs_range(s, 'a', 'z');
		bs_range(s, 'A', 'Z');
		bs_add(s, '_');
		break;
	case 's':
		bs_add(s, ' ');
		bs_range(s, '\t', '\r');
		break;
	case 'h':
		bs_add(s, ' ');
		bs_add(s, '\t');
		break;
	case 'v':
	case 'R':
		bs_range(s, '\n', '\r');
		break;
	default:
		return false;
	}
	bs_range(s, 0x80, 0xFF); /* Unicode digits, letters, spaces */
	return true;
}

/* An escaped single character (\t, \., \\): its byte, or -1. */
static int escaped_char(char e)
{
	switch (e) {
	case 't': return '\t';
	case 'n': return '\n';
	case 'r': return '\r';
	case 'f': return '\f';
	case 'a': return 7;
	case 'e': return 27;
	}
	if ((unsigned char)e < 0x80 && !((e >= 'a' && e <= 'z') || (e >= 'A' && e <= 'Z') || (e >= '0' && e <= '9')))
		return (unsigned char)e;
	return -1;
}

/* The class at p[i] ('['): its bytes into *s; returns the index past ']',
 * 0 to give up. A negated class or one with a POSIX name or a property
 * may hold anything. */
static size_t first_of_class(const char *p, size_t i, byteset *s)
{
	size_t open = i++;
	if (p[i] == '^') {
		bs_range(s, 0, 0xFF);
		return skip_class(p, open);
	}
	bool first = true;
	int prev = -1; /* the last single character, for a range */
	while (p[i] && (p[i] != ']' || first)) {
		first = false;
		int c;
		if (p[i] == '[' && p[i + 1] == ':') {
			bs_range(s, 0, 0xFF);
			return skip_class(p, open);
		}
		if (p[i] == '\\') {
			char e = p[i + 1];
			if (!e)
				return 0;
			if (strchr("WSDHVNpP", e)) {
				bs_range(s, 0, 0xFF);
				return skip_class(p, open);
			}
			i += 2;
			if (bs_class_escape(s, e)) {
				prev = -1;
				continue;
			}
			if ((c = escaped_char(e)) < 0) {
				if ((unsigned char)e < 0x80)
					return 0;
				c = 0x80; /* a non-ASCII character */
				while ((p[i] & 0xC0) == 0x80)
					i++;
			}
		} else if (p[i] == '-' && prev >= 0 && p[i + 1] && p[i + 1] != ']') {
			/* a range prev-hi */
			i++;
			int hi;
			if (p[i] == '\\') {
				if ((hi = escaped_char(p[i + 1])) < 0)
					return 0;
				i += 2;
			} else {
				hi = (unsigned char)p[i++];
				while ((p[i] & 0xC0) == 0x80)
					i++;
			}
			if (hi < prev)
				return 0;
			for (int k = prev; k <= hi && k < 0x80; k++)
				bs_char(s, (unsigned char)k);
			if (hi >= 0x80)
				bs_range(s, 0x80, 0xFF);
			prev = -1;
			continue;
		} else {
			c = (unsigned char)p[i++];
			if (c >= 0x80)
				while ((p[i] & 0xC0) == 0x80)
					i++;
		}
		bs_char(s, (unsigned char)c);
		prev = c < 0x80 ? c : -1;
	}
	return p[i] == ']' ? i + 1 : 0;
}

static bool first_of_alternation(parser *ps, byteset *first, bool *nullable);

/* One item at ps->p[ps->i]: its first bytes and whether it can match empty
 * (before any quantifier). false: give up. */
static bool first_of_item(parser *ps, byteset *first, bool *nullable)
{
	const char *p = ps->p;
	char c = p[ps->i];
	*nullable = false;
	if (c == '^' || c == '$') {
		ps->i++;
		*nullable = true;
		return true;
	}
	if (c == '.') {
		ps->i++;
		bs_range(first, 0, 0xFF);
		return true;
	}
	if (c == '*' || c == '+' || c == '?' || c == '{')
		return false; /* a quantifier with nothing to repeat */
	if (c == '[') {
		size_t j = first_of_class(p, ps->i, first);
		ps->i = j;
		return j != 0;
	}
	if (c == '\\') {
		char e = p[ps->i + 1];
		if (!e)
			return false;
		ps->i += 2;
		if (strchr("bBAzZGK", e)) {
			*nullable = true;
			return true;
		}
		if (bs_class_escape(first, e))
			return true;
		if (strchr("WSDHVNX", e)) { /* one character of nearly any kind */
			bs_range(first, 0, 0xFF);
			return true;
		}
		if (e == 'p' || e == 'P') { /* \pL, \p{Lu}: a character with a property */
			size_t k = escape_len(p, ps->i - 2);
			if (!k)
				return false;
			ps->i += k - 2;
			bs_range(first, 0, 0xFF);
			return true;
		}
		int ch = escaped_char(e);
		if (ch >= 0) {
			bs_char(first, (unsigned char)ch);
			return true;
		}
		if ((unsigned char)e >= 0x80) {
			while ((p[ps->i] & 0xC0) == 0x80)
				ps->i++;
			bs_range(first, 0x80, 0xFF);
			return true;
		}
		return false; /* \x.., \p{..}, back references, \Q...: not worth it */
	}
	if (c == '(') {
		const char *g = p + ps->i;
		size_t body;
		if (g[1] == '*')
			return false; /* verbs change how alternatives are tried */
		if (g[1] != '?')
			body = 1;
		else if (g[2] == ':' || g[2] == '|' || g[2] == '>')
			body = 3;
		else if ((g[2] == '<' && g[3] != '=' && g[3] != '!') || g[2] == '\'' || (g[2] == 'P' && g[3] == '<')) {
			const char *e = strpbrk(g + 3, ">'");
			if (!e)
				return false;
			body = (size_t)(e - g) + 1;
		} else if (g[2] == '#') {
			const char *e = strchr(g, ')');
			if (!e)
				return false;
			ps->i = (size_t)(e - p) + 1;
			*nullable = true;
			return true;
		} else if (g[2] == '=' || g[2] == '!' || g[2] == '<') {
			size_t j = skip_group(p, ps->i); /* a lookaround: zero-width */
			if (!j)
				return false;
			ps->i = j;
			*nullable = true;
			return true;
		} else {
			size_t k = 2; /* option letters, then ')' (a setting) or ':' (a group) */
			while ((g[k] >= 'a' && g[k] <= 'z') || (g[k] >= 'A' && g[k] <= 'Z') || g[k] == '-' || g[k] == '^') {
				if (g[k] == 'x')
					return false;
				k++;
			}
			if (k == 2 || (g[k] != ')' && g[k] != ':'))
				return false; /* conditionals, recursion, callouts */
			if (g[k] == ')') {
				ps->i += k + 1;
				*nullable = true;
				return true;
			}
			body = k + 1;
		}
		if (++ps->depth > 50)
			return false;
		ps->i += body;
		bool ok = first_of_alternation(ps, first, nullable);
		ps->depth--;
		if (!ok || p[ps->i] != ')')
			return false;
		ps->i++;
		return true;
	}
	if (c == '|' || c == ')' || c == '\0')
		return false;
	ps->i++;
	if ((unsigned char)c >= 0x80)
		while ((p[ps->i] & 0xC0) == 0x80)
			ps->i++;
	bs_char(first, (unsigned char)c);
	return true;
}

static bool first_of_sequence(parser *ps, byteset *first, bool *nullable)
{
	*nullable = true; /* so far everything can match empty */
	while (ps->p[ps->i] && ps->p[ps->i] != '|' && ps->p[ps->i] != ')') {
		byteset item = {{0}};
		bool empty;
		if (!first_of_item(ps, &item, &empty))
			return false;
		unsigned min;
		size_t q = quantifier(ps->p, ps->i, &min);
		ps->i += q;
		if (q && min == 0)
			empty = true;
		if (*nullable) {
			bs_union(first, &item);
			*nullable = empty;
		}
	}
	return true;
}

static bool first_of_alternation(parser *ps, byteset *first, bool *nullable)
{
	*nullable = false;
	for (;;) {
		bool empty;
		if (!first_of_sequence(ps, first, &empty))
			return false;
		*nullable |= empty;
		if (ps->p[ps->i] != '|')
			return true;
		ps->i++;
	}
}

/* Does the branch at ps->i start with an anchor (after option settings)? */
static bool branch_anchored(const parser *ps)
{
	const char *p = ps->p + ps->i;
	while (p[0] == '(' && p[1] == '?') {
		size_t k = 2;
		while ((p[k] >= 'a' && p[k] <= 'z') || (p[k] >= 'A' && p[k] <= 'Z') || p[k] == '-' || p[k] == '^')
			k++;
		if (k == 2 || p[k] != ')')
			return false;
		p += k + 1;
	}
	return p[0] == '^' || (p[0] == '\\' && p[1] == 'A');
}

bool wn_first_bytes(const char *pattern, bool extended, bool anchored, uint8_t set[32])
{
	if (extended)
		return false;
	parser ps = {.p = pattern};
	byteset all = {{0}};
	bool any_empty = false;
	for (;;) {
		if (!anchored && !branch_anchored(&ps))
			return false;
		bool empty;
		if (!first_of_sequence(&ps, &all, &empty))
			return false;
		any_empty |= empty;
		if (pattern[ps.i] != '|')
			break;
		ps.i++;
	}
	if (pattern[ps.i] != '\0' || any_empty)
		return false; /* an unmatched ')'; or a match may be empty */
	memcpy(set, all.b, 32);
	return true;
}

void wn_literals_free(char **lits, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(lits[i]);
	free(lits);
}

/* ---- Aho-Corasick -------------------------------------------------------- */

#define LIT_KEEP WN_LITERAL_KEEP
#define MAX_COLS 32 /* columns of the table: 16-bit entries, a row per cache line */

typedef struct {
	char *lit;
	size_t len;
	uint32_t tag;
} pending_lit;

typedef struct {
	uint32_t tag;
	int32_t next; /* next output of the same node, -1 */
} out_entry;

struct wn_litset {
	pending_lit *lits;
	size_t nlits;
	unsigned char cls[256]; /* folded byte -> column; 0: byte in no literal */
	unsigned ncls;
	/* The scanning automaton, states renumbered so that those reporting
	 * literals come last: trans[state + column] is the next state, stored
	 * premultiplied by ncls (a row offset); a state >= out_from reports the
	 * tags tags[tag_start[k]] .. tags[tag_start[k + 1] - 1], where k is its
	 * rank among the reporting states. */
	uint32_t *trans;
	uint16_t *trans16; /* the same, narrower, when every offset fits (a smaller table stays in cache) */
	uint32_t out_from;
	size_t longest; /* bytes of the longest literal */
	uint32_t *tag_start;
	uint32_t *tags;
	bool built;
};

wn_litset *wn_litset_new(void)
{
	return calloc(1, sizeof(wn_litset));
}

void wn_litset_free(wn_litset *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->nlits; i++)
		free(s->lits[i].lit);
	free(s->lits);
	free(s->trans);
	free(s->trans16);
	free(s->tag_start);
	free(s->tags);
	free(s);
}

int wn_litset_add(wn_litset *s, const char *lit, uint32_t tag)
{
	size_t len = strlen(lit);
	if (!len || s->built)
		return -EINVAL;
	pending_lit *grown = realloc(s->lits, (s->nlits + 1) * sizeof *grown);
	if (!grown)
		return -ENOMEM;
	s->lits = grown;
	char *copy = malloc(len + 1);
	if (!copy)
		return -ENOMEM;
	for (size_t i = 0; i <= len; i++)
		copy[i] = (char)fold((unsigned char)lit[i]);
	s->lits[s->nlits++] = (pending_lit){copy, len, tag};
	return 0;
}

/* The scanning form of the automaton (see struct wn_litset): states that
 * report a literal (their own or a suffix's) renumbered last, transitions
 * as row offsets, each reporting state's distinct tags in one list.
 * `scratch` holds nnodes entries. */
static int flatten(wn_litset *s, const int32_t *delta, const int32_t *first_out, const int32_t *dict,
		   const out_entry *outs, size_t nnodes, const int32_t *bfs, int32_t *scratch)
{
	int32_t *renum = scratch;
	size_t quiet = 0, loud = 0, ntags = 0;
	for (size_t u = 0; u < nnodes; u++) {
		if (first_out[u] < 0 && dict[u] < 0) {
			quiet++;
			continue;
		}
		loud++;
		for (int32_t n = first_out[u] >= 0 ? (int32_t)u : dict[u]; n >= 0; n = dict[n])
			for (int32_t o = first_out[n]; o >= 0; o = outs[o].next)
				ntags++;
	}
	/* Breadth-first within each kind: the states near the root, where the
	 * scan spends its time, share cache lines. */
	size_t next_quiet = 0, next_loud = quiet;
	for (size_t k = 0; k < nnodes; k++) {
		size_t u = k ? (size_t)bfs[k - 1] : 0;
		renum[u] = (int32_t)(first_out[u] < 0 && dict[u] < 0 ? next_quiet++ : next_loud++);
	}
	s->trans = malloc(nnodes * s->ncls * sizeof *s->trans);
	s->tag_start = malloc((loud + 1) * sizeof *s->tag_start);
	s->tags = malloc((ntags ? ntags : 1) * sizeof *s->tags);
	if (!s->trans || !s->tag_start || !s->tags)
		return -ENOMEM;
	for (size_t u = 0; u < nnodes; u++)
		for (unsigned c = 0; c < s->ncls; c++)
			s->trans[(size_t)renum[u] * s->ncls + c] =
				(uint32_t)renum[delta[u * s->ncls + c]] * s->ncls;
	s->out_from = (uint32_t)(quiet * s->ncls);
	if (nnodes * s->ncls <= UINT16_MAX + 1u) {
		size_t bytes = (nnodes * s->ncls * sizeof *s->trans16 + 63) / 64 * 64;
		if (!(s->trans16 = aligned_alloc(64, bytes))) /* rows on cache lines */
			return -ENOMEM;
		for (size_t k = 0; k < nnodes * s->ncls; k++)
			s->trans16[k] = (uint16_t)s->trans[k];
		free(s->trans);
		s->trans = NULL;
	}
	/* Tag lists in the new order of the reporting states. */
	size_t *by_rank = malloc((loud ? loud : 1) * sizeof *by_rank);
	if (!by_rank)
		return -ENOMEM;
	for (size_t u = 0; u < nnodes; u++)
		if ((size_t)renum[u] >= quiet)
			by_rank[(size_t)renum[u] - quiet] = u;
	size_t t = 0;
	for (size_t k = 0; k < loud; k++) {
		size_t u = by_rank[k];
		s->tag_start[k] = (uint32_t)t;
		for (int32_t n = first_out[u] >= 0 ? (int32_t)u : dict[u]; n >= 0; n = dict[n])
			for (int32_t o = first_out[n]; o >= 0; o = outs[o].next) {
				bool dup = false;
				for (size_t j = s->tag_start[k]; j < t && !dup; j++)
					dup = s->tags[j] == outs[o].tag;
				if (!dup)
					s->tags[t++] = outs[o].tag;
			}
	}
	s->tag_start[loud] = (uint32_t)t;
	free(by_rank);
	return 0;
}

int wn_litset_build(wn_litset *s)
{
	/* Only the first LIT_KEEP bytes of a literal go into the automaton: they
	 * are as required as the whole, and short literals make few states (a
	 * table that stays in cache). It may report a literal whose rest is
	 * missing; the regex then decides. */
	size_t maxnodes = 1;
	bool used[256] = {false};
	for (size_t i = 0; i < s->nlits; i++) {
		if (s->lits[i].len > LIT_KEEP)
			s->lits[i].len = LIT_KEEP;
		maxnodes += s->lits[i].len;
		if (s->lits[i].len > s->longest)
			s->longest = s->lits[i].len;
		for (size_t j = 0; j < s->lits[i].len; j++)
			used[(unsigned char)s->lits[i].lit[j]] = true;
	}
	/* Columns: column 0 for bytes in no literal; one per letter and for the
	 * space; one per other byte while they fit in MAX_COLS, else those
	 * share the columns left (bytes that share a column match each other:
	 * more reports, never fewer). */
	memset(s->cls, 0, sizeof s->cls);
	s->ncls = 1;
	for (int b = 0; b < 256; b++)
		if (used[b] && ((b >= 'a' && b <= 'z') || b == ' '))
			s->cls[b] = (unsigned char)s->ncls++;
	unsigned others = 0;
	for (int b = 0; b < 256; b++)
		others += used[b] && !s->cls[b];
	unsigned first_other = s->ncls, room = MAX_COLS - s->ncls, k = 0;
	for (int b = 0; b < 256; b++)
		if (used[b] && !s->cls[b])
			s->cls[b] = (unsigned char)(first_other + (others <= room ? k++ : k++ % room));
	s->ncls += others <= room ? others : room;
	if (s->ncls > MAX_COLS / 2)
		s->ncls = MAX_COLS; /* whole rows of 64 bytes: one cache line each (spare columns unused) */
	for (int b = 'A'; b <= 'Z'; b++)
		s->cls[b] = s->cls[b + 32];
	if ((uint64_t)maxnodes * s->ncls >= UINT32_MAX / 2)
		return -ENOMEM; /* row offsets must fit 32 bits */
	int32_t *delta = calloc(maxnodes * s->ncls, sizeof *delta);
	int32_t *first_out = malloc(maxnodes * sizeof *first_out);
	int32_t *dict = malloc(maxnodes * sizeof *dict);
	out_entry *outs = malloc((s->nlits ? s->nlits : 1) * sizeof *outs);
	int32_t *fail = calloc(maxnodes, sizeof *fail);
	int32_t *queue = malloc(maxnodes * sizeof *queue);
	size_t nnodes = 1, nouts = 0;
	int rc = -ENOMEM;
	if (!delta || !first_out || !dict || !outs || !fail || !queue)
		goto out;
	/* Trie; 0 in delta means "no edge yet" (the root is never a target). */
	first_out[0] = -1;
	for (size_t i = 0; i < s->nlits; i++) {
		int32_t node = 0;
		for (size_t j = 0; j < s->lits[i].len; j++) {
			unsigned c = s->cls[(unsigned char)s->lits[i].lit[j]];
			int32_t *to = &delta[(size_t)node * s->ncls + c];
			if (!*to) {
				*to = (int32_t)nnodes;
				first_out[nnodes++] = -1;
			}
			node = *to;
		}
		outs[nouts] = (out_entry){s->lits[i].tag, first_out[node]};
		first_out[node] = (int32_t)nouts++;
	}
	/* Breadth first: failure links, dictionary links, complete transitions. */
	size_t head = 0, tail = 0;
	dict[0] = -1;
	for (unsigned c = 0; c < s->ncls; c++) {
		int32_t to = delta[c];
		if (to) {
			fail[to] = 0;
			dict[to] = -1;
			queue[tail++] = to;
		}
	}
	while (head < tail) {
		int32_t u = queue[head++];
		for (unsigned c = 0; c < s->ncls; c++) {
			int32_t *to = &delta[(size_t)u * s->ncls + c];
			int32_t via = delta[(size_t)fail[u] * s->ncls + c];
			if (*to) {
				int32_t v = *to;
				fail[v] = via;
				dict[v] = first_out[via] >= 0 ? via : dict[via];
				queue[tail++] = v;
			} else
				*to = via;
		}
	}
	rc = flatten(s, delta, first_out, dict, outs, nnodes, queue, fail);
	if (rc == 0)
		s->built = true;
out:
	free(delta);
	free(first_out);
	free(dict);
	free(outs);
	free(fail);
	free(queue);
	return rc;
}

typedef void (*hit_at_fn)(uint32_t tag, size_t end, void *ud);

/* Report the tags of state `st` (one that has some), found ending at `end`. */
static inline void report(const wn_litset *s, uint32_t st, size_t end, hit_at_fn hit, void *ud)
{
	size_t k = (st - s->out_from) / s->ncls;
	for (uint32_t j = s->tag_start[k]; j < s->tag_start[k + 1]; j++)
		hit(s->tags[j], end, ud);
}

#define LANES 4

/* The scan over one table type T (uint16_t or uint32_t transitions). A
 * part starts longest - 1 bytes before the end of the one before it, so
 * that every literal ending in it is seen whole. A state that repeats (the
 * automaton stays put only inside a run of one byte: "________") reports
 * once, at the start of the run. */
#define DEFINE_SCAN(name, T)                                                                         \
	static void name(const wn_litset *s, const T *trans, const unsigned char *t, size_t len,   \
			 hit_at_fn hit, void *ud)                                                  \
	{                                                                                          \
		const uint32_t out_from = s->out_from;                                             \
		size_t overlap = s->longest - 1, part = (len + LANES - 1) / LANES;                  \
		size_t from[LANES] = {0}, to[LANES] = {len, 0, 0, 0}, common = 0;                   \
		uint32_t st[LANES] = {0};                                                          \
		if (part >= 2 * overlap + 16) {                                                    \
			for (size_t j = 0; j < LANES; j++) {                                       \
				from[j] = j ? j * part - overlap : 0;                              \
				to[j] = (j + 1) * part < len ? (j + 1) * part : len;               \
			}                                                                          \
			common = to[0] - from[0]; /* no lane is shorter but the last */            \
			if (to[LANES - 1] - from[LANES - 1] < common)                              \
				common = to[LANES - 1] - from[LANES - 1];                          \
			uint32_t a = 0, b = 0, c = 0, d = 0;                                       \
			const unsigned char *ta = t + from[0], *tb = t + from[1], *tc = t + from[2], \
					    *td = t + from[3];                                     \
			for (size_t i = 0; i < common; i++) {                                      \
				uint32_t pa = a, pb = b, pc = c, pd = d;                           \
				a = trans[a + s->cls[ta[i]]];                                      \
				b = trans[b + s->cls[tb[i]]];                                      \
				c = trans[c + s->cls[tc[i]]];                                      \
				d = trans[d + s->cls[td[i]]];                                      \
				if (a >= out_from && a != pa)                                      \
					report(s, a, from[0] + i + 1, hit, ud);                    \
				if (b >= out_from && b != pb)                                      \
					report(s, b, from[1] + i + 1, hit, ud);                    \
				if (c >= out_from && c != pc)                                      \
					report(s, c, from[2] + i + 1, hit, ud);                    \
				if (d >= out_from && d != pd)                                      \
					report(s, d, from[3] + i + 1, hit, ud);                    \
			}                                                                          \
			st[0] = a, st[1] = b, st[2] = c, st[3] = d;                                \
		}                                                                                  \
		for (size_t j = 0; j < LANES; j++) {                                               \
			uint32_t x = st[j];                                                        \
			for (size_t i = from[j] + common; i < to[j]; i++) {                        \
				uint32_t px = x;                                                   \
				x = trans[x + s->cls[t[i]]];                                       \
				if (x >= out_from && x != px)                                      \
					report(s, x, i + 1, hit, ud);                              \
			}                                                                          \
		}                                                                                  \
	}

DEFINE_SCAN(scan16, uint16_t)
DEFINE_SCAN(scan32, uint32_t)

void wn_litset_scan_at(const wn_litset *s, const char *text, size_t len, hit_at_fn hit, void *ud)
{
	if (!s->built || !s->nlits)
		return;
	if (s->trans16)
		scan16(s, s->trans16, (const unsigned char *)text, len, hit, ud);
	else
		scan32(s, s->trans, (const unsigned char *)text, len, hit, ud);
}

typedef struct {
	void (*hit)(uint32_t tag, void *ud);
	void *ud;
} plain_hit;

static void forward_hit(uint32_t tag, size_t end, void *ud)
{
	(void)end;
	const plain_hit *p = ud;
	p->hit(tag, p->ud);
}

void wn_litset_scan(const wn_litset *s, const char *text, size_t len,
		    void (*hit)(uint32_t tag, void *ud), void *ud)
{
	plain_hit p = {hit, ud};
	wn_litset_scan_at(s, text, len, forward_hit, &p);
}
