/*-------------------------------------------------------------------------
 *
 * capture.c
 *	  Automatic capture of disclosures (Art. 12 of Law 99-Z): while
 *	  compliance.recipient is set, every protected row a query returns is
 *	  logged as provided to that recipient.
 *
 * The planner (capture_add_to_query, from compliance.c's hook) adds compliance.capture_disclosure
 * (subject, tbl, columns) to every SELECT level that returns rows of a
 * protected table: as a hidden output column of the top-level statement,
 * computed only for the rows returned, or elsewhere as a costly qual that
 * runs after the scan's own filters.  Rows scanned but filtered out are
 * never logged; the log may say more was provided, never less.  Grouped
 * levels pass each returned group's subjects (capture_disclosures), a
 * RETURNING list guards its first column with the capture, and window
 * functions that see other rows are refused (doc/decisions.md).  The
 * writer connects as the bootstrap superuser and does its work as the
 * role compliance_writer.
 *
 * The rows have left the database once they are returned, so the record
 * must survive a rollback of the reading transaction and a client
 * disconnect.  Captured subjects go into a backend-local buffer, which is
 * pushed into a ring in shared memory (one per database) when it fills,
 * when the statement ends, when the transaction aborts and when the
 * backend exits.  A background worker per database drains the ring into
 * compliance.disclosure_log in its own transactions.  A backend waits for
 * room when the ring is full, so nothing is dropped for lack of space;
 * the ring's size (compliance.capture_ring_size) is how many subjects an
 * export may get ahead of the writer before it waits.
 *
 * What a statement shares (recipient, purpose, columns, ...) is written
 * once per chunk, followed by the subjects: a subject costs its key and
 * two bytes in the ring, so a large export rarely has to wait.
 * At a clean shutdown the writer keeps draining until the database's
 * sessions have exited (up to 10 s).  Records still in the ring are lost
 * only if the server crashes or is stopped in immediate mode before the
 * writer commits them, which it does within milliseconds;
 * compliance.flush_disclosures() waits until everything this session
 * captured is committed.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/sysattr.h"
#include "access/twophase.h"
#include "access/xact.h"
#include "access/xlog.h"
#include "utils/resowner.h"
#include "catalog/pg_aggregate.h"
#include "catalog/pg_authid.h"
#include "catalog/pg_type.h"
#include "commands/extension.h"
#include "common/hashfn.h"
#include "executor/executor.h"
#include "executor/spi.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/optimizer.h"
#include "parser/parse_func.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/condition_variable.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/lwlock.h"
#include "storage/proc.h"
#include "storage/procarray.h"
#include "storage/shmem.h"
#include "tcop/tcopprot.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/fmgrprotos.h"
#include "utils/guc.h"
#include "utils/hsearch.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/plancache.h"
#include "utils/guc_tables.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

#include "compliance.h"

PG_FUNCTION_INFO_V1(capture_disclosure);
PG_FUNCTION_INFO_V1(capture_disclosures);
PG_FUNCTION_INFO_V1(flush_disclosures);
PG_FUNCTION_INFO_V1(disclosure_append);
PG_FUNCTION_INFO_V1(disclosure_subjects);
PGDLLEXPORT void capture_worker_main(Datum arg);

#define CAPTURE_SLOTS		8			/* databases capturing at once */
#define CAPTURE_LOCAL_LIMIT	(64 * 1024) /* bytes buffered before pushing */
#define CAPTURE_CHUNK_SUBJECTS	2048	/* subjects a chunk, and at most one
										 * more chunk per call of the log */
#define CAPTURE_BATCH		(256 * 1024)	/* bytes a worker commits at once */
#define CAPTURE_GROUP_SUBJECTS	16384	/* subjects a disclosure record */
#define CAPTURE_IDLE_EXIT_MS	60000	/* a writer without work leaves */
#define CAPTURE_MERGE_IDLE_MS	1000	/* idle this long after writing, the
										 * writer merges the subject indexes */

/*
 * One ring per database; bytes in [tail, head) are not yet committed.
 * Its data, ring_size bytes, follow the rings array in shared memory.
 */
typedef struct CaptureRing
{
	Oid			dboid;			/* InvalidOid: free */
	bool		worker_requested;
	Latch	   *worker_latch;
	int			worker_pid;		/* 0: no writer runs */
	uint64		head;
	uint64		tail;
	bool		failing;		/* the writer could not commit from tail on */
	char		error[256];		/* and why */
	char	   *data;
} CaptureRing;

/*
 * The id the writer gave an explicit record (record_disclosure), for the
 * session that asked: one per PGPROC, published before the tail moves.
 */
typedef struct CaptureReply
{
	uint64		seq;
	int64		id;
} CaptureReply;

typedef struct CaptureShared
{
	LWLock	   *lock;
	ConditionVariable progress; /* tail moved: room made, records committed */
	CaptureRing rings[CAPTURE_SLOTS];
	bool		ring_wanted;	/* a session waits for a ring: idle writers leave */
	int			nreplies;
	CaptureReply *replies;
} CaptureShared;

/* compliance.capture_ring_size, in bytes; fixed at server start */
static Size ring_size;

/*
 * A chunk of captured subjects: those one call site of one statement
 * returned while the settings stayed the same.  This header; then the
 * fields recipient, purpose, transfer kind, transfer basis, the columns'
 * array literal, the permit reference, the reading session's user and the
 * table's subject kind (as the rows were read: the table may be protected
 * again with another kind before the writer commits them);
 * then nsubjects subject keys, each a uint16 length and its bytes; then
 * padding to MAXALIGN.  Chunks are pushed to the ring whole, so they
 * never interleave with another backend's.
 */
typedef struct CaptureChunk
{
	uint32		len;			/* whole chunk */
	uint32		nsubjects;
	TimestampTz disclosed_at;
	Oid			relid;			/* InvalidOid: an explicit record */
	int32		reply_to;		/* explicit: the asking session's reply slot */
	uint64		reply_seq;		/* ... and its request number */
	uint16		lens[8];			/* of each field; 0: NULL */
} CaptureChunk;

enum
{
	F_RECIPIENT, F_PURPOSE, F_KIND, F_BASIS, F_ITEMS, F_PERMIT, F_USER, F_SUBJECT_KIND, F_NFIELDS
};

static CaptureShared *capture = NULL;

/* Backend-local state */
static StringInfo local_buffer = NULL;	/* closed chunks, then the open one */
static int	open_chunk = -1;	/* offset of the chunk being filled, or -1 */
static uint64 open_site;		/* what the open chunk shares: call site, */
static Oid	open_relid;			/* table, */
static TimestampTz open_disclosed_at;	/* statement */
static uint64 open_settings;	/* and settings_version */
static uint64 settings_version = 0; /* bumped when a recorded setting changes */
static uint64 guc_version = 0;	/* the same, from the settings' assign hooks only */
static TimestampTz seen_statement = 0;	/* the statement the seen set is for */
static uint64 seen_settings = 0;	/* ... and the settings */
static char *statement_transfer_kind = NULL;	/* from check_transfer() */
static int	my_slot = -1;
static int	durable_slot = -1;	/* the ring this session last pushed to, */
static uint64 durable_target = 0;	/* and its head then: wait for the tail */

static void capture_backend_init(void);
static void check_recipient_committed(Datum recipient);

/*
 * The (scope, subject) pairs this statement has logged: a subject read
 * twice is provided once.  A scope is a table and the columns a call site
 * reads from it (seen_scope), so a subject read at two call sites with
 * different columns (a self-join) is logged with each: the union of its
 * records is what left.  Integer keys are kept by value; other keys point
 * into seen_cxt, which is reset with the set.
 */
typedef struct SeenKey
{
	uint32		scope;
	int32		len;			/* SEEN_INTEGER: the key is ival */
	int64		ival;
	const char *data;
} SeenKey;

#define SEEN_INTEGER	(-1)

typedef struct SeenEntry
{
	SeenKey		key;
	uint32		hash;
	char		status;			/* simplehash's slot status */
} SeenEntry;

static inline uint32
seen_key_hash(SeenKey k)
{
	uint32		h = k.len == SEEN_INTEGER
		? murmurhash32((uint32) ((uint64) k.ival ^ ((uint64) k.ival >> 32)))
		: hash_bytes((const unsigned char *) k.data, k.len);

	return hash_combine(h, murmurhash32(k.scope));
}

#define SH_PREFIX		seenset
#define SH_ELEMENT_TYPE	SeenEntry
#define SH_KEY_TYPE		SeenKey
#define SH_KEY			key
#define SH_HASH_KEY(tb, k)	seen_key_hash(k)
#define SH_EQUAL(tb, a, b)	((a).scope == (b).scope && (a).len == (b).len && \
							 ((a).len == SEEN_INTEGER ? (a).ival == (b).ival : \
							  memcmp((a).data, (b).data, (a).len) == 0))
#define SH_STORE_HASH
#define SH_GET_HASH(tb, a)	((a)->hash)
#define SH_SCOPE		static inline
#define SH_DEFINE
#define SH_DECLARE
#include "lib/simplehash.h"

#define SEEN_KEEP_ENTRIES	8192	/* a set up to this size is emptied, not freed */

/*
 * Once a statement has logged SEEN_BITS_AFTER subjects, integer keys in
 * [0, SEEN_BITS_KEYS) of up to SEEN_BITS_TABLES scopes are kept as one bit
 * each instead: a large export then costs a small bitmap per table rather
 * than a hash table entry per subject.
 */
#define SEEN_BITS_AFTER		1024
#define SEEN_BITS_KEYS		(INT64CONST(1) << 24)
#define SEEN_BITS_TABLES	8

typedef struct SeenBits
{
	uint32		scope;
	Size		nbytes;
	uint8	   *bits;
} SeenBits;

static SeenBits seen_bits[SEEN_BITS_TABLES];
static int	n_seen_bits = 0;
static bool seen_bits_on = false;

static seenset_hash *local_seen = NULL;
static int	seen_depth = 0;		/* deepest statement depth that added to it */
static MemoryContext seen_cxt = NULL;	/* the set */
static MemoryContext keys_cxt = NULL;	/* its text keys and scopes */

/* The statement's scopes: (table, columns) of its call sites, by number */
typedef struct SeenScope
{
	Oid			relid;
	char	   *items;
} SeenScope;

static SeenScope *seen_scopes = NULL;	/* in keys_cxt */
static int	n_seen_scopes = 0;
static int	max_seen_scopes = 0;
static uint64 seen_generation = 0;	/* bumped when the set (and scopes) go */

/* ---------------------------------------------------------------------
 * The planner's half: a call recording the subjects of rows that a SELECT
 * returns while compliance.recipient is set
 * ---------------------------------------------------------------------
 */
/* compliance.capture_disclosure(anyelement, regclass, text[]) */
static Oid
capture_oid(void)
{
	static ExtensionFunction fn;

	return extension_function_oid(&fn, "capture_disclosure", ANYELEMENTOID, REGCLASSOID, TEXTARRAYOID);
}

/* compliance.capture_disclosures(anyarray, regclass, text[]) */
static Oid
capture_group_oid(void)
{
	static ExtensionFunction fn;

	return extension_function_oid(&fn, "capture_disclosures", ANYARRAYOID, REGCLASSOID, TEXTARRAYOID);
}

static bool
in_jointree(Node *node, Index rti)
{
	ListCell   *lc;

	if (node == NULL)
		return false;
	if (IsA(node, RangeTblRef))
		return (Index) ((RangeTblRef *) node)->rtindex == rti;
	if (IsA(node, FromExpr))
	{
		foreach(lc, ((FromExpr *) node)->fromlist)
			if (in_jointree(lfirst(lc), rti))
				return true;
		return false;
	}
	if (IsA(node, JoinExpr))
		return in_jointree(((JoinExpr *) node)->larg, rti) ||
			in_jointree(((JoinExpr *) node)->rarg, rti);
	return false;
}

/*
 * The outer joins of a level's join tree that can null relation rti: a
 * Var of it evaluated above the join tree (the select list, WHERE, an
 * aggregate's argument, RETURNING) carries them on PostgreSQL 16 and later.
 */
static bool
find_nulling(Node *node, Index rti, Bitmapset **nulling)
{
	ListCell   *lc;

	if (node == NULL)
		return false;
	if (IsA(node, RangeTblRef))
		return (Index) ((RangeTblRef *) node)->rtindex == rti;
	if (IsA(node, FromExpr))
	{
		foreach(lc, ((FromExpr *) node)->fromlist)
			if (find_nulling(lfirst(lc), rti, nulling))
				return true;
		return false;
	}
	if (IsA(node, JoinExpr))
	{
		JoinExpr   *j = (JoinExpr *) node;
		bool		left = find_nulling(j->larg, rti, nulling);
		bool		right = !left && find_nulling(j->rarg, rti, nulling);

		if ((right && (j->jointype == JOIN_LEFT || j->jointype == JOIN_FULL)) ||
			(left && (j->jointype == JOIN_RIGHT || j->jointype == JOIN_FULL)))
			*nulling = bms_add_member(*nulling, j->rtindex);
		return left || right;
	}
	return false;
}

/* The subject column of entry rti, as read above the level's join tree. */
static Var *
subject_var(Query *query, Index rti, const Protection *p)
{
	Var		   *var = makeVar(rti, p->subject_attno, p->subject_type,
							  p->subject_typmod, p->subject_collation, 0);
	Bitmapset  *nulling = NULL;

	(void) find_nulling((Node *) query->jointree, rti, &nulling);
	compat_set_nullingrels(var, nulling);
	return var;
}

/* The names of columns of a relation (whole row: every one), as text[]. */
static Const *
column_names(Oid relid, Bitmapset *cols)
{
	bool		whole_row = bms_is_member(InvalidAttrNumber - FirstLowInvalidHeapAttributeNumber, cols);
	Relation	rel = RelationIdGetRelation(relid);
	TupleDesc	desc = RelationGetDescr(rel);
	Datum	   *names = palloc(sizeof(Datum) * Max(desc->natts, 1));
	int			n = 0;

	for (int i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);

		if (att->attisdropped)
			continue;
		if (whole_row || bms_is_member(att->attnum - FirstLowInvalidHeapAttributeNumber, cols))
			names[n++] = CStringGetTextDatum(NameStr(att->attname));
	}
	RelationClose(rel);
	return makeConst(TEXTARRAYOID, -1, InvalidOid, -1,
					 PointerGetDatum(construct_array(names, n, TEXTOID, -1, false, TYPALIGN_INT)),
					 false, false);
}

/* The names of the columns a query reads from a relation, as text[]. */
static Const *
read_columns(Query *query, RangeTblEntry *rte)
{
	return column_names(rte->relid, compat_rte_columns(query, rte));
}

