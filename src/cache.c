/*-------------------------------------------------------------------------
 *
 * cache.c
 *	  Backend-local cache of who may be processed under each purpose: the
 *	  hot path of enforcement.
 *
 * For each purpose a session uses and each kind of subject (patient,
 * employee: equal keys of different kinds are different people), a mark
 * table says of every subject of that kind whether it holds a consent
 * covering the purpose now (Art. 5), or a ground of its own recorded with
 * record_basis() (a contract: Art. 6), holds one that ends at some time,
 * is blocked (Art. 13.2), or none of these.  It is read from compliance.consent_state, compliance.ground_state
 * and compliance.blocked_subjects in one scan with the latest committed
 * snapshot, keeping only the subjects with a consent or ground for that
 * purpose or a block, so its size follows the consents given, not the
 * whole consent state:
 *
 *	 - integer subject keys in [0, DENSE_LIMIT) (ids from a sequence, the
 *	   common case): one byte per key in a plain array, 1 MB per million,
 *	   so a full scan looks up each row in the CPU cache;
 *	 - other integer keys, and the end times of consents that have one:
 *	   an open-addressing hash on the integer;
 *	 - other keys: a hash on the text.
 *
 * A table starts empty and learns subjects one at a time, each read with
 * an index lookup, and is read whole once that stops paying: when one
 * statement has learned FILL_AFTER_STATEMENT_LEARNS subjects (a scan), or
 * the session as many as 1/1024 of consent_state's rows (about a tenth of
 * what reading them all costs, so a long session pays at most a tenth
 * more than reading them at once).  A session that reads a few subjects,
 * however many consents there are, never pays for reading them all.
 *
 * When the hashes of a purpose would pass compliance.cache_subjects, the
 * table instead stays empty and learns subjects one at a time, and is
 * emptied whenever it reaches the bound.
 *
 * A denial carries no reason: when one must be reported (a write, or
 * compliance.on_blocked_read = 'error'), cache_exact_verdict() reads the
 * subject's state and says why (withdrawn, refused, expired, none).
 *
 * At each statement the subjects whose state others changed since are
 * marked unknown (subject_changes.c) and read again when next needed, so
 * a withdrawal or block committed elsewhere applies from the next
 * statement on, also inside older REPEATABLE READ transactions.  On a hot
 * standby a replayed change empties the whole cache (relcache
 * invalidation).  The row trigger that notes a change, cache_invalidate(),
 * is here: it forgets the subject in this backend at once and hands it to
 * subject_changes.c for the others.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "access/xlog.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "common/hashfn.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"

#include "compliance.h"

/* What a table knows of a subject, for its purpose (CacheMark, compliance.h). */
#define MARK_NONE		CACHE_MARK_NONE
#define MARK_CONSENT	CACHE_MARK_CONSENT
#define MARK_TIMED		CACHE_MARK_TIMED
#define MARK_BLOCKED	CACHE_MARK_BLOCKED
#define MARK_UNKNOWN	CACHE_MARK_UNKNOWN

/* An integer key's mark (keys outside the dense range) and consent end. */
typedef struct IntMark
{
	int64		key;
	TimestampTz until;			/* MARK_TIMED: when the consent ends */
	uint8		mark;
	char		status;			/* simplehash's slot status */
} IntMark;

#define SH_PREFIX		intmark
#define SH_ELEMENT_TYPE	IntMark
#define SH_KEY_TYPE		int64
#define SH_KEY			key
#define SH_HASH_KEY(tb, k)	murmurhash32((uint32) ((uint64) (k) ^ ((uint64) (k) >> 32)))
#define SH_EQUAL(tb, a, b)	((a) == (b))
#define SH_SCOPE		static inline
#define SH_DEFINE
#define SH_DECLARE
#include "lib/simplehash.h"

typedef struct SubjectKey
{
	const char *data;
	int			len;
} SubjectKey;

typedef struct TextMark
{
	SubjectKey	key;			/* hash key; data lives in cache_context */
	TimestampTz until;
	uint8		mark;
} TextMark;

/* Keys in [0, DENSE_LIMIT) have their mark in a byte array. */
#define DENSE_LIMIT		(16 * 1024 * 1024)

/* The marks of all subjects of one kind for one purpose. */
typedef struct PurposeTable
{
	PurposeId	purpose;
	char		kind[NAMEDATALEN];	/* compliance.subject_kinds */
	bool		complete;		/* every subject with a consent or block is marked */
	uint8	   *dense;			/* MARK_* per integer key, default below */
	int64		dense_size;
	intmark_hash *ints;
	HTAB	   *texts;
	int64		nhashed;		/* entries of both hashes, against the bound */
	int64		nlearned;		/* subjects read one at a time */
	int64		fill_after;		/* ... before the table is read whole */
	bool		bounded;		/* reached the bound: never read whole again */
} PurposeTable;

