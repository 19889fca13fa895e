/*-------------------------------------------------------------------------
 *
 * report.c
 *	  Report mode (compliance.set_protection_mode): what enforcement would
 *	  have refused or filtered on a table that is not enforced yet, counted
 *	  in shared memory per table, purpose, role and statement shape.
 *
 * A DBA switches a live system on table by table: in report mode every
 * query runs unchanged, and enforce.c notes here what it would have done
 * (no purpose declared, a purpose the role does not hold, a column outside
 * the purpose's data items, rows of subjects without a ground, a refused
 * write).  A statement's notes stay in the backend until the client's
 * statement ends; then they are added to the shared table in one lock.
 * compliance.protection_report shows the database's entries.
 *
 * The statement's text is kept only as its shape: PostgreSQL's own scanner
 * reads it (as the parser did, standard_conforming_strings included), and
 * every literal becomes "?" and comments go, so the report holds no
 * personal data a query named (a surname in a WHERE clause).  The table is
 * fixed in size and shared by the databases; each database may fill a
 * share of it, and a database whose share is full forgets its least
 * recently seen entry, which it counts (the report's not_recorded row).
 * Entries live until compliance.reset_protection_report() or a restart.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "common/hashfn.h"
#include "common/keywords.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "parser/scanner.h"
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
#include "tcop/tcopprot.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/timestamp.h"

#include "compliance.h"

#define REPORT_ENTRIES		4096	/* distinct (table, purpose, role, shape, event, detail) */
#define REPORT_DB_ENTRIES	512		/* of which one database may hold */
#define REPORT_DATABASES	64		/* databases whose forgotten notes are counted */
#define REPORT_PENDING		32		/* distinct notes of one statement */
#define REPORT_TEXT_LEN		512		/* bytes of a statement's shape kept */

PG_FUNCTION_INFO_V1(protection_report_rows);
PG_FUNCTION_INFO_V1(forget_report_entries);

static const char *const event_names[] = {
	[REPORT_NO_PURPOSE] = "no_purpose",
	[REPORT_PURPOSE_NOT_HELD] = "purpose_not_held",
	[REPORT_PURPOSE_RETIRED] = "purpose_retired",
	[REPORT_COLUMN] = "column_not_in_data_items",
	[REPORT_SPECIAL_COLUMN] = "special_column",
	[REPORT_WHOLE_ROW] = "whole_row",
	[REPORT_ROWS_FILTERED] = "rows_filtered",
	[REPORT_ROWS_REFUSED] = "rows_refused",
	[REPORT_WRITE_REFUSED] = "write_refused",
	[REPORT_TRANSFER_REFUSED] = "transfer_refused",
	[REPORT_HELD_CURSOR] = "held_cursor",
};

typedef struct ReportKey
{
	Oid			dboid;
	Oid			relid;
	Oid			roleid;
	uint32		shape;			/* hash of the statement's shape */
	ReportEvent event;
	char		purpose[PURPOSE_CODE_MAXLEN + 1];	/* "": none declared */
	char		detail[NAMEDATALEN];	/* a column, or why a row was denied */
} ReportKey;

typedef struct ReportEntry
{
	ReportKey	key;
	int64		statements;
	int64		rows;
	TimestampTz first_seen;
	TimestampTz last_seen;
	char		statement[REPORT_TEXT_LEN];
} ReportEntry;

/* Notes a database could not keep (entries forgotten, or no room). */
typedef struct ReportLost
{
	Oid			dboid;			/* InvalidOid: a free slot */
	int64		notes;
} ReportLost;

typedef struct ReportShared
{
	LWLock	   *lock;
	int			nentries;
	ReportLost	lost[REPORT_DATABASES];
	ReportEntry entries[REPORT_ENTRIES];
} ReportShared;

static ReportShared *report = NULL;

/* The notes of the client's statement running now. */
static struct
{
	ReportKey	key;			/* dboid and shape are filled at the end */
	uint64		rows;
}			pending[REPORT_PENDING];
static int	npending = 0;
static int64 pending_lost = 0;

