/* prefilter.c — required literals of a pattern, and an Aho-Corasick set
 * (see prefilter.h). */
#include "filters/prefilter.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static unsigned char fold(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

/* ---- required literals --------------------------------------------------- */

typedef struct {
	char run[256];
	size_t runlen;
	char best[256];
	size_t bestlen;
	bool last_is_lit; /* the item just parsed was a literal char in run */
} alt_state;

static void commit(alt_state *a)
{
	if (a->runlen > a->bestlen) {
		memcpy(a->best, a->run, a->runlen);
		a->bestlen = a->runlen;
	}
	a->runlen = 0;
	a->last_is_lit = false;
}

static void append(alt_state *a, char c)
{
	if (a->runlen == sizeof a->run)
		commit(a);
	a->run[a->runlen++] = (char)fold((unsigned char)c);
	a->last_is_lit = true;
}

/* Escapes that match no fixed character but are safe to skip as one item. */
static bool skippable_escape(char c)
{
	return strchr("bBdDwWsShHvVRAzZGN", c) != NULL;
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
			if (p[i + 1] == 'Q') { /* quoted up to \E */
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

/* Does the option group at p[i] ("(?" letters ")" or ":") turn on x? */
static bool sets_extended(const char *p, size_t i)
{
	if (p[i + 1] != '?')
		return false;
	for (size_t j = i + 2; p[j] && p[j] != ')' && p[j] != ':'; j++) {
		if (p[j] == '-' || p[j] == '^')
			return false;
		if (p[j] == 'x')
			return true;
		if (!((p[j] >= 'a' && p[j] <= 'z') || (p[j] >= 'A' && p[j] <= 'Z')))
			return false;
	}
	return false;
}

int wn_required_literals(const char *p, bool extended, char ***out, size_t *n)
{
	*out = NULL;
	*n = 0;
	if (extended)
		return 0;
	char **lits = NULL;
	size_t nlits = 0;
	alt_state a = {0};
	bool ok = true;
	size_t i = 0;
	for (;;) {
		char c = p[i];
		if (c == '\0' || c == '|') {
			commit(&a);
			if (a.bestlen < WN_LITERAL_MIN) {
				ok = false;
				break;
			}
			char **grown = realloc(lits, (nlits + 1) * sizeof *lits);
			if (!grown)
				goto nomem;
			lits = grown;
			if (!(lits[nlits] = strndup(a.best, a.bestlen)))
				goto nomem;
			nlits++;
			memset(&a, 0, sizeof a);
			if (c == '\0')
				break;
			i++;
			continue;
		}
		if (c == '\\') {
			char e = p[i + 1];
			if (e == '\0') {
				ok = false;
				break;
			}
			if ((e >= 'a' && e <= 'z') || (e >= 'A' && e <= 'Z') || (e >= '0' && e <= '9')) {
				if (!skippable_escape(e)) { /* \x.., \p{..}, \Q, back references: give up */
					ok = false;
					break;
				}
				commit(&a);
				i += 2;
				continue;
			}
			if ((unsigned char)e >= 0x80) {
				commit(&a);
				i += 2;
				continue;
			}
			append(&a, e);
			i += 2;
			continue;
		}
		if (c == '[') {
			commit(&a);
			size_t j = skip_class(p, i);
			if (!j) {
				ok = false;
				break;
			}
			i = j;
			continue;
		}
		if (c == '(') {
			if (sets_extended(p, i)) {
				ok = false;
				break;
			}
			commit(&a);
			size_t j = skip_group(p, i);
			if (!j) {
				ok = false;
				break;
			}
			i = j;
			continue;
		}
		if (c == ')') {
			ok = false;
			break;
		}
		unsigned min = 1;
		size_t qlen = 0;
		if (c == '*' || c == '?')
			min = 0, qlen = 1;
		else if (c == '+')
			qlen = 1;
		else if (c == '{')
			qlen = quantifier_braces(p, i, &min);
		if (qlen) {
			if (a.last_is_lit && min == 0)
				a.runlen--; /* the char before was optional */
			commit(&a);
			i += qlen;
			if (p[i] == '+' || p[i] == '?') /* possessive or lazy */
				i++;
			continue;
		}
		if (c == '.' || c == '^' || c == '$' || (unsigned char)c >= 0x80) {
			commit(&a);
			i++;
			continue;
		}
		append(&a, c);
		i++;
	}
	if (!ok) {
		wn_literals_free(lits, nlits);
		return 0;
	}
	*out = lits;
	*n = nlits;
	return 0;
nomem:
	wn_literals_free(lits, nlits);
	return -ENOMEM;
}

void wn_literals_free(char **lits, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(lits[i]);
	free(lits);
}

/* ---- Aho-Corasick -------------------------------------------------------- */

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
	int32_t *delta;         /* nodes x ncls transitions (complete DFA) */
	int32_t *first_out;     /* per node: first own output, -1 */
	int32_t *dict;          /* per node: nearest suffix node with output, -1 */
	size_t nnodes;
	out_entry *outs;
	size_t nouts;
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
	free(s->delta);
	free(s->first_out);
	free(s->dict);
	free(s->outs);
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

int wn_litset_build(wn_litset *s)
{
	/* Columns: one per distinct folded byte used by a literal, plus "other". */
	memset(s->cls, 0, sizeof s->cls);
	s->ncls = 1;
	size_t maxnodes = 1;
	for (size_t i = 0; i < s->nlits; i++) {
		maxnodes += s->lits[i].len;
		for (size_t j = 0; j < s->lits[i].len; j++) {
			unsigned char b = (unsigned char)s->lits[i].lit[j];
			if (!s->cls[b])
				s->cls[b] = (unsigned char)s->ncls++;
		}
	}
	for (int b = 'A'; b <= 'Z'; b++)
		s->cls[b] = s->cls[b + 32];
	s->delta = calloc(maxnodes * s->ncls, sizeof *s->delta);
	s->first_out = malloc(maxnodes * sizeof *s->first_out);
	s->dict = malloc(maxnodes * sizeof *s->dict);
	s->outs = malloc((s->nlits ? s->nlits : 1) * sizeof *s->outs);
	int32_t *fail = calloc(maxnodes, sizeof *fail);
	int32_t *queue = malloc(maxnodes * sizeof *queue);
	if (!s->delta || !s->first_out || !s->dict || !s->outs || !fail || !queue) {
		free(fail);
		free(queue);
		return -ENOMEM;
	}
	/* Trie; 0 in delta means "no edge yet" (the root is never a target). */
	s->nnodes = 1;
	s->first_out[0] = -1;
	for (size_t i = 0; i < s->nlits; i++) {
		int32_t node = 0;
		for (size_t j = 0; j < s->lits[i].len; j++) {
			unsigned c = s->cls[(unsigned char)s->lits[i].lit[j]];
			int32_t *to = &s->delta[(size_t)node * s->ncls + c];
			if (!*to) {
				*to = (int32_t)s->nnodes;
				s->first_out[s->nnodes++] = -1;
			}
			node = *to;
		}
		s->outs[s->nouts] = (out_entry){s->lits[i].tag, s->first_out[node]};
		s->first_out[node] = (int32_t)s->nouts++;
	}
	/* Breadth first: failure links, dictionary links, complete transitions. */
	size_t head = 0, tail = 0;
	s->dict[0] = -1;
	for (unsigned c = 0; c < s->ncls; c++) {
		int32_t to = s->delta[c];
		if (to) {
			fail[to] = 0;
			s->dict[to] = -1;
			queue[tail++] = to;
		}
	}
	while (head < tail) {
		int32_t u = queue[head++];
		for (unsigned c = 0; c < s->ncls; c++) {
			int32_t *to = &s->delta[(size_t)u * s->ncls + c];
			int32_t via = s->delta[(size_t)fail[u] * s->ncls + c];
			if (*to) {
				int32_t v = *to;
				fail[v] = via;
				s->dict[v] = s->first_out[via] >= 0 ? via : s->dict[via];
				queue[tail++] = v;
			} else
				*to = via;
		}
	}
	free(fail);
	free(queue);
	s->built = true;
	return 0;
}

void wn_litset_scan(const wn_litset *s, const char *text, size_t len,
		    void (*hit)(uint32_t tag, void *ud), void *ud)
{
	if (!s->built || !s->nlits)
		return;
	const unsigned char *t = (const unsigned char *)text;
	int32_t state = 0;
	for (size_t i = 0; i < len; i++) {
		state = s->delta[(size_t)state * s->ncls + s->cls[t[i]]];
		for (int32_t n = s->first_out[state] >= 0 ? state : s->dict[state]; n >= 0; n = s->dict[n])
			for (int32_t o = s->first_out[n]; o >= 0; o = s->outs[o].next)
				hit(s->outs[o].tag, ud);
	}
}