#define FILL_AFTER_STATEMENT_LEARNS	64

static int	learned_this_statement = 0;

#define MAX_TABLES		32		/* purposes and kinds a session keeps at once */

static MemoryContext cache_context = NULL;
static PurposeTable *tables[MAX_TABLES];
static int	ntables = 0;
static PurposeTable *last_table = NULL;
static bool cache_valid = false;

/*
 * Bumped whenever a byte array may move or stop telling the truth: views
 * taken by the row filter (cache_view) are good while it stays the same.
 */
static uint64 cache_epoch = 1;
static Oid	state_relid = InvalidOid;
static Oid	blocked_relid = InvalidOid;
static Oid	signal_relid = InvalidOid; /* consent_change_signal */
static Oid	prepared_signal_relid = InvalidOid;	/* consent_prepared_signal */
static uint64 changes_seen = 0; /* position in subject_changes.c's ring */
static uint64 filled_generation = 0;	/* registry generation at the fill */

/*
 * Who of a kind ($3) may be processed under a purpose: consents and
 * grounds recorded per subject in force (or ending later), and blocks.  A purpose has either
 * consents or grounds (give_consent and record_basis each refuse the
 * other's purposes), so a subject has at most one row of them; a block
 * wins over it.
 */
static const char *table_query =
"SELECT subject, CASE WHEN valid_until IS NULL THEN 1 ELSE 2 END, valid_until"
"  FROM compliance.consent_state"
" WHERE compliance.purpose_id(purpose) OPERATOR(pg_catalog.=) $1"
"   AND subject_kind OPERATOR(pg_catalog.=) $3"
"   AND status OPERATOR(pg_catalog.=) ANY ('{given,renewed}')"
"   AND (valid_until IS NULL OR valid_until OPERATOR(pg_catalog.>) $2)"
" UNION ALL SELECT subject, CASE WHEN valid_until IS NULL THEN 1 ELSE 2 END, valid_until"
"  FROM compliance.ground_state"
" WHERE compliance.purpose_id(purpose) OPERATOR(pg_catalog.=) $1"
"   AND subject_kind OPERATOR(pg_catalog.=) $3"
"   AND (valid_until IS NULL OR valid_until OPERATOR(pg_catalog.>) $2)"
" UNION ALL SELECT subject, 3, NULL FROM compliance.blocked_subjects"
" WHERE subject_kind OPERATOR(pg_catalog.=) $3";
static SPIPlanPtr table_plan = NULL;

/* One subject's whole state: its consents, grounds and whether it is blocked. */
static const char *subject_query =
"SELECT compliance.purpose_id(purpose), status, valid_until FROM compliance.consent_state"
" WHERE subject OPERATOR(pg_catalog.=) $1 AND subject_kind OPERATOR(pg_catalog.=) $2"
" UNION ALL SELECT compliance.purpose_id(purpose), status, valid_until FROM compliance.ground_state"
" WHERE subject OPERATOR(pg_catalog.=) $1 AND subject_kind OPERATOR(pg_catalog.=) $2"
" UNION ALL SELECT 0, 'blocked', NULL FROM compliance.blocked_subjects"
" WHERE subject OPERATOR(pg_catalog.=) $1 AND subject_kind OPERATOR(pg_catalog.=) $2";
static SPIPlanPtr subject_plan = NULL;

/*
 * Tables for the per-subject exceptions of Art. 9.1, keyed beside the
 * purposes' (a purpose id is below 65536): who consented to a transfer to
 * a country for a purpose (its consent in force names the country), and
 * who has a contract in force.  Their marks read like consents.
 */
#define TRANSFER_COUNTRY_SHIFT	16
#define CONTRACT_TABLE			((PurposeId) 0x7FFF0000)

static const char *transfer_table_query =
"SELECT subject, CASE WHEN valid_until IS NULL THEN 1 ELSE 2 END, valid_until"
"  FROM compliance.consent_state"
" WHERE compliance.purpose_id(purpose) OPERATOR(pg_catalog.=) $1"
"   AND subject_kind OPERATOR(pg_catalog.=) $3"
"   AND status OPERATOR(pg_catalog.=) ANY ('{given,renewed}')"
"   AND (valid_until IS NULL OR valid_until OPERATOR(pg_catalog.>) $2)"
"   AND transfer_countries OPERATOR(pg_catalog.@>) ARRAY[$4]"
" UNION ALL SELECT subject, 3, NULL FROM compliance.blocked_subjects"
" WHERE subject_kind OPERATOR(pg_catalog.=) $3";
static SPIPlanPtr transfer_table_plan = NULL;

