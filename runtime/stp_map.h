/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Associative arrays: 1..9 index columns of long or string, a long, string
 * or statistics value.  Every node is preallocated when the module loads
 * (MAXMAPENTRIES or the array's own size); a full array is an error, or,
 * for a wrapping array (global a%), loses its oldest entry.  Nodes sit in
 * a hash table and on one list in insertion order, which foreach walks;
 * a sorted foreach reorders that list in place (merge sort, no memory).
 *
 * Statistics arrays are "pmaps": one map per CPU that only its CPU adds
 * to (no contention between CPUs), merged into an aggregate map when read.
 *
 * No kernel dependency: also built by testsuite/runtime, which provides
 * _stp_vzalloc/_stp_vfree/_stp_kzalloc/_stp_kfree, _stp_ncpus,
 * _stp_this_cpu() and _stp_load_word().
 */
#ifndef _STP_MAP_H_
#define _STP_MAP_H_

#define STP_MAP_MAXKEYS 9

enum { STP_TYPE_LONG, STP_TYPE_STRING, STP_TYPE_STAT };

/* One index value, as the generated code passes keys. */
union stp_key {
	int64_t l;
	const char *s;
};

struct stp_mnode {
	struct stp_mnode *hnext;	/* hash chain */
	struct stp_mnode *prev, *next;	/* list (insertion or sort order) */
	uint32_t hash;
	/* then the keys at map->key_off[], the value at map->val_off */
};

struct stp_map {
	int nkeys;
	int vtype;			/* STP_TYPE_* */
	unsigned char ktype[STP_MAP_MAXKEYS];
	unsigned int smask;		/* bit i: column i is a string */
	int wrap;			/* global a%: replace the oldest */
	uint32_t maxentries;
	uint32_t nentries;
	uint32_t hash_mask;
	uint32_t node_size;
	uint32_t key_off[STP_MAP_MAXKEYS];
	uint32_t val_off;
	const struct stp_stat_desc *sd;	/* STP_TYPE_STAT */
	struct stp_mnode **buckets;
	char *pool;
	struct stp_mnode *freelist;
	struct stp_mnode head;		/* list sentinel */
	char overflow_msg[48];
};

static inline int64_t _stp_key_l(const struct stp_map *m,
				 const struct stp_mnode *n, int i)
{
	return *(const int64_t *)((const char *)n + m->key_off[i]);
}

static inline const char *_stp_key_s(const struct stp_map *m,
				     const struct stp_mnode *n, int i)
{
	return (const char *)n + m->key_off[i];
}

static inline int64_t *_stp_val_l(const struct stp_map *m,
				  struct stp_mnode *n)
{
	return (int64_t *)((char *)n + m->val_off);
}

static inline char *_stp_val_s(const struct stp_map *m, struct stp_mnode *n)
{
	return (char *)n + m->val_off;
}

static inline struct stp_stat *_stp_val_stat(const struct stp_map *m,
					     struct stp_mnode *n)
{
	return (struct stp_stat *)((char *)n + m->val_off);
}

static inline struct stp_mnode *_stp_map_first(const struct stp_map *m)
{
	return m->head.next == &m->head ? NULL : m->head.next;
}

static inline struct stp_mnode *_stp_map_next(const struct stp_map *m,
					      const struct stp_mnode *n)
{
	return n->next == &m->head ? NULL : n->next;
}

static inline uint32_t _stp_hash_long(uint32_t h, int64_t v)
{
	uint64_t x = (uint64_t)v ^ h;

	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	return (uint32_t)x ^ (uint32_t)(x >> 32);
}

/*
 * String keys are hashed and compared a word at a time.  _stp_load_word
 * reads 8 bytes (zero past the end of a mapped page: kernel's
 * load_unaligned_zeropad); bytes after the terminating NUL are masked
 * off, and a key counts only its first MAXSTRINGLEN - 1 bytes.
 */
#define STP_WORD_ONES 0x0101010101010101ULL
#define STP_WORD_HIGHS 0x8080808080808080ULL

/*
 * Word W at offset OFF of a key: returns the mask of the bytes that are
 * part of the key; *MATCH gets the bytes two equal keys agree on (the
 * key's bytes plus its NUL when that is in W); *END is set when the key
 * ends in W (its NUL, or its MAXSTRINGLEN - 1 limit).
 */
static __always_inline uint64_t _stp_key_word(uint64_t w, size_t off,
					      uint64_t *match, int *end)
{
	uint64_t z = (w - STP_WORD_ONES) & ~w & STP_WORD_HIGHS;
	uint64_t lim = ~0ULL, valid;

	*end = z != 0;
	if (MAXSTRINGLEN - 1 - off <= 8) {
		if (MAXSTRINGLEN - 1 - off < 8)
			lim = (1ULL << (8 * (MAXSTRINGLEN - 1 - off))) - 1;
		*end = 1;
	}
	valid = z ? (((z & -z) >> 7) - 1) & lim : lim;
	*match = z ? ((valid << 8) | 0xff) & lim : lim;
	return valid;
}

static __always_inline uint32_t _stp_hash_str(uint32_t h, const char *s)
{
	uint64_t x = h, match;
	size_t off;
	int end;

	for (off = 0;; off += 8) {
		uint64_t w = _stp_load_word(s + off);

		x = (x ^ (w & _stp_key_word(w, off, &match, &end))) *
		    0x9e3779b97f4a7c15ULL;
		x ^= x >> 29;
		if (end)
			break;
	}
	return (uint32_t)(x ^ (x >> 32));
}

/*
 * Hashing and matching are on every probe hit that touches an array, so
 * they are always inline and take the key's shape (NKEYS columns, SMASK
 * bit i set for a string column) as arguments: the generated code passes
 * constants, and the loops fold away.  The _t functions below do the
 * same; the plain ones take the shape from the map.
 */
static __always_inline uint32_t _stp_keys_hash(const union stp_key *k,
					       int nkeys, unsigned int smask)
{
	uint32_t h = 0x9e3779b9u;
	int i;

	for (i = 0; i < nkeys; i++) {
		if (smask & (1u << i))
			h = _stp_hash_str(h, k[i].s);
		else
			h = _stp_hash_long(h, k[i].l);
	}
	return h;
}

static __always_inline uint32_t _stp_map_hash(const struct stp_map *m,
					      const union stp_key *k)
{
	return _stp_keys_hash(k, m->nkeys, m->smask);
}

/* Equal in their first MAXSTRINGLEN - 1 bytes (what a key keeps)? */
static __always_inline int _stp_key_str_eq(const char *a, const char *b)
{
	uint64_t match;
	size_t off;
	int end;

	for (off = 0;; off += 8) {
		uint64_t wa = _stp_load_word(a + off);
		uint64_t wb = _stp_load_word(b + off);

		_stp_key_word(wb, off, &match, &end);
		if ((wa ^ wb) & match)
			return 0;
		if (end)
			return 1;
	}
}

/* Does node N hold key K?  WILD has bit i set for '*' columns. */
static __always_inline int _stp_keys_match(const struct stp_map *m,
					   const struct stp_mnode *n,
					   const union stp_key *k,
					   unsigned int wild, int nkeys,
					   unsigned int smask)
{
	int i;

	for (i = 0; i < nkeys; i++) {
		if (wild & (1u << i))
			continue;
		if (smask & (1u << i)) {
			if (!_stp_key_str_eq(_stp_key_s(m, n, i), k[i].s))
				return 0;
		} else if (_stp_key_l(m, n, i) != k[i].l) {
			return 0;
		}
	}
	return 1;
}

static __always_inline int _stp_map_keymatch(const struct stp_map *m,
					     const struct stp_mnode *n,
					     const union stp_key *k,
					     unsigned int wild)
{
	return _stp_keys_match(m, n, k, wild, m->nkeys, m->smask);
}

static __maybe_unused uint32_t _stp_value_size(int vtype, const struct stp_stat_desc *sd)
{
	if (vtype == STP_TYPE_STRING)
		return MAXSTRINGLEN;
	if (vtype == STP_TYPE_STAT)
		return sd->size;
	return sizeof(int64_t);
}

static __maybe_unused void _stp_map_free(struct stp_map *m)
{
	_stp_vfree(m->pool);
	_stp_vfree(m->buckets);
	m->pool = NULL;
	m->buckets = NULL;
}

/* Put every node back on the free list. */
static __maybe_unused void _stp_map_clear(struct stp_map *m)
{
	uint32_t i;

	m->freelist = NULL;
	for (i = m->maxentries; i-- > 0;) {
		struct stp_mnode *n = (struct stp_mnode *)
			(m->pool + (size_t)i * m->node_size);

		n->hnext = m->freelist;
		m->freelist = n;
	}
	memset(m->buckets, 0, (size_t)(m->hash_mask + 1) * sizeof(*m->buckets));
	m->head.next = m->head.prev = &m->head;
	m->nentries = 0;
}

/*
 * Set up a map.  KTYPES gives the NKEYS column types, MAXENTRIES the
 * capacity, SIZED says the size came from the script (global a[N]) which
 * changes the overflow message.  Returns 0 or -ENOMEM.
 */
static __maybe_unused int _stp_map_init(struct stp_map *m, int nkeys,
			 const unsigned char *ktypes, int vtype,
			 uint32_t maxentries, int wrap, int sized,
			 const struct stp_stat_desc *sd)
{
	uint32_t off = sizeof(struct stp_mnode), nb = 1;
	int i;

	memset(m, 0, sizeof(*m));
	if (maxentries == 0)
		maxentries = 1;
	m->nkeys = nkeys;
	m->vtype = vtype;
	m->wrap = wrap;
	m->maxentries = maxentries;
	m->sd = sd;
	for (i = 0; i < nkeys; i++) {
		m->ktype[i] = ktypes[i];
		if (ktypes[i] == STP_TYPE_STRING)
			m->smask |= 1u << i;
		off = (off + 7) & ~7u;
		m->key_off[i] = off;
		off += ktypes[i] == STP_TYPE_STRING ? MAXSTRINGLEN : 8;
	}
	off = (off + 7) & ~7u;
	m->val_off = off;
	off += _stp_value_size(vtype, sd);
	m->node_size = (off + 7) & ~7u;
	while (nb < maxentries)
		nb <<= 1;
	m->hash_mask = nb - 1;
	if (sized)
		snprintf(m->overflow_msg, sizeof(m->overflow_msg),
			 "Array overflow, check size limit (%u)",
			 (unsigned int)maxentries);
	else
		snprintf(m->overflow_msg, sizeof(m->overflow_msg),
			 "Array overflow, check MAXMAPENTRIES");
	m->buckets = _stp_vzalloc((size_t)nb * sizeof(*m->buckets));
	m->pool = _stp_vzalloc((size_t)maxentries * m->node_size);
	if (!m->buckets || !m->pool) {
		_stp_map_free(m);
		return -ENOMEM;
	}
	_stp_map_clear(m);
	return 0;
}

static __maybe_unused void _stp_map_unlink(struct stp_map *m, struct stp_mnode *n)
{
	struct stp_mnode **pp = &m->buckets[n->hash & m->hash_mask];

	while (*pp != n)
		pp = &(*pp)->hnext;
	*pp = n->hnext;
	n->prev->next = n->next;
	n->next->prev = n->prev;
	n->hnext = m->freelist;
	m->freelist = n;
	m->nentries--;
}

static __always_inline struct stp_mnode *
_stp_map_lookup_t(const struct stp_map *m, const union stp_key *k,
		  uint32_t hash, int nkeys, unsigned int smask)
{
	struct stp_mnode *n = m->buckets[hash & m->hash_mask];

	for (; n; n = n->hnext)
		if (n->hash == hash && _stp_keys_match(m, n, k, 0, nkeys, smask))
			return n;
	return NULL;
}

static __always_inline struct stp_mnode *
_stp_map_lookup(const struct stp_map *m, const union stp_key *k, uint32_t hash)
{
	return _stp_map_lookup_t(m, k, hash, m->nkeys, m->smask);
}

static __always_inline struct stp_mnode *
_stp_map_find_t(const struct stp_map *m, const union stp_key *k, int nkeys,
		unsigned int smask)
{
	return _stp_map_lookup_t(m, k, _stp_keys_hash(k, nkeys, smask), nkeys,
				 smask);
}

static inline struct stp_mnode *_stp_map_find(const struct stp_map *m,
					      const union stp_key *k)
{
	return _stp_map_find_t(m, k, m->nkeys, m->smask);
}

/* Add key K (hash HASH, not in the map); NULL when full and not wrapping. */
static noinline __maybe_unused struct stp_mnode *
_stp_map_insert(struct stp_map *m, const union stp_key *k, uint32_t hash)
{
	struct stp_mnode *n;
	int i;

	if (!m->freelist) {
		if (!m->wrap || !_stp_map_first(m))
			return NULL;
		_stp_map_unlink(m, _stp_map_first(m));
	}
	n = m->freelist;
	m->freelist = n->hnext;
	n->hash = hash;
	for (i = 0; i < m->nkeys; i++) {
		char *p = (char *)n + m->key_off[i];

		if (m->ktype[i] == STP_TYPE_STRING)
			_stp_strcpy(p, k[i].s);
		else
			*(int64_t *)p = k[i].l;
	}
	memset((char *)n + m->val_off, 0, _stp_value_size(m->vtype, m->sd));
	n->hnext = m->buckets[hash & m->hash_mask];
	m->buckets[hash & m->hash_mask] = n;
	n->next = &m->head;
	n->prev = m->head.prev;
	m->head.prev->next = n;
	m->head.prev = n;
	m->nentries++;
	return n;
}

/*
 * The node of key K, created (value 0, "" or empty) if missing.  NULL when
 * the map is full and does not wrap.
 */
static __always_inline struct stp_mnode *
_stp_map_find_or_add_t(struct stp_map *m, const union stp_key *k, int nkeys,
		       unsigned int smask)
{
	uint32_t hash = _stp_keys_hash(k, nkeys, smask);
	struct stp_mnode *n = _stp_map_lookup_t(m, k, hash, nkeys, smask);

	if (likely(n))
		return n;
	return _stp_map_insert(m, k, hash);
}

static __always_inline struct stp_mnode *
_stp_map_find_or_add(struct stp_map *m, const union stp_key *k)
{
	return _stp_map_find_or_add_t(m, k, m->nkeys, m->smask);
}

/*
 * Value reads (0 / "" for a missing key), writes (0, or -1 when the map is
 * full: see overflow_msg), and the value's address for read-modify-write
 * (++, +=, .=; NULL when full).  NK/SM: the key's shape, as above.
 */
static __always_inline int64_t _stp_map_get_lt(const struct stp_map *m,
					       const union stp_key *k,
					       int nk, unsigned int sm)
{
	struct stp_mnode *n = _stp_map_find_t(m, k, nk, sm);

	return n ? *_stp_val_l(m, n) : 0;
}

static __always_inline const char *_stp_map_get_st(const struct stp_map *m,
						   const union stp_key *k,
						   int nk, unsigned int sm)
{
	struct stp_mnode *n = _stp_map_find_t(m, k, nk, sm);

	return n ? _stp_val_s(m, n) : "";
}

static __always_inline int _stp_map_set_lt(struct stp_map *m,
					   const union stp_key *k, int64_t v,
					   int nk, unsigned int sm)
{
	struct stp_mnode *n = _stp_map_find_or_add_t(m, k, nk, sm);

	if (!n)
		return -1;
	*_stp_val_l(m, n) = v;
	return 0;
}

static __always_inline int _stp_map_set_st(struct stp_map *m,
					   const union stp_key *k,
					   const char *v, int nk,
					   unsigned int sm)
{
	struct stp_mnode *n = _stp_map_find_or_add_t(m, k, nk, sm);

	if (!n)
		return -1;
	_stp_strcpy(_stp_val_s(m, n), v);
	return 0;
}

static __always_inline int64_t *_stp_map_lval_lt(struct stp_map *m,
						 const union stp_key *k,
						 int nk, unsigned int sm)
{
	struct stp_mnode *n = _stp_map_find_or_add_t(m, k, nk, sm);

	return n ? _stp_val_l(m, n) : NULL;
}

static __always_inline char *_stp_map_lval_st(struct stp_map *m,
					      const union stp_key *k, int nk,
					      unsigned int sm)
{
	struct stp_mnode *n = _stp_map_find_or_add_t(m, k, nk, sm);

	return n ? _stp_val_s(m, n) : NULL;
}

#define _stp_map_get_l(m, k) _stp_map_get_lt(m, k, (m)->nkeys, (m)->smask)
#define _stp_map_get_s(m, k) _stp_map_get_st(m, k, (m)->nkeys, (m)->smask)
#define _stp_map_set_l(m, k, v) \
	_stp_map_set_lt(m, k, v, (m)->nkeys, (m)->smask)
#define _stp_map_set_s(m, k, v) \
	_stp_map_set_st(m, k, v, (m)->nkeys, (m)->smask)
#define _stp_map_lval_l(m, k) _stp_map_lval_lt(m, k, (m)->nkeys, (m)->smask)
#define _stp_map_lval_s(m, k) _stp_map_lval_st(m, k, (m)->nkeys, (m)->smask)

/* [k...] in m; WILD marks '*' columns. */
static __maybe_unused int _stp_map_exists(const struct stp_map *m, const union stp_key *k,
			   unsigned int wild)
{
	struct stp_mnode *n;

	if (!wild)
		return _stp_map_find(m, k) != NULL;
	for (n = _stp_map_first(m); n; n = _stp_map_next(m, n))
		if (_stp_map_keymatch(m, n, k, wild))
			return 1;
	return 0;
}

/* delete m[k...]; WILD marks '*' columns. */
static __maybe_unused void _stp_map_del(struct stp_map *m, const union stp_key *k,
			 unsigned int wild)
{
	struct stp_mnode *n, *next;

	if (!wild) {
		n = _stp_map_find(m, k);
		if (n)
			_stp_map_unlink(m, n);
		return;
	}
	for (n = _stp_map_first(m); n; n = next) {
		next = _stp_map_next(m, n);
		if (_stp_map_keymatch(m, n, k, wild))
			_stp_map_unlink(m, n);
	}
}

/* Compare two nodes for sorting: COL 0 = the value, 1..n a key column;
 * STATOP picks the extractor for statistics values. */
static __maybe_unused int _stp_map_cmp(const struct stp_map *m, struct stp_mnode *a,
			struct stp_mnode *b, int col, int statop)
{
	int64_t x, y;

	if (col == 0) {
		if (m->vtype == STP_TYPE_STRING)
			return strcmp(_stp_val_s(m, a), _stp_val_s(m, b));
		if (m->vtype == STP_TYPE_STAT) {
			x = _stp_stat_get(_stp_val_stat(m, a), m->sd, statop);
			y = _stp_stat_get(_stp_val_stat(m, b), m->sd, statop);
		} else {
			x = *_stp_val_l(m, a);
			y = *_stp_val_l(m, b);
		}
	} else {
		if (m->ktype[col - 1] == STP_TYPE_STRING)
			return strcmp(_stp_key_s(m, a, col - 1),
				      _stp_key_s(m, b, col - 1));
		x = _stp_key_l(m, a, col - 1);
		y = _stp_key_l(m, b, col - 1);
	}
	return x < y ? -1 : x > y;
}

/*
 * Sort the list by COL (0 = value, 1..n = key column), DIR +1 ascending
 * or -1 descending; stable.  A bottom-up merge sort of the singly linked
 * chain, then the back links are rebuilt.
 */
static __maybe_unused void _stp_map_sort(struct stp_map *m, int col, int dir, int statop)
{
	struct stp_mnode *list, *p, *q, *e, *tail, *prev;
	uint32_t insize = 1, nmerges, psize, qsize, i;

	if (m->nentries < 2)
		return;
	list = m->head.next;
	m->head.prev->next = NULL;
	do {
		p = list;
		list = tail = NULL;
		nmerges = 0;
		while (p) {
			nmerges++;
			q = p;
			psize = 0;
			for (i = 0; i < insize && q; i++) {
				psize++;
				q = q->next;
			}
			qsize = insize;
			while (psize > 0 || (qsize > 0 && q)) {
				if (psize == 0) {
					e = q; q = q->next; qsize--;
				} else if (qsize == 0 || !q) {
					e = p; p = p->next; psize--;
				} else if (dir * _stp_map_cmp(m, p, q, col,
							      statop) <= 0) {
					e = p; p = p->next; psize--;
				} else {
					e = q; q = q->next; qsize--;
				}
				if (tail)
					tail->next = e;
				else
					list = e;
				tail = e;
			}
			p = q;
		}
		tail->next = NULL;
		insize *= 2;
	} while (nmerges > 1);

	prev = &m->head;
	for (e = list; e; e = e->next) {
		e->prev = prev;
		prev->next = e;
		prev = e;
	}
	prev->next = &m->head;
	m->head.prev = prev;
}

/* ------------------------------------------------------------------ */
/* Statistics arrays: one map per CPU plus the aggregate */

struct stp_pmap {
	struct stp_map *cpu;		/* _stp_ncpus maps */
	struct stp_map agg;
	struct stp_stat *scratch;	/* one key, aggregated */
	const struct stp_stat_desc *sd;
};

static __maybe_unused void _stp_pmap_free(struct stp_pmap *pm)
{
	int c;

	if (pm->cpu) {
		for (c = 0; c < _stp_ncpus; c++)
			_stp_map_free(&pm->cpu[c]);
		_stp_kfree(pm->cpu);
		pm->cpu = NULL;
	}
	_stp_map_free(&pm->agg);
	_stp_kfree(pm->scratch);
	pm->scratch = NULL;
}

static __maybe_unused int _stp_pmap_init(struct stp_pmap *pm, int nkeys,
			  const unsigned char *ktypes, uint32_t maxentries,
			  int wrap, int sized, const struct stp_stat_desc *sd)
{
	int c;

	memset(pm, 0, sizeof(*pm));
	pm->sd = sd;
	pm->cpu = _stp_kzalloc(_stp_ncpus * sizeof(*pm->cpu));
	pm->scratch = _stp_kzalloc(sd->size);
	if (!pm->cpu || !pm->scratch)
		goto fail;
	for (c = 0; c < _stp_ncpus; c++)
		if (_stp_map_init(&pm->cpu[c], nkeys, ktypes, STP_TYPE_STAT,
				  maxentries, wrap, sized, sd))
			goto fail;
	if (_stp_map_init(&pm->agg, nkeys, ktypes, STP_TYPE_STAT, maxentries,
			  wrap, sized, sd))
		goto fail;
	return 0;
fail:
	_stp_pmap_free(pm);
	return -ENOMEM;
}

/* m[k] <<< v on this CPU's map: 0, or -1 when full. */
static __always_inline int _stp_pmap_add_t(struct stp_pmap *pm,
					   const union stp_key *k, int64_t v,
					   int nk, unsigned int sm)
{
	struct stp_map *m = &pm->cpu[_stp_this_cpu()];
	struct stp_mnode *n = _stp_map_find_or_add_t(m, k, nk, sm);

	if (!n)
		return -1;
	_stp_stat_add(_stp_val_stat(m, n), pm->sd, v);
	return 0;
}

#define _stp_pmap_add(pm, k, v) \
	_stp_pmap_add_t(pm, k, v, (pm)->agg.nkeys, (pm)->agg.smask)

/* The aggregate of key K over all CPUs, or NULL if no CPU has it. */
static __maybe_unused struct stp_stat *_stp_pmap_get(struct stp_pmap *pm,
						     const union stp_key *k)
{
	uint32_t hash = _stp_map_hash(&pm->agg, k);
	int c, found = 0;

	_stp_stat_clear(pm->scratch, pm->sd);
	for (c = 0; c < _stp_ncpus; c++) {
		struct stp_map *m = &pm->cpu[c];
		struct stp_mnode *n = _stp_map_lookup(m, k, hash);

		if (n) {
			found = 1;
			_stp_stat_merge(pm->scratch, _stp_val_stat(m, n),
					pm->sd);
		}
	}
	return found ? pm->scratch : NULL;
}

/* Merge every CPU's map into pm->agg (in CPU, then insertion order).
 * Returns the aggregate map, or NULL when it overflowed. */
static __maybe_unused struct stp_map *_stp_pmap_agg(struct stp_pmap *pm)
{
	int c;

	_stp_map_clear(&pm->agg);
	for (c = 0; c < _stp_ncpus; c++) {
		struct stp_map *m = &pm->cpu[c];
		struct stp_mnode *n;
		union stp_key k[STP_MAP_MAXKEYS];
		int i;

		for (n = _stp_map_first(m); n; n = _stp_map_next(m, n)) {
			struct stp_mnode *a;

			for (i = 0; i < m->nkeys; i++) {
				if (m->ktype[i] == STP_TYPE_STRING)
					k[i].s = _stp_key_s(m, n, i);
				else
					k[i].l = _stp_key_l(m, n, i);
			}
			a = _stp_map_find_or_add(&pm->agg, k);
			if (!a)
				return NULL;
			_stp_stat_merge(_stp_val_stat(&pm->agg, a),
					_stp_val_stat(m, n), pm->sd);
		}
	}
	return &pm->agg;
}

static __maybe_unused int _stp_pmap_exists(struct stp_pmap *pm, const union stp_key *k,
			    unsigned int wild)
{
	int c;

	for (c = 0; c < _stp_ncpus; c++)
		if (_stp_map_exists(&pm->cpu[c], k, wild))
			return 1;
	return 0;
}

static __maybe_unused void _stp_pmap_del(struct stp_pmap *pm, const union stp_key *k,
			  unsigned int wild)
{
	int c;

	for (c = 0; c < _stp_ncpus; c++)
		_stp_map_del(&pm->cpu[c], k, wild);
}

static __maybe_unused void _stp_pmap_clear(struct stp_pmap *pm)
{
	int c;

	for (c = 0; c < _stp_ncpus; c++)
		_stp_map_clear(&pm->cpu[c]);
	_stp_map_clear(&pm->agg);
}

/* ------------------------------------------------------------------ */
/* Scalar statistics: one struct stp_stat per CPU plus the aggregate */

struct stp_pstat {
	char *cpu;			/* _stp_ncpus * sd->size bytes */
	struct stp_stat *agg;
	const struct stp_stat_desc *sd;
};

static inline struct stp_stat *_stp_pstat_cpu(struct stp_pstat *ps, int c)
{
	return (struct stp_stat *)(ps->cpu + (size_t)c * ps->sd->size);
}

static __maybe_unused void _stp_pstat_free(struct stp_pstat *ps)
{
	_stp_vfree(ps->cpu);
	_stp_kfree(ps->agg);
	ps->cpu = NULL;
	ps->agg = NULL;
}

static __maybe_unused int _stp_pstat_init(struct stp_pstat *ps,
			   const struct stp_stat_desc *sd)
{
	ps->sd = sd;
	ps->cpu = _stp_vzalloc((size_t)_stp_ncpus * sd->size);
	ps->agg = _stp_kzalloc(sd->size);
	if (!ps->cpu || !ps->agg) {
		_stp_pstat_free(ps);
		return -ENOMEM;
	}
	return 0;
}

static inline void _stp_pstat_add(struct stp_pstat *ps, int64_t v)
{
	_stp_stat_add(_stp_pstat_cpu(ps, _stp_this_cpu()), ps->sd, v);
}

/* The aggregate over all CPUs (count 0 when empty). */
static __maybe_unused struct stp_stat *_stp_pstat_get(struct stp_pstat *ps)
{
	int c;

	_stp_stat_clear(ps->agg, ps->sd);
	for (c = 0; c < _stp_ncpus; c++)
		_stp_stat_merge(ps->agg, _stp_pstat_cpu(ps, c), ps->sd);
	return ps->agg;
}

static __maybe_unused void _stp_pstat_clear(struct stp_pstat *ps)
{
	memset(ps->cpu, 0, (size_t)_stp_ncpus * ps->sd->size);
}

#endif /* _STP_MAP_H_ */