/* Has a window of the query a PARTITION BY or ORDER BY (rows it sees)? */
static bool
window_has_order(Query *query)
{
	ListCell   *lc;

	foreach(lc, query->windowClause)
	{
		WindowClause *wc = lfirst(lc);

		if (wc->partitionClause != NIL || wc->orderClause != NIL)
			return true;
	}
	return false;
}

/* compliance.capture_disclosure(subject column of entry rti, table, columns read) */
static FuncExpr *
make_capture(Query *query, Index rti, RangeTblEntry *rte, const Protection *p, bool at_scan)
{
	FuncExpr   *capture;
	Var		   *subject = subject_var(query, rti, p);

	/* a qual of the scan itself: below every join */
	if (at_scan)
		compat_set_nullingrels(subject, NULL);
	capture = makeFuncExpr(capture_oid(), BOOLOID,
						   list_make3(subject,
									  makeConst(REGCLASSOID, -1, InvalidOid, sizeof(Oid),
												ObjectIdGetDatum(p->protected_relid), false, true),
									  read_columns(query, rte)),
						   InvalidOid, p->subject_collation, COMPLIANCE_PLANNER_FORMAT);
	capture->location = -1;
	return capture;
}

/*
 * compliance.capture_disclosures(array_agg(subject column of entry rti),
 * table, columns read): the capture of a level whose rows are aggregated,
 * run once per group that leaves, with the subjects of the rows in it.
 */
static FuncExpr *
make_capture_group(Query *query, Index rti, RangeTblEntry *rte, const Protection *p,
				   Const *columns)
{
	Aggref	   *agg = makeNode(Aggref);
	Var		   *subject = subject_var(query, rti, p);
	Oid			arraytype = get_array_type(p->subject_base_type);
	FuncExpr   *capture;

	if (!OidIsValid(arraytype) || type_is_array(p->subject_base_type))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("aggregated rows of table \"%s\" cannot be captured for a recipient",
						get_rel_name(p->protected_relid)),
				 errdetail("The subjects of an aggregated group are collected in an array, and the table's subject column has no array type."),
				 errhint("Read the rows without aggregating them, or reset compliance.recipient and record the disclosure with compliance.record_disclosure().")));
	/* array_agg(subject): a domain's value goes in as its base type */
	agg->aggfnoid = F_ARRAY_AGG_ANYNONARRAY;
	agg->aggtype = arraytype;
	agg->aggcollid = p->subject_collation;
	agg->inputcollid = p->subject_collation;
	agg->aggtranstype = InvalidOid;
	agg->aggargtypes = list_make1_oid(p->subject_base_type);
	agg->args = list_make1(makeTargetEntry(p->subject_type == p->subject_base_type
										   ? (Expr *) subject
										   : (Expr *) makeRelabelType((Expr *) subject,
																	  p->subject_base_type, -1,
																	  p->subject_collation,
																	  COERCE_IMPLICIT_CAST),
										   1, NULL, false));
	agg->aggkind = AGGKIND_NORMAL;
	agg->aggsplit = AGGSPLIT_SIMPLE;
	agg->aggno = -1;
	agg->aggtransno = -1;
	agg->location = -1;
	query->hasAggs = true;

	capture = makeFuncExpr(capture_group_oid(), BOOLOID,
						   list_make3(agg,
									  makeConst(REGCLASSOID, -1, InvalidOid, sizeof(Oid),
												ObjectIdGetDatum(p->protected_relid), false, true),
									  columns),
						   InvalidOid, InvalidOid, COMPLIANCE_PLANNER_FORMAT);
	capture->location = -1;
	return capture;
}

/* Is the array of column names empty (count(*): no column of the table read)? */
static bool
no_columns(Const *columns)
{
	return ArrayGetNItems(ARR_NDIM(DatumGetArrayTypeP(columns->constvalue)),
						  ARR_DIMS(DatumGetArrayTypeP(columns->constvalue))) == 0;
}

/* Does the query read a protected relation, at any level below it? */
static bool
reads_protected(Node *node, void *context)
{
	if (node == NULL)
		return false;
	if (IsA(node, RangeTblEntry))
	{
		RangeTblEntry *rte = (RangeTblEntry *) node;

		return rte->rtekind == RTE_RELATION && protection_lookup(rte->relid) != NULL;
	}
	if (IsA(node, Query))
		return query_tree_walker((Query *) node, reads_protected, context,
								 QTW_EXAMINE_RTES_BEFORE);
	return expression_tree_walker(node, reads_protected, context);
}

/* Does the query level refer to its range table entry rti (LATERAL and sublinks included)? */
typedef struct RefContext
{
	Index		rti;
	int			sublevels;
} RefContext;

static bool
refers_to(Node *node, void *context)
{
	RefContext *cxt = context;

	if (node == NULL)
		return false;
	if (IsA(node, Var))
		return (Index) ((Var *) node)->varno == cxt->rti &&
			(int) ((Var *) node)->varlevelsup == cxt->sublevels;
	if (IsA(node, Query))
	{
		bool		found;

		cxt->sublevels++;
		found = query_tree_walker((Query *) node, refers_to, context, 0);
		cxt->sublevels--;
		return found;
	}
	return expression_tree_walker(node, refers_to, context);
}

/*
 * Window functions that see other rows than their own: each output row
 * may carry data of other subjects (lag(name), string_agg(name) OVER ...),
 * which no per-row capture can name.  row_number() OVER () and the like,
 * with no argument and no window order or partition, see nothing.
 */
static bool
window_reads_rows(Node *node, void *context)
{
	if (node == NULL)
		return false;
	if (IsA(node, WindowFunc))
		return ((WindowFunc *) node)->args != NIL || ((WindowFunc *) node)->aggfilter != NULL;
	if (IsA(node, Query))
		return false;
	return expression_tree_walker(node, window_reads_rows, context);
}

pg_noreturn static void
refuse_window(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			 errmsg("window functions over protected rows cannot be captured for a recipient"),
			 errdetail("Each row a window function returns may carry data of other subjects, so the disclosure log could not name whose data left (Art. 12 of Law 99-Z)."),
			 errhint("Compute the window without compliance.recipient and record what is provided with compliance.record_disclosure(), or return the rows themselves.")));
}

typedef struct SublinkContext
{
	bool		output;			/* the sublinks' rows become returned values */
} SublinkContext;

/* Captures the queries of the sublinks in an expression (not below them). */
static bool
capture_sublinks(Node *node, void *context)
{
	SublinkContext *cxt = context;

	if (node == NULL)
		return false;
	if (IsA(node, SubLink))
	{
		SubLink    *sublink = (SubLink *) node;

		/*
		 * Only a scalar or ARRAY subquery returns its rows as a value; the
		 * planner drops an EXISTS query's select list, and IN compares.
		 */
		if (IsA(sublink->subselect, Query))
			capture_add_to_query((Query *) sublink->subselect,
								 cxt->output && (sublink->subLinkType == EXPR_SUBLINK ||
												 sublink->subLinkType == ARRAY_SUBLINK));
		return capture_sublinks(sublink->testexpr, context);
	}
	if (IsA(node, Query))
		return false;
	return expression_tree_walker(node, capture_sublinks, context);
}

/* The columns of entry rti that Vars refer to, at any depth below the level. */
typedef struct ColumnsContext
{
	Index		rti;
	int			sublevels;
	Bitmapset  *attrs;
} ColumnsContext;

static bool
collect_columns(Node *node, void *context)
{
	ColumnsContext *cxt = context;

	if (node == NULL)
		return false;
	if (IsA(node, Var))
	{
		Var		   *var = (Var *) node;

		if ((Index) var->varno == cxt->rti && (int) var->varlevelsup == cxt->sublevels)
			cxt->attrs = bms_add_member(cxt->attrs,
										var->varattno - FirstLowInvalidHeapAttributeNumber);
		return false;
	}
	if (IsA(node, Query))
	{
		cxt->sublevels++;
		(void) query_tree_walker((Query *) node, collect_columns, context,
								 QTW_IGNORE_JOINALIASES);
		cxt->sublevels--;
		return false;
	}
	return expression_tree_walker(node, collect_columns, context);
}

/*
 * Is a select list entry of a level whose rows are only counted computed
 * all the same: does the level group, sort or deduplicate by it, or is it
 * volatile or set-returning?  The planner computes no other entry.
 */
static bool
counted_entry(TargetEntry *tle)
{
	return tle->ressortgroupref != 0 ||
		contain_volatile_functions((Node *) tle->expr) ||
		expression_returns_set((Node *) tle->expr);
}

/*
 * The columns of entry rti that a level whose rows are only counted reads
 * all the same: those that choose which rows there are (its quals, join
 * conditions, sublinks and LATERAL references) and those of the select
 * list entries it computes (counted_entry).
 */
static Bitmapset *
counted_columns(Query *query, Index rti)
{
	ColumnsContext cxt = {rti, 0, NULL};
	ListCell   *lc;

	foreach(lc, query->targetList)
	{
		TargetEntry *tle = lfirst(lc);

		if (counted_entry(tle))
			(void) collect_columns((Node *) tle->expr, &cxt);
	}
	(void) collect_columns((Node *) query->jointree, &cxt);
	(void) collect_columns(query->havingQual, &cxt);
	/* LATERAL references; not the row filter in the entries' securityQuals */
	foreach(lc, query->rtable)
	{
		RangeTblEntry *rte = lfirst(lc);

		if (rte->rtekind == RTE_SUBQUERY)
			(void) collect_columns((Node *) rte->subquery, &cxt);
		else if (rte->rtekind == RTE_FUNCTION)
			(void) collect_columns((Node *) rte->functions, &cxt);
		else if (rte->rtekind == RTE_TABLEFUNC)
			(void) collect_columns((Node *) rte->tablefunc, &cxt);
		else if (rte->rtekind == RTE_VALUES)
			(void) collect_columns((Node *) rte->values_lists, &cxt);
	}
	return cxt.attrs;
}

/*
 * A level whose rows an aggregate above only counts (count(*) over a
 * subquery or a view) returns nothing of any subject, but which rows it
 * has says something of them: SELECT count(*) FROM (SELECT 1 FROM patients
 * WHERE id = 5 AND phone LIKE '+37529%') s tells the phone's prefix.  That
 * a subject's row matches is "information relating to an identified ...
 * natural person" (Art. 1), and the subject is owed "which of their
 * personal data have been provided to whom" (Art. 12.2 of Law 99-Z).  So
 * each protected relation of the level is captured, as a qual, with the
 * columns that choose its rows (counted_columns), as a top-level
 * count(*) ... WHERE is.  A relation none of whose columns is read
 * (count(*) of every row) gets a capture that records nothing, so that
 * the get_relation_info hook does not capture it as a relation it never
 * saw.  Its sublinks, CTEs and the subqueries it reads are captured as
 * any level's; those it only counts, in the same way as itself.
 */
static void
capture_counted(Query *query)
{
	Index		rti = 0;
	ListCell   *lc;
	SublinkContext in_quals = {false};

	/* which rows a set operation keeps depends on every column of its arms */
	if (query->setOperations != NULL)
	{
		capture_add_to_query(query, false);
		return;
	}
	foreach(lc, query->cteList)
	{
		CommonTableExpr *cte = lfirst(lc);

		if (IsA(cte->ctequery, Query))
			capture_add_to_query((Query *) cte->ctequery, false);
	}
	if (query->hasSubLinks)
	{
		foreach(lc, query->targetList)
			if (counted_entry(lfirst(lc)))
				capture_sublinks((Node *) ((TargetEntry *) lfirst(lc))->expr, &in_quals);
		capture_sublinks((Node *) query->jointree, &in_quals);
		capture_sublinks(query->havingQual, &in_quals);
	}
	foreach(lc, query->rtable)
	{
		RangeTblEntry *rte = lfirst(lc);
		const Protection *p;
		Bitmapset  *cols;
		FuncExpr   *capture;

		rti++;
		if (rte->rtekind == RTE_SUBQUERY)
		{
			if (counted_columns(query, rti) != NULL)
				capture_add_to_query(rte->subquery, false);
			else
				capture_counted(rte->subquery);
			continue;
		}
		if (rte->rtekind != RTE_RELATION || !in_jointree((Node *) query->jointree, rti) ||
			(p = protection_lookup(rte->relid)) == NULL)
			continue;
		cols = counted_columns(query, rti);
		capture = makeFuncExpr(capture_oid(), BOOLOID,
							   list_make3(subject_var(query, rti, p),
										  cols == NULL
										  ? (Expr *) makeNullConst(REGCLASSOID, -1, InvalidOid)
										  : (Expr *) makeConst(REGCLASSOID, -1, InvalidOid, sizeof(Oid),
															   ObjectIdGetDatum(p->protected_relid),
															   false, true),
										  cols == NULL
										  ? (Expr *) makeNullConst(TEXTARRAYOID, -1, InvalidOid)
										  : (Expr *) column_names(rte->relid, cols)),
							   InvalidOid, p->subject_collation, COMPLIANCE_PLANNER_FORMAT);
		capture->location = -1;
		query->jointree->quals = make_and_qual(query->jointree->quals, (Node *) capture);
	}
}

/*
 * The columns of entry rti a data-modifying statement reads: its
 * RETURNING list, its filter (which rows it changes: the command tag or
 * the rows returned tell a recipient which matched), and the expressions
 * of its SET and ON CONFLICT clauses (a value copied into a returned
 * column).
 */
static Bitmapset *
modified_read_columns(Query *query, Index rti)
{
	ColumnsContext cxt = {rti, 0, NULL};
	ListCell   *lc;

	(void) collect_columns((Node *) query->returningList, &cxt);
	(void) collect_columns(query->jointree->quals, &cxt);
	if (query->commandType == CMD_UPDATE)
		foreach(lc, query->targetList)
		{
			TargetEntry *te = lfirst(lc);

			if (!te->resjunk)
				(void) collect_columns((Node *) te->expr, &cxt);
		}
	if (query->onConflict != NULL)
	{
		(void) collect_columns((Node *) query->onConflict->onConflictSet, &cxt);
		(void) collect_columns(query->onConflict->onConflictWhere, &cxt);
	}
	return cxt.attrs;
}

/*
 * The conditions of a MERGE (its join and its WHEN clauses) and of an ON
 * CONFLICT DO UPDATE (its WHERE) decide which rows change, which the
 * command tag tells, but run where no capture can follow only the rows
 * they chose: reading columns of the protected table they change other
 * than its subject key, they are refused.
 */