static const char *transfer_subject_query =
"SELECT $2, status, valid_until FROM compliance.consent_state"
" WHERE subject OPERATOR(pg_catalog.=) $1 AND subject_kind OPERATOR(pg_catalog.=) $5"
"   AND compliance.purpose_id(purpose) OPERATOR(pg_catalog.=) $3"
"   AND transfer_countries OPERATOR(pg_catalog.@>) ARRAY[$4]"
" UNION ALL SELECT 0, 'blocked', NULL FROM compliance.blocked_subjects"
" WHERE subject OPERATOR(pg_catalog.=) $1 AND subject_kind OPERATOR(pg_catalog.=) $5";
static SPIPlanPtr transfer_subject_plan = NULL;

/* a subject's contracts: open (mark 1) while one has no end, else the latest end */
static const char *contract_table_query =
"SELECT g.subject, CASE WHEN pg_catalog.bool_and(g.valid_until IS NOT NULL) THEN 2 ELSE 1 END,"
"       CASE WHEN pg_catalog.bool_and(g.valid_until IS NOT NULL) THEN pg_catalog.max(g.valid_until) END"
"  FROM compliance.ground_state g"
"  JOIN compliance.purposes p ON p.id OPERATOR(pg_catalog.=) compliance.purpose_id(g.purpose)"
" WHERE p.legal_basis OPERATOR(pg_catalog.=) 'contract_with_subject' AND $1 IS NOT NULL"
"   AND g.subject_kind OPERATOR(pg_catalog.=) $3"
"   AND (g.valid_until IS NULL OR g.valid_until OPERATOR(pg_catalog.>) $2)"
" GROUP BY g.subject"
" UNION ALL SELECT subject, 3, NULL FROM compliance.blocked_subjects"
" WHERE subject_kind OPERATOR(pg_catalog.=) $3";
static SPIPlanPtr contract_table_plan = NULL;

static const char *contract_subject_query =
"SELECT $2, 'given',"
"       CASE WHEN pg_catalog.bool_and(g.valid_until IS NOT NULL) THEN pg_catalog.max(g.valid_until) END"
"  FROM compliance.ground_state g"
"  JOIN compliance.purposes p ON p.id OPERATOR(pg_catalog.=) compliance.purpose_id(g.purpose)"
" WHERE g.subject OPERATOR(pg_catalog.=) $1 AND g.subject_kind OPERATOR(pg_catalog.=) $3"
"   AND p.legal_basis OPERATOR(pg_catalog.=) 'contract_with_subject'"
" HAVING pg_catalog.count(*) OPERATOR(pg_catalog.>) 0"
" UNION ALL SELECT 0, 'blocked', NULL FROM compliance.blocked_subjects"
" WHERE subject OPERATOR(pg_catalog.=) $1 AND subject_kind OPERATOR(pg_catalog.=) $3";
static SPIPlanPtr contract_subject_plan = NULL;

/* The country of a transfer table, as text ("US"). */
static text *
transfer_country(PurposeId table)
{
	int			n = ((uint32) table >> TRANSFER_COUNTRY_SHIFT) - 1;
	char		code[2] = {'A' + n / 26, 'A' + n % 26};

	return cstring_to_text_with_len(code, 2);
}

static uint32
subject_hash(const void *key, Size keysize)
{
	const SubjectKey *k = key;

	return hash_bytes((const unsigned char *) k->data, k->len);
}

static int
subject_match(const void *key1, const void *key2, Size keysize)
{
	const SubjectKey *a = key1;
	const SubjectKey *b = key2;

	return (a->len == b->len && memcmp(a->data, b->data, a->len) == 0) ? 0 : 1;
}

static void *
subject_keycopy(void *dest, const void *src, Size keysize)
{
	const SubjectKey *s = src;
	SubjectKey *d = dest;
	char	   *copy = MemoryContextAlloc(cache_context, s->len + 1);

	memcpy(copy, s->data, s->len);
	copy[s->len] = '\0';
	d->data = copy;
	d->len = s->len;
	return dest;
}

/*
 * A change of consent state reaches a primary's backends as subjects
 * (subject_changes.c); only a hot standby relies on the relcache
 * invalidation the change also queues.
 */
void
cache_relcache_callback(Datum arg, Oid relid)
{
	if (relid == InvalidOid || relid == prepared_signal_relid ||
		((relid == state_relid || relid == blocked_relid || relid == signal_relid) &&
		 RecoveryInProgress()))
	{
		cache_valid = false;
		cache_epoch++;
	}
}

/* Drops every table; the cache starts over from the current position. */
static void
cache_reset(void)
{
	if (cache_context == NULL)
		cache_context = AllocSetContextCreate(CacheMemoryContext, "compliance consent cache",
											  ALLOCSET_DEFAULT_SIZES);
	else
		MemoryContextReset(cache_context);
	ntables = 0;
	last_table = NULL;
	cache_epoch++;
	changes_seen = subject_changes_position();
	filled_generation = registry_generation();
	state_relid = compliance_relid("consent_state", false);
	blocked_relid = compliance_relid("blocked_subjects", false);
	signal_relid = compliance_relid("consent_change_signal", false);
	prepared_signal_relid = compliance_relid("consent_prepared_signal", false);
	cache_valid = true;
}

