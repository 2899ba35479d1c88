/*
 * util.c - arena, vectors, string buffers and small helpers.
 *
 * The front end allocates from one arena and never frees: a compilation
 * is short-lived and its AST lives until the process exits (chibicc does
 * the same).  Only StrBuf uses malloc/free, for output that can grow large.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "stap.h"

#define ARENA_CHUNK (1 << 20)

/* Every block the arena got from calloc, so that arena_reset() (used by
 * the fuzzer between inputs) can give them all back. */
typedef struct Block {
	struct Block *next;
	max_align_t data[];
} Block;

static Block *blocks;
static char *arena_cur, *arena_end;

static void *arena_chunk(size_t size)
{
	Block *b = calloc(1, sizeof(*b) + size);
	if (!b)
		fatal("out of memory");
	b->next = blocks;
	blocks = b;
	return b->data;
}

void *arena_alloc(size_t size)
{
	size = (size + 15) & ~(size_t)15;
	if (size > ARENA_CHUNK / 4)
		return arena_chunk(size);
	if ((size_t)(arena_end - arena_cur) < size) {
		arena_cur = arena_chunk(ARENA_CHUNK);
		arena_end = arena_cur + ARENA_CHUNK;
	}
	void *p = arena_cur;
	arena_cur += size;
	return p;
}

void arena_reset(void)
{
	while (blocks) {
		Block *b = blocks;
		blocks = b->next;
		free(b);
	}
	arena_cur = arena_end = NULL;
}

char *arena_strndup(const char *s, size_t n)
{
	char *p = arena_alloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *arena_strdup(const char *s)
{
	return arena_strndup(s, strlen(s));
}

char *format(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	char *p = arena_alloc(n + 1);
	va_start(ap, fmt);
	vsnprintf(p, n + 1, fmt, ap);
	va_end(ap);
	return p;
}

void vec_push(Vec *v, void *item)
{
	if (v->len == v->cap) {
		int cap = v->cap ? v->cap * 2 : 8;
		void **data = arena_alloc(sizeof(*data) * cap);
		if (v->len)
			memcpy(data, v->data, sizeof(*data) * v->len);
		v->data = data;
		v->cap = cap;
	}
	v->data[v->len++] = item;
}

void nodelist_push(NodeList *l, Node *n)
{
	if (l->len == l->cap) {
		int cap = l->cap ? l->cap * 2 : 4;
		Node **items = arena_alloc(sizeof(*items) * cap);
		if (l->len)
			memcpy(items, l->items, sizeof(*items) * l->len);
		l->items = items;
		l->cap = cap;
	}
	l->items[l->len++] = n;
}

static void sb_grow(StrBuf *sb, size_t need)
{
	if (sb->len + need + 1 <= sb->cap)
		return;
	size_t cap = sb->cap ? sb->cap : 256;
	while (cap < sb->len + need + 1)
		cap *= 2;
	char *buf = realloc(sb->buf, cap);
	if (!buf)
		fatal("out of memory");
	sb->buf = buf;
	sb->cap = cap;
}

void sb_putn(StrBuf *sb, const char *s, size_t n)
{
	sb_grow(sb, n);
	memcpy(sb->buf + sb->len, s, n);
	sb->len += n;
	sb->buf[sb->len] = '\0';
}

void sb_putc(StrBuf *sb, char c)
{
	sb_putn(sb, &c, 1);
}

void sb_puts(StrBuf *sb, const char *s)
{
	sb_putn(sb, s, strlen(s));
}

void sb_printf(StrBuf *sb, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	sb_grow(sb, n);
	va_start(ap, fmt);
	vsnprintf(sb->buf + sb->len, n + 1, fmt, ap);
	va_end(ap);
	sb->len += n;
}

void sb_release(StrBuf *sb)
{
	free(sb->buf);
	sb->buf = NULL;
	sb->len = sb->cap = 0;
}

char *read_file(const char *path, size_t *lenp)
{
	FILE *fp = strcmp(path, "-") ? fopen(path, "r") : stdin;
	if (!fp)
		return NULL;
	/* a regular file is read at once into a buffer of its size */
	struct stat st;
	if (fp != stdin && fstat(fileno(fp), &st) == 0 && S_ISREG(st.st_mode) &&
	    st.st_size > 0) {
		char *p = arena_alloc(st.st_size + 1);
		size_t n = fread(p, 1, st.st_size, fp);
		int err = ferror(fp);
		fclose(fp);
		if (err) {
			errno = EIO;
			return NULL;
		}
		p[n] = '\0';
		if (lenp)
			*lenp = n;
		return p;
	}
	StrBuf sb = {0};
	char buf[65536];
	size_t n;
	while ((n = fread(buf, 1, sizeof(buf), fp)) > 0)
		sb_putn(&sb, buf, n);
	int err = ferror(fp);
	if (fp != stdin)
		fclose(fp);
	if (err) {
		sb_release(&sb);
		errno = EIO;
		return NULL;
	}
	char *p = arena_strndup(sb.buf ? sb.buf : "", sb.len);
	if (lenp)
		*lenp = sb.len;
	sb_release(&sb);
	return p;
}

int edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > 64 || lb > 64)
		return 1000;
	int d[65][65];
	for (size_t i = 0; i <= la; i++)
		d[i][0] = i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = j;
	for (size_t i = 1; i <= la; i++) {
		for (size_t j = 1; j <= lb; j++) {
			int c = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
			if (d[i - 1][j] + 1 < c)
				c = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < c)
				c = d[i][j - 1] + 1;
			d[i][j] = c;
		}
	}
	return d[la][lb];
}