static void
refuse_filter_oracle(Query *query, Index rti, Oid relid, const Protection *p)
{
	ColumnsContext cxt = {rti, 0, NULL};
	ListCell   *lc;

	if (query->commandType == CMD_MERGE)
	{
		(void) collect_columns(query->jointree->quals, &cxt);
		foreach(lc, query->mergeActionList)
			(void) collect_columns(((MergeAction *) lfirst(lc))->qual, &cxt);
	}
	else if (query->onConflict != NULL)
		(void) collect_columns(query->onConflict->onConflictWhere, &cxt);
	/* the row filter's (enforce.c), and a key the recipient names itself */
	cxt.attrs = bms_del_member(cxt.attrs, p->subject_attno - FirstLowInvalidHeapAttributeNumber);
	if (bms_is_empty(cxt.attrs))
		return;
	ereport(ERROR,
			(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			 errmsg("%s whose conditions read protected table \"%s\" cannot run while a recipient is declared",
					query->commandType == CMD_MERGE ? "a MERGE" : "an ON CONFLICT DO UPDATE",
					get_rel_name(relid)),
			 errdetail("Which rows it changes tells recipient \"%s\" what their values are, with no record of whose (Art. 12 of Law 99-Z).",
					   compliance_recipient),
			 errhint("Run it with compliance.recipient reset, or use UPDATE, whose changed rows are logged.")));
}

/* Does the statement assign the subject column of its target? */
static bool
assigns_subject(Query *query, const Protection *p)
{
	List	   *set = query->commandType == CMD_UPDATE ? query->targetList
		: query->onConflict != NULL ? query->onConflict->onConflictSet : NIL;
	ListCell   *lc;

	foreach(lc, set)
	{
		TargetEntry *te = lfirst(lc);

		if (!te->resjunk && te->resno == p->subject_attno)
			return true;
	}
	return false;
}

/*
 * INSERT, UPDATE, DELETE (and MERGE) under a recipient.  Every returned
 * row of a protected relation is captured with the columns the statement
 * read (modified_read_columns).  The capture guards the first returned
 * column (CASE WHEN capture THEN value END, the capture always true): a
 * hidden column would reach the client, since the executor filters none
 * out of a RETURNING list.  A statement returning nothing but filtering on
 * a protected column still tells which rows matched (its command tag):
 * its changed rows are captured, by a qual run after its own filters.  A
 * returned row names its subject by the new row's key: an UPDATE that
 * changes the key and returns values would log the old subject's data
 * under the new key, so it is refused.
 */
static void
capture_returning(Query *query)
{
	Index		rti = 0;
	ListCell   *lc;
	Expr	   *guard = NULL;
	TargetEntry *first;
	SublinkContext cxt = {true};

	capture_sublinks((Node *) query->returningList, &cxt);
	foreach(lc, query->rtable)
	{
		RangeTblEntry *rte = lfirst(lc);
		const Protection *p;
		Bitmapset  *attrs;
		FuncExpr   *capture;

		rti++;
		/*
		 * EXCLUDED of ON CONFLICT is the row proposed, not a stored one; a
		 * Citus table's rows are captured where they are read, on its
		 * workers
		 */
		if (rte->rtekind != RTE_RELATION || (p = protection_lookup(rte->relid)) == NULL ||
			p->citus_table ||
			(query->onConflict != NULL && (int) rti == query->onConflict->exclRelIndex))
			continue;
		if ((int) rti == query->resultRelation)
			refuse_filter_oracle(query, rti, rte->relid, p);
		attrs = modified_read_columns(query, rti);
		if (attrs == NULL)
			continue;
		if (query->returningList != NIL && (int) rti == query->resultRelation && assigns_subject(query, p))
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("a statement that changes the subject column of protected table \"%s\" cannot return rows while a recipient is declared",
							get_rel_name(rte->relid)),
					 errdetail("The rows it returns would be logged under the new key, while the values in them are the old subject's (Art. 12 of Law 99-Z)."),
					 errhint("Change the key with compliance.recipient reset, or without RETURNING, and read the row under the recipient afterwards.")));
		capture = makeFuncExpr(capture_oid(), BOOLOID,
							   list_make3(subject_var(query, rti, p),
										  makeConst(REGCLASSOID, -1, InvalidOid, sizeof(Oid),
													ObjectIdGetDatum(p->protected_relid), false, true),
										  column_names(rte->relid, attrs)),
							   InvalidOid, p->subject_collation, COMPLIANCE_PLANNER_FORMAT);
		capture->location = -1;
		if (query->returningList == NIL)
		{
			/*
			 * the rows it changes, after its own filters (a costly qual); a
			 * MERGE's join is an outer join, whose condition it would enter
			 */
			if (query->commandType == CMD_UPDATE || query->commandType == CMD_DELETE)
				query->jointree->quals = make_and_qual(query->jointree->quals, (Node *) capture);
			continue;
		}
		guard = guard == NULL ? (Expr *) capture
			: make_andclause(list_make2(guard, capture));
	}
	if (guard == NULL)
		return;
	first = linitial(query->returningList);
	{
		CaseExpr   *c = makeNode(CaseExpr);
		CaseWhen   *w = makeNode(CaseWhen);

		w->expr = guard;
		w->result = first->expr;
		w->location = -1;
		c->casetype = exprType((Node *) first->expr);
		c->casecollid = exprCollation((Node *) first->expr);
		c->args = list_make1(w);
		c->defresult = (Expr *) makeNullConst(c->casetype, exprTypmod((Node *) first->expr),
											  c->casecollid);
		c->location = -1;
		first->expr = (Expr *) c;
	}
}

/*
 * Adds the capture to every level of a statement whose rows are returned,
 * so that the log names each subject whose data leave, with the columns
 * read (doc/reference.md, "Automatic capture"):
 *
 * - A table read directly by the top-level statement gets the capture as
 *   a hidden, volatile output column: the planner computes such columns
 *   last, after joins, sorting and LIMIT (make_sort_input_target), and a
 *   cursor computes them as rows are fetched, so exactly the returned rows
 *   are logged.  Elsewhere (views, subqueries, set operations, CTEs,
 *   statements inside functions) it is a costly qual, run after the scan's
 *   own filters: rows that a later join or LIMIT drops are logged too.
 * - A level that aggregates or groups passes the subjects of each group
 *   (array_agg) to capture_disclosures(), as a hidden output column at the
 *   top (groups a HAVING or LIMIT drops are not logged), as a HAVING qual
 *   elsewhere.  An aggregate level reading no column of the table
 *   (count(*)) returns nothing of any subject and captures nothing; a
 *   subquery in its FROM whose columns it reads none of is captured with
 *   the columns that choose its rows (capture_counted).
 * - Sublinks: a scalar or ARRAY subquery in a select list is captured as
 *   the level its rows are returned from; other sublinks (EXISTS, IN)
 *   with a qual.
 * - RETURNING of data-modifying statements: see capture_returning().
 * - Window functions that read rows other than their own: refused.
 */
void
capture_add_to_query(Query *query, bool top)
{
	Index		rti = 0;
	ListCell   *lc;
	bool		as_output = top && query->setOperations == NULL;
	bool		grouped;
	SublinkContext in_output = {true};
	SublinkContext in_quals = {false};

	foreach(lc, query->cteList)
	{
		CommonTableExpr *cte = lfirst(lc);

		if (IsA(cte->ctequery, Query))
			capture_add_to_query((Query *) cte->ctequery, false);
	}
	if (query->commandType != CMD_SELECT)
	{
		capture_returning(query);
		return;
	}
	if (query->hasWindowFuncs &&
		(window_reads_rows((Node *) query->targetList, NULL) ||
		 window_has_order(query)) &&
		reads_protected((Node *) query, NULL))
		refuse_window();
	grouped = query->hasAggs || query->groupClause || query->groupingSets;
	if (query->hasSubLinks)
	{
		capture_sublinks((Node *) query->targetList, &in_output);
		capture_sublinks((Node *) query->jointree, &in_quals);
		capture_sublinks(query->havingQual, &in_quals);
	}
	foreach(lc, query->rtable)
	{
		RangeTblEntry *rte = lfirst(lc);
		const Protection *p;
		FuncExpr   *capture;

		rti++;
		if (rte->rtekind == RTE_SUBQUERY)
		{
			RefContext refs = {rti, 0};

			if (grouped && !query_tree_walker(query, refers_to, &refs, 0))
				capture_counted(rte->subquery);
			else
				capture_add_to_query(rte->subquery, false);
			continue;
		}
		if (rte->rtekind != RTE_RELATION || !in_jointree((Node *) query->jointree, rti))
			continue;
		p = protection_lookup(rte->relid);
		/* a Citus table's rows are captured where they are read, on its workers */
		if (p == NULL || p->citus_table)
			continue;
		if (grouped)
		{
			Const	   *columns = read_columns(query, rte);

			if (no_columns(columns))
				continue;
			capture = make_capture_group(query, rti, rte, p, columns);
			if (!as_output)
			{
				query->havingQual = make_and_qual(query->havingQual, (Node *) capture);
				continue;
			}
		}
		else
			capture = make_capture(query, rti, rte, p, false);
		if (as_output)
			query->targetList = lappend(query->targetList,
										makeTargetEntry((Expr *) capture,
														list_length(query->targetList) + 1,
														pstrdup("compliance_capture"), true));
		else
			query->jointree->quals = make_and_qual(query->jointree->quals, (Node *) capture);
	}
}

static bool
captures_relation(Node *node, void *context)
{
	Index		rti = *(Index *) context;

	if (node == NULL)
		return false;
	if (IsA(node, FuncExpr) &&
		(((FuncExpr *) node)->funcid == capture_oid() ||
		 ((FuncExpr *) node)->funcid == capture_group_oid()) &&
		((FuncExpr *) node)->funcformat == COMPLIANCE_PLANNER_FORMAT)
	{
		Node	   *subject = linitial(((FuncExpr *) node)->args);

		/* capture_disclosures(array_agg(subject), ...) */
		if (IsA(subject, Aggref))
			subject = (Node *) ((TargetEntry *) linitial(((Aggref *) subject)->args))->expr;
		if (IsA(subject, RelabelType))
			subject = (Node *) ((RelabelType *) subject)->arg;
		if (IsA(subject, Var) && (Index) ((Var *) subject)->varno == rti &&
			((Var *) subject)->varlevelsup == 0)
			return true;
	}
	return expression_tree_walker(node, captures_relation, context);
}

/*
 * The get_relation_info hook's part (compliance.c), for a protected
 * relation the planner is about to scan while a recipient is set: what
 * capture_add_to_query() could not see, the body of an inlined SQL
 * function, is captured with a qual that runs after the row filter (same
 * security level, higher cost).  Below aggregation or a window every row
 * scanned is then logged (the log may say more was provided, never
 * less), unless the level reads no column of the table (count(*)).
 */
void
capture_plan_relation(PlannerInfo *root, RelOptInfo *rel)
{
	Query	   *query = root->parse;
	RangeTblEntry *rte = root->simple_rte_array[rel->relid];
	const Protection *p = protection_lookup(rte->relid);
	Index		rti = rel->relid;
	FuncExpr   *capture;

	if (p == NULL || p->citus_table || rel->reloptkind != RELOPT_BASEREL ||
		query->commandType != CMD_SELECT)
		return;
	if (captures_relation((Node *) query->targetList, &rti) ||
		captures_relation((Node *) query->jointree, &rti) ||
		captures_relation(query->havingQual, &rti))
		return;
	if ((query->hasAggs || query->groupClause || query->groupingSets) &&
		no_columns(read_columns(query, rte)))
		return;
	capture = make_capture(query, rti, rte, p, true);
	/* enforce_plan_relation() made the row filter the first level */
	Assert(rte->securityQuals != NIL);
	linitial(rte->securityQuals) = lappend(linitial(rte->securityQuals), capture);
}

/* ---------------------------------------------------------------------
 * Shared memory
 * ---------------------------------------------------------------------
 */
static int
reply_slots(void)
{
	/* as many as there are PGPROCs (InitProcGlobal) */
	return MaxBackends + NUM_AUXILIARY_PROCS + max_prepared_xacts;
}

static Size
capture_shmem_size(void)
{
	ring_size = (Size) compliance_capture_ring_kb * 1024;
	return add_size(add_size(MAXALIGN(sizeof(CaptureShared)), mul_size(ring_size, CAPTURE_SLOTS)),
					mul_size(sizeof(CaptureReply), reply_slots()));
}

void
capture_shmem_request(void)
{
	RequestAddinShmemSpace(capture_shmem_size());
	RequestNamedLWLockTranche("compliance_capture", 1);
}

void
capture_shmem_startup(void)
{
	bool		found;

	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	capture = ShmemInitStruct("compliance_capture", capture_shmem_size(), &found);
	if (!found)
	{
		char	   *data = (char *) capture + MAXALIGN(sizeof(CaptureShared));

		memset(capture, 0, sizeof(CaptureShared));
		capture->lock = &(GetNamedLWLockTranche("compliance_capture"))->lock;
		ConditionVariableInit(&capture->progress);
		for (int i = 0; i < CAPTURE_SLOTS; i++)
		{
			capture->rings[i].dboid = InvalidOid;
			capture->rings[i].worker_requested = false;
			capture->rings[i].worker_latch = NULL;
			capture->rings[i].head = capture->rings[i].tail = 0;
			capture->rings[i].data = data + i * ring_size;
		}
		capture->nreplies = reply_slots();
		capture->replies = (CaptureReply *) (data + CAPTURE_SLOTS * ring_size);
		memset(capture->replies, 0, sizeof(CaptureReply) * capture->nreplies);
	}
	LWLockRelease(AddinShmemInitLock);
}

/* The ring of this database, claimed on first use.  Caller holds the lock. */
static CaptureRing *
ring_for_database(void)
{
	int			free_slot = -1;

	if (my_slot >= 0 && capture->rings[my_slot].dboid == MyDatabaseId)
		return &capture->rings[my_slot];
	for (int i = 0; i < CAPTURE_SLOTS; i++)
	{
		if (capture->rings[i].dboid == MyDatabaseId)
		{
			my_slot = i;
			return &capture->rings[i];
		}
		if (capture->rings[i].dboid == InvalidOid && free_slot < 0)
			free_slot = i;
	}
	if (free_slot < 0)
		return NULL;
	capture->ring_wanted = false;
	capture->rings[free_slot].dboid = MyDatabaseId;
	my_slot = free_slot;
	return &capture->rings[free_slot];
}

static void
ring_write(CaptureRing *ring, const char *src, Size len)
{
	Size		start = ring->head % ring_size;
	Size		first = Min(len, ring_size - start);

	memcpy(ring->data + start, src, first);
	memcpy(ring->data, src + first, len - first);
	ring->head += len;
}

static void
ring_read(CaptureRing *ring, uint64 from, char *dst, Size len)
{
	Size		start = from % ring_size;
	Size		first = Min(len, ring_size - start);

	memcpy(dst, ring->data + start, first);
	memcpy(dst + first, ring->data, len - first);
}