/*
 * A subject key's integer value, if it is an integer written canonically
 * (as int8out would print it: no sign but '-', no leading zero, no "-0"):
 * "007" and "7" are two subjects.  Runs for every row of a cache fill.
 */
static bool
int_subject_key(const char *subject, int len, int64 *value)
{
	const char *p = subject;
	const char *end = subject + len;
	bool		negative = false;
	uint64		v = 0;

	if (len > 0 && *p == '-')
	{
		negative = true;
		p++;
	}
	/* at most 19 digits: no overflow of v below */
	if (p == end || end - p > 19 || *p < '0' || *p > '9' ||
		(*p == '0' && (end - p > 1 || negative)))
		return false;
	for (; p < end; p++)
	{
		if (*p < '0' || *p > '9')
			return false;
		v = v * 10 + (*p - '0');
	}
	if (negative)
	{
		if (v > (uint64) PG_INT64_MAX + 1)
			return false;
		*value = v == (uint64) PG_INT64_MAX + 1 ? PG_INT64_MIN : -(int64) v;
	}
	else
	{
		if (v > (uint64) PG_INT64_MAX)
			return false;
		*value = (int64) v;
	}
	return true;
}

/* Empties a table's hashes: it learns subjects one at a time from now on. */
static void
table_clear(PurposeTable *t, bool complete)
{
	HASHCTL		ctl;

	if (t->ints != NULL)
		intmark_destroy(t->ints);
	if (t->texts != NULL)
		hash_destroy(t->texts);
	if (t->dense != NULL)
		pfree(t->dense);
	cache_epoch++;
	t->dense = NULL;
	t->dense_size = 0;
	t->complete = complete;
	t->ints = intmark_create(cache_context, 1024, NULL);
	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(SubjectKey);
	ctl.entrysize = sizeof(TextMark);
	ctl.hash = subject_hash;
	ctl.match = subject_match;
	ctl.keycopy = subject_keycopy;
	ctl.hcxt = cache_context;
	t->texts = hash_create("compliance subject marks", 1024, &ctl,
						   HASH_ELEM | HASH_FUNCTION | HASH_COMPARE | HASH_KEYCOPY | HASH_CONTEXT);
	t->nhashed = 0;
}

/* What an absent key means: none (complete table) or not read yet. */
static inline uint8
default_mark(const PurposeTable *t)
{
	return t->complete ? MARK_NONE : MARK_UNKNOWN;
}

/* Makes room in the dense array for key k. */
static void
dense_grow(PurposeTable *t, int64 k)
{
	int64		size = Max(t->dense_size, 1024);

	while (size <= k)
		size *= 2;
	size = Min(size, DENSE_LIMIT);
	t->dense = t->dense == NULL
		? MemoryContextAlloc(cache_context, size)
		: repalloc(t->dense, size);
	cache_epoch++;
	memset(t->dense + t->dense_size, default_mark(t), size - t->dense_size);
	t->dense_size = size;
}

/*
 * Sets a subject's mark.  keep_stronger: while a table is read, a block
 * wins over a consent row of the same subject.  Returns false if the
 * hashes reached the bound.
 */
static bool
table_set(PurposeTable *t, const char *subject, int len, uint8 mark, TimestampTz until,
		  bool keep_stronger)
{
	int64		k;
	bool		found;

	if (int_subject_key(subject, len, &k))
	{
		IntMark    *e;

		if (k >= 0 && k < DENSE_LIMIT && mark != MARK_TIMED)
		{
			if (k >= t->dense_size)
				dense_grow(t, k);
			if (!keep_stronger || t->dense[k] == MARK_UNKNOWN || mark > t->dense[k])
				t->dense[k] = mark;
			return true;
		}
		if (t->nhashed >= compliance_cache_subjects)
			return false;
		e = intmark_insert(t->ints, k, &found);
		if (!found)
			t->nhashed++;
		else if (keep_stronger && e->mark != MARK_UNKNOWN && e->mark > mark)
			return true;
		e->mark = mark;
		e->until = until;
		/* a timed key in the dense range is found through its hash entry */
		if (k >= 0 && k < DENSE_LIMIT)
		{
			if (k >= t->dense_size)
				dense_grow(t, k);
			if (!keep_stronger || t->dense[k] != MARK_BLOCKED)
				t->dense[k] = MARK_TIMED;
		}
		return true;
	}
	else
	{
		SubjectKey	key = {subject, len};
		TextMark   *e;

		if (t->nhashed >= compliance_cache_subjects)
			return false;
		e = hash_search(t->texts, &key, HASH_ENTER, &found);
		if (!found)
			t->nhashed++;
		else if (keep_stronger && e->mark != MARK_UNKNOWN && e->mark > mark)
			return true;
		e->mark = mark;
		e->until = until;
		return true;
	}
}