static Size
report_shmem_size(void)
{
	return MAXALIGN(sizeof(ReportShared));
}

void
report_shmem_request(void)
{
	RequestAddinShmemSpace(report_shmem_size());
	RequestNamedLWLockTranche("compliance_report", 1);
}

void
report_shmem_startup(void)
{
	bool		found;

	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	report = ShmemInitStruct("compliance_report", report_shmem_size(), &found);
	if (!found)
	{
		memset(report, 0, sizeof(ReportShared));
		report->lock = &(GetNamedLWLockTranche("compliance_report"))->lock;
	}
	LWLockRelease(AddinShmemInitLock);
}

/*
 * Notes what enforcement would have done on protected table relid (rows:
 * how many rows, 0 for a statement-level refusal).
 */
void
report_note(Oid relid, const PurposeInfo *purpose, ReportEvent event, const char *detail,
			uint64 rows)
{
	ReportKey	key;

	memset(&key, 0, sizeof(key));
	key.relid = relid;
	key.roleid = GetUserId();
	key.event = event;
	if (purpose != NULL)
		strlcpy(key.purpose, purpose->code, sizeof(key.purpose));
	if (detail != NULL)
		strlcpy(key.detail, detail, sizeof(key.detail));
	for (int i = 0; i < npending; i++)
		if (memcmp(&pending[i].key, &key, sizeof(key)) == 0)
		{
			pending[i].rows += rows;
			return;
		}
	if (npending == REPORT_PENDING)
	{
		pending_lost++;
		return;
	}
	pending[npending].key = key;
	pending[npending++].rows = rows;
}

void
report_statement_start(void)
{
	npending = 0;
	pending_lost = 0;
}

/* Is the token a literal: a string, bit string, dollar-quoted string or number? */
static bool
token_is_literal(const char *t)
{
	char		c = t[0];

	if (c == '\'' || c == '$')
		return c == '\'' || !isdigit((unsigned char) t[1]);	/* $1 is a parameter */
	if (isdigit((unsigned char) c) || (c == '.' && isdigit((unsigned char) t[1])))
		return true;
	/* E'', N'', B'', X'' and U&'' (U&"" is an identifier) */
	if (strchr("EeNnBbXx", c) != NULL && c != '\0' && t[1] == '\'')
		return true;
	return (c == 'U' || c == 'u') && t[1] == '&' && t[2] == '\'';
}

/*
 * The tokens of src as PostgreSQL's scanner reads them with
 * standard_conforming_strings as given, every literal replaced by "?",
 * comments dropped, white space between tokens kept as one blank.  False
 * if the scanner cannot read it.
 */
static bool
shape_tokens(const char *src, bool conforming, char *dst, int dstlen)
{
	MemoryContext cxt = CurrentMemoryContext;
	int			n = 0;
	volatile bool read = true;

	PG_TRY();
	{
		core_yy_extra_type extra;
		core_yyscan_t scanner = scanner_init(src, &extra, &ScanKeywords, ScanKeywordTokens);
		core_YYSTYPE val;
		YYLTYPE		loc;
		int			prev_end = 0;

		extra.escape_string_warning = false;
		extra.standard_conforming_strings = conforming;
		while (n < dstlen - 1 && core_yylex(&val, &loc, scanner) != 0)
		{
			/* flex ends the current token with a zero byte in scanbuf */
			const char *text = extra.scanbuf + loc;
			int			len = strlen(text);

			if (loc > prev_end && n > 0 && n < dstlen - 1)
				dst[n++] = ' ';
			if (token_is_literal(text))
			{
				if (n < dstlen - 1)
					dst[n++] = '?';
			}
			else
				for (int i = 0; i < len && n < dstlen - 1; i++)
					dst[n++] = text[i];
			prev_end = loc + len;
		}
		scanner_finish(scanner);
		dst[n] = '\0';
	}
	PG_CATCH();
	{
		/* the scanner's errors hold no resources: forget it */
		MemoryContextSwitchTo(cxt);
		FlushErrorState();
		read = false;
	}
	PG_END_TRY();
	return read;
}