/*
 * The writer this session registered last: if the postmaster could not
 * start it, no exit callback of its ran to clear the ring's
 * worker_requested, and check_writer() sees it stopped and starts another.
 */
static BackgroundWorkerHandle *started_writer = NULL;
static int	started_slot = -1;

static void
start_worker(int slot, Oid dboid)
{
	BackgroundWorker worker;
	BackgroundWorkerHandle *handle;
	MemoryContext oldcxt;
	bool		registered;

	memset(&worker, 0, sizeof(worker));
	worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
	worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
	/* a writer that died is started again by the next session needing it */
	worker.bgw_restart_time = BGW_NEVER_RESTART;
	strlcpy(worker.bgw_library_name, "compliance", BGW_MAXLEN);
	strlcpy(worker.bgw_function_name, "capture_worker_main", BGW_MAXLEN);
	snprintf(worker.bgw_name, BGW_MAXLEN, "compliance disclosure writer for database %u", dboid);
	strlcpy(worker.bgw_type, "compliance disclosure writer", BGW_MAXLEN);
	worker.bgw_main_arg = Int32GetDatum(slot);
	memcpy(worker.bgw_extra, &dboid, sizeof(Oid));

	oldcxt = MemoryContextSwitchTo(TopMemoryContext);
	registered = RegisterDynamicBackgroundWorker(&worker, &handle);
	MemoryContextSwitchTo(oldcxt);
	if (registered)
	{
		if (started_writer != NULL)
			pfree(started_writer);
		started_writer = handle;
		started_slot = slot;
	}
	else
	{
		LWLockAcquire(capture->lock, LW_EXCLUSIVE);
		capture->rings[slot].worker_requested = false;
		LWLockRelease(capture->lock);
		ereport(WARNING,
				(errcode(ERRCODE_CONFIGURATION_LIMIT_EXCEEDED),
				 errmsg("could not start the disclosure writer for this database"),
				 errdetail("Captured disclosures wait in shared memory until a writer starts."),
				 errhint("Raise max_worker_processes.")));
	}
}

/* Ends the chunk being filled: its length, padded to keep headers aligned. */
static void
close_chunk(void)
{
	CaptureChunk *chunk;

	if (open_chunk < 0)
		return;
	while ((local_buffer->len - open_chunk) % MAXIMUM_ALIGNOF != 0)
		appendStringInfoChar(local_buffer, '\0');
	chunk = (CaptureChunk *) (local_buffer->data + open_chunk);
	chunk->len = local_buffer->len - open_chunk;
	open_chunk = -1;
}

/*
 * While a session waits for the writer: interrupts are served, and a
 * writer that cannot go on for this session's sake ends the wait with an
 * error rather than a silent hang.  The captures stay queued either way.
 */
static void
check_writer(int slot, TimestampTz *checked)
{
	CaptureRing *ring = &capture->rings[slot];
	int			pid;
	bool		failing;
	bool		need_worker;
	bool		stopped = false;
	char		error[sizeof(ring->error)];

	CHECK_FOR_INTERRUPTS();
	if (!TimestampDifferenceExceeds(*checked, GetCurrentTimestamp(), 1000))
		return;
	*checked = GetCurrentTimestamp();
	if (started_writer != NULL && started_slot == slot)
	{
		pid_t		started_pid;

		stopped = GetBackgroundWorkerPid(started_writer, &started_pid) == BGWH_STOPPED;
		if (stopped)
		{
			pfree(started_writer);
			started_writer = NULL;
		}
	}
	LWLockAcquire(capture->lock, LW_EXCLUSIVE);
	pid = ring->dboid == MyDatabaseId ? ring->worker_pid : 0;
	failing = ring->dboid == MyDatabaseId && ring->failing;
	strlcpy(error, ring->error, sizeof(error));

	/*
	 * The writer exited (an error, a terminate), or the one this session
	 * registered stopped without taking the ring: start another.  Two
	 * started at once are harmless, the second leaves at once.
	 */
	need_worker = ring->dboid == MyDatabaseId &&
		(!ring->worker_requested || (stopped && ring->worker_pid == 0));
	if (need_worker)
		ring->worker_requested = true;
	LWLockRelease(capture->lock);
	if (need_worker)
		start_worker(slot, MyDatabaseId);

	if (failing)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("the disclosure log cannot be written"),
				 errdetail("The writer failed: %s.  The rows were returned, and a statement read for a recipient completes only once their provision is logged (Art. 12 of Law 99-Z); the captures stay queued and are written once the cause is removed.",
						   error),
				 errhint("Remove the cause the server log names; compliance.flush_disclosures() tells when the log has caught up.")));
	if (pid != 0)
	{
		ArrayType  *blockers = DatumGetArrayTypeP(DirectFunctionCall1(pg_blocking_pids,
																	  Int32GetDatum(pid)));
		Datum	   *pids;
		int			n;

		deconstruct_array(blockers, INT4OID, sizeof(int32), true, TYPALIGN_INT,
						  &pids, NULL, &n);
		for (int i = 0; i < n; i++)
			if (DatumGetInt32(pids[i]) == MyProcPid)
				ereport(ERROR,
						(errcode(ERRCODE_T_R_DEADLOCK_DETECTED),
						 errmsg("the disclosure log cannot be written while this transaction holds a lock its writer needs"),
						 errdetail("A statement read for a recipient completes only once the provision is logged (Art. 12 of Law 99-Z), and the writer waits for this transaction; the captures are written once it ends."),
						 errhint("End the transaction that holds the lock (a LOCK TABLE of the extension's tables, say) before reading for a recipient.")));
	}
}

/*
 * Pushes the local buffer into the ring.  wait_ms < 0: waits for room (or
 * for a free ring) as long as it takes; wait_ms > 0: up to that long, then
 * warns; 0: never waits, and neither allocates nor reports, so that it may
 * run while a transaction aborts (the writer is then started by the next
 * push).  What does not fit stays in the buffer for the next push:
 * nothing is dropped.
 */
static void
push_local(long wait_ms)
{
	Size		offset = 0;
	TimestampTz start = wait_ms != 0 ? GetCurrentTimestamp() : 0;
	TimestampTz checked = start;

	if (local_buffer == NULL || local_buffer->len == 0 || capture == NULL)
		return;
	close_chunk();

	while (offset < (Size) local_buffer->len)
	{
		CaptureRing *ring;
		Latch	   *latch = NULL;
		bool		need_worker = false;
		int			slot = -1;

		LWLockAcquire(capture->lock, LW_EXCLUSIVE);
		ring = ring_for_database();
		if (ring != NULL)
		{
			/* whole chunks only */
			while (offset < (Size) local_buffer->len)
			{
				CaptureChunk *chunk = (CaptureChunk *) (local_buffer->data + offset);

				if (ring->head - ring->tail + chunk->len > ring_size)
					break;
				ring_write(ring, (char *) chunk, chunk->len);
				offset += chunk->len;
			}
			if (offset > 0)
			{
				durable_slot = my_slot;
				durable_target = ring->head;
			}
			if (!ring->worker_requested && wait_ms != 0)
				need_worker = ring->worker_requested = true;
			latch = ring->worker_latch;
			slot = my_slot;
		}
		else if (wait_ms != 0)
		{
			/* every ring is taken: ask the idle writers to give theirs back */
			capture->ring_wanted = true;
			for (int i = 0; i < CAPTURE_SLOTS; i++)
				if (capture->rings[i].worker_latch != NULL)
					SetLatch(capture->rings[i].worker_latch);
		}
		LWLockRelease(capture->lock);

		/*
		 * What is in the ring leaves the buffer now: a cancel while waiting
		 * below must not push it again at abort.
		 */
		if (offset > 0)
		{
			memmove(local_buffer->data, local_buffer->data + offset, local_buffer->len - offset);
			local_buffer->len -= offset;
			local_buffer->data[local_buffer->len] = '\0';
			offset = 0;
		}
		if (need_worker)
			start_worker(slot, MyDatabaseId);
		if (latch)
			SetLatch(latch);
		if (local_buffer->len == 0 || wait_ms == 0)
			break;

		/* the ring is full, or every ring is taken: wait for a writer */
		if (wait_ms > 0 && TimestampDifferenceExceeds(start, GetCurrentTimestamp(), wait_ms))
		{
			ereport(WARNING,
					(errmsg("disclosure capture is waiting for the writer"),
					 errdetail("%d bytes of captured disclosures stay buffered in this session.",
							   local_buffer->len),
					 errhint("A larger compliance.capture_ring_size lets sessions get further ahead of the writer.")));
			break;
		}
		ConditionVariableTimedSleep(&capture->progress, 100, PG_WAIT_EXTENSION);
		if (wait_ms < 0 && slot >= 0)
			check_writer(slot, &checked);
		else
			CHECK_FOR_INTERRUPTS();
	}
	if (wait_ms != 0)
		ConditionVariableCancelSleep();
}

/*
 * Makes what this session captured durable: called where a statement's
 * rows have reached the client and its completion is next (the end of a
 * client's statement, of each FETCH and of each run of a portal; see
 * compliance.c).  Pushes the buffer and waits until the writer has
 * committed everything this session pushed: a statement that read for a
 * recipient returns only once its disclosures would survive a crash
 * (Art. 12 of Law 99-Z).
 */
void
capture_durable_point(void)
{
	TimestampTz checked;

	if (capture == NULL)
		return;
	if (local_buffer != NULL && local_buffer->len > 0)
		push_local(-1);
	if (durable_slot < 0)
		return;
	checked = GetCurrentTimestamp();
	for (;;)
	{
		CaptureRing *ring = &capture->rings[durable_slot];
		bool		done;

		LWLockAcquire(capture->lock, LW_SHARED);
		/* a ring is given back only when empty: then it was written too */
		done = ring->tail >= durable_target || ring->dboid != MyDatabaseId;
		LWLockRelease(capture->lock);
		if (done)
			break;
		ConditionVariableTimedSleep(&capture->progress, 100, PG_WAIT_EXTENSION);
		check_writer(durable_slot, &checked);
	}
	ConditionVariableCancelSleep();
	durable_slot = -1;
}

/* ---------------------------------------------------------------------
 * Backend side: the capture function and when its buffer is pushed
 * ---------------------------------------------------------------------
 */
static void
reset_seen(void)
{
	if (seen_cxt == NULL)
		seen_cxt = AllocSetContextCreate(TopMemoryContext, "compliance captured subjects",
										 ALLOCSET_DEFAULT_SIZES);
	else if (local_seen != NULL && local_seen->members == 0 && !seen_bits_on)
		return;
	else if (local_seen != NULL && local_seen->size <= SEEN_KEEP_ENTRIES && !seen_bits_on)
	{
		/* small: keep the table, free the text keys */
		seen_depth = 0;
		seenset_reset(local_seen);
		MemoryContextReset(keys_cxt);
		seen_scopes = NULL;
		n_seen_scopes = max_seen_scopes = 0;
		seen_generation++;
		return;
	}
	seen_depth = 0;
	seen_scopes = NULL;
	n_seen_scopes = max_seen_scopes = 0;
	seen_generation++;
	MemoryContextReset(seen_cxt);
	local_seen = NULL;			/* freed: made again below, or at the next capture */
	keys_cxt = NULL;
	n_seen_bits = 0;
	seen_bits_on = false;
	keys_cxt = AllocSetContextCreate(seen_cxt, "compliance captured subject keys",
									 ALLOCSET_DEFAULT_SIZES);
	local_seen = seenset_create(seen_cxt, 1024, NULL);
}

/* Makes room for bit "key" in a table's bitmap, new bits clear. */
static void
seen_bits_cover(SeenBits *b, int64 key)
{
	Size		need = key / 8 + 1;
	Size		nbytes = Max(b->nbytes, 8192);

	if (need <= b->nbytes)
		return;
	while (nbytes < need)
		nbytes *= 2;
	b->bits = b->bits ? repalloc(b->bits, nbytes) : MemoryContextAlloc(seen_cxt, nbytes);
	memset(b->bits + b->nbytes, 0, nbytes - b->nbytes);
	b->nbytes = nbytes;
}

/*
 * The bitmap of a table's integer subjects, made on first use from the
 * hash table's entries; NULL when SEEN_BITS_TABLES tables have one.
 */
static SeenBits *
seen_bits_for(uint32 scope)
{
	SeenBits   *b;
	seenset_iterator it;
	SeenEntry  *e;

	for (int i = 0; i < n_seen_bits; i++)
		if (seen_bits[i].scope == scope)
			return &seen_bits[i];
	if (n_seen_bits == SEEN_BITS_TABLES)
		return NULL;
	b = &seen_bits[n_seen_bits++];
	b->scope = scope;
	b->nbytes = 0;
	b->bits = NULL;
	seenset_start_iterate(local_seen, &it);
	while ((e = seenset_iterate(local_seen, &it)) != NULL)
		if (e->key.scope == scope && e->key.len == SEEN_INTEGER &&
			e->key.ival >= 0 && e->key.ival < SEEN_BITS_KEYS)
		{
			seen_bits_cover(b, e->key.ival);
			b->bits[e->key.ival / 8] |= 1 << (e->key.ival % 8);
		}
	return b;
}

/* The number of the statement's scope (table, columns read), made on first use. */
static uint32
seen_scope(Oid relid, const char *items)
{
	if (items == NULL)
		items = "";
	for (int i = 0; i < n_seen_scopes; i++)
		if (seen_scopes[i].relid == relid && strcmp(seen_scopes[i].items, items) == 0)
			return i;
	if (n_seen_scopes == max_seen_scopes)
	{
		max_seen_scopes = Max(8, max_seen_scopes * 2);
		seen_scopes = seen_scopes == NULL
			? MemoryContextAlloc(keys_cxt, sizeof(SeenScope) * max_seen_scopes)
			: repalloc(seen_scopes, sizeof(SeenScope) * max_seen_scopes);
	}
	seen_scopes[n_seen_scopes].relid = relid;
	seen_scopes[n_seen_scopes].items = MemoryContextStrdup(keys_cxt, items);
	return n_seen_scopes++;
}

/*
 * Adds a subject to the statement's set; true if it was there already.
 * A text key is copied into the set.
 */
static bool
seen_add(SeenKey key)
{
	SeenEntry  *entry;
	bool		found;

	if (key.len == SEEN_INTEGER && key.ival >= 0 && key.ival < SEEN_BITS_KEYS &&
		(seen_bits_on || local_seen->members >= SEEN_BITS_AFTER))
	{
		SeenBits   *b;

		seen_bits_on = true;
		b = seen_bits_for(key.scope);
		if (b != NULL)
		{
			uint8		mask = 1 << (key.ival % 8);

			seen_bits_cover(b, key.ival);
			found = (b->bits[key.ival / 8] & mask) != 0;
			b->bits[key.ival / 8] |= mask;
			return found;
		}
	}
	entry = seenset_insert(local_seen, key, &found);
	if (!found && key.len != SEEN_INTEGER)
	{
		/* the value is gone after this row */
		entry->key.data = MemoryContextAlloc(keys_cxt, Max(key.len, 1));
		memcpy((char *) entry->key.data, key.data, key.len);
	}
	return found;
}

