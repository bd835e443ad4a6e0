/* output.c — see output.h. */
#include "lib/output.h"
#include "lib/fsio.h"
#include "lib/text.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *removed_list(const wn_doc *doc)
{
	json_t *arr = json_array();
	if (!arr)
		return NULL;
	for (size_t i = 0; i < doc->nlines; i++) {
		const wn_line *l = &doc->lines[i];
		if (!l->reason || l->blank)
			continue;
		json_t *o = json_pack("{s:I, s:s, s:s}", "line", (json_int_t)l->lineno, "text", l->text,
				      "reason", l->reason);
		if (!o || json_array_append_new(arr, o) < 0) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}

static json_t *quote_list(const wn_doc *doc)
{
	json_t *arr = json_array();
	if (!arr)
		return NULL;
	for (size_t i = 0; i < doc->nquotes; i++) {
		const wn_quote *q = &doc->quotes[i];
		json_t *rep = json_array();
		for (size_t j = 0; rep && j < q->nrepeated; j++) {
			const wn_quote_ref *r = &q->repeated_in[j];
			json_array_append_new(rep, json_pack("{s:s, s:s, s:b}", "id", r->id, "outlet",
							     r->outlet, "same_outlet", r->same_outlet));
		}
		json_t *o = json_pack("{s:s, s:I, s:I, s:o}", "text", q->text, "start",
				      (json_int_t)q->start, "end", (json_int_t)q->end, "repeated_in",
				      rep ? rep : json_array());
		if (!o || json_array_append_new(arr, o) < 0) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}

/* The record; with_removed false leaves removed[] empty (written apart). */
static json_t *record(const wn_doc *doc, bool with_removed)
{
	const wn_doc_stats *s = &doc->stats;
	json_t *stats = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:s}",
				  "bytes_in", (json_int_t)s->bytes_in, "lines_in", (json_int_t)s->lines_in,
				  "bytes_out", (json_int_t)s->bytes_out, "lines_out", (json_int_t)s->lines_out,
				  "invalid_replaced", (json_int_t)s->invalid_replaced,
				  "controls_removed", (json_int_t)s->controls_removed,
				  "encoding", s->encoding ? s->encoding : "utf-8");
	json_t *removed = with_removed ? removed_list(doc) : json_array();
	json_t *quotes = quote_list(doc);
	if (!stats || !removed || !quotes) {
		json_decref(stats);
		json_decref(removed);
		json_decref(quotes);
		return NULL;
	}
	return json_pack("{s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
			 "id", doc->id, "source", doc->source, "outlet", doc->outlet,
			 "title", str_or_null(doc->title), "byline", str_or_null(doc->byline),
			 "date", str_or_null(doc->date), "duplicate_of", str_or_null(doc->duplicate_of),
			 "removed", removed, "quotes", quotes, "stats", stats);
}

json_t *wn_output_record(const wn_doc *doc)
{
	return record(doc, true);
}

#define PUT_LIT(f, lit) wn_atomic_put((f), (lit), sizeof(lit) - 1)

/* A JSON string as jansson writes it (UTF-8 kept; quote, backslash and
 * controls escaped); an invalid UTF-8 byte, which the decoder never lets
 * through, would be written as U+FFFD. */
static void put_json_string(wn_atomic_file *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s, *run = p;
	PUT_LIT(f, "\"");
	while (*p) {
		unsigned char c = *p;
		const char *esc = NULL;
		char seq[8];
		size_t k = 1;
		if (c == '"')
			esc = "\\\"";
		else if (c == '\\')
			esc = "\\\\";
		else if (c < 0x20) {
			switch (c) {
			case '\b': esc = "\\b"; break;
			case '\f': esc = "\\f"; break;
			case '\n': esc = "\\n"; break;
			case '\r': esc = "\\r"; break;
			case '\t': esc = "\\t"; break;
			default: snprintf(seq, sizeof seq, "\\u%04X", c); esc = seq;
			}
		} else if (c >= 0x80 && !(k = wn_utf8_seq_len(p, 4))) { /* stops at the NUL */
			esc = "\xef\xbf\xbd";
			k = 1;
		}
		if (esc) {
			wn_atomic_put(f, run, (size_t)(p - run));
			wn_atomic_put(f, esc, strlen(esc));
			run = p + k;
		}
		p += k;
	}
	wn_atomic_put(f, run, (size_t)(p - run));
	PUT_LIT(f, "\"");
}