/*
 * The statement's shape.  The text may have been parsed under the other
 * setting of standard_conforming_strings (a SET earlier in the same query
 * string), which decides where a string with a backslash ends: it is read
 * under both, and unless both readings agree it is shaped "?", so that no
 * literal is ever taken for code.
 */
static void
statement_shape(const char *src, char *dst, int dstlen)
{
	char	   *other = palloc(dstlen);

	if (!shape_tokens(src, true, dst, dstlen) || !shape_tokens(src, false, other, dstlen) ||
		strcmp(dst, other) != 0)
		strlcpy(dst, "?", dstlen);
	pfree(other);
}

/* The slot counting what the database could not keep; NULL if none is free. */
static ReportLost *
lost_slot(Oid dboid, bool claim)
{
	ReportLost *free_slot = NULL;

	for (int i = 0; i < REPORT_DATABASES; i++)
	{
		if (report->lost[i].dboid == dboid)
			return &report->lost[i];
		if (free_slot == NULL && report->lost[i].dboid == InvalidOid)
			free_slot = &report->lost[i];
	}
	if (claim && free_slot != NULL)
	{
		free_slot->dboid = dboid;
		free_slot->notes = 0;
	}
	return claim ? free_slot : NULL;
}

/* Counts notes the database could not keep. */
static void
count_lost(Oid dboid, int64 notes)
{
	ReportLost *slot = lost_slot(dboid, true);

	/* 64 databases with losses at once: the first keeps counting for all */
	if (slot == NULL)
		slot = &report->lost[0];
	slot->notes += notes;
}

/*
 * Room for a new entry of the database: a free slot while its share and the
 * table have room, else its least recently seen entry (forgotten and
 * counted).  Caller holds the lock exclusively.
 */
static ReportEntry *
entry_slot(Oid dboid)
{
	int			mine = 0;
	int			oldest = -1;

	for (int j = 0; j < report->nentries; j++)
		if (report->entries[j].key.dboid == dboid)
		{
			mine++;
			if (oldest < 0 || report->entries[j].last_seen < report->entries[oldest].last_seen)
				oldest = j;
		}
	if (mine < REPORT_DB_ENTRIES && report->nentries < REPORT_ENTRIES)
		return &report->entries[report->nentries++];
	if (oldest < 0)
		return NULL;			/* the others' shares fill the table */
	count_lost(dboid, report->entries[oldest].statements);
	return &report->entries[oldest];
}

/*
 * The client's statement ended: its notes go to the shared table, each
 * counted once for the statement.
 */
void
report_statement_end(void)
{
	char		shape[REPORT_TEXT_LEN];
	uint32		hash;
	TimestampTz now;

	if ((npending == 0 && pending_lost == 0) || report == NULL)
	{
		report_statement_start();
		return;
	}
	statement_shape(debug_query_string != NULL ? debug_query_string : "", shape, sizeof(shape));
	hash = hash_bytes((const unsigned char *) shape, strlen(shape));
	now = GetCurrentTimestamp();

	LWLockAcquire(report->lock, LW_EXCLUSIVE);
	if (pending_lost > 0)
		count_lost(MyDatabaseId, pending_lost);
	for (int i = 0; i < npending; i++)
	{
		ReportKey  *key = &pending[i].key;
		ReportEntry *entry = NULL;

		key->dboid = MyDatabaseId;
		key->shape = hash;
		/* the hash finds it; the text tells shapes with equal hashes apart */
		for (int j = 0; j < report->nentries; j++)
			if (memcmp(&report->entries[j].key, key, sizeof(ReportKey)) == 0 &&
				strcmp(report->entries[j].statement, shape) == 0)
			{
				entry = &report->entries[j];
				break;
			}
		if (entry == NULL)
		{
			entry = entry_slot(MyDatabaseId);
			if (entry == NULL)
			{
				count_lost(MyDatabaseId, 1);
				continue;
			}
			memset(entry, 0, sizeof(ReportEntry));
			entry->key = *key;
			entry->first_seen = now;
			strlcpy(entry->statement, shape, sizeof(entry->statement));
		}
		entry->statements++;
		entry->rows += pending[i].rows;
		entry->last_seen = now;
	}
	LWLockRelease(report->lock);
	report_statement_start();
}