/* Called by the assign hooks of the settings a chunk records. */
void
capture_settings_changed(void)
{
	settings_version++;
	guc_version++;
}

static void
append_field(const char *s, uint16 *len)
{
	/* cut, if ever, at a character's end: the log is text of the database's encoding */
	Size		n = s ? pg_mbcliplen(s, strlen(s), PG_UINT16_MAX) : 0;

	*len = (uint16) n;
	if (n > 0)
		appendBinaryStringInfo(local_buffer, s, n);
}

/*
 * Art. 9.1 names exceptions that hold for every subject (a treaty, a
 * public register) and two that hold per subject: "the data subject has
 * given consent ... having been informed of the risks" and a contract with
 * the subject.  For those the session's word is not enough: each row's
 * subject must have them (doc/decisions.md).  Returns the cache table that
 * decides it, or 0.
 */
static PurposeId
transfer_per_subject(const StatementSettings *settings)
{
	const char *basis = settings->transfer_basis;
	const PurposeInfo *purpose;

	if (strcmp(basis, "informed_consent") != 0 && strcmp(basis, "contract_with_subject") != 0)
		return 0;
	if (!compliance_enforcing())
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("transfer basis \"%s\" is checked for each subject, which needs compliance.enforce on",
						basis),
				 errdetail("The exception of Art. 9.1 of Law 99-Z applies only to subjects who gave it; with enforcement off, every row would be logged under it."),
				 errhint("Turn compliance.enforce on for the export, or record the provisions with compliance.record_disclosure(), which checks each subject.")));
	/* enforce_check_relation() refused a statement without a purpose */
	purpose = purpose_lookup(purpose_id_from_code(settings->purpose, false));
	if (purpose == NULL)
		elog(ERROR, "purpose \"%s\" vanished from the registry", settings->purpose);
	if (strcmp(basis, "informed_consent") == 0 && !purpose->needs_consent)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("transfer basis \"informed_consent\" needs a purpose based on consent"),
				 errdetail("The subject consents to a transfer together with the purposes it serves (Art. 5.5, 9.1 of Law 99-Z); purpose \"%s\" relies on %s.",
						   purpose->code, purpose->basis),
				 errhint("Declare the consent purpose the transfer serves, or the exception that applies to this purpose.")));
	return cache_transfer_table(basis, purpose->id, settings->transfer_country);
}

/*
 * Checks the transfer to the declared recipient once per statement
 * (Art. 9: a recipient in a country without adequate protection needs an
 * exception of Art. 9.1) and remembers its kind for the records.  An
 * exception that depends on the subject (its consent to the transfer, a
 * contract with it) is then checked for each row by the row filter
 * (enforce.c), through settings->transfer_table.
 */
void
capture_statement_start(StatementSettings *settings)
{
	CatalogUserSave save;
	Oid			argtypes[3] = {TEXTOID, TEXTOID, TEXTOID};
	Datum		values[3];
	char		nulls[3] = {' ', ' ', ' '};
	bool		isnull;
	Datum		kind;
	Datum		country;

	if (!compliance_recipient_set())
		return;
	/* no writer runs during recovery: the rows would leave unlogged */
	if (RecoveryInProgress())
		ereport(ERROR,
				(errcode(ERRCODE_READ_ONLY_SQL_TRANSACTION),
				 errmsg("cannot capture disclosures on a hot standby"),
				 errdetail("Rows read while compliance.recipient is set are logged as provided to the recipient (Art. 12 of Law 99-Z), and a standby cannot write the disclosure log."),
				 errhint("Read for the recipient on the primary, or reset compliance.recipient and record the disclosure on the primary with compliance.record_disclosure().")));

	values[0] = CStringGetTextDatum(compliance_recipient);
	if (compliance_transfer_basis && compliance_transfer_basis[0])
		values[1] = CStringGetTextDatum(compliance_transfer_basis);
	else
		nulls[1] = 'n';
	if (compliance_transfer_permit && compliance_transfer_permit[0])
		values[2] = CStringGetTextDatum(compliance_transfer_permit);
	else
		nulls[2] = 'n';

	compliance_become_owner(&save);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute_with_args("SELECT compliance.check_transfer($1, $2, $3),"
							  " (SELECT r.country FROM compliance.recipients r"
							  "   WHERE r.code OPERATOR(pg_catalog.=) $1)",
							  3, argtypes, values, nulls, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not check the transfer to the recipient");
	kind = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	if (statement_transfer_kind)
		pfree(statement_transfer_kind);
	statement_transfer_kind = isnull ? NULL
		: MemoryContextStrdup(TopMemoryContext, TextDatumGetCString(kind));
	country = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull);
	if (settings != NULL && !isnull)
		strlcpy(settings->transfer_country, TextDatumGetCString(country),
				sizeof(settings->transfer_country));
	settings_version++;
	check_recipient_committed(values[0]);
	SPI_finish();
	compliance_restore_user(&save);

	if (settings != NULL && statement_transfer_kind != NULL &&
		strcmp(statement_transfer_kind, "exception") == 0)
		settings->transfer_table = transfer_per_subject(settings);
}

typedef struct CaptureCallSite
{
	Oid			typid;
	FmgrInfo	out;
	char	   *items;			/* the columns as an array literal */
	char	   *user;			/* the session user, recorded as recorded_by */
	uint64		serial;			/* tells call sites apart: an address may be reused */
	const StatementSettings *settings;	/* the statement's, fixed at its start */
	uint32		scope;			/* seen_scope() of its table and columns, */
	uint64		scope_generation;	/* valid while seen_generation is this */
} CaptureCallSite;

static uint64 call_site_serial = 0;

/* Starts a chunk for the rows of this call site under the current settings. */
static void
start_chunk(const CaptureCallSite *site, Oid relid, TimestampTz disclosed_at)
{
	CaptureChunk chunk;

	close_chunk();
	memset(&chunk, 0, sizeof(chunk));
	chunk.disclosed_at = disclosed_at;
	chunk.relid = relid;
	chunk.reply_to = -1;
	open_chunk = local_buffer->len;
	appendBinaryStringInfo(local_buffer, (char *) &chunk, sizeof(chunk));
	if (site->settings != NULL)
	{
		append_field(site->settings->recipient, &chunk.lens[F_RECIPIENT]);
		append_field(site->settings->purpose, &chunk.lens[F_PURPOSE]);
	}
	else
	{
		append_field(compliance_recipient, &chunk.lens[F_RECIPIENT]);
		append_field(compliance_purpose, &chunk.lens[F_PURPOSE]);
	}
	append_field(statement_transfer_kind, &chunk.lens[F_KIND]);
	append_field(site->settings != NULL ? site->settings->transfer_basis : compliance_transfer_basis,
				 &chunk.lens[F_BASIS]);
	append_field(site->items, &chunk.lens[F_ITEMS]);
	append_field(site->settings != NULL ? site->settings->transfer_permit : compliance_transfer_permit,
				 &chunk.lens[F_PERMIT]);
	append_field(site->user, &chunk.lens[F_USER]);
	{
		const Protection *p = protection_lookup(relid);

		append_field(p != NULL ? p->subject_kind : NULL, &chunk.lens[F_SUBJECT_KIND]);
	}
	memcpy(local_buffer->data + open_chunk, &chunk, sizeof(chunk));
	open_site = site->serial;
	open_relid = relid;
	open_disclosed_at = disclosed_at;
	open_settings = settings_version;
}

/*
 * The call site of a planner-added capture, made at its first call; NULL
 * when no recipient is set for the statement (nothing to record).
 * elemtype: the subject's type (an array's element type for
 * capture_disclosures).
 */
static CaptureCallSite *
call_site(FunctionCallInfo fcinfo, bool array)
{
	CaptureCallSite *site = fcinfo->flinfo->fn_extra;

	/* the recipient is the statement's, fixed when it started */
	if (site == NULL)
	{
		const StatementSettings *settings = compliance_statement_settings(fcinfo->flinfo->fn_mcxt);

		if (settings != NULL ? settings->recipient[0] == '\0' : !compliance_recipient_set())
			return NULL;
	}
	else if (site->settings != NULL ? site->settings->recipient[0] == '\0' : !compliance_recipient_set())
		return NULL;
	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || capture == NULL)
		return NULL;

	if (site == NULL)
	{
		Oid			typid = get_fn_expr_argtype(fcinfo->flinfo, 0);
		Oid			outfunc;
		bool		varlena;

		if (!compliance_called_by_planner(fcinfo))
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg("%s cannot be called directly",
							array ? "compliance.capture_disclosures()" : "compliance.capture_disclosure()"),
					 errdetail("The planner adds it to queries that return protected rows while compliance.recipient is set; called directly it would log a disclosure that did not happen (Art. 12 of Law 99-Z)."),
					 errhint("Record a provision with compliance.record_disclosure().")));
		if (array)
			typid = get_element_type(typid);
		capture_backend_init();
		site = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(CaptureCallSite));
		site->typid = getBaseType(typid);
		getTypeOutputInfo(typid, &outfunc, &varlena);
		fmgr_info_cxt(outfunc, &site->out, fcinfo->flinfo->fn_mcxt);
		site->items = PG_ARGISNULL(2) ? NULL
			: MemoryContextStrdup(fcinfo->flinfo->fn_mcxt,
								  OidOutputFunctionCall(F_ARRAY_OUT, PG_GETARG_DATUM(2)));
		site->user = MemoryContextStrdup(fcinfo->flinfo->fn_mcxt,
										 GetUserNameFromId(GetSessionUserId(), false));
		site->serial = ++call_site_serial;
		site->settings = compliance_statement_settings(fcinfo->flinfo->fn_mcxt);
		site->scope_generation = 0;
		fcinfo->flinfo->fn_extra = site;
	}
	return site;
}

/* Records one subject of table relid as provided at a call site. */
static void
capture_subject(CaptureCallSite *site, Datum value, Oid relid)
{
	SeenKey		key;
	const char *subject;
	int			len;
	TimestampTz disclosed_at;
	char		subject_buf[MAXINT8LEN + 1];
	uint16		len16;

	/*
	 * The set is one statement's under one recipient and purpose: a later
	 * statement (a SELECT after a cursor's FETCH) or a function with its
	 * own SET compliance.recipient provides the subjects again.
	 */
	disclosed_at = GetCurrentStatementStartTimestamp();
	if (local_seen == NULL || seen_statement != disclosed_at || seen_settings != guc_version)
	{
		reset_seen();
		seen_statement = disclosed_at;
		seen_settings = guc_version;
	}
	if (site->scope_generation != seen_generation)
	{
		site->scope = seen_scope(relid, site->items);
		site->scope_generation = seen_generation;
	}
	key.scope = site->scope;
	key.data = NULL;
	key.ival = 0;
	if (compliance_int_subject(value, site->typid, &key.ival))
		key.len = SEEN_INTEGER;
	else
	{
		key.data = compliance_subject_key(value, site->typid, &site->out, &len);
		/* the log's bound on a subject key: cut, two keys would be one */
		if (len > 1024)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("a subject key of %d bytes cannot be logged", len),
					 errdetail("A row of table \"%s\" read for recipient \"%s\" has a subject key longer than the 1024 bytes a key in the disclosure log may have (Art. 12 of Law 99-Z).",
							   get_rel_name(relid), compliance_recipient),
					 errhint("Key the table's subjects by a shorter value, or read the row without a recipient and record what is provided with compliance.record_disclosure().")));
		key.len = len;
	}
	seen_depth = Max(seen_depth, compliance_statement_depth);
	if (seen_add(key))
		return;
	if (key.len == SEEN_INTEGER)
	{
		len = pg_lltoa(key.ival, subject_buf);
		subject = subject_buf;
	}
	else
	{
		subject = key.data;
		len = key.len;
	}

	if (local_buffer == NULL)
	{
		MemoryContext oldcxt = MemoryContextSwitchTo(TopMemoryContext);

		local_buffer = makeStringInfo();
		MemoryContextSwitchTo(oldcxt);
	}
	/* one chunk per statement and call site: same_group() keeps statements apart */
	if (open_chunk < 0 || open_site != site->serial || open_relid != relid ||
		open_disclosed_at != disclosed_at || open_settings != settings_version)
		start_chunk(site, relid, disclosed_at);
	len16 = (uint16) len;
	appendBinaryStringInfo(local_buffer, (char *) &len16, sizeof(len16));
	appendBinaryStringInfo(local_buffer, subject, len);
	/* room for close_chunk()'s padding, which may run during an abort */
	enlargeStringInfo(local_buffer, MAXIMUM_ALIGNOF);
	if (++((CaptureChunk *) (local_buffer->data + open_chunk))->nsubjects >= CAPTURE_CHUNK_SUBJECTS)
		close_chunk();

	if (local_buffer->len >= CAPTURE_LOCAL_LIMIT)
		push_local(-1);
}

/*
 * capture_disclosure(subject anyelement, tbl regclass, columns text[])
 * returns boolean: always true; records the row's subject as provided.
 */
Datum
capture_disclosure(PG_FUNCTION_ARGS)
{
	CaptureCallSite *site = call_site(fcinfo, false);

	if (site != NULL)
		capture_subject(site, PG_GETARG_DATUM(0), PG_GETARG_OID(1));
	PG_RETURN_BOOL(true);
}

/*
 * capture_disclosures(subjects anyarray, tbl regclass, columns text[])
 * returns boolean: always true; records the subjects of an aggregated
 * group (array_agg of the subject column) as provided.
 */
Datum
capture_disclosures(PG_FUNCTION_ARGS)
{
	CaptureCallSite *site = call_site(fcinfo, true);
	ArrayIterator it;
	Datum		value;
	bool		isnull;

	if (site == NULL)
		PG_RETURN_BOOL(true);
	it = array_create_iterator(PG_GETARG_ARRAYTYPE_P(0), 0, NULL);
	while (array_iterate(it, &value, &isnull))
	{
		CHECK_FOR_INTERRUPTS();
		if (!isnull)
			capture_subject(site, value, PG_GETARG_OID(1));
	}
	array_free_iterator(it);
	PG_RETURN_BOOL(true);
}

/* After a statement's executor has ended (ExecutorEnd, compliance.c). */
void
capture_statement_end(void)
{
	if (local_buffer != NULL && local_buffer->len > 0)
		push_local(IsTransactionState() ? -1 : 0);

	/*
	 * The statement that captured has ended.  A query that ran inside it
	 * and captured nothing (the consent cache reading a subject from the
	 * row filter, say) leaves its set alone.
	 */
	if (local_seen != NULL && seen_depth > compliance_statement_depth)
		reset_seen();
}