/* The .json file, formatted as json_dumps(JSON_INDENT(2) |
 * JSON_PRESERVE_ORDER) would, but with the removed[] entries streamed to
 * the file one at a time: a document of millions of removed lines must
 * not become millions of JSON objects in memory first. */
static int write_record(const char *dir, const char *name, const wn_doc *doc, bool durable)
{
	static const char marker[] = "\n  \"removed\": []";
	json_t *rec = record(doc, false);
	char *head = rec ? json_dumps(rec, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
	json_decref(rec);
	if (!head)
		return -ENOMEM;
	/* unique: a newline inside a string value is escaped, and only
	 * top-level keys are indented by two spaces */
	char *at = strstr(head, marker);
	wn_atomic_file *f = NULL;
	int rc = at ? wn_atomic_open(dir, name, &f) : -EINVAL;
	if (rc < 0) {
		free(head);
		return rc;
	}
	const char *tail = at + sizeof marker - 2; /* "]" and what follows */
	wn_atomic_put(f, head, (size_t)(tail - head));
	bool any = false;
	for (size_t i = 0; i < doc->nlines; i++) {
		const wn_line *l = &doc->lines[i];
		if (!l->reason || l->blank)
			continue;
		char num[16];
		snprintf(num, sizeof num, "%u", (unsigned)l->lineno);
		if (any)
			PUT_LIT(f, ",");
		PUT_LIT(f, "\n    {\n      \"line\": ");
		wn_atomic_put(f, num, strlen(num));
		PUT_LIT(f, ",\n      \"text\": ");
		put_json_string(f, l->text);
		PUT_LIT(f, ",\n      \"reason\": ");
		put_json_string(f, l->reason);
		PUT_LIT(f, "\n    }");
		any = true;
	}
	if (any)
		PUT_LIT(f, "\n  ");
	wn_atomic_put(f, tail, strlen(tail));
	PUT_LIT(f, "\n");
	free(head);
	return wn_atomic_commit(f, durable);
}

char *wn_output_path(const char *outdir, const wn_doc *doc, const char *ext)
{
	char buf[PATH_MAX];
	if (snprintf(buf, sizeof buf, "%s/%s/%s.%s", outdir, doc->outlet, doc->stem, ext) >=
	    (int)sizeof buf)
		return NULL;
	return strdup(buf);
}

int wn_output_write(const char *outdir, wn_doc *doc, const wn_output_opts *opts)
{
	char dir[PATH_MAX], name[NAME_MAX + 1];
	if (snprintf(dir, sizeof dir, "%s/%s", outdir, doc->outlet) >= (int)sizeof dir)
		return -ENAMETOOLONG;
	int rc = wn_mkdir_p(dir, 0755);
	if (rc < 0)
		return rc;
	size_t blen;
	char *body = wn_doc_body(doc, &blen); /* also fills the output stats */
	if (!body)
		return -ENOMEM;

	/* Staging names are ".<name>.tmp": the name must leave room for them. */
	if (strlen(doc->stem) + 6 + 5 > NAME_MAX) {
		rc = -ENAMETOOLONG;
		goto out;
	}
	snprintf(name, sizeof name, "%s.json", doc->stem);
	rc = write_record(dir, name, doc, opts->durable);
	if (rc == 0 && opts->write_text) {
		snprintf(name, sizeof name, "%s.txt", doc->stem);
		rc = wn_write_atomic(dir, name, body, blen, opts->durable);
	}
	if (rc == 0 && opts->durable)
		rc = wn_fsync_dir(dir);
out:
	free(body);
	return rc;
}