/* Runs a query as the extension's owner with the latest committed snapshot. */
static void
read_latest(SPIPlanPtr *plan, const char *query, int nargs, Oid *argtypes, Datum *values)
{
	if (*plan == NULL)
	{
		SPIPlanPtr	p = SPI_prepare(query, nargs, argtypes);

		if (p == NULL || SPI_keepplan(p) != 0)
			elog(ERROR, "could not prepare the consent state query");
		*plan = p;
	}
	if (SPI_execute_snapshot(*plan, values, NULL, compliance_fresh_snapshot(),
							 InvalidSnapshot, true, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read compliance.consent_state");
}

/*
 * Reads the marks of every subject with a consent for the purpose or a
 * block, through a cursor: a million consents are never all in memory as
 * rows at once.
 */
static void
table_fill_rows(PurposeTable *t)
{
	Oid			argtypes[4] = {INT4OID, TIMESTAMPTZOID, TEXTOID, TEXTOID};
	Datum		values[4];
	CatalogUserSave save;
	Portal		portal;
	bool		fits = true;

	SPIPlanPtr *plan = &table_plan;
	const char *query = table_query;
	int			nargs = 3;

	table_clear(t, true);
	values[0] = Int32GetDatum(t->purpose & 0xFFFF);
	/* real time: what lapses earlier under consent_clock_advance is judged per lookup */
	values[1] = TimestampTzGetDatum(GetCurrentStatementStartTimestamp());
	values[2] = CStringGetTextDatum(t->kind);
	if (t->purpose == CONTRACT_TABLE)
	{
		plan = &contract_table_plan;
		query = contract_table_query;
	}
	else if (t->purpose >> TRANSFER_COUNTRY_SHIFT)
	{
		plan = &transfer_table_plan;
		query = transfer_table_query;
		values[3] = PointerGetDatum(transfer_country(t->purpose));
		nargs = 4;
	}
	compliance_become_owner(&save);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (*plan == NULL)
	{
		SPIPlanPtr	p = SPI_prepare(query, nargs, argtypes);

		if (p == NULL || SPI_keepplan(p) != 0)
			elog(ERROR, "could not prepare the consent state query");
		*plan = p;
	}
	PushActiveSnapshot(compliance_fresh_snapshot());
	portal = SPI_cursor_open(NULL, *plan, values, NULL, true);
	do
	{
		SPI_cursor_fetch(portal, true, 10000);
		for (uint64 i = 0; i < SPI_processed && fits; i++)
		{
			HeapTuple	tup = SPI_tuptable->vals[i];
			TupleDesc	desc = SPI_tuptable->tupdesc;
			bool		isnull;
			text	   *subject = DatumGetTextPP(SPI_getbinval(tup, desc, 1, &isnull));
			uint8		mark = DatumGetInt32(SPI_getbinval(tup, desc, 2, &isnull));
			Datum		until = SPI_getbinval(tup, desc, 3, &isnull);

			fits = table_set(t, VARDATA_ANY(subject), VARSIZE_ANY_EXHDR(subject), mark,
							 isnull ? 0 : DatumGetTimestampTz(until), true);
		}
		SPI_freetuptable(SPI_tuptable);
	} while (SPI_processed > 0 && fits);
	SPI_cursor_close(portal);
	PopActiveSnapshot();
	SPI_finish();
	compliance_restore_user(&save);
	if (!fits)
	{
		table_clear(t, false);	/* too many: learn subjects on demand */
		t->bounded = true;
	}
}

/*
 * table_fill_rows marks the table complete before it reads a row: if the
 * read fails (a cancel, statement_timeout), a partly read table would say
 * "none" of subjects it never read, blocked ones included.  Forget
 * everything instead (cache_forget_all allocates nothing).
 */
static void
table_fill(PurposeTable *t)
{
	PG_TRY();
	{
		table_fill_rows(t);
	}
	PG_CATCH();
	{
		cache_forget_all();
		PG_RE_THROW();
	}
	PG_END_TRY();
}

/*
 * How many subjects a table learns one at a time before it is read whole.
 * A lookup costs about as much as reading 100 rows of consent_state
 * whole; 1/1024 of the rows is about a tenth of reading them all.
 */
static int64
fill_after_learns(void)
{
	HeapTuple	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(state_relid));
	float4		reltuples = 0;

	if (HeapTupleIsValid(tup))
	{
		reltuples = ((Form_pg_class) GETSTRUCT(tup))->reltuples;
		ReleaseSysCache(tup);
	}
	return Max(FILL_AFTER_STATEMENT_LEARNS, (int64) (reltuples / 1024));
}

/* The table of a purpose and a subject kind, made and filled on first use. */
static PurposeTable *
table_for(PurposeId purpose, const char *kind)
{
	PurposeTable *t;

	if (unlikely(!cache_valid))
		cache_reset();
	if (last_table != NULL && last_table->purpose == purpose &&
		strcmp(last_table->kind, kind) == 0)
		return last_table;
	for (int i = 0; i < ntables; i++)
		if (tables[i]->purpose == purpose && strcmp(tables[i]->kind, kind) == 0)
			return last_table = tables[i];
	if (ntables == MAX_TABLES)
		cache_reset();
	t = MemoryContextAllocZero(cache_context, sizeof(PurposeTable));
	t->purpose = purpose;
	strlcpy(t->kind, kind, NAMEDATALEN);
	tables[ntables++] = t;
	last_table = t;
	table_clear(t, false);		/* learns first: see the header */
	t->fill_after = fill_after_learns();
	return t;
}

/*
 * A subject's whole state, read now: *blocked, and the status and end of
 * its consent for the purpose ('\0': none).
 */
static void
read_subject(const char *kind, const char *subject, int len, PurposeId purpose, bool *blocked,
			 char *status, TimestampTz *until, bool *has_until)
{
	Oid			argtypes[2] = {TEXTOID, TEXTOID};
	Datum		values[2];
	CatalogUserSave save;

	*blocked = false;
	*status = '\0';
	*has_until = false;
	values[0] = PointerGetDatum(cstring_to_text_with_len(subject, len));
	values[1] = CStringGetTextDatum(kind);
	compliance_become_owner(&save);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (purpose == CONTRACT_TABLE)
	{
		Oid			types[3] = {TEXTOID, INT4OID, TEXTOID};
		Datum		vals[3] = {values[0], Int32GetDatum(purpose), values[1]};

		read_latest(&contract_subject_plan, contract_subject_query, 3, types, vals);
	}
	else if (purpose >> TRANSFER_COUNTRY_SHIFT)
	{
		Oid			types[5] = {TEXTOID, INT4OID, INT4OID, TEXTOID, TEXTOID};
		Datum		vals[5] = {values[0], Int32GetDatum(purpose),
			Int32GetDatum(purpose & 0xFFFF), PointerGetDatum(transfer_country(purpose)), values[1]};

		read_latest(&transfer_subject_plan, transfer_subject_query, 5, types, vals);
	}
	else
		read_latest(&subject_plan, subject_query, 2, argtypes, values);
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;
		PurposeId	p = DatumGetInt32(SPI_getbinval(tup, desc, 1, &isnull));
		char	   *s = TextDatumGetCString(SPI_getbinval(tup, desc, 2, &isnull));
		Datum		end = SPI_getbinval(tup, desc, 3, &isnull);

		if (strcmp(s, "blocked") == 0)
			*blocked = true;
		else if (p == purpose)
		{
			/* given and renewed both authorise processing */
			*status = strcmp(s, "withdrawn") == 0 ? 'w' : strcmp(s, "refused") == 0 ? 'x' : 'g';
			*has_until = !isnull;
			*until = isnull ? 0 : DatumGetTimestampTz(end);
		}
	}
	SPI_finish();
	compliance_restore_user(&save);
}