/* The rows have left: a rollback does not take their record back. */
void
capture_xact_callback(XactEvent event)
{
	/*
	 * Nothing waits here: what does not fit in the ring stays buffered
	 * for the next push (the next statement, or the session's end).  The
	 * statement that failed did not complete, so its captures need not be
	 * durable before the next one.
	 */
	if ((event == XACT_EVENT_ABORT || event == XACT_EVENT_PARALLEL_ABORT) &&
		local_buffer != NULL && local_buffer->len > 0)
		push_local(0);
	if (event == XACT_EVENT_ABORT || event == XACT_EVENT_PARALLEL_ABORT)
		durable_slot = -1;
	/* the set is emptied at commit; after an abort, by the next capture */
	if (event == XACT_EVENT_COMMIT && local_seen != NULL)
		reset_seen();
	if (event == XACT_EVENT_ABORT || event == XACT_EVENT_PARALLEL_ABORT)
		seen_statement = 0;
}

static void
capture_backend_exit(int code, Datum arg)
{
	if (local_buffer != NULL && local_buffer->len > 0)
		push_local(10000);
}

/* Per backend: push what is left when the session ends. */
static void
capture_backend_init(void)
{
	static bool done = false;

	if (!done)
	{
		before_shmem_exit(capture_backend_exit, (Datum) 0);
		done = true;
	}
}

/*
 * Refuses a recipient this transaction registered or changed: the writer
 * cannot see it until the transaction commits, and would wait for it, or
 * fail for good if it rolls back.
 */
static void
check_recipient_committed(Datum recipient)
{
	Oid			argtypes[1] = {TEXTOID};
	bool		isnull;
	Datum		xmin;

	if (SPI_execute_with_args("SELECT r.xmin FROM compliance.recipients r"
							  " WHERE r.code OPERATOR(pg_catalog.=) $1",
							  1, argtypes, &recipient, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not look up the recipient");
	if (SPI_processed == 0)
		return;					/* check_transfer() says it is not registered */
	xmin = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	if (!isnull && TransactionIdIsCurrentTransactionId(DatumGetTransactionId(xmin)))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("recipient \"%s\" was registered or changed in this transaction",
						TextDatumGetCString(recipient)),
				 errdetail("Provisions are logged by the database's disclosure writer in its own transaction (Art. 12 of Law 99-Z), which sees the recipient only once this transaction commits."),
				 errhint("Commit the registration of the recipient first, then provide the data.")));
}

/*
 * disclosure_append(subject, subject_kind, recipient, data_items, purpose,
 * transfer_kind, transfer_basis, permit, source, disclosed_at) returns
 * bigint, for record_disclosure(), which validated everything.
 *
 * The writer appends the record in its own transaction, like a capture,
 * so that no application transaction holds the head of the chain (an
 * idle one would stall every capture of the database) and the record
 * survives a rollback: the provision it records has happened.  Returns
 * the log id once the record is committed.
 */
Datum
disclosure_append(PG_FUNCTION_ARGS)
{
	static uint64 request_seq = 0;
	CaptureChunk chunk;
	int			reply_to;
	const char *subject;
	uint16		len16;
	int64		id = 0;
	bool		answered;

	static const char *const names[10] = {"subject", "subject_kind", "recipient", "data_items",
	NULL, "transfer_kind", NULL, NULL, "source", "disclosed_at"};

	for (int i = 0; i < 10; i++)
		if (PG_ARGISNULL(i) && names[i] != NULL)
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("%s is required", names[i]),
					 errhint("Record disclosures with compliance.record_disclosure().")));
	if (strcmp(text_to_cstring(PG_GETARG_TEXT_PP(8)), "explicit") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("source must be \"explicit\""),
				 errdetail("Captured disclosures are logged by the planner's capture, not through this function."),
				 errhint("Record disclosures with compliance.record_disclosure().")));
	if (capture == NULL)
		elog(ERROR, "compliance.disclosure_append: no shared memory");
	if (RecoveryInProgress())
		ereport(ERROR,
				(errcode(ERRCODE_READ_ONLY_SQL_TRANSACTION),
				 errmsg("cannot record disclosures on a hot standby"),
				 errhint("Record the disclosure on the primary.")));
	reply_to = MyProc - ProcGlobal->allProcs;
	if (reply_to < 0 || reply_to >= capture->nreplies)
		elog(ERROR, "compliance.disclosure_append: no reply slot for this session");

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	check_recipient_committed(PG_GETARG_DATUM(2));
	SPI_finish();

	capture_backend_init();
	if (local_buffer == NULL)
	{
		MemoryContext oldcxt = MemoryContextSwitchTo(TopMemoryContext);

		local_buffer = makeStringInfo();
		MemoryContextSwitchTo(oldcxt);
	}
	close_chunk();
	memset(&chunk, 0, sizeof(chunk));
	chunk.disclosed_at = PG_GETARG_TIMESTAMPTZ(9);
	chunk.relid = InvalidOid;
	chunk.reply_to = reply_to;
	chunk.reply_seq = ++request_seq;
	chunk.nsubjects = 1;
	open_chunk = local_buffer->len;
	appendBinaryStringInfo(local_buffer, (char *) &chunk, sizeof(chunk));
	append_field(text_to_cstring(PG_GETARG_TEXT_PP(2)), &chunk.lens[F_RECIPIENT]);
	append_field(PG_ARGISNULL(4) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(4)), &chunk.lens[F_PURPOSE]);
	append_field(text_to_cstring(PG_GETARG_TEXT_PP(5)), &chunk.lens[F_KIND]);
	append_field(PG_ARGISNULL(6) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(6)), &chunk.lens[F_BASIS]);
	append_field(PG_ARGISNULL(3) ? NULL : OidOutputFunctionCall(F_ARRAY_OUT, PG_GETARG_DATUM(3)),
				 &chunk.lens[F_ITEMS]);
	append_field(PG_ARGISNULL(7) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(7)), &chunk.lens[F_PERMIT]);
	append_field(GetUserNameFromId(GetSessionUserId(), false), &chunk.lens[F_USER]);
	append_field(text_to_cstring(PG_GETARG_TEXT_PP(1)), &chunk.lens[F_SUBJECT_KIND]);
	memcpy(local_buffer->data + open_chunk, &chunk, sizeof(chunk));
	subject = text_to_cstring(PG_GETARG_TEXT_PP(0));
	if (strlen(subject) > 1024)
		ereport(ERROR,
				(errcode(ERRCODE_STRING_DATA_RIGHT_TRUNCATION),
				 errmsg("subject key of %zu bytes is too long", strlen(subject)),
				 errdetail("A subject key in the disclosure log has at most 1024 bytes."),
				 errhint("Use the subject's canonical key, as compliance.check_subject() returns it.")));
	len16 = (uint16) strlen(subject);
	appendBinaryStringInfo(local_buffer, (char *) &len16, sizeof(len16));
	appendBinaryStringInfo(local_buffer, subject, len16);
	close_chunk();

	/* a reply left in the slot by an earlier backend is not this one's */
	LWLockAcquire(capture->lock, LW_EXCLUSIVE);
	capture->replies[reply_to].seq = 0;
	LWLockRelease(capture->lock);
	capture_durable_point();

	LWLockAcquire(capture->lock, LW_SHARED);
	answered = capture->replies[reply_to].seq == chunk.reply_seq;
	if (answered)
		id = capture->replies[reply_to].id;
	LWLockRelease(capture->lock);
	if (!answered)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("the disclosure was not logged"),
				 errdetail("The disclosure writer discarded it: the extension compliance was dropped from the database meanwhile.")));
	if (id < 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("the disclosure was not logged"),
				 errdetail("The disclosure writer could not log it and kept it in compliance.disclosure_dead_letters."),
				 errhint("Remove the cause the server log names; the officer replays it with compliance.replay_dead_letters().")));
	PG_RETURN_INT64(id);
}

/*
 * flush_disclosures(timeout_ms integer DEFAULT 10000) returns boolean
 *
 * Pushes what this session captured and waits until the writer has
 * committed all of it; false if the timeout passed first.
 */
Datum
flush_disclosures(PG_FUNCTION_ARGS)
{
	long		timeout;
	TimestampTz start = GetCurrentTimestamp();
	uint64		target;
	bool		done = false;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("timeout_ms is required"),
				 errhint("Give the longest time to wait for the disclosure log in milliseconds, or 0 to only hand over what this session captured.")));
	if (PG_GETARG_INT32(0) < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("timeout_ms must be zero or more milliseconds"),
				 errdetail("compliance.flush_disclosures() was given %d.", PG_GETARG_INT32(0)),
				 errhint("Give the longest time to wait for the disclosure log in milliseconds, or 0 to only hand over what this session captured.")));
	timeout = PG_GETARG_INT32(0);
	if (capture == NULL)
		PG_RETURN_BOOL(true);
	push_local(timeout);
	LWLockAcquire(capture->lock, LW_SHARED);
	target = (my_slot >= 0 && capture->rings[my_slot].dboid == MyDatabaseId)
		? capture->rings[my_slot].head : 0;
	LWLockRelease(capture->lock);

	while (!done)
	{
		LWLockAcquire(capture->lock, LW_SHARED);
		/* a ring is given back only when empty: then it was written too */
		done = target == 0 || capture->rings[my_slot].tail >= target ||
			capture->rings[my_slot].dboid != MyDatabaseId;
		LWLockRelease(capture->lock);
		if (done || TimestampDifferenceExceeds(start, GetCurrentTimestamp(), timeout))
			break;
		ConditionVariableTimedSleep(&capture->progress, 100, PG_WAIT_EXTENSION);
		CHECK_FOR_INTERRUPTS();
	}
	ConditionVariableCancelSleep();
	PG_RETURN_BOOL(done);
}

/* Plans made with another recipient (or none) must capture differently. */
void
capture_recipient_changed(void)
{
	ResetPlanCache();
}

/* ---------------------------------------------------------------------
 * The writer: one background worker per database
 * ---------------------------------------------------------------------
 */
/* The start of a chunk's fields, and of its subjects */
static const char *
chunk_fields(const CaptureChunk *chunk)
{
	return (const char *) chunk + sizeof(CaptureChunk);
}

static Size
chunk_fields_len(const CaptureChunk *chunk)
{
	Size		n = 0;

	for (int f = 0; f < F_NFIELDS; f++)
		n += chunk->lens[f];
	return n;
}

static char *
chunk_field(const CaptureChunk *chunk, int field)
{
	const char *p = chunk_fields(chunk);

	for (int f = 0; f < field; f++)
		p += chunk->lens[f];
	return chunk->lens[field] ? pnstrdup(p, chunk->lens[field]) : NULL;
}

static bool
same_group(const CaptureChunk *a, const CaptureChunk *b)
{
	/*
	 * Chunks of two statements are two disclosures: grouped, the later
	 * one's repeated subjects would be logged once, at the earlier time.
	 * A statement that pushed more than one chunk continues its group.
	 */
	if (a->reply_to >= 0 || b->reply_to >= 0)
		return false;
	return a->relid == b->relid && a->disclosed_at == b->disclosed_at &&
		memcmp(a->lens, b->lens, sizeof(a->lens)) == 0 &&
		memcmp(chunk_fields(a), chunk_fields(b), chunk_fields_len(a)) == 0;
}

static int
group_subjects(CaptureChunk **chunks, int n)
{
	int			total = 0;

	for (int i = 0; i < n; i++)
		total += chunks[i]->nsubjects;
	return total;
}

/* Writes an explicit record (record_disclosure); returns its id. */
static int64
write_explicit(const CaptureChunk *chunk)
{
	Oid			argtypes[10] = {TEXTOID, TEXTOID, TEXTOID, TEXTARRAYOID, TEXTOID,
	TEXTOID, TEXTOID, TEXTOID, TIMESTAMPTZOID, NAMEOID};
	Datum		values[10];
	char		nulls[10];
	/* $3 to $8 */
	const int	fields[6] = {F_RECIPIENT, F_ITEMS, F_PURPOSE, F_KIND, F_BASIS, F_PERMIT};
	const char *p = chunk_fields(chunk) + chunk_fields_len(chunk);
	uint16		len;
	bool		isnull;
	Datum		id;

	memset(nulls, ' ', sizeof(nulls));
	memcpy(&len, p, sizeof(len));
	values[0] = PointerGetDatum(cstring_to_text_with_len(p + sizeof(len), len));
	values[1] = CStringGetTextDatum(chunk_field(chunk, F_SUBJECT_KIND));
	for (int a = 2; a < 8; a++)
	{
		char	   *v = chunk_field(chunk, fields[a - 2]);

		if (v == NULL)
			nulls[a] = 'n';
		else if (fields[a - 2] == F_ITEMS)
			values[a] = OidInputFunctionCall(F_ARRAY_IN, v, TEXTOID, -1);
		else
			values[a] = CStringGetTextDatum(v);
	}
	values[8] = TimestampTzGetDatum(chunk->disclosed_at);
	values[9] = DirectFunctionCall1(namein, CStringGetDatum(chunk_field(chunk, F_USER)));
	if (SPI_execute_with_args("SELECT compliance.disclosure_append_rows(ARRAY[$1], $2, $3, NULL, $4, $5, $6,"
							  " $7, $8, 'explicit', $9, $10)",
							  10, argtypes, values, nulls, false, 1) != SPI_OK_SELECT ||
		SPI_processed != 1)
		elog(ERROR, "could not append a recorded disclosure");
	id = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	return isnull ? 0 : DatumGetInt64(id);
}

/* A subject key in a chunk: its bytes, not terminated */
typedef struct GroupKey
{
	const char *data;
	uint16		len;
} GroupKey;

/* Byte order, as COLLATE "C" compares the log's subjects */
static int
group_key_cmp(const void *a, const void *b)
{
	const GroupKey *x = (const GroupKey *) a;
	const GroupKey *y = (const GroupKey *) b;
	int			c = memcmp(x->data, y->data, Min(x->len, y->len));

	return c != 0 ? c : (int) x->len - (int) y->len;
}

/*
 * disclosure_subjects(subjects text[]) returns text[]: the keys of a
 * disclosure record as the log keeps them, sorted in byte order, each
 * once, without NULL or empty keys (NULL if none is left).  The writer
 * passes them so already, which is checked in one pass and costs no copy.
 */
