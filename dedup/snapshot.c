/* snapshot.c — see snapshot.h. */
#include "dedup/snapshot.h"
#include "dedup/store.h"
#include "lib/fsio.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <xxhash.h>

static const char magic[8] = {'W', 'N', 'I', 'D', 'X', 'S', 'N', 'P'};
#define BYTE_ORDER_MARK 0x01020304u
#define CHUNK ((size_t)4 << 20) /* read and hashed a piece at a time, while in cache */

typedef struct {
	char magic[8];
	uint32_t layout, schema, byte_order, shard_bits;
	uint64_t token;
	int64_t next_seq, next_qid;
	uint64_t file_bytes; /* header, both images and the checksum */
	uint64_t reserved;
} header;

_Static_assert(sizeof(header) == 64, "the header is 64 bytes, no padding");

uint64_t wn_snapshot_token(void)
{
	uint64_t t = 0;
	if (getrandom(&t, sizeof t, GRND_NONBLOCK) != (ssize_t)sizeof t) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		uint64_t seed[3] = {(uint64_t)ts.tv_sec, (uint64_t)ts.tv_nsec, (uint64_t)getpid()};
		t = XXH3_64bits(seed, sizeof seed);
	}
	return t ? t : 1;
}

static void name_of(char *out, size_t len, const char *store_path, const char *suffix)
{
	snprintf(out, len, "%s-index%s", store_path, suffix);
}

/* ---- writing: buffered, hashed as it goes ---- */

typedef struct {
	int fd;
	XXH3_state_t *hash;
	unsigned char *buf;
	size_t n;
} writer;

static int flush_buf(writer *w)
{
	for (size_t off = 0; off < w->n;) {
		ssize_t k = write(w->fd, w->buf + off, w->n - off);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return k < 0 ? -errno : -EIO;
		off += (size_t)k;
	}
	w->n = 0;
	return 0;
}

static int put(void *ctx, const void *p, size_t n)
{
	writer *w = ctx;
	XXH3_64bits_update(w->hash, p, n);
	const unsigned char *c = p;
	while (n) {
		size_t k = n < CHUNK - w->n ? n : CHUNK - w->n;
		memcpy(w->buf + w->n, c, k);
		w->n += k;
		c += k;
		n -= k;
		if (w->n == CHUNK) {
			int rc = flush_buf(w);
			if (rc < 0)
				return rc;
		}
	}
	return 0;
}

/* The folder of path made durable (wn_fsync_dir). */
static int fsync_dir_of(const char *path)
{
	char *copy = strdup(path);
	if (!copy)
		return -ENOMEM;
	int rc = wn_fsync_dir(dirname(copy));
	free(copy);
	return rc;
}

int wn_snapshot_write(const char *store_path, const wn_snapshot_id *id, const wn_tagtab *bands,
		      const wn_tagtab *grams)
{
	size_t plen = strlen(store_path) + 16;
	char *tmp = malloc(plen), *final = malloc(plen);
	writer w = {.fd = -1, .hash = XXH3_createState(), .buf = malloc(CHUNK)};
	int rc = tmp && final && w.hash && w.buf ? 0 : -ENOMEM;
	if (rc == 0) {
		name_of(tmp, plen, store_path, ".tmp");
		name_of(final, plen, store_path, "");
		w.fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (w.fd < 0)
			rc = -errno;
	}
	if (rc == 0) {
		header h = {.layout = WN_SNAPSHOT_LAYOUT, .schema = WN_STORE_SCHEMA,
			    .byte_order = BYTE_ORDER_MARK, .shard_bits = WN_TAGTAB_SHARD_BITS,
			    .token = id->token, .next_seq = id->next_seq, .next_qid = id->next_qid};
		memcpy(h.magic, magic, sizeof magic);
		h.file_bytes = sizeof h + wn_tagtab_image_bytes(bands) + wn_tagtab_image_bytes(grams) + 8;
		XXH3_64bits_reset(w.hash);
		rc = put(&w, &h, sizeof h);
	}
	if (rc == 0)
		rc = wn_tagtab_save(bands, put, &w);
	if (rc == 0)
		rc = wn_tagtab_save(grams, put, &w);
	if (rc == 0) {
		uint64_t sum = XXH3_64bits_digest(w.hash);
		rc = put(&w, &sum, sizeof sum);
	}
	if (rc == 0)
		rc = flush_buf(&w);
	if (rc == 0 && fsync(w.fd) < 0)
		rc = -errno;
	if (w.fd >= 0 && close(w.fd) < 0 && rc == 0)
		rc = -errno;
	if (rc == 0 && rename(tmp, final) < 0)
		rc = -errno;
	if (rc == 0)
		rc = fsync_dir_of(final);
	else if (w.fd >= 0)
		unlink(tmp);
	XXH3_freeState(w.hash);
	free(w.buf);
	free(tmp);
	free(final);
	return rc;
}