/*
 * protection_report_rows() returns setof record: the entries of this
 * database (the view compliance.protection_report).  A last row with event
 * 'not_recorded' counts the notes that found no room.
 */
Datum
protection_report_rows(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	ReportEntry *copy;
	int			n;
	int64		not_recorded = 0;

	InitMaterializedSRF(fcinfo, 0);
	if (report == NULL)
		PG_RETURN_VOID();
	copy = palloc(sizeof(ReportEntry) * REPORT_ENTRIES);
	LWLockAcquire(report->lock, LW_SHARED);
	n = report->nentries;
	memcpy(copy, report->entries, sizeof(ReportEntry) * n);
	for (int i = 0; i < REPORT_DATABASES; i++)
		if (report->lost[i].dboid == MyDatabaseId)
			not_recorded = report->lost[i].notes;
	LWLockRelease(report->lock);

	for (int i = 0; i < n; i++)
	{
		ReportEntry *e = &copy[i];
		Datum		values[10];
		bool		nulls[10] = {0};

		if (e->key.dboid != MyDatabaseId)
			continue;
		values[0] = ObjectIdGetDatum(e->key.relid);
		values[1] = CStringGetTextDatum(e->key.purpose);
		nulls[1] = e->key.purpose[0] == '\0';
		values[2] = ObjectIdGetDatum(e->key.roleid);
		values[3] = CStringGetTextDatum(event_names[e->key.event]);
		values[4] = CStringGetTextDatum(e->key.detail);
		nulls[4] = e->key.detail[0] == '\0';
		values[5] = CStringGetTextDatum(e->statement);
		values[6] = Int64GetDatum(e->statements);
		values[7] = Int64GetDatum(e->rows);
		values[8] = TimestampTzGetDatum(e->first_seen);
		values[9] = TimestampTzGetDatum(e->last_seen);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	if (not_recorded > 0)
	{
		Datum		values[10] = {0};
		bool		nulls[10] = {true, true, true, false, true, true, false, true, true, true};

		values[3] = CStringGetTextDatum("not_recorded");
		values[6] = Int64GetDatum(not_recorded);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	PG_RETURN_VOID();
}

/*
 * forget_report_entries(relids oid[]) returns bigint: forgets the
 * database's entries of those tables; once none of the database's entries
 * is left, its count of notes not recorded too.  Returns how many entries
 * were forgotten.  compliance.reset_protection_report() decides which
 * tables the caller may reset.
 */
Datum
forget_report_entries(PG_FUNCTION_ARGS)
{
	ArrayType  *relids = PG_GETARG_ARRAYTYPE_P(0);
	Datum	   *elems;
	bool	   *nulls;
	int			nelems;
	int64		removed = 0;
	int			kept = 0;
	bool		db_left = false;

	deconstruct_array(relids, OIDOID, sizeof(Oid), true, TYPALIGN_INT, &elems, &nulls, &nelems);
	if (report == NULL)
		PG_RETURN_INT64(0);
	LWLockAcquire(report->lock, LW_EXCLUSIVE);
	for (int i = 0; i < report->nentries; i++)
	{
		ReportEntry *e = &report->entries[i];
		bool		forget = false;

		if (e->key.dboid == MyDatabaseId)
			for (int k = 0; k < nelems && !forget; k++)
				forget = !nulls[k] && DatumGetObjectId(elems[k]) == e->key.relid;
		if (forget)
		{
			removed++;
			continue;
		}
		db_left |= e->key.dboid == MyDatabaseId;
		if (kept != i)
			report->entries[kept] = *e;
		kept++;
	}
	report->nentries = kept;
	if (!db_left)
	{
		ReportLost *slot = lost_slot(MyDatabaseId, false);

		if (slot != NULL)
			slot->dboid = InvalidOid;
	}
	LWLockRelease(report->lock);
	PG_RETURN_INT64(removed);
}