/* Reads one subject's mark and records it (a table that learns on demand). */
static uint8
table_learn(PurposeTable *t, const char *subject, int len, TimestampTz *until)
{
	bool		blocked;
	char		status;
	bool		has_until;
	uint8		mark;

	read_subject(t->kind, subject, len, t->purpose, &blocked, &status, until, &has_until);
	if (blocked)
		mark = MARK_BLOCKED;
	else if (status != 'g')
		mark = MARK_NONE;
	else
		mark = has_until ? MARK_TIMED : MARK_CONSENT;
	/* reading may have reset the cache: t is then gone, the answer stands */
	if (!cache_valid || ntables == 0 || last_table != t)
		return mark;
	if (!table_set(t, subject, len, mark, *until, false))
	{
		table_clear(t, false);
		t->bounded = true;
		(void) table_set(t, subject, len, mark, *until, false);
	}
	t->nlearned++;
	learned_this_statement++;
	if (!t->bounded && !t->complete &&
		(t->nlearned >= t->fill_after || learned_this_statement >= FILL_AFTER_STATEMENT_LEARNS))
		table_fill(t);
	return mark;
}

static inline Verdict
mark_verdict(uint8 mark, TimestampTz until, const PurposeInfo *purpose, bool special)
{
	if (mark == MARK_BLOCKED)
		return VERDICT_BLOCKED;
	if (!purpose->needs_ground && !(special && !purpose->allows_special))
		return VERDICT_ALLOWED;
	if (mark == MARK_CONSENT ||
		(mark == MARK_TIMED && until > compliance_consent_clock()))
		return VERDICT_ALLOWED;
	/* the reason, if it must be told, comes from cache_exact_verdict() */
	return VERDICT_NO_CONSENT;
}

