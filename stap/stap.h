/*
 * stap.h - the translator's one internal header, a section per file.
 *
 * Data flow, one file per step (main.c drives them, session.c holds what
 * they share):
 *   pass 1  library.c reads the tapsets and the script; tokenize.c turns
 *           a File into Tokens ($1/@1, %( %) and @define done); parse.c
 *           builds the AST (Probe, Function, Var, Node: every node keeps
 *           its token); unparse.c prints it back (-p1).
 *   pass 2  elaborate.c runs the steps: resolve.c turns probe points
 *           into DerivedProbes through the probe kinds (probe_*.c) and
 *           the aliases; bind.c binds names; optimize.c; tvar.c resolves
 *           $targets (with dwarf.c, dwloc.c, btf.c, ctype.c); type.c;
 *           list.c prints -p2, -l/-L and the --dump-* listings.
 *   pass 3  translate.c writes the module's C (tvgen.c the target
 *           expressions', each probe kind its own tables).
 *   pass 4  build.c runs kbuild and keeps the module cache.
 *   pass 5  run.c runs staprun here, or through stapsh (remote.c).
 * Everything of one compilation lives in one arena and is never freed.
 */
#ifndef STAP_H
#define STAP_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <dwarf.h>
#include <elfutils/libdw.h>

#define STAP_VERSION "5.6"
#define STAP_NAME "systemtap-c"

#ifndef __GNUC__
#define __attribute__(x)
#endif

/* ------------------------------------------------------------------ */
/* util.c */