/* ---- reading: straight into the tables, hashed a chunk at a time ---- */

typedef struct {
	int fd;
	XXH3_state_t *hash;
} reader;

static int get(void *ctx, void *p, size_t n)
{
	reader *r = ctx;
	unsigned char *c = p;
	while (n) {
		size_t want = n < CHUNK ? n : CHUNK, got = 0;
		while (got < want) {
			ssize_t k = read(r->fd, c + got, want - got);
			if (k < 0 && errno == EINTR)
				continue;
			if (k < 0)
				return -errno;
			if (k == 0)
				return -EILSEQ; /* cut short */
			got += (size_t)k;
		}
		XXH3_64bits_update(r->hash, c, want);
		c += want;
		n -= want;
	}
	return 0;
}

int wn_snapshot_read(const char *store_path, const wn_snapshot_id *id, wn_tagtab *bands,
		     wn_tagtab *grams, char *why, size_t whylen)
{
	size_t plen = strlen(store_path) + 16;
	char *path = malloc(plen);
	reader r = {.fd = -1, .hash = XXH3_createState()};
	const char *reason = "out of memory";
	int rc = path && r.hash ? 0 : -ENOMEM;
	if (rc == 0) {
		name_of(path, plen, store_path, "");
		r.fd = open(path, O_RDONLY | O_CLOEXEC);
		if (r.fd < 0) {
			rc = -errno;
			reason = rc == -ENOENT ? "no snapshot file" : strerror(-rc);
		}
	}
	header h;
	struct stat sb;
	if (rc == 0) {
		XXH3_64bits_reset(r.hash);
		if (fstat(r.fd, &sb) < 0 || get(&r, &h, sizeof h) < 0) {
			rc = -EILSEQ;
			reason = "shorter than its header";
		}
	}
	if (rc == 0 && (memcmp(h.magic, magic, sizeof magic) || h.byte_order != BYTE_ORDER_MARK)) {
		rc = -EILSEQ;
		reason = "not an index snapshot of this machine";
	} else if (rc == 0 && (h.layout != WN_SNAPSHOT_LAYOUT || h.schema != WN_STORE_SCHEMA ||
			       h.shard_bits != WN_TAGTAB_SHARD_BITS)) {
		rc = -EILSEQ;
		reason = "written by another version";
	} else if (rc == 0 && (h.token != id->token || h.next_seq != id->next_seq ||
			       h.next_qid != id->next_qid)) {
		rc = -ESTALE;
		reason = "not the one the store names (stale)";
	} else if (rc == 0 && h.file_bytes != (uint64_t)sb.st_size) {
		rc = -EILSEQ;
		reason = "cut short or grown";
	}
	if (rc == 0) {
		reason = "tables not valid, or cut short";
		rc = wn_tagtab_load(bands, (size_t)sb.st_size, get, &r);
		if (rc == 0)
			rc = wn_tagtab_load(grams, (size_t)sb.st_size, get, &r);
		if (rc == -ENOMEM)
			reason = "out of memory";
	}
	if (rc == 0) {
		uint64_t sum = 0, want = XXH3_64bits_digest(r.hash);
		if (get(&r, &sum, sizeof sum) < 0 || sum != want) {
			rc = -EILSEQ;
			reason = "checksum mismatch (damaged)";
		}
	}
	if (rc < 0) {
		wn_tagtab_free(bands);
		wn_tagtab_free(grams);
		if (whylen)
			snprintf(why, whylen, "%s", reason);
	}
	if (r.fd >= 0)
		close(r.fd);
	XXH3_freeState(r.hash);
	free(path);
	return rc;
}

void wn_snapshot_remove_partial(const char *store_path)
{
	char path[4096];
	name_of(path, sizeof path, store_path, ".tmp");
	unlink(path);
}