/*
 * May the subject's rows be processed under this purpose now?  special:
 * special-category data are involved (Art. 8).  A denial for lack of
 * consent says VERDICT_NO_CONSENT whatever the reason.
 */
Verdict
cache_verdict(const char *kind, const char *subject, int len, const PurposeInfo *purpose,
			  bool special)
{
	PurposeTable *t = table_for(purpose->id, kind);
	SubjectKey	key = {subject, len};
	TextMark   *e;
	int64		k;

	if (int_subject_key(subject, len, &k))
		return cache_verdict_int(kind, k, purpose, special);
	e = hash_search(t->texts, &key, HASH_FIND, NULL);
	if (e == NULL || e->mark == MARK_UNKNOWN)
	{
		TimestampTz until = 0;
		uint8		mark = e != NULL || !t->complete ? table_learn(t, subject, len, &until)
			: MARK_NONE;

		return mark_verdict(mark, until, purpose, special);
	}
	return mark_verdict(e->mark, e->until, purpose, special);
}

/* The same for an integer subject key: one byte read when warm. */
Verdict
cache_verdict_int(const char *kind, int64 subject, const PurposeInfo *purpose, bool special)
{
	PurposeTable *t = table_for(purpose->id, kind);
	uint8		mark;
	TimestampTz until = 0;
	IntMark    *e = NULL;

	if (subject >= 0 && subject < DENSE_LIMIT)
		mark = subject < t->dense_size ? t->dense[subject] : default_mark(t);
	else
	{
		e = intmark_lookup(t->ints, subject);
		mark = e != NULL ? e->mark : default_mark(t);
	}
	if (likely(mark == MARK_CONSENT || mark == MARK_NONE || mark == MARK_BLOCKED))
		return mark_verdict(mark, 0, purpose, special);
	if (mark == MARK_TIMED)
	{
		if (e == NULL)
			e = intmark_lookup(t->ints, subject);
		if (e != NULL && e->mark == MARK_TIMED)
			return mark_verdict(MARK_TIMED, e->until, purpose, special);
	}
	{
		char		buf[32];
		int			len = snprintf(buf, sizeof(buf), INT64_FORMAT, subject);

		mark = table_learn(t, buf, len, &until);
	}
	return mark_verdict(mark, until, purpose, special);
}

/*
 * The table of an Art. 9.1 exception that depends on the subject, for a
 * statement providing data to a recipient in country (two capital
 * letters): the subject's consent in force for the purpose naming the
 * country ('informed_consent'), or a contract in force with the subject
 * ('contract_with_subject').  0: none applies.
 */
PurposeId
cache_transfer_table(const char *basis, PurposeId purpose, const char *country)
{
	if (basis != NULL && strcmp(basis, "contract_with_subject") == 0)
		return CONTRACT_TABLE;
	if (basis != NULL && strcmp(basis, "informed_consent") == 0 &&
		country != NULL && strlen(country) == 2 &&
		country[0] >= 'A' && country[0] <= 'Z' && country[1] >= 'A' && country[1] <= 'Z')
		return (PurposeId) (((country[0] - 'A') * 26 + (country[1] - 'A') + 1) << TRANSFER_COUNTRY_SHIFT) |
			(purpose & 0xFFFF);
	return 0;
}

/* May the subject's data go to the recipient under that exception now? */
bool
cache_transfer_allows(PurposeId table, const char *kind, const char *subject, int len,
					  bool integer, int64 k)
{
	/* read like a consent: in force without end, or until a later time */
	static PurposeInfo rule = {.needs_consent = true, .needs_ground = true, .allows_special = true};

	rule.id = table;
	return (integer ? cache_verdict_int(kind, k, &rule, false)
			: cache_verdict(kind, subject, len, &rule, false)) == VERDICT_ALLOWED;
}

/*
 * Why a subject may not be processed under the purpose, read now: for the
 * message of a refusal.
 */
Verdict
cache_exact_verdict(const char *kind, const char *subject, int len, const PurposeInfo *purpose,
					bool special)
{
	bool		blocked;
	char		status;
	TimestampTz until;
	bool		has_until;

	read_subject(kind, subject, len, purpose->id, &blocked, &status, &until, &has_until);
	if (blocked)
		return VERDICT_BLOCKED;
	if (!purpose->needs_ground && !(special && !purpose->allows_special))
		return VERDICT_ALLOWED;
	switch (status)
	{
		case 'w':
			return VERDICT_WITHDRAWN;
		case 'x':
			return VERDICT_REFUSED;
		case 'g':
			return has_until && until <= compliance_consent_clock()
				? VERDICT_EXPIRED : VERDICT_ALLOWED;
		default:
			return VERDICT_NO_CONSENT;
	}
}

/*
 * Forgets the subjects whose state others changed since the last call:
 * once per statement (enforce.c), so their rows are decided anew.
 */