Datum
disclosure_subjects(PG_FUNCTION_ARGS)
{
	ArrayType  *in = PG_GETARG_ARRAYTYPE_P(0);
	Datum	   *elems;
	bool	   *nulls;
	int			n;
	GroupKey   *keys;
	Datum	   *out;
	int			k = 0;
	int			distinct = 0;
	bool		ordered = true;

	if (ARR_NDIM(in) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("subject keys must be a one-dimensional array"),
				 errhint("Pass the keys as text[], e.g. ARRAY['42', '43'].")));
	deconstruct_array(in, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &n);
	keys = palloc(sizeof(GroupKey) * Max(n, 1));
	for (int i = 0; i < n; i++)
	{
		text	   *t;
		Size		len;

		if (nulls[i])
		{
			ordered = false;
			continue;
		}
		t = DatumGetTextPP(elems[i]);
		len = VARSIZE_ANY_EXHDR(t);
		if (len > 1024)
			ereport(ERROR,
					(errcode(ERRCODE_STRING_DATA_RIGHT_TRUNCATION),
					 errmsg("subject key of %zu bytes is too long", len),
					 errdetail("A subject key in the disclosure log has at most 1024 bytes."),
					 errhint("Use the subject's canonical key, as compliance.check_subject() returns it.")));
		if (len == 0)
		{
			ordered = false;
			continue;
		}
		keys[k].data = VARDATA_ANY(t);
		keys[k].len = (uint16) len;
		if (k > 0 && group_key_cmp(&keys[k - 1], &keys[k]) >= 0)
			ordered = false;
		k++;
	}
	if (k == 0)
		PG_RETURN_NULL();
	if (ordered)
		PG_RETURN_ARRAYTYPE_P(in);
	qsort(keys, k, sizeof(GroupKey), group_key_cmp);
	out = palloc(sizeof(Datum) * k);
	for (int i = 0; i < k; i++)
		if (i == 0 || group_key_cmp(&keys[i - 1], &keys[i]) != 0)
			out[distinct++] = PointerGetDatum(cstring_to_text_with_len(keys[i].data, keys[i].len));
	PG_RETURN_ARRAYTYPE_P(construct_array(out, distinct, TEXTOID, -1, false, TYPALIGN_INT));
}

/*
 * Writes one group of chunks sharing recipient, table, items, purpose: one
 * disclosure record.  Its subjects go to the log sorted in byte order,
 * each once, without empty keys (which identify nobody): sorted, the GIN
 * index's own sort of the record's keys finds them in order at once, and
 * a subject the group holds twice is one disclosure.
 */
