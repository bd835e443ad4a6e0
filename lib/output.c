/* output.c — see output.h. */
#include "lib/output.h"
#include "lib/fsio.h"
#include "lib/jsonw.h"
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

json_t *wn_output_record(const wn_doc *doc)
{
	const wn_doc_stats *s = &doc->stats;
	json_t *stats = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:s}",
				  "bytes_in", (json_int_t)s->bytes_in, "lines_in", (json_int_t)s->lines_in,
				  "bytes_out", (json_int_t)s->bytes_out, "lines_out", (json_int_t)s->lines_out,
				  "invalid_replaced", (json_int_t)s->invalid_replaced,
				  "controls_removed", (json_int_t)s->controls_removed,
				  "encoding", s->encoding ? s->encoding : "utf-8");
	json_t *removed = removed_list(doc);
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

/* The record as text, written as json_dumps(wn_output_record(doc),
 * JSON_INDENT(2) | JSON_PRESERVE_ORDER) would write it, final newline
 * added, but straight from the document: no json_t per removed line. */
static void write_record(wn_jsonw *w, const wn_doc *doc)
{
	wn_jsonw_object_begin(w);
	WN_JSONW_KEY(w, "id");
	wn_jsonw_string(w, doc->id);
	WN_JSONW_KEY(w, "source");
	wn_jsonw_string(w, doc->source);
	WN_JSONW_KEY(w, "outlet");
	wn_jsonw_string(w, doc->outlet);
	WN_JSONW_KEY(w, "title");
	wn_jsonw_string(w, doc->title);
	WN_JSONW_KEY(w, "byline");
	wn_jsonw_string(w, doc->byline);
	WN_JSONW_KEY(w, "date");
	wn_jsonw_string(w, doc->date);
	WN_JSONW_KEY(w, "duplicate_of");
	wn_jsonw_string(w, doc->duplicate_of);

	WN_JSONW_KEY(w, "removed");
	wn_jsonw_array_begin(w);
	for (size_t i = 0; i < doc->nlines; i++) {
		const wn_line *l = &doc->lines[i];
		if (!l->reason || l->blank)
			continue;
		wn_jsonw_object_begin(w);
		WN_JSONW_KEY(w, "line");
		wn_jsonw_int(w, l->lineno);
		WN_JSONW_KEY(w, "text");
		wn_jsonw_stringn(w, l->text, l->len);
		WN_JSONW_KEY(w, "reason");
		wn_jsonw_string(w, l->reason);
		wn_jsonw_object_end(w);
	}
	wn_jsonw_array_end(w);

	WN_JSONW_KEY(w, "quotes");
	wn_jsonw_array_begin(w);
	for (size_t i = 0; i < doc->nquotes; i++) {
		const wn_quote *q = &doc->quotes[i];
		wn_jsonw_object_begin(w);
		WN_JSONW_KEY(w, "text");
		wn_jsonw_string(w, q->text);
		WN_JSONW_KEY(w, "start");
		wn_jsonw_int(w, (long long)q->start);
		WN_JSONW_KEY(w, "end");
		wn_jsonw_int(w, (long long)q->end);
		WN_JSONW_KEY(w, "repeated_in");
		wn_jsonw_array_begin(w);
		for (size_t j = 0; j < q->nrepeated; j++) {
			const wn_quote_ref *r = &q->repeated_in[j];
			wn_jsonw_object_begin(w);
			WN_JSONW_KEY(w, "id");
			wn_jsonw_string(w, r->id);
			WN_JSONW_KEY(w, "outlet");
			wn_jsonw_string(w, r->outlet);
			WN_JSONW_KEY(w, "same_outlet");
			wn_jsonw_bool(w, r->same_outlet);
			wn_jsonw_object_end(w);
		}
		wn_jsonw_array_end(w);
		wn_jsonw_object_end(w);
	}
	wn_jsonw_array_end(w);

	const wn_doc_stats *s = &doc->stats;
	WN_JSONW_KEY(w, "stats");
	wn_jsonw_object_begin(w);
	WN_JSONW_KEY(w, "bytes_in");
	wn_jsonw_int(w, (long long)s->bytes_in);
	WN_JSONW_KEY(w, "lines_in");
	wn_jsonw_int(w, (long long)s->lines_in);
	WN_JSONW_KEY(w, "bytes_out");
	wn_jsonw_int(w, (long long)s->bytes_out);
	WN_JSONW_KEY(w, "lines_out");
	wn_jsonw_int(w, (long long)s->lines_out);
	WN_JSONW_KEY(w, "invalid_replaced");
	wn_jsonw_int(w, (long long)s->invalid_replaced);
	WN_JSONW_KEY(w, "controls_removed");
	wn_jsonw_int(w, (long long)s->controls_removed);
	WN_JSONW_KEY(w, "encoding");
	wn_jsonw_string(w, s->encoding ? s->encoding : "utf-8");
	wn_jsonw_object_end(w);
	wn_jsonw_object_end(w);
	wn_jsonw_raw(w, "\n", 1);
}

int wn_output_json(const wn_doc *doc, char **json, size_t *len)
{
	wn_jsonw w;
	wn_jsonw_init(&w, 2, NULL, NULL);
	write_record(&w, doc);
	return wn_jsonw_finish(&w, json, len);
}

static void to_file(void *f, const char *data, size_t len)
{
	wn_atomic_put(f, data, len);
}

/* Put a written file in place, or queue it in the group. */
static int finish_file(wn_atomic_file *f, const wn_output_opts *opts)
{
	return opts->group ? wn_atomic_group_add(opts->group, f) : wn_atomic_commit(f, opts->durable);
}

static int write_record_file(const char *dir, const char *name, const wn_doc *doc,
			     const wn_output_opts *opts)
{
	wn_atomic_file *f;
	int rc = wn_atomic_open(dir, name, &f);
	if (rc < 0)
		return rc;
	wn_jsonw w;
	wn_jsonw_init(&w, 2, to_file, f);
	write_record(&w, doc);
	rc = wn_jsonw_finish(&w, NULL, NULL);
	if (rc < 0) {
		wn_atomic_abort(f);
		return rc;
	}
	return finish_file(f, opts);
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
	/* Staging names are ".<name>.tmp": the name must leave room for them. */
	if (strlen(doc->stem) + 6 + 5 > NAME_MAX) {
		int rc = wn_mkdir_p(dir, 0755);
		return rc < 0 ? rc : -ENAMETOOLONG;
	}
	size_t blen;
	char *body = wn_doc_body(doc, &blen); /* also fills the output stats */
	if (!body)
		return -ENOMEM;

	/* The outlet's folder exists but for the first article of an outlet:
	 * create it when the first file cannot be, not each time. */
	snprintf(name, sizeof name, "%s.json", doc->stem);
	int rc = write_record_file(dir, name, doc, opts);
	if (rc == -ENOENT) {
		rc = wn_mkdir_p(dir, 0755);
		if (rc == 0)
			rc = write_record_file(dir, name, doc, opts);
	}
	if (rc == 0 && opts->write_text) {
		snprintf(name, sizeof name, "%s.txt", doc->stem);
		wn_atomic_file *f;
		rc = wn_atomic_open(dir, name, &f);
		if (rc == 0) {
			wn_atomic_put(f, body, blen);
			rc = finish_file(f, opts);
		}
	}
	if (rc == 0 && opts->durable && !opts->group)
		rc = wn_fsync_dir(dir);
	free(body);
	return rc;
}