const char *type_name(Type t)
{
	switch (t) {
	case TY_UNKNOWN: return "unknown";
	case TY_LONG: return "long";
	case TY_STRING: return "string";
	case TY_STATS: return "stats";
	}
	return "?";
}

const char *binop_text(BinOp op)
{
	static const char *names[] = {
		[OP_NONE] = "=", [OP_ADD] = "+", [OP_SUB] = "-",
		[OP_MUL] = "*", [OP_DIV] = "/", [OP_MOD] = "%",
		[OP_SHL] = "<<", [OP_SHR] = ">>", [OP_USHR] = ">>>", [OP_BITAND] = "&",
		[OP_BITOR] = "|", [OP_BITXOR] = "^", [OP_CONCAT] = ".",
		[OP_LT] = "<", [OP_LE] = "<=", [OP_GT] = ">", [OP_GE] = ">=",
		[OP_EQ] = "==", [OP_NE] = "!=", [OP_REGEX_MATCH] = "=~",
		[OP_REGEX_NOMATCH] = "!~",
	};
	return names[op];
}

const char *statop_name(StatOp op)
{
	static const char *names[] = {
		[STAT_COUNT] = "@count", [STAT_SUM] = "@sum",
		[STAT_MIN] = "@min", [STAT_MAX] = "@max", [STAT_AVG] = "@avg",
		[STAT_VARIANCE] = "@variance",
	};
	return names[op];
}

/* mkdir -p: 0, or -1 with errno when PATH is not a directory after all */
int mkdir_p(const char *path)
{
	char *p = arena_strdup(path);
	for (char *s = p + 1; *s; s++) {
		if (*s == '/') {
			*s = '\0';
			mkdir(p, 0755);
			*s = '/';
		}
	}
	if (mkdir(p, 0755) != 0 && errno != EEXIST)
		return -1;
	struct stat st;
	return stat(p, &st) == 0 && S_ISDIR(st.st_mode) ? 0 : -1;
}

int child_status(pid_t pid)
{
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int save_file(const char *path, const void *data, size_t len)
{
	const char *slash = strrchr(path, '/');
	if (slash && slash != path && mkdir_p(arena_strndup(path, slash - path)))
		return -1;
	char *tmp = format("%s.%d", path, (int)getpid());
	FILE *f = fopen(tmp, "w");
	if (!f)
		return -1;
	bool ok = fwrite(data, 1, len, f) == len;
	if (fclose(f) != 0 || !ok || rename(tmp, path) != 0) {
		int err = errno;
		unlink(tmp);
		errno = err ? err : EIO;
		return -1;
	}
	return 0;
}