static void
write_group(CaptureChunk **chunks, int n)
{
	Oid			argtypes[11] = {TEXTARRAYOID, TEXTOID, REGCLASSOID, TEXTARRAYOID,
	TEXTOID, TEXTOID, TEXTOID, TIMESTAMPTZOID, TEXTOID, NAMEOID, TEXTOID};
	Datum		values[11];
	char		nulls[11];
	int			nsubjects = group_subjects(chunks, n);
	GroupKey   *keys = palloc(sizeof(GroupKey) * Max(nsubjects, 1));
	Datum	   *subjects;
	int			k = 0;
	int			distinct = 0;
	char	   *items;

	for (int i = 0; i < n; i++)
	{
		const char *p = chunk_fields(chunks[i]) + chunk_fields_len(chunks[i]);

		for (uint32 j = 0; j < chunks[i]->nsubjects; j++)
		{
			uint16		len;

			memcpy(&len, p, sizeof(len));
			if (len > 0)
			{
				keys[k].data = p + sizeof(len);
				keys[k].len = len;
				k++;
			}
			p += sizeof(len) + len;
		}
	}
	if (k == 0)
		return;
	qsort(keys, k, sizeof(GroupKey), group_key_cmp);
	subjects = palloc(sizeof(Datum) * k);
	for (int i = 0; i < k; i++)
		if (i == 0 || group_key_cmp(&keys[i - 1], &keys[i]) != 0)
			subjects[distinct++] = PointerGetDatum(cstring_to_text_with_len(keys[i].data, keys[i].len));
	memset(nulls, ' ', sizeof(nulls));
	values[0] = PointerGetDatum(construct_array(subjects, distinct, TEXTOID, -1, false, TYPALIGN_INT));
	values[1] = CStringGetTextDatum(chunk_field(chunks[0], F_RECIPIENT));
	values[2] = ObjectIdGetDatum(chunks[0]->relid);
	items = chunk_field(chunks[0], F_ITEMS);
	if (items)
		values[3] = OidInputFunctionCall(F_ARRAY_IN, items, TEXTOID, -1);
	else
		nulls[3] = 'n';
	for (int f = F_PURPOSE, a = 4; f <= F_BASIS; f++, a++)
	{
		char	   *v = chunk_field(chunks[0], f);

		if (v)
			values[a] = CStringGetTextDatum(v);
		else
			nulls[a] = 'n';
	}
	values[7] = TimestampTzGetDatum(chunks[0]->disclosed_at);
	{
		char	   *permit = chunk_field(chunks[0], F_PERMIT);
		char	   *user = chunk_field(chunks[0], F_USER);

		values[8] = permit ? CStringGetTextDatum(permit) : (Datum) 0;
		nulls[8] = permit ? ' ' : 'n';
		values[9] = user ? DirectFunctionCall1(namein, CStringGetDatum(user)) : (Datum) 0;
		nulls[9] = user ? ' ' : 'n';
	}
	{
		char	   *kind = chunk_field(chunks[0], F_SUBJECT_KIND);

		values[10] = kind ? CStringGetTextDatum(kind) : (Datum) 0;
		nulls[10] = kind ? ' ' : 'n';
	}

	if (SPI_execute_with_args("SELECT compliance.disclosure_append_batch($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
							  11, argtypes, values, nulls, false, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not append captured disclosures");
}

/*
 * A batch the writer cannot commit is tried again every second; once it
 * has failed from the same tail for compliance.dead_letter_after, each of
 * its groups is tried on its own, and a group that still fails is kept
 * whole in compliance.disclosure_dead_letters, so that one group that can
 * never be logged neither blocks the database's log for ever nor is lost.
 */
static TimestampTz failing_since = 0;
static uint64 failing_tail = 0;

/* Keeps a group aside, whole, with the error that stops it (as the writer). */
static void
dead_letter(CaptureChunk **chunks, int n, ErrorData *edata)
{
	Oid			argtypes[15] = {TEXTARRAYOID, TEXTOID, REGCLASSOID, TEXTOID, TEXTOID,
		TEXTARRAYOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, TIMESTAMPTZOID, NAMEOID,
	TEXTOID, TEXTOID, TIMESTAMPTZOID};
	Datum		values[15];
	char		nulls[15];
	int			nsubjects = group_subjects(chunks, n);
	Datum	   *subjects = palloc(sizeof(Datum) * Max(nsubjects, 1));
	int			k = 0;
	bool		explicit = chunks[0]->reply_to >= 0;
	/* $4 to $10, then $12 */
	const int	fields[7] = {F_SUBJECT_KIND, F_RECIPIENT, F_ITEMS, F_PURPOSE, F_KIND, F_BASIS, F_PERMIT};

	for (int i = 0; i < n; i++)
	{
		const char *p = chunk_fields(chunks[i]) + chunk_fields_len(chunks[i]);

		for (uint32 j = 0; j < chunks[i]->nsubjects; j++)
		{
			uint16		len;

			memcpy(&len, p, sizeof(len));
			subjects[k++] = PointerGetDatum(cstring_to_text_with_len(p + sizeof(len), len));
			p += sizeof(len) + len;
		}
	}
	memset(nulls, ' ', sizeof(nulls));
	values[0] = PointerGetDatum(construct_array(subjects, nsubjects, TEXTOID, -1, false, TYPALIGN_INT));
	values[1] = CStringGetTextDatum(explicit ? "explicit" : "capture");
	values[2] = ObjectIdGetDatum(chunks[0]->relid);
	nulls[2] = explicit ? 'n' : ' ';
	for (int a = 3; a < 10; a++)
	{
		char	   *v = chunk_field(chunks[0], fields[a - 3]);

		if (v == NULL)
			nulls[a] = 'n';
		else if (fields[a - 3] == F_ITEMS)
			values[a] = OidInputFunctionCall(F_ARRAY_IN, v, TEXTOID, -1);
		else
			values[a] = CStringGetTextDatum(v);
	}
	values[10] = TimestampTzGetDatum(chunks[0]->disclosed_at);
	{
		char	   *user = chunk_field(chunks[0], F_USER);

		values[11] = user ? DirectFunctionCall1(namein, CStringGetDatum(user)) : (Datum) 0;
		nulls[11] = user ? ' ' : 'n';
	}
	values[12] = CStringGetTextDatum(unpack_sql_state(edata->sqlerrcode));
	values[13] = CStringGetTextDatum(edata->message ? edata->message : "unknown error");
	values[14] = TimestampTzGetDatum(failing_since);
	if (SPI_execute_with_args("SELECT compliance.disclosure_dead_letter($1, $2, $3, $4, $5, $6, $7, $8,"
							  " $9, $10, $11, $12, $13, $14, $15)",
							  15, argtypes, values, nulls, false, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not keep a disclosure aside");
	ereport(WARNING,
			(errmsg("kept %d disclosures aside in compliance.disclosure_dead_letters: %s",
					nsubjects, edata->message ? edata->message : "unknown error"),
			 errdetail("The disclosure writer failed to log them for %d s; the rest of the log goes on.",
					   compliance_dead_letter_after),
			 errhint("Remove the cause, then have the officer call compliance.replay_dead_letters().")));
}

/*
 * Writes a group (or an explicit record: its id) in a subtransaction; if
 * that fails, keeps the group aside whole.  An explicit record kept aside
 * gets -1 (its session, if still waiting, is told).
 */
static int64
write_isolated(CaptureChunk **chunks, int n)
{
	MemoryContext cxt = CurrentMemoryContext;
	ResourceOwner owner = CurrentResourceOwner;
	volatile int64 id = 0;

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(cxt);
	PG_TRY();
	{
		if (chunks[0]->reply_to >= 0)
			id = write_explicit(chunks[0]);
		else
			write_group(chunks, n);
		ReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(cxt);
		CurrentResourceOwner = owner;
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(cxt);
		edata = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(cxt);
		CurrentResourceOwner = owner;
		dead_letter(chunks, n, edata);
		id = -1;
	}
	PG_END_TRY();
	return id;
}

/*
 * The writer connects as the bootstrap superuser (capture_worker_main)
 * and does each transaction's work as compliance_writer (05_roles.sql),
 * which may only call the functions that append to the log.  The switch
 * is a local one, as a SECURITY DEFINER function's: SET ROLE and SET
 * SESSION AUTHORIZATION, which a superuser's session would allow, are
 * refused under it.  Not a security-restricted operation: that refuses
 * to queue the deferred trigger which moves the chain's head at commit
 * (ledger_tail_commit), and it guards against code of a table's owner,
 * while only the extension's functions run here (SECURITY DEFINER, with
 * their own search_path).  The role is looked up in every transaction:
 * one dropped is an error the sessions waiting are told of, never work
 * done as a superuser.  The caller restores the user it is given back
 * before committing; an abort restores it on error.
 */
#define CAPTURE_WRITER_ROLE	"compliance_writer"

static void
become_writer(Oid *save_user, int *save_sec)
{
	Oid			role = get_role_oid(CAPTURE_WRITER_ROLE, true);

	if (!OidIsValid(role))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("role \"%s\" of the disclosure writer does not exist", CAPTURE_WRITER_ROLE),
				 errdetail("The writer appends to the disclosure log only as this role, never as a superuser; the captures stay queued."),
				 errhint("Create it again with CREATE ROLE %s NOLOGIN and grant it EXECUTE on compliance.disclosure_append_batch, disclosure_append_rows, disclosure_dead_letter and merge_disclosure_index.",
						 CAPTURE_WRITER_ROLE)));
	GetUserIdAndSecContext(save_user, save_sec);
	SetUserIdAndSecContext(role, *save_sec | SECURITY_LOCAL_USERID_CHANGE);
}

/*
 * Commits one batch from the ring: whole chunks, about CAPTURE_BATCH
 * bytes but at least one chunk.  Returns how it went.  A batch that
 * cannot be committed stays in the ring and is tried again: the sessions
 * waiting for it are told why (check_writer), and nothing is dropped
 * unless the extension, and with it the log, is gone from the database.
 */
typedef enum
{
	DRAIN_EMPTY, DRAIN_DONE, DRAIN_FAILED
} DrainResult;

static DrainResult
drain_batch(CaptureRing *ring)
{
	uint64		tail;
	uint64		head;
	volatile Size len = 0;
	char	   *buf;
	Size		offset = 0;
	int			nchunks = 0;
	CaptureChunk **chunks;
	volatile int nsubjects;
	volatile int nanswers = 0;
	CaptureReply *answers;
	int		   *answer_to;
	volatile bool installed = true;
	volatile DrainResult result = DRAIN_DONE;
	bool		isolate;
	MemoryContext batch_cxt = AllocSetContextCreate(TopMemoryContext, "disclosure batch",
													ALLOCSET_DEFAULT_SIZES);
	MemoryContext oldcxt = MemoryContextSwitchTo(batch_cxt);

	LWLockAcquire(capture->lock, LW_SHARED);
	tail = ring->tail;
	head = ring->head;
	while (tail + len < head && (len == 0 || len < CAPTURE_BATCH))
	{
		uint32		chunk_len;

		ring_read(ring, tail + len, (char *) &chunk_len, sizeof(chunk_len));
		if (len > 0 && len + chunk_len > CAPTURE_BATCH)
			break;
		len += chunk_len;
	}
	buf = palloc(Max(len, 1));
	ring_read(ring, tail, buf, len);
	LWLockRelease(capture->lock);
	isolate = failing_since != 0 && failing_tail == tail &&
		TimestampDifferenceExceeds(failing_since, GetCurrentTimestamp(),
								   compliance_dead_letter_after * 1000);

	if (len == 0)
	{
		MemoryContextSwitchTo(oldcxt);
		MemoryContextDelete(batch_cxt);
		return DRAIN_EMPTY;
	}

	chunks = palloc(sizeof(CaptureChunk *) * (len / sizeof(CaptureChunk) + 1));
	answers = palloc(sizeof(CaptureReply) * (len / sizeof(CaptureChunk) + 1));
	answer_to = palloc(sizeof(int) * (len / sizeof(CaptureChunk) + 1));
	nsubjects = 0;
	while (offset < len)
	{
		CaptureChunk *chunk = (CaptureChunk *) (buf + offset);

		chunks[nchunks++] = chunk;
		nsubjects += chunk->nsubjects;
		offset += chunk->len;
	}
	MemoryContextSwitchTo(oldcxt);

	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	PG_TRY();
	{
		int			first = 0;

		installed = OidIsValid(get_extension_oid("compliance", true));
		if (installed)
		{
			Oid			save_user;
			int			save_sec;

			become_writer(&save_user, &save_sec);
			SPI_connect();
			PushActiveSnapshot(GetTransactionSnapshot());
			for (int i = 1; i <= nchunks; i++)
				if (i == nchunks || !same_group(chunks[first], chunks[i]) ||
					group_subjects(&chunks[first], i - first) >= CAPTURE_GROUP_SUBJECTS)
				{
					if (isolate)
					{
						int64		id = write_isolated(&chunks[first], i - first);

						if (chunks[first]->reply_to >= 0)
						{
							answer_to[nanswers] = chunks[first]->reply_to;
							answers[nanswers].seq = chunks[first]->reply_seq;
							answers[nanswers].id = id;
							nanswers++;
						}
					}
					else if (chunks[first]->reply_to >= 0)
					{
						answer_to[nanswers] = chunks[first]->reply_to;
						answers[nanswers].seq = chunks[first]->reply_seq;
						answers[nanswers].id = write_explicit(chunks[first]);
						nanswers++;
					}
					else
						write_group(&chunks[first], i - first);
					first = i;
				}
			SPI_finish();
			PopActiveSnapshot();
			SetUserIdAndSecContext(save_user, save_sec);
		}
		/* synchronous_commit is on (worker_settings): durable when done */
		CommitTransactionCommand();
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(batch_cxt);
		edata = CopyErrorData();
		FlushErrorState();
		AbortCurrentTransaction();
		ereport(WARNING,
				(errmsg("could not write %d captured disclosures to the disclosure log: %s",
						nsubjects, edata->message),
				 errdetail("They stay queued and are tried again every second; the sessions that read them wait and are told why."),
				 errhint("Remove the cause; the writer goes on by itself.")));
		LWLockAcquire(capture->lock, LW_EXCLUSIVE);
		ring->failing = true;
		strlcpy(ring->error, edata->message, sizeof(ring->error));
		LWLockRelease(capture->lock);
		result = DRAIN_FAILED;
		if (failing_since == 0 || failing_tail != tail)
		{
			failing_since = GetCurrentTimestamp();
			failing_tail = tail;
		}
	}
	PG_END_TRY();
	pgstat_report_stat(false);

	if (result == DRAIN_DONE)
	{
		if (!installed)
			ereport(WARNING,
					(errmsg("discarded %d captured disclosures: the extension compliance is no longer installed in this database",
							nsubjects),
					 errdetail("DROP EXTENSION dropped the disclosure log they were to be written to.")));
		LWLockAcquire(capture->lock, LW_EXCLUSIVE);
		for (int i = 0; i < nanswers && installed; i++)
			if (answer_to[i] >= 0 && answer_to[i] < capture->nreplies)
				capture->replies[answer_to[i]] = answers[i];
		ring->tail += len;
		ring->failing = false;
		ring->error[0] = '\0';
		LWLockRelease(capture->lock);
		failing_since = 0;
		ConditionVariableBroadcast(&capture->progress);
	}
	else
		ConditionVariableBroadcast(&capture->progress);

	MemoryContextDelete(batch_cxt);
	return result;
}

/*
 * Every setting a database's or a role's defaults (ALTER DATABASE or ALTER
 * ROLE ... SET) gave the writer, back to its built-in value: an
 * allow-list, so that nothing a database's owner sets
 * (standard_conforming_strings, quote_all_identifiers, ...) changes how
 * the writer reads its own SQL or writes the log.  worker_settings() then
 * fixes those it depends on.  A setting that cannot change after the
 * connection is only reported.
 */
static void
worker_forget_database_settings(void)
{
	int			n;
	struct config_generic **vars = compat_get_guc_variables(&n);

	for (int i = 0; i < n; i++)
	{
		struct config_generic *g = vars[i];
		char		buf[64];
		const char *value;

		/* session_authorization and role: worker_settings() sets them */
		if ((g->source != PGC_S_DATABASE && g->source != PGC_S_USER &&
			 g->source != PGC_S_DATABASE_USER) || (g->flags & GUC_CUSTOM_PLACEHOLDER) ||
			strcmp(g->name, "session_authorization") == 0 || strcmp(g->name, "role") == 0)
			continue;
		switch (g->vartype)
		{
			case PGC_BOOL:
				value = ((struct config_bool *) g)->boot_val ? "on" : "off";
				break;
			case PGC_INT:
				snprintf(buf, sizeof(buf), "%d", ((struct config_int *) g)->boot_val);
				value = buf;
				break;
			case PGC_REAL:
				snprintf(buf, sizeof(buf), "%.17g", ((struct config_real *) g)->boot_val);
				value = buf;
				break;
			case PGC_STRING:
				value = ((struct config_string *) g)->boot_val;
				if (value == NULL)
					value = "";
				break;
			case PGC_ENUM:
				value = config_enum_lookup_by_value((struct config_enum *) g,
													((struct config_enum *) g)->boot_val);
				break;
			default:
				continue;
		}
		(void) set_config_option(g->name, value, PGC_SUSET, PGC_S_OVERRIDE, GUC_ACTION_SET,
								 true, WARNING, false);
	}
}

/*
 * The writer's own settings, whatever the database's defaults say (ALTER
 * DATABASE ... SET is open to a database's owner; the bootstrap superuser's
 * defaults to superusers only): a read-only default, a timeout, an error
 * made fatal, asynchronous commit or stricter PL/pgSQL checks would lose,
 * delay or stop the log.  Set as overrides, which no later SET changes.
 */
static void
worker_settings(void)
{
	static const char *const settings[][2] = {
		{"default_transaction_read_only", "off"},
		{"default_transaction_isolation", "read committed"},
		{"default_transaction_deferrable", "off"},
		{"synchronous_commit", "on"},
		{"statement_timeout", "0"},
		{"lock_timeout", "0"},
		{"idle_in_transaction_session_timeout", "0"},
		{"idle_session_timeout", "0"},
#if PG_VERSION_NUM >= 170000
		{"transaction_timeout", "0"},
#endif
		{"exit_on_error", "off"},
		{"session_replication_role", "origin"},
		{"role", "none"},
		{"row_security", "on"},
		{"search_path", "pg_catalog, pg_temp"},
		{"default_table_access_method", "heap"},
		{"default_tablespace", ""},
		{"temp_tablespaces", ""},
		{"temp_file_limit", "-1"},
		{"array_nulls", "on"},
		{"plpgsql.variable_conflict", "error"},
		{"plpgsql.extra_errors", "none"},
		{"plpgsql.extra_warnings", "none"},
		{"plpgsql.check_asserts", "on"},
		{"compliance.recipient", ""},
	};

	worker_forget_database_settings();
	for (size_t i = 0; i < lengthof(settings); i++)
		SetConfigOption(settings[i][0], settings[i][1], PGC_SUSET, PGC_S_OVERRIDE);
}

/*
 * Merges the pending lists of the log's subject indexes into the indexes
 * (compliance.merge_disclosure_index()), in a transaction of its own, once
 * the writer has been idle for a while after writing: an export's records
 * go to the pending lists at once, and searches for a subject read the
 * pending lists whole until they are merged.  A failure is reported and
 * left to autovacuum; it loses nothing.
 */
static void
merge_subject_indexes(void)
{
	MemoryContext oldcxt = CurrentMemoryContext;
	char		deadlock_timeout[32];

	/*
	 * The merge can wait: it gives way to DDL (DROP EXTENSION, a partition's
	 * creation) rather than deadlock with it, which would fail the other
	 * side when the cycle is found there first.  Set as the writer's other
	 * settings are (worker_settings), and put back after.
	 */
	strlcpy(deadlock_timeout, GetConfigOption("deadlock_timeout", false, false),
			sizeof(deadlock_timeout));
	SetConfigOption("lock_timeout", "100", PGC_SUSET, PGC_S_OVERRIDE);
	SetConfigOption("deadlock_timeout", "10", PGC_SUSET, PGC_S_OVERRIDE);

	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	PG_TRY();
	{
		if (OidIsValid(get_extension_oid("compliance", true)))
		{
			Oid			save_user;
			int			save_sec;

			become_writer(&save_user, &save_sec);
			SPI_connect();
			PushActiveSnapshot(GetTransactionSnapshot());
			if (SPI_execute("SELECT compliance.merge_disclosure_index()", false, 1) != SPI_OK_SELECT)
				elog(ERROR, "could not merge the disclosure log's subject indexes");
			PopActiveSnapshot();
			SPI_finish();
			SetUserIdAndSecContext(save_user, save_sec);
		}
		CommitTransactionCommand();
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(oldcxt);
		edata = CopyErrorData();
		FlushErrorState();
		AbortCurrentTransaction();
		ereport(WARNING,
				(errmsg("could not merge the pending entries of the disclosure log's subject indexes: %s",
						edata->message),
				 errdetail("Searches of the log stay correct; autovacuum merges them later."),
				 errhint("Run SELECT compliance.merge_disclosure_index() to see the error.")));
		FreeErrorData(edata);
	}
	PG_END_TRY();
	SetConfigOption("lock_timeout", "0", PGC_SUSET, PGC_S_OVERRIDE);
	SetConfigOption("deadlock_timeout", deadlock_timeout, PGC_SUSET, PGC_S_OVERRIDE);
	pgstat_report_stat(false);
}

/*
 * However the writer exits, also before it took the ring (it could not
 * connect, or found another writer), the sessions see that none runs and
 * start one: the postmaster never restarts it (BGW_NEVER_RESTART).
 */
static void
worker_exit(int code, Datum arg)
{
	CaptureRing *ring = &capture->rings[DatumGetInt32(arg)];
	Oid			dboid;

	memcpy(&dboid, MyBgworkerEntry->bgw_extra, sizeof(Oid));
	LWLockAcquire(capture->lock, LW_EXCLUSIVE);
	if (ring->worker_pid == MyProcPid ||
		(ring->worker_pid == 0 && ring->dboid == dboid))
	{
		ring->worker_latch = NULL;
		ring->worker_pid = 0;
		ring->worker_requested = false;
	}
	LWLockRelease(capture->lock);
	ConditionVariableBroadcast(&capture->progress);
}

/*
 * Waits on the latch for up to timeout_ms; interrupts (SIGTERM's die(),
 * a ProcSignalBarrier such as DROP DATABASE's, a config reload) are
 * served after every wait.
 */
static void
worker_wait(long timeout_ms)
{
	(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
					 timeout_ms, PG_WAIT_EXTENSION);
	ResetLatch(MyLatch);
	CHECK_FOR_INTERRUPTS();
	if (ConfigReloadPending)
	{
		ConfigReloadPending = false;
		ProcessConfigFile(PGC_SIGHUP);
		worker_settings();
	}
}

void
capture_worker_main(Datum arg)
{
	int			slot = DatumGetInt32(arg);
	Oid			dboid;
	CaptureRing *ring = &capture->rings[slot];
	TimestampTz idle_since = GetCurrentTimestamp();
	bool		unmerged = false;	/* records written since the last merge */

	memcpy(&dboid, MyBgworkerEntry->bgw_extra, sizeof(Oid));
	pqsignal(SIGTERM, die);
	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	before_shmem_exit(worker_exit, Int32GetDatum(slot));
	BackgroundWorkerUnblockSignals();

	/*
	 * As the bootstrap superuser, which needs neither CONNECT on the
	 * database nor LOGIN nor a free connection slot, past ALLOW_CONNECTIONS
	 * false: nothing a database's owner does keeps the writer out.  It
	 * works as compliance_writer (become_writer).
	 */
	BackgroundWorkerInitializeConnectionByOid(dboid, InvalidOid, BGWORKER_BYPASS_ALLOWCONN);
	pgstat_report_appname("compliance disclosure writer");
	StartTransactionCommand();
	/* nor does the database's default session_authorization (a lookup) */
	SetConfigOption("session_authorization", GetUserNameFromId(BOOTSTRAP_SUPERUSERID, false),
					PGC_SUSET, PGC_S_OVERRIDE);
	worker_settings();
	CommitTransactionCommand();

	LWLockAcquire(capture->lock, LW_EXCLUSIVE);
	if (ring->dboid != dboid || (ring->worker_pid != 0 && ring->worker_pid != MyProcPid))
	{
		/* the ring went to another database, or has its writer */
		LWLockRelease(capture->lock);
		proc_exit(0);
	}
	ring->worker_latch = MyLatch;
	ring->worker_pid = MyProcPid;
	ring->worker_requested = true;
	LWLockRelease(capture->lock);

	for (;;)
	{
		DrainResult result;
		bool		wanted;

		CHECK_FOR_INTERRUPTS();
		result = drain_batch(ring);
		if (result == DRAIN_DONE)
		{
			idle_since = GetCurrentTimestamp();
			unmerged = true;
			continue;
		}
		if (result == DRAIN_FAILED)
		{
			/* try again in a second */
			TimestampTz failed_at = GetCurrentTimestamp();

			idle_since = failed_at;
			while (!TimestampDifferenceExceeds(failed_at, GetCurrentTimestamp(), 1000))
				worker_wait(1000);
			continue;
		}

		/* Idle for a second after writing: merge the subject indexes. */
		if (unmerged &&
			TimestampDifferenceExceeds(idle_since, GetCurrentTimestamp(), CAPTURE_MERGE_IDLE_MS))
		{
			unmerged = false;
			merge_subject_indexes();
			continue;
		}

		/*
		 * Idle.  Leave once the database has no session left (DROP DATABASE
		 * waits for no one), after a while without work, or when a session
		 * of another database waits for a ring, giving the ring back: the
		 * rings are few and shared by all databases.  The next session that
		 * captures here takes a ring and starts a writer.
		 */
		LWLockAcquire(capture->lock, LW_SHARED);
		wanted = capture->ring_wanted;
		LWLockRelease(capture->lock);
		if (wanted || CountDBBackends(dboid) <= 1 ||
			TimestampDifferenceExceeds(idle_since, GetCurrentTimestamp(), CAPTURE_IDLE_EXIT_MS))
		{
			bool		empty;

			/*
			 * The last session left right after writing: merge before
			 * leaving (a fraction of a second for an export of 100,000
			 * rows), unless another database waits for the ring.
			 */
			if (unmerged && !wanted)
			{
				unmerged = false;
				merge_subject_indexes();
				continue;
			}

			LWLockAcquire(capture->lock, LW_EXCLUSIVE);
			empty = ring->head == ring->tail;
			if (empty)
			{
				ring->worker_latch = NULL;
				ring->worker_pid = 0;
				ring->worker_requested = false;
				ring->dboid = InvalidOid;	/* head and tail keep counting up */
			}
			LWLockRelease(capture->lock);
			if (empty)
			{
				ConditionVariableBroadcast(&capture->progress);
				proc_exit(0);
			}
			continue;
		}
		worker_wait(1000);
	}
}