void
cache_accept_changes(void)
{
	learned_this_statement = 0;
	/*
	 * DROP EXTENSION takes consent_state and blocked_subjects away without
	 * a row trigger naming their subjects; it also drops the registry,
	 * which bumps its generation (as does any registry change, rarely).
	 */
	if (cache_valid && (filled_generation != registry_generation() ||
						!subject_changes_apply(&changes_seen, cache_forget_subject)))
		cache_forget_all();
}

/*
 * Ready for a statement under the purpose: changes applied and the table
 * made, before any parallel worker starts.  The row filter runs in the
 * leader only (row_allowed is PARALLEL RESTRICTED); a subject it learns
 * during a parallel operation is read with the active snapshot.
 */
void
cache_prepare(const PurposeInfo *purpose, const char *kind)
{
	cache_accept_changes();
	(void) table_for(purpose->id, kind);
}

/* Forgets everything: the next use reads every table again. */
void
cache_forget_all(void)
{
	cache_valid = false;
	cache_epoch++;
}

/*
 * The purpose's byte array, for the row filter to read integer keys
 * directly while cache_epoch stays view->epoch.  A mark other than none or
 * consent (blocked, timed, unknown) must still go through
 * cache_verdict_int().
 */
void
cache_view(const PurposeInfo *purpose, const char *kind, CacheView *view)
{
	PurposeTable *t = table_for(purpose->id, kind);

	view->current = &cache_epoch;
	view->epoch = cache_epoch;
	view->dense = t->dense;
	view->dense_size = t->dense_size;
}

/* Forgets one subject in every table: its mark is read again when needed. */
void
cache_forget_subject(const char *subject, int len)
{
	if (!cache_valid)
		return;
	for (int i = 0; i < ntables; i++)
	{
		PurposeTable *t = tables[i];

		if (!table_set(t, subject, len, MARK_UNKNOWN, 0, false))
		{
			/* past the bound: the table learns subjects on demand instead */
			table_clear(t, false);
			t->bounded = true;
		}
	}
}

/*
 * cache_invalidate() trigger on compliance.consent_state and
 * compliance.blocked_subjects: AFTER ... FOR EACH ROW notes the row's
 * subject (old and new); a statement trigger (TRUNCATE) means every subject.
 * This backend forgets them at once, so its own later statements read the
 * change; subject_changes.c tells the others at commit.
 */
static void
note_subject_changed(const char *subject, int len)
{
	if (subject_changes_note(subject, len))
		cache_forget_all();
	else
		cache_forget_subject(subject, len);
}

PG_FUNCTION_INFO_V1(cache_invalidate);
Datum
cache_invalidate(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	TupleDesc	desc;
	int			attno;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("cache_invalidate() must be called as a trigger")));
	if (!TRIGGER_FIRED_FOR_ROW(trigdata->tg_event))
	{
		note_subject_changed(NULL, 0);
		PG_RETURN_POINTER(NULL);
	}

	desc = RelationGetDescr(trigdata->tg_relation);
	attno = SPI_fnumber(desc, "subject");
	if (attno <= 0)
		elog(ERROR, "table \"%s\" has no column \"subject\"",
			 RelationGetRelationName(trigdata->tg_relation));
	for (int i = 0; i < 2; i++)
	{
		HeapTuple	tuple = i == 0 ? trigdata->tg_trigtuple : trigdata->tg_newtuple;
		bool		isnull;
		Datum		value;
		text	   *subject;

		if (tuple == NULL)
			continue;
		value = heap_getattr(tuple, attno, desc, &isnull);
		if (isnull)
			continue;
		subject = DatumGetTextPP(value);
		note_subject_changed(VARDATA_ANY(subject), VARSIZE_ANY_EXHDR(subject));
	}
	PG_RETURN_POINTER(NULL);
}

/*
 * compliance.consent_cache_stats(): what this session's cache holds, for
 * sizing compliance.cache_subjects.
 */
PG_FUNCTION_INFO_V1(consent_cache_stats);
Datum
consent_cache_stats(PG_FUNCTION_ARGS)
{
	TupleDesc	desc;
	Datum		values[4];
	bool		nulls[4] = {false, false, false, false};
	int64		dense = 0;
	int64		hashed = 0;

	if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "consent_cache_stats must return a record");
	if (cache_valid)
		for (int i = 0; i < ntables; i++)
		{
			dense += tables[i]->dense_size;
			hashed += tables[i]->nhashed;
		}
	values[0] = Int32GetDatum(cache_valid ? ntables : 0);
	values[1] = Int64GetDatum(dense);
	values[2] = Int64GetDatum(hashed);
	values[3] = Int64GetDatum(cache_context != NULL && cache_valid
							  ? (int64) MemoryContextMemAllocated(cache_context, true) : 0);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(desc, values, nulls)));
}