void *arena_alloc(size_t size);          /* zeroed; dies on OOM; never freed */
void arena_reset(void);                  /* free everything (the fuzzer) */
char *arena_strdup(const char *s);
char *arena_strndup(const char *s, size_t n);
char *format(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A --remote target (main.c asks it its kernel; run.c runs pass 5). */
typedef struct RemoteTarget {
	const char *url;
	char *release;          /* its kernel release; NULL with -r */
	const char *ko_path;    /* the module for it; NULL: sess->ko_path */
	bool failed;            /* unreachable, or its build failed (said) */
} RemoteTarget;

/* A growable array of pointers, arena-backed. */
typedef struct Vec {
	void **data;
	int len;
	int cap;
} Vec;
void vec_push(Vec *v, void *item);
#define vec_get(v, i) ((v)->data[(i)])

/* A growable string, malloc-backed (the one exception to the arena). */
typedef struct StrBuf {
	char *buf;
	size_t len;
	size_t cap;
} StrBuf;
void sb_putc(StrBuf *sb, char c);
void sb_puts(StrBuf *sb, const char *s);
void sb_putn(StrBuf *sb, const char *s, size_t n);
void sb_printf(StrBuf *sb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void sb_release(StrBuf *sb);

char *read_file(const char *path, size_t *len); /* NULL + errno on failure */
int mkdir_p(const char *path);                  /* 0, or -1 with errno */
/* Wait for the child PID: its exit status, or -1 when a signal ended it */
int child_status(pid_t pid);
/* A cache file: PATH's contents become DATA at once (a temporary file
 * renamed), its directory made if needed.  0, or -1 with errno. */
int save_file(const char *path, const void *data, size_t len);
int edit_distance(const char *a, const char *b);

/* ------------------------------------------------------------------ */
/* tokenize.c */

typedef struct File {
	char *name;             /* "<input>" for -e, "-" ... as SystemTap shows */
	char *contents;         /* NUL-terminated */
	bool is_tapset;         /* a library file: embedded C allowed */
	bool is_user;           /* the user's script (or an -E addition) */
} File;

typedef enum {
	TK_IDENT,               /* identifier, also $name and @name */
	TK_KEYWORD,
	TK_OP,                  /* operator or punctuation */
	TK_STRING,              /* text = raw spelling, str = decoded value */
	TK_NUMBER,              /* val */
	TK_EMBEDDED,            /* %{ ... %}: str = the code between */
	TK_JUNK,
	TK_EOF,
} TokenKind;

typedef struct Token Token;
struct Token {
	TokenKind kind;
	Token *next;
	char *text;             /* NUL-terminated spelling */
	char *str;              /* TK_STRING: decoded value; TK_EMBEDDED: code */
	int64_t val;            /* TK_NUMBER */
	File *file;
	int line, col;          /* 1-based */
	char *line_start;       /* start of the source line in file->contents */
	Token *expanded_from;   /* macro/@define or $N origin, for diagnostics */
	const char *junk_msg;   /* TK_JUNK: the lexer's message */
};

/* Lex FILE into a token list ending in TK_EOF; errors are reported and
 * counted in the session.  Handles comments, $N/@N/$#/@# (from
 * sess->args), %( %? %: %) conditionals and @define macros. */
Token *tokenize(File *file);
void load_macro_file(File *file);   /* a library .stpm file */
void tokenize_reset(void);
File *new_file(const char *name, char *contents);
bool tok_is(Token *tok, const char *text);          /* op/keyword/ident text */
const char *tok_kind_name(TokenKind kind);          /* "identifier", ... */

/* ------------------------------------------------------------------ */
/* diagnostics (error.c) */

/* SystemTap's formats.  Each prints one block with the
 * token's file:line:col, the source line and a caret. */
void parse_error(Token *tok, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void parse_error_at(Token *tok, const char *fmt, ...)   /* "at:" form */
	__attribute__((format(printf, 2, 3)));
/* the two above with a va_list: AT for the "at:" form */
void vparse_error(Token *tok, bool at, const char *fmt, va_list ap);
void semantic_error(Token *tok, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Same, with a second token block ("type was first inferred here");
 * with MSG2 NULL the second token follows bare ("identifier 'f' at
 * :1:10" and its source, as for an arity mismatch). */
void semantic_error2(Token *tok, Token *tok2, const char *msg2,
		     const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* "while resolving probe point" at TOK, then the cause at AT (NULL: no
 * place), as one error */
void resolve_error(Token *tok, Token *at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void warning_at(Token *tok, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
bool compat_before(const char *version);
void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
/* "Number of similar error messages suppressed: N." ... at exit */
void print_suppressed(void);
void error_reset(void);
/* "identifier 'x' at file:1:2" as SystemTap prints a token. */
char *tok_describe(Token *tok);
/* "file:1:2" */
char *tok_location(Token *tok);

/* ------------------------------------------------------------------ */
/* The AST (parse.c) */

typedef enum {
	TY_UNKNOWN,
	TY_LONG,
	TY_STRING,
	TY_STATS,               /* an aggregate: only <<< and @extractors */
} Type;
const char *type_name(Type t);   /* "long", "string", "stats", "unknown" */

typedef enum {
	OP_NONE,                /* plain '=' in ND_ASSIGN */
	OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_MOD,
	OP_SHL, OP_SHR, OP_USHR,    /* << >> >>> (logical) */
	OP_BITAND, OP_BITOR, OP_BITXOR,
	OP_CONCAT,              /* '.' */
	OP_LT, OP_LE, OP_GT, OP_GE, OP_EQ, OP_NE,
	OP_REGEX_MATCH, OP_REGEX_NOMATCH,     /* =~ !~ (pass 2 refuses them) */
} BinOp;
const char *binop_text(BinOp op);  /* "+", "<<", ".", "==", ... */

typedef enum {
	STAT_COUNT, STAT_SUM, STAT_MIN, STAT_MAX, STAT_AVG, STAT_VARIANCE,
} StatOp;
#define STAT_NOSORT (-1)
const char *statop_name(StatOp op);  /* "@count", ... */

typedef enum {
	HIST_LOG, HIST_LINEAR,
} HistKind;

typedef enum {
	PR_PRINT, PR_PRINTLN, PR_PRINTF, PR_PRINTD, PR_PRINTDLN,
	PR_SPRINT, PR_SPRINTLN, PR_SPRINTF, PR_SPRINTD, PR_SPRINTDLN,
} PrintKind;

typedef struct Var Var;
typedef struct Function Function;
typedef struct Node Node;

typedef enum {
	/* expressions */
	ND_NUM,                 /* val */
	ND_STR,                 /* str */
	ND_VAR,                 /* name -> var (local, param or global scalar) */
	ND_INDEX,               /* var[args] (name -> var: a global array) */
	ND_WILDCARD,            /* '*' in an index list (delete, in, foreach) */
	ND_TARGET,              /* $name, @cast, @var: name; resolved by tvar.c */
	ND_CALL,                /* name(args) -> func */
	ND_BINARY,              /* lhs op rhs: arithmetic, bitwise, shifts, '.' */
	ND_CMP,                 /* lhs op rhs: < <= > >= == != (long or string) */
	ND_LOGAND, ND_LOGOR,    /* lhs && rhs, lhs || rhs */
	ND_NOT, ND_NEG, ND_BITNOT, ND_UPLUS, /* op lhs */
	ND_PREINC, ND_PREDEC, ND_POSTINC, ND_POSTDEC,   /* lhs is an lvalue */
	ND_ASSIGN,              /* lhs op= rhs; op == OP_NONE for '=' */
	ND_COND,                /* cond ? then : els */
	ND_IN,                  /* [args] in var (args may hold ND_WILDCARD) */
	ND_AGG,                 /* lhs <<< rhs; lhs is ND_VAR or ND_INDEX */
	ND_STAT,                /* stat_op(lhs), lhs an ND_VAR/ND_INDEX of TY_STATS */
	ND_HIST,                /* @hist_log(lhs), @hist_linear(lhs, args[0..2]) */
	ND_PRINT,               /* print_kind(args); printf/sprintf: fmt = args[0] */
	ND_DEFINED,             /* @defined(lhs) */
	ND_ENTRY,               /* @entry(lhs) */
	ND_EMBEDDED_EXPR,       /* %{ C %} as an expression (guru): str */
	/* statements */
	ND_BLOCK,               /* { stmts } */
	ND_EXPR_STMT,           /* lhs; */
	ND_NULL_STMT,           /* ; */
	ND_IF,                  /* if (cond) then [else els] */
	ND_WHILE,               /* while (cond) body */
	ND_FOR,                 /* for (init; cond; inc) body; any may be NULL */
	ND_FOREACH,             /* see the foreach fields */
	ND_BREAK, ND_CONTINUE, ND_NEXT,
	ND_RETURN,              /* return [lhs] */
	ND_DELETE,              /* delete lhs (ND_VAR or ND_INDEX, maybe with '*') */
	ND_TRY,                 /* try body catch [(catch_var)] els */
} NodeKind;

typedef struct NodeList {
	Node **items;
	int len;
	int cap;
} NodeList;
void nodelist_push(NodeList *l, Node *n);

struct Node {
	NodeKind kind;
	Token *tok;             /* the token the node is reported at */
	Type type;              /* set by type inference for expressions */

	int op;                 /* BinOp, StatOp, HistKind or PrintKind */
	int64_t val;            /* ND_NUM */
	char *str;              /* ND_STR value; ND_EMBEDDED_EXPR code */
	char *name;             /* ND_VAR, ND_INDEX, ND_CALL, ND_TARGET, ND_IN */

	Node *lhs, *rhs;
	Node *cond, *then, *els;
	Node *init, *inc, *body;
	NodeList args;          /* call/index/print arguments; block statements */

	Var *var;               /* resolved ND_VAR/ND_INDEX/ND_IN/ND_FOREACH array */
	Function *func;         /* resolved ND_CALL */

	/* ND_FOREACH: foreach ([value =] [keys...] in var[slice] sort limit) */
	NodeList keys;          /* ND_VAR nodes bound to the key columns */
	Node *value;            /* ND_VAR bound to the element value, or NULL */
	int sort_column;        /* 0 none, 1..n key column, -1 the value */
	int sort_dir;           /* +1 ascending, -1 descending */
	int sort_stat;          /* StatOp for stats arrays sorted by value */
	Node *limit;            /* or NULL */

	/* ND_TRY: the catch variable (ND_VAR) or NULL */
	Node *catch_var;

	/* ND_TARGET: the $ / $$ pretty-printing suffix (1, 2), or 0 */
	int pretty;
	/* ND_TARGET resolved in pass 2 (tvar.c), or NULL */
	struct TVar *tv;
	/* ND_CMP =~ and !~: the regex compiled in pass 2 (regex.c) */
	struct Regex *re;
};

/* A variable: global, function parameter, or a local of a function or a
 * probe handler. */
struct Var {
	char *name;
	Token *tok;             /* declaration or first use */
	Type type;              /* element type for arrays */
	Token *type_tok;        /* where the type was first inferred */
	int arity;              /* 0 scalar, n > 0 array with n index columns,
				   -1 not yet known */
	Token *arity_tok;       /* where the arity was first inferred */
	Type index_types[9];
	Token *index_type_tok[9];
	bool is_global;
	bool is_param;
	bool is_private;        /* file-scoped (tapset) */
	File *file;             /* declaring file */
	int maxsize;            /* global a[N]: 0 = MAXMAPENTRIES */
	bool wrap;              /* global a% */
	Node *init;             /* global x = literal (ND_NUM or ND_STR) */
	/* statistics: which extractors are used, and the one histogram
	 * shape (SystemTap allows one @hist_linear shape per variable). */
	unsigned stat_ops;      /* bit (1 << StatOp) */
	bool uses_hist_log;
	bool uses_hist_linear;
	int64_t hist_start, hist_stop, hist_interval;
	Token *hist_tok;        /* the first @hist_* on the variable */
	int variance_shift;
	Token *shift_tok;       /* the first @variance(v, shift) */
	bool read, written;     /* for unused warnings and the exit display */
	int index;              /* ordinal among globals / locals of its scope */
	char *cname;            /* C identifier chosen by the translator */
};

struct Function {
	char *name;
	Token *tok;
	Type type;              /* return type */
	Token *type_tok;
	Vec params;             /* Var* */
	Vec locals;             /* Var* (params not included) */
	Node *body;             /* script body, or NULL when embedded */
	char *code;             /* embedded C body, or NULL */
	bool pure, unprivileged, myproc_unprivileged, guru, unmangled,
	     stable, string_expr;  /* embedded-C pragmas */
	bool is_private;
	File *file;
	bool used;              /* reachable from a probe */
	int index;
	char *cname;
	/* overloading: same name and arity, chained by priority (user
	 * functions 0, library 1 unless ':N' says otherwise), then
	 * declaration order; 'next' (STAP_NEXT) goes on to the next one */
	int64_t priority;
	Function *next_overload;
	Function *overload_head;/* the first of the chain */
	bool chained;           /* next_overload is known */
	bool may_next;          /* the body has 'next' (or STAP_NEXT) */
	int overload_index;     /* N of __global_NAME__overload_N */
};

/* One component of a probe point: name or name(arg). */
typedef struct Component {
	char *name;             /* may contain '*' */
	Token *tok;
	Node *arg;              /* ND_NUM or ND_STR, or NULL */
} Component;

typedef struct ProbePoint {
	Component *comps;
	int ncomps;
	bool optional;          /* '?' */
	bool sufficient;        /* '!' */
	Token *tok;
	Node *cond;             /* 'if (expr)' on the probe, shared */
} ProbePoint;

/* A 'probe' declaration: a probe, or an alias definition. */
typedef struct Probe {
	Token *tok;
	Vec points;             /* ProbePoint*: the probe's points, or for an
				   alias the points it stands for */
	Vec alias_names;        /* ProbePoint*: for an alias, the names defined */
	bool is_alias;
	bool is_epilogue;       /* '+=' alias */
	Node *body;             /* block */
	Node *epilogue;         /* 'probe a = b { pro }, { epi }' */
	File *file;
	bool is_private;
} Probe;

/* ------------------------------------------------------------------ */
/* Derived probes (resolve.c and the probe kinds), the translator's input */

/* The code that runs for one or more derived probes: one C function. */
typedef struct Handler {
	Node *source;           /* the unbound body it was copied from */
	Node *body;             /* block: alias prologues + user body + epilogues */
	Vec locals;             /* Var*: every local of the body */
	Token *tok;
	int index;
	char *cname;
	bool plt;               /* made for .plt probes (shared by them) */
} Handler;

typedef struct ProbeKind ProbeKind;
typedef struct TraceEvent TraceEvent;

/* begin, end, error (probe_be.c) */
enum { BE_BEGIN, BE_END, BE_ERROR, BE_NEVER };

/* Where a kernel.function/statement or module(...) probe sits
 * (probe_kprobe.c), for $variables (tvar.c) and listing. */
typedef struct KprobeSite {
	char *symbol;           /* registration point: symbol + offset; "" for
				 * .absolute (offset is the address) */
	int64_t offset;
	bool is_return;         /* a kretprobe */
	int maxactive;          /* -1 = default */
	/* from DWARF, 0/NULL when unknown (symbol-only probes) */
	char *module;           /* NULL = the kernel, else the module's name */
	bool dw_entry;          /* fires at the function's first instruction */
	uint64_t dw_pc;         /* probe address in the DWARF's (link-time) space */
	uint64_t dw_die;        /* .debug_info offset of the function instance's
	                         * DIE (DW_TAG_subprogram or inlined_subroutine) */
	bool dw_inline;         /* dw_die is a DW_TAG_inlined_subroutine */
	uint64_t dw_cu;         /* offset of dw_die's unit DIE */
	uint64_t dw_text;       /* the kernel's _stext (link time), for -p2 */
	/* process(...) probes (probe_uprobe.c): MODULE is the object's
	 * absolute path, OFFSET the probe's offset in that file */
	bool user;
	int elf_type;           /* ET_EXEC, ET_DYN */
	char *proc;             /* .library: the process's path (filter) */
	int64_t pid;            /* process(PID): 0 none */
	int64_t sema;           /* .mark: the semaphore's file offset, 0 */
	char *sdt_provider, *sdt_name;  /* .mark: the SDT note's */
	char *sdt_args;         /* its argument spec: "-4@%edx 8@-16(%rbp)" */
	char *plt_name;         /* .plt("NAME"): the function */
	char *label;            /* .label("PAT"): the label's name */
} KprobeSite;

typedef struct DerivedProbe {
	const ProbeKind *kind;
	char *pp;               /* pp(): e.g. kernel.function("vfs_read").return */
	char *user_pp;          /* the point as the user wrote it (alias name) */
	char *alias_chain;      /* Resolution.chain: how it came from user_pp */
	char *point;            /* the point its kind matched, as written */
	Token *tok;
	Handler *handler;
	Node *cond;             /* probe 'if (cond)', or NULL */
	bool optional;          /* registration failure is not an error */
	char *func;             /* probefunc(): the probed function, or NULL */
	char *from;             /* -t: how it was derived, " from: X" each
				 * level, innermost first (SystemTap's) */
	char *location;         /* -t: where it was written: the point that
				 * named the innermost alias, or the probe */
	int index;
	char *wrapper;          /* pass 3: the C function that runs it */
	union {                 /* what the kind needs */
		struct { int which; int64_t seq; } be;  /* BE_*, begin(N) */
		struct {
			int64_t interval_ns, randomize_ns;      /* hrtimer */
			int64_t interval_jiffies, randomize_jiffies;
			bool jiffies;   /* timer.jiffies/hz; interval < 0: hz */
		} timer;
		KprobeSite kp;
		struct { TraceEvent *tp; } trace;
		struct { int64_t type, config, sample; bool freq; } perf;
		struct { uint64_t addr; char *symbol; int len; bool rw; } hwbkpt;
		struct { char *pf, *hook, *priority; } netfilter;  /* C */
		struct {
			char *path;     /* under /proc/systemtap/MODNAME */
			bool write;     /* .write, else .read */
			int64_t umask, maxsize;  /* -1: not given */
		} procfs;
	};
} DerivedProbe;

/* ------------------------------------------------------------------ */
/* session.c: the options and everything the passes produce */

typedef struct Session {
	/* options */
	int last_pass;          /* 1..5 */
	int verbose;
	int pass_verbose[5];    /* --vp */
	bool guru;
	bool unoptimized;       /* -u */
	bool suppress_warnings; /* -w */
	bool warnings_as_errors;/* -W */
	bool keep_tmpdir;       /* -k */
	bool no_global_display;
	bool skip_badvars;      /* --skip-badvars */
	bool suppress_time_limits;   /* --suppress-time-limits */
	bool suppress_handler_errors;/* --suppress-handler-errors */
	bool disable_cache;
	const char *compatible; /* --compatible: the version systemtap_v and the
				 * version-dependent language rules follow */
	char *module_name;      /* -m, or stap_<hash>_<n> */
	char *kernel_release;   /* -r RELEASE, or uname */
	char *kernel_build_tree;/* -r DIR, or /lib/modules/R/build */
	char *output_file;      /* -o */
	char *cmd;              /* -c */
	int target_pid;         /* -x */
	bool flight;            /* -F */
	bool uses_stdin;        /* a procfs("__stdin").write probe: staprun -i */
	bool bulk;              /* -b: STP_BULKMODE, per-CPU output files */
	bool timing;            /* -t (or -DSTP_TIMING): STP_TIMING, the
				 * probe hit report */
	char *rotate;           /* -S SIZE[,N] */
	int bufsize_mb;         /* -s NUM */
	int timeout_s;          /* -T SECS */
	Vec defines;            /* char* "NAME=VAL" from -D */
	Vec include_dirs;       /* char* from -I */
	Vec args;               /* char* script arguments ($1 ...) */
	Vec globals_set;        /* char* "VAR=VAL" from -G */
	char *script_file;      /* NULL with -e */
	char *script_text;      /* -e */
	char *remote;           /* the first --remote URL */
	Vec remotes;            /* RemoteTarget*: each --remote, in order */
	Vec remote_releases;    /* char*: their distinct kernel releases */
	int remote_failures;    /* targets unreachable before pass 1 */
	bool remote_prefix;     /* --remote-prefix */
	char *list_pattern;     /* -l/-L PATTERN */
	bool list_vars;         /* -L */
	int dump;               /* 1 functions, 2 probe aliases, 3 probe types */
	char *parse_library;    /* --parse-library FILE (testsuite/oracle) */
	Vec extra_modules;      /* char*: -d MODULE (symbols for backtraces) */
	bool ldd;               /* --ldd */
	char *tapset_dir;       /* SYSTEMTAP_TAPSET or the tree's */
	char *runtime_dir;      /* SYSTEMTAP_RUNTIME or the tree's */
	char *staprun_path;
	char *cache_dir;        /* $SYSTEMTAP_DIR/cache */
	char *tmpdir;           /* the build directory */
	char *arch;             /* "x86_64" */

	/* pass 1 */
	Vec files;              /* File* */
	Vec probes;             /* Probe*: user probes (not aliases) */
	Vec aliases;            /* Probe*: alias definitions (all files) */
	Vec functions;          /* Function*: every parsed function */
	Vec globals;            /* Var*: every parsed global */
	Vec embeds;             /* Token* (TK_EMBEDDED) top-level %{ %} */
	int nlibrary_files;     /* tapset files parsed */

	/* pass 2 */
	Vec used_functions;     /* Function* reachable */
	Vec used_globals;       /* Var* */
	Vec used_embeds;        /* Token* top-level %{ %} of used tapset files */
	Vec handlers;           /* Handler* */
	Vec derived;            /* DerivedProbe* */

	/* pass 3/4 */
	char *c_path;
	char *ko_path;
	char *hash;             /* cache key */

	/* diagnostics */
	int parse_errors;
	int semantic_errors;
	int warnings;
	bool quiet;             /* count errors and warnings, print none
				 * (-L typing an alias's variables) */
} Session;

extern Session *sess;

void session_new(void);
void front_end_reset(void);     /* forget the front end's state (fuzzer) */         /* the defaults: all passes, the tree's paths */
/* -r RELEASE or -r DIR (NULL: the running kernel); dies when this machine
 * knows nothing of RELEASE */
void session_set_kernel(const char *release);
char *session_dir(void);        /* $SYSTEMTAP_DIR, default ~/.systemtap */

/* The -v pass lines: "using NNNvirt/NNNres/NNNshr/NNNdata kb, in
 * Nusr/Nsys/Nreal ms." */
typedef struct Stamp {
	long real_ms;
	long usr_ms, sys_ms;
} Stamp;
Stamp now_stamp(void);
char *elapsed(Stamp *since);    /* "Nusr/Nsys/Nreal ms" */
char *memory_use(void);         /* "Nvirt/Nres/Nshr/Ndata kb" */
int verbose_for(int pass);      /* -v plus --vp for PASS */

/* ------------------------------------------------------------------ */
/* library.c: pass 1 */

bool pass1_parse(void);         /* the tapsets and the script; false on errors */

/* ------------------------------------------------------------------ */
/* parse.c */

/* Parse a file and add its probes, aliases, functions, globals and embeds
 * to the session.  Returns false if it had parse errors. */
bool parse_file(File *file);
/* Resolve a name to a literal: helpers for probe point arguments. */

/* ------------------------------------------------------------------ */
/* unparse.c: -p1 output, and pp() strings */

void unparse_session(FILE *out);
char *probe_point_str(ProbePoint *pp);   /* with its ! or ? */
char *probe_point_name(ProbePoint *pp);  /* without */
void unparse_node(StrBuf *sb, Node *n, int indent);
void unparse_body(FILE *out, Node *body);  /* -p2 -v */
char *var_mangled(Var *v);      /* __global_x, __private_FILE_x */
char *function_mangled(Function *f);    /* __global_f__overload_0 */
Vec functions_by_name(void);    /* used functions by mangled name */

/* ------------------------------------------------------------------ */
/* elaborate.c: pass 2, its steps in order (and the display of globals) */

bool elaborate(void);           /* false on errors */
void elaborate_reset(void);

/* ------------------------------------------------------------------ */
/* resolve.c: probe points to derived probes, through the probe kinds and
 * the aliases */

/* A resolution in progress: the body built so far (alias prologues
 * before, epilogues after the user's body) and the point the user wrote. */
typedef struct Resolution {
	Probe *user;            /* the user's probe */
	ProbePoint *user_pp;    /* the point the user wrote */
	Node *body;             /* ND_BLOCK to use for derived probes */
	int depth;              /* of alias expansion */
	char *chain;            /* the aliases expanded, innermost first:
				 * "b = kernel.x <- a = b" (-p2), or NULL */
	char *from;             /* the same for -t: " from: b from: a from:
				 * USERPOINT" (NULL: from the user's probe) */
	Token *alias_tok;       /* the point that named the innermost alias */
} Resolution;

/* What a kind's match function returns. */
enum {
	PK_ERROR = -1,          /* an error, reported */
	PK_NOT_MINE = 0,        /* not a point of this kind (aliases may match) */
	PK_MATCHED = 1,         /* derived probes made (or none for a '?' point) */
	PK_NO_MATCH = -2,       /* this kind's shape, but nothing matched:
				 * the caller reports "no match" */
};

/*
 * A probe kind: everything the translator knows of one family of probe
 * points, from resolution to the C it emits; the runtime side is one
 * runtime/ header (doc/probe-kinds.md).  The resolver, the listing and
 * pass 3 iterate probe_kinds[].
 */
struct ProbeKind {
	const char *name;               /* "kprobe": for messages, docs */
	const char *const *families;    /* the first components it resolves */
	const char *const *types;       /* --dump-probe-types lines */
	int (*match)(Resolution *r, ProbePoint *pp);    /* PK_* */
	/* -l/-L line of D (NULL: its pp) */
	char *(*list_line)(DerivedProbe *d, bool with_vars);
	/* -p2: what follows D's pp (NULL: the points it came from) */
	char *(*p2_comment)(DerivedProbe *d);
	/* -p2: what follows "<-", where D came from (NULL: the aliases it
	 * came through, then every point the user wrote) */
	char *(*p2_origin)(DerivedProbe *d);
	/* pass 3 */
	const char *runtime_header;     /* included when it has probes */
	bool emit_always;               /* emit even without probes */
	/* per derived probe, after its wrapper (WRAPPER made NOW or before) */
	void (*emit_code)(StrBuf *code, DerivedProbe *d, bool new_wrapper,
			  const char *entry_fn);
	/* the tables of its probes; runtime groups go to GROUPS */
	void (*emit_tables)(FILE *out, Vec *probes, StrBuf *groups);
};
/* A p2_origin: the point D's kind matched (perf.*, kernel.data), not the
 * aliases and points it came from */
char *p2_own_point(DerivedProbe *d);
extern const ProbeKind *const probe_kinds[];    /* NULL-terminated */
extern const ProbeKind pk_hwbkpt, pk_be, pk_timer, pk_kprobe, pk_trace, pk_perf, pk_procfs,
	pk_netfilter, pk_uprobe, pk_utask;

/* probe_kprobe.c: process("PATH").function/statement through DWARF (or
 * the ELF symbols): the function or statement component is COMPS[FIRST],
 * the object PATH, the process PROC (a .library's) or NULL */
int match_user_dwarf(Resolution *ctx, ProbePoint *pp, int first,
		     const char *path, const char *proc, const char *prefix);
/* -L: HEAD and the $variables at D's DWARF site (HEAD alone without) */
char *dw_site_list_line(DerivedProbe *d, const char *head, bool with_vars);
const char *dw_label_suffix(DerivedProbe *d);   /* .label("NAME"), or "" */
/* probe_uprobe.c: a process(...) or .library(...) name as an absolute
 * path of an existing file (relative names through $PATH, libraries
 * through the library directories), or NULL after an error */
char *uprobe_path(const char *name, bool library, Token *tok);

/* helpers for match functions */
bool comp_is(Component *c, const char *name);
bool comp_num(Component *c);    /* has a number argument */
bool comp_str(Component *c);    /* has a string argument */
/* A derived probe of KIND for PP with pp() PP_STR, its handler the
 * resolution's body. */
DerivedProbe *derived_new(Resolution *r, const ProbeKind *kind,
			  ProbePoint *pp, char *pp_str);
/* Expand PP through alias A (named NAME); PK_* */
int expand_alias(Resolution *r, ProbePoint *pp, Probe *a, ProbePoint *name);
/* PP through the probe kinds only (no aliases); PK_* */
int resolve_builtin(Resolution *r, ProbePoint *pp);
bool resolve_probe(Probe *p);   /* every point of P; false on errors */
/* What a kind that found no match for the user's own point found near
 * it ("similar functions: a, b, c"), or NULL */
extern char *resolve_nomatch_hint;
bool is_builtin_family(const char *pattern);
Node *new_block(Token *tok);
void resolve_reset(void);

/* probe_be.c: the end probe that displays a global at exit */
DerivedProbe *be_display_probe(Handler *h);

/* ------------------------------------------------------------------ */
/* bind.c: names to variables and functions (pass 2) */

void bind_handler(Handler *h);          /* its body, once */
void bind_condition(DerivedProbe *d);   /* probe 'if': globals only */
void bind_queued_functions(void);       /* the functions found used */
void use_function(Function *f);
void use_file(File *f);                 /* a tapset file whose
					 * definitions are used */
bool file_used(File *f);
bool check_global_settings(void);       /* -G NAME=VALUE */
void bind_reset(void);

/* ------------------------------------------------------------------ */
/* type.c, optimize.c */

bool infer_types(void);
bool check_lvalues(void);         /* type.c */
void optimize(bool late);       /* optimize.c: unless -u; before and after types */
void warn_unassigned(void);     /* optimize.c: "never-assigned local" */

/* ------------------------------------------------------------------ */
/* list.c: what pass 2 shows: -p2, -l/-L and the --dump options */

void dump_elaborated(FILE *out);/* -p2 output */
int list_probes(bool with_vars);/* -l/-L: prints matches, returns their number */
int dump_functions(void);       /* --dump-functions */
int dump_probe_aliases(void);   /* --dump-probe-aliases */
int dump_probe_types(void);     /* --dump-probe-types */

/* ------------------------------------------------------------------ */
/* regex.c: =~ and !~ (runtime/stp_regex.h runs the programs) */

enum { RE_CHAR, RE_ANY, RE_CLASS, RE_BOL, RE_EOL, RE_SPLIT, RE_JMP,
       RE_SAVE, RE_MATCH };     /* the runtime's STP_RE_* */
typedef struct RegexInst {
	int op, x, y;           /* CHAR c; CLASS index; SPLIT x y; JMP x;
				 * SAVE slot */
} RegexInst;
typedef struct Regex {
	const char *text;
	RegexInst *code;
	int ninsts;
	unsigned char *classes; /* 32 bytes (256 bits) each */
	int nclasses;
	int ngroups;
	char *cname;            /* pass 3: its table */
} Regex;
/* TEXT compiled; NULL with SystemTap's message at TOK. */
Regex *regex_compile(const char *text, Token *tok);

/* ------------------------------------------------------------------ */
/* ksym.c: kernel symbols without debuginfo */

/* Load the symbol table of the session's kernel (System.map or, for the
 * running kernel, /proc/kallsyms).  Returns false with a message. */
bool ksym_load(void);
/* Call FN for each text symbol matching the glob PATTERN. */
int ksym_foreach(const char *pattern, void (*fn)(const char *name, void *arg),
		 void *arg);
bool ksym_exists(const char *name);
void ksym_reset(void);

/* ------------------------------------------------------------------ */
/* format.c: printf format strings, shared by type checking and codegen */

typedef enum { FMT_LITERAL, FMT_CONV } FmtKind;
enum {
	FMT_F_MINUS = 1, FMT_F_PLUS = 2, FMT_F_SPACE = 4, FMT_F_HASH = 8,
	FMT_F_ZERO = 16,
};
#define FMT_NONE (-1)           /* no width/precision given */
#define FMT_STAR (-2)           /* '*': taken from the next argument */
typedef struct FmtSpec {
	FmtKind kind;
	char conv;              /* d i u o x X s c p b m M; '%' is a literal */
	unsigned flags;
	int width;              /* FMT_NONE, FMT_STAR or a number */
	int precision;
	char *text;             /* FMT_LITERAL: the text, '%%' already undone */
} FmtSpec;
/* Parse FMT into *SPECS (arena).  Returns the number of specs, or -1 with
 * *ERRMSG set ("invalid or missing conversion specifier"). */
int parse_format(const char *fmt, FmtSpec **specs, const char **errmsg);
/* The argument types a format consumes, in order (TY_LONG for '*'). */
int format_arg_types(FmtSpec *specs, int nspecs, Type *types, int max);

/* ------------------------------------------------------------------ */
/* btf.c */

/* Call FN for the name of every FUNC in the BTF blob; -1 if malformed. */
int btf_func_names(const void *data, size_t len,
		   void (*fn)(const char *name, void *arg), void *arg);

/* Kernel image helpers (ksym.c) */
char *kimage_path(void);                /* the session kernel's vmlinuz */
unsigned char *kimage_elf(const char *path, size_t *len); /* malloc'ed */
void *kimage_section(const char *path, const char *sec, size_t *len);
char *kimage_cache_name(const char *kind, const char *path);

/* ------------------------------------------------------------------ */
/* ctype.c: C types of the probed kernel, from BTF or DWARF */

typedef enum {
	CT_VOID, CT_INT, CT_ENUM, CT_FLOAT, CT_PTR, CT_ARRAY, CT_STRUCT,
	CT_UNION, CT_FUNC, CT_TYPEDEF, CT_CONST, CT_VOLATILE, CT_FWD,
} CTKind;

typedef struct CType CType;
typedef struct CMember {
	const char *name;       /* NULL: an anonymous struct/union member */
	CType *type;
	uint64_t bit_offset;    /* from the start of the aggregate */
	int bit_size;           /* bitfields; 0 otherwise */
} CMember;

typedef struct CParam {
	const char *name;
	CType *type;
} CParam;

struct CType {
	CTKind kind;
	const char *name;       /* tag or base name; NULL if anonymous */
	uint64_t size;          /* bytes (INT/ENUM/FLOAT/STRUCT/UNION) */
	bool is_signed;         /* INT, ENUM */
	bool is_char;           /* INT of size 1 that is a char type */
	bool is_bool;
	int64_t nelem;          /* ARRAY: -1 unknown/flexible */
	CType *ref;             /* PTR/ARRAY/TYPEDEF/CONST/VOLATILE: target;
	                         * FUNC: return type */
	CMember *members;       /* STRUCT/UNION */
	int nmembers;
	const char **enum_names;/* ENUM */
	int64_t *enum_vals;
	int nenums;
	CParam *params;         /* FUNC (a prototype) */
	int nparams;
	bool varargs;
	const char *decl_file;  /* DWARF only: for messages */
	int decl_line;
	/* lazy completion from the source */
	bool complete;
	char src;               /* 'B' BTF, 'D' DWARF */
	uint64_t id;            /* BTF type id / DWARF DIE offset */
	void *owner;            /* DWARF: the Dwarf handle */
};

CType *ct_new(CTKind kind, const char *name);
void ct_complete(CType *t);             /* members/params/ref from source */
CType *ct_strip(CType *t);              /* skip typedefs and qualifiers */
uint64_t ct_sizeof(CType *t);
bool ct_is_scalar(CType *t);            /* INT/ENUM/PTR (after strip) */
/* "long unsigned int", "struct file", "char *"... as DWARF/SystemTap */
void ct_name(CType *t, StrBuf *out);
char *ct_name_str(CType *t);
/* As -L prints it: "char const*", "int (*) (unsigned int)" */
char *ct_listing_name(CType *t);
/* The member NAME of struct/union T (looking through anonymous members),
 * its type and bit offset; false if none. */
bool ct_find_member(CType *t, const char *name, CMember *out);
/* The names of T's members (anonymous ones flattened), for messages. */
void ct_member_names(CType *t, Vec *out);
/* "a, b, c" of the names closest to WANT (edit distance, then name). */
char *ct_alternatives(Vec *names, const char *want, const char *prefix);

/* ------------------------------------------------------------------ */
/* btf.c: the kernel's BTF as CTypes */

bool btf_kernel_load(void);             /* false if no BTF was found */
const char *btf_kernel_source(void);    /* where it came from */
/* The prototype (CT_FUNC) of kernel function NAME, or NULL. */
CType *btf_func_proto(const char *name);
/* A named type: "struct x", "union x", "enum x" or a typedef/base name
 * (which also finds a struct of that name, as SystemTap). */
CType *btf_find_type(const char *name);
/* Every function named PREFIX..., with its prototype; -1 without BTF. */
int btf_foreach_func(const char *prefix,
		     void (*fn)(const char *name, CType *proto, void *arg),
		     void *arg);
/* A module's split BTF (its .BTF section, DATA of LEN bytes, which must
 * stay) on top of the kernel's, or NULL; its CTypes point to it. */
typedef struct Btf Btf;
Btf *btf_module(const char *data, size_t len);
int btf_module_foreach_func(Btf *b, const char *prefix,
			    void (*fn)(const char *name, CType *proto, void *arg),
			    void *arg);

/* ------------------------------------------------------------------ */
/* probe_trace.c: tracepoints (kernel.trace) */

struct TraceEvent {
	const char *name;       /* sched_switch */
	const char *system;     /* sched; NULL if unknown */
	CType *proto;           /* of __traceiter_NAME: (void *__data, args...) */
	const char *module;     /* its module ("scsi_mod"); NULL: the kernel's */
	const char *path;       /* the module's file (its BTF: proto) */
};

void trace_reset(void);
/* D is a raw_syscalls:sys_exit probe (@entry works there: a sys_enter
 * probe saves the values per task) */
bool trace_is_sys_exit(DerivedProbe *d);

/* ------------------------------------------------------------------ */
/* tvar.c: $target variables, @cast, @var, @entry, @defined (pass 2) */

/* Resolve every target expression of the handlers and used functions;
 * false on errors (reported). */
bool tvar_resolve(void);
void tvar_reset(void);                  /* forget types and caches */
void btf_reset(void);
void ctype_reset(void);
/* Does the unbound body N hold expressions that depend on the probe
 * point ($x, @entry, $$vars)?  Such bodies get a handler per probe. */
/* PLT: for a .plt probe, whose $$name is the same code for every entry */
bool tvar_body_needs_own_handler(Node *n, bool plt);

/* kretprobes with @entry or $param: the operands derived probe D saves
 * at entry, in slot order (struct stp_ent_<D->index> field e<slot>). */
int tvar_entry_nodes(DerivedProbe *d, Node ***nodes);
Type tvar_type(Node *n);            /* a resolved ND_TARGET's type */
/* -L without DWARF: " $return:TYPE $p:TYPE..." of D's function from BTF
 * (the parameters that can be read), appended to OUT (nothing without). */
void tvar_btf_list(DerivedProbe *d, StrBuf *out);

/* What tvar.c resolves a target expression to, for tvgen.c: a base
 * (B_*), steps (S_*) from it, and what is done at the end (F_*). */
enum { B_CODE, B_NODE, B_SLOT, B_ZERO, B_PRETTY };
enum { S_ADD, S_DEREF, S_INDEX };
enum { F_VALUE, F_LOAD, F_BITS, F_STRING, F_ADDR, F_PRETTY, F_ZERO,
       F_PROCFS /* a procfs probe's $value */ };

typedef struct Step {
	int kind;
	int64_t off;            /* S_ADD */
	Node *index;            /* S_INDEX: index * scale */
	int64_t scale;
} Step;

typedef struct PrettyItem {
	const char *text;       /* literal text before the value */
	struct TVar *tv;        /* NULL: text only */
	char conv;              /* 'x' hex, 'd' decimal, 's' string, 'q' quoted */
} PrettyItem;

typedef struct TVar {
	int base;
	bool base_addr;         /* B_CODE: code is the variable's address */
	char *code;             /* B_CODE: C expression (unsigned long) */
	Node *node;             /* B_NODE: script expression (pointer value) */
	int slot;               /* B_SLOT: @entry slot */
	DerivedProbe *dp;       /* B_SLOT: whose entry data */
	Step *steps;
	int nsteps, cap;
	CType *type;            /* the type of what the steps reach */
	bool at_addr;           /* the object is in memory at the address */
	bool writable;          /* B_CODE is a C lvalue a guru may assign */
	int final;
	int size;
	bool sign;
	int bitoff, bitsize;
	int64_t strmax;
	Type stype;
	PrettyItem *items;
	int nitems;
	int space;              /* its memory: SP_REGS (user memory when the
				 * probe's registers are a user's), SP_KERNEL,
				 * SP_USER (tvgen.c names the runtime's) */
} TVar;
enum { SP_REGS, SP_KERNEL, SP_USER };

/* ------------------------------------------------------------------ */
/* tvgen.c: the C of target expressions (pass 3) */

char *tvar_gen(Node *n);                        /* ND_TARGET rvalue */
/* N = VAL (OP: OP_NONE, or OP_CONCAT for .=): a guru write, procfs's
 * $value; NULL if N cannot be assigned so */
char *tvar_gen_assign(Node *n, const char *val, int op);

/* ------------------------------------------------------------------ */
/* dwarf.c: debuginfo (doc/dwarf.md) */

/* The DWARF of the kernel (MODULE NULL) or of a module, found on
 * SystemTap's search path (SYSTEMTAP_DEBUGINFO_PATH); NULL if there is
 * none.  Opened once per session; never closed. */
Dwarf *dw_open(Session *s, const char *module);
const char *dw_path(const char *module);     /* the file dw_open() found */
/* The DIE of the unit at CU_OFF (its DIE's offset) in *CU, and the
 * handle to read that unit's DIEs with: for a large file (a vmlinux)
 * one on which libdw reads that unit without reading every unit header
 * before it (dwarf.c, "Reading one unit").  NULL if there is no such
 * unit.  STAP_DW_NO_VIEWS=1 always gives dw_open()'s handle. */
Dwarf *dw_unit(const char *module, uint64_t cu_off, Dwarf_Die *cu);
/* The same for the unit .debug_aranges gives for PC (dwarf_addrdie). */
Dwarf *dw_unit_at(const char *module, uint64_t pc, Dwarf_Die *cu);
/* dw_open()'s handle for a handle dw_unit() returned, else DW. */
Dwarf *dw_canonical(Dwarf *dw);
/* SystemTap's spelling of a type as -L shows it: "struct file*",
 * "char const*", "long unsigned int", "long int[]", "int (*) (void*)";
 * NULL is "void". */
void dw_type_name(Dwarf_Die *type, StrBuf *out);
/* dwloc.c: a location expression (at X->pc in X->func) as C */
typedef struct DwCtx {
	Dwarf *dw;
	uint64_t pc;
	bool at_entry;          /* pc is the function's first instruction */
	Dwarf_Die func;         /* the subprogram (or inlined instance) */
	Dwarf_Die cu;
	uint64_t func_off;
	const char *cu_name;
	bool have_func;
	bool abi_params;        /* parameters from the argument registers */
} DwCtx;
bool dw_cu_optimized(Dwarf_Die *cu);    /* its producer says -O1 or more */
/* The variable's address (*IS_ADDR) or its value, or NULL with *WHY. */
char *dw_loc_expr(DwCtx *x, Dwarf_Op *ops, size_t nops, bool *is_addr,
		  const char **why);
/* "missing x86_64 kernel/module debuginfo ..." naming the package. */
void dw_missing_error(Token *tok);
void dw_reset(void);

/* The function index of one debuginfo file (cached per build-id). */
enum {
	DWF_INLINE = 1,         /* an inlined instance */
	DWF_EXTERNAL = 2,       /* DW_AT_external */
	DWF_BLOCKED = 4,        /* where the kernel refuses kprobes */
	DWF_INIT = 8,           /* .init.text: gone after boot */
	DWF_SYMTAB = 16,        /* only in the ELF symbol table: no DIE */
};
typedef struct DwEntry {
	uint32_t name, file;    /* offsets in the string table */
	uint32_t line;          /* decl line */
	uint32_t flags;         /* DWF_* */
	uint64_t addr;          /* entry address (link time) */
	uint64_t die;           /* .debug_info offset of the DIE */
	uint64_t cu;            /* offset of the CU's DIE */
} DwEntry;
typedef struct DwIndex {
	const char *module;     /* NULL = kernel */
	const DwEntry *ents;    /* sorted by name, file, line, address */
	uint32_t n;
	const char *strs;
	uint64_t text_addr;     /* _stext */
} DwIndex;
DwIndex *dw_index(const char *module);  /* NULL without debuginfo */
const char *dw_str(DwIndex *idx, uint32_t off);
enum {
	DWM_RETURN = 1,                 /* for a .return probe */
	DWM_NO_INLINE = 2,              /* .call, .return */
	DWM_ONLY_INLINE = 4,            /* .inline */
	DWM_NO_KERNEL_BLOCKED = 8,      /* skip where kprobes are refused */
};
/* Call FN for each entry whose name matches the glob FUNC and file the
 * glob FILE (NULL: any; matched whole or as a path suffix), leaving out
 * __init code and what SystemTap never probes. */
int dw_match(DwIndex *idx, const char *func, const char *file, unsigned opts,
	     void (*fn)(DwIndex *, const DwEntry *, void *), void *arg);
bool dw_file_matches(const char *pat, const char *file);
/* FN(name, declaration line, address) for each label of E (its lexical
 * blocks too) whose name matches the glob PAT. */
int dw_function_labels(DwIndex *idx, const DwEntry *e, const char *pat,
		       void (*fn)(const char *, int, uint64_t, void *), void *arg);
/* FN(line, first address) for each line of E's file with a statement in
 * E, but its declaration line. */
int dw_function_lines(DwIndex *idx, const DwEntry *e,
		      void (*fn)(int line, uint64_t addr, void *), void *arg);
/* The kprobe registration point for ADDR: "_stext"+off, "mod:sym"+off. */
bool dw_kprobe_site(DwIndex *idx, uint64_t addr, char **symbol, int64_t *offset);
Vec dw_modules(const char *pattern);    /* char*: module names with debuginfo */
Vec dw_debug_dirs(void);                /* char*: DEBUGINFO_PATH's directories */
/* User-space objects are "modules" named by their absolute path: their
 * DWARF (in the file, or found by build-id or debuglink), else an index
 * of their ELF symbols. */
bool dw_is_user(const char *module);
/* where a user-space object's debuginfo may be: the file first */
Vec dw_user_candidates(const char *path);
void dw_user_nodwarf_warning(const char *path);
/* "<a.h><b.h>" compiled by gcc -g for @cast: its DWARF, or NULL */
Dwarf *dw_header(const char *headers);
/* The file offset of link-time address ADDR of the object at PATH (what
 * a uprobe is placed by). */
bool dw_user_offset(const char *path, uint64_t addr, uint64_t *off);
/* The SDT markers of the object at PATH (.note.stapsdt): FN for each,
 * with its link-time address and semaphore address (0: none), adjusted
 * to the object's .stapsdt.base. */
int dw_sdt_notes(const char *path,
		 void (*fn)(const char *provider, const char *name,
			    const char *args, uint64_t pc, uint64_t sema,
			    void *arg), void *arg);
int dw_user_elf_type(const char *path);        /* ET_EXEC, ET_DYN; -1 */
uint64_t dw_user_base(const char *path);       /* its lowest PT_LOAD address */
uint64_t dw_elf_symbol(Elf *elf, const char *name);     /* its .symtab value; 0 */
/* a source file's name as SystemTap shows it: relative to COMP_DIR
 * (NULL: as is) when under it, without "./" */
const char *dw_show_file(const char *file, const char *comp_dir);
bool dw_user_symbol(const char *path, const char *name, uint64_t *value);
/* FN(name, link-time address) for each PLT entry of the object at PATH */
int dw_plt_entries(const char *path,
		   void (*fn)(const char *name, uint64_t addr, void *arg), void *arg);
/* The first line record after the entry of the function at E (its
 * prologue's end), in an unoptimized CU; 0 otherwise. */
uint64_t dw_prologue_end(DwIndex *idx, const DwEntry *e);
/* The C++ namespaces and classes of E's function: "ns::Class", or "" */
const char *dw_scope_name(DwIndex *idx, const DwEntry *e);
/* " $name:type" for the parameters and outermost locals of the function
 * instance at DIE (of the unit at CU) that have a location at PC
 * ($return first for a .return probe of a function with a value). */
void dw_list_vars(DwIndex *idx, uint64_t cu, uint64_t die, uint64_t pc,
		  bool is_return, StrBuf *out);

/* ------------------------------------------------------------------ */
/* usym.c: user-space objects' symbols and unwind tables */

bool usym_needed(void);         /* the script uses u* context functions */
/* What the ELF file PATH loads itself: its interpreter and DT_NEEDED
 * libraries, found as the dynamic linker finds them (not real paths) */
Vec elf_needed(const char *path);
/* a used function's C, or a top-level %{ %} of a used tapset, says PRAGMA */
bool uses_pragma(const char *pragma);
void usym_emit(FILE *out);      /* _stp_uobjs[] and its tables */

/* ------------------------------------------------------------------ */
/* lines.c: source line tables (symline, usymline, ..._fileline) */

bool lines_needed(void);        /* the script uses a line function */
void lines_emit_kernel(FILE *out);      /* _stp_klines, if a kernel one */
/* PATH's table, its addresses relative to BASE: the C symbol of its
 * blob, or NULL (no line data) */
const char *lines_emit_user(FILE *out, const char *path, uint64_t base);
bool lines_write(const char *dir);      /* the blobs, for .incbin */
const char *lines_asm_flags(void);      /* for ccflags-y */

/* ------------------------------------------------------------------ */
/* translate.c: pass 3 */

/* Write the module's C source to OUT.  Returns false on errors. */
bool translate(FILE *out);
char *c_string(const char *s);  /* S as a C string literal */
/* for the other code generators of pass 3 (tvgen.c) */
char *tr_expr(Node *n);         /* N as a C expression */
int tr_fresh(void);             /* a number for unique C names */
char *tr_temp(void);            /* a string temporary of the frame */
char *tr_where(Node *n);        /* N's location for runtime errors */
const char *tr_errlabel(void);  /* where an error jumps */

/* ------------------------------------------------------------------ */
/* build.c: pass 4 and the module cache */

bool build_module(void);        /* sets sess->ko_path */
const char *stap_tmpdir(void);  /* made on first use, or NULL */
bool copy_file(const char *from, const char *to);
bool write_file(const char *path, const char *data, size_t len);
char *cache_key(const char *c_source);

/* ------------------------------------------------------------------ */
/* run.c: pass 5 */

bool kernel_loads_modules(void);
int run_module(void);           /* staprun's exit status */

/* ------------------------------------------------------------------ */
/* remote.c */
#include "remote.h"

#endif /* STAP_H */
