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
 * The statement's text is kept only as its shape: literals, numbers and
 * comments are replaced, so the report holds no personal data a query
 * named (a surname in a WHERE clause).  The table is fixed in size; notes
 * that find no room are counted, and the report shows how many.  Entries
 * live until compliance.reset_protection_report() or a restart.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "common/hashfn.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
#include "tcop/tcopprot.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/timestamp.h"

#include "compliance.h"

#define REPORT_ENTRIES		2048	/* distinct (table, purpose, role, shape, event, detail) */
#define REPORT_PENDING		32		/* distinct notes of one statement */
#define REPORT_TEXT_LEN		512		/* bytes of a statement's shape kept */

PG_FUNCTION_INFO_V1(protection_report_rows);
PG_FUNCTION_INFO_V1(reset_protection_report);

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

typedef struct ReportShared
{
	LWLock	   *lock;
	int			nentries;
	int64		not_recorded;	/* notes that found no room */
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

/*
 * The statement's shape: its text with string, dollar-quoted and numeric
 * literals replaced by "?", comments dropped and white space collapsed.
 */
static void
statement_shape(const char *src, char *dst, int dstlen)
{
	int			n = 0;
	bool		space = false;

#define PUT(c) do { if (n < dstlen - 1) dst[n++] = (c); } while (0)
	while (*src != '\0' && n < dstlen - 1)
	{
		char		c = *src;

		if (c == '-' && src[1] == '-')
		{
			while (*src != '\0' && *src != '\n')
				src++;
			space = true;
			continue;
		}
		if (c == '/' && src[1] == '*')
		{
			int			depth = 0;

			do
			{
				if (src[0] == '/' && src[1] == '*')
					depth++, src += 2;
				else if (src[0] == '*' && src[1] == '/')
					depth--, src += 2;
				else
					src++;
			} while (*src != '\0' && depth > 0);
			space = true;
			continue;
		}
		if (isspace((unsigned char) c))
		{
			space = true;
			src++;
			continue;
		}
		if (space && n > 0)
			PUT(' ');
		space = false;
		if (c == '\'' || ((c == 'E' || c == 'e') && src[1] == '\''))
		{
			bool		escapes = c != '\'';

			src += escapes ? 2 : 1;
			while (*src != '\0')
			{
				if (escapes && *src == '\\' && src[1] != '\0')
					src += 2;
				else if (*src == '\'' && src[1] == '\'')
					src += 2;
				else if (*src == '\'')
				{
					src++;
					break;
				}
				else
					src++;
			}
			PUT('?');
			continue;
		}
		if (c == '$' && !isdigit((unsigned char) src[1]))
		{
			const char *tag_end = src + 1;

			while (isalnum((unsigned char) *tag_end) || *tag_end == '_')
				tag_end++;
			if (*tag_end == '$')
			{
				int			taglen = tag_end - src + 1;
				const char *body = tag_end + 1;
				const char *close = body;

				while (*close != '\0' && strncmp(close, src, taglen) != 0)
					close++;
				src = *close != '\0' ? close + taglen : close;
				PUT('?');
				continue;
			}
		}
		if (isdigit((unsigned char) c) &&
			(n == 0 || !(isalnum((unsigned char) dst[n - 1]) || dst[n - 1] == '_' ||
						 dst[n - 1] == '$' || dst[n - 1] == '"')))
		{
			while (isalnum((unsigned char) *src) || *src == '.')
				src++;
			PUT('?');
			continue;
		}
		if (c == '"')
		{
			/* a quoted identifier is kept as written */
			PUT(*src++);
			while (*src != '\0')
			{
				if (*src == '"' && src[1] == '"')
				{
					PUT('"');
					PUT('"');
					src += 2;
					continue;
				}
				if (*src == '"')
					break;
				PUT(*src++);
			}
			if (*src == '"')
				PUT(*src++);
			continue;
		}
		PUT(c);
		src++;
	}
#undef PUT
	dst[n] = '\0';
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
	report->not_recorded += pending_lost;
	for (int i = 0; i < npending; i++)
	{
		ReportKey  *key = &pending[i].key;
		ReportEntry *entry = NULL;

		key->dboid = MyDatabaseId;
		key->shape = hash;
		for (int j = 0; j < report->nentries; j++)
			if (memcmp(&report->entries[j].key, key, sizeof(ReportKey)) == 0)
			{
				entry = &report->entries[j];
				break;
			}
		if (entry == NULL)
		{
			if (report->nentries == REPORT_ENTRIES)
			{
				report->not_recorded++;
				continue;
			}
			entry = &report->entries[report->nentries++];
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
	int64		not_recorded;

	InitMaterializedSRF(fcinfo, 0);
	if (report == NULL)
		PG_RETURN_VOID();
	copy = palloc(sizeof(ReportEntry) * REPORT_ENTRIES);
	LWLockAcquire(report->lock, LW_SHARED);
	n = report->nentries;
	memcpy(copy, report->entries, sizeof(ReportEntry) * n);
	not_recorded = report->not_recorded;
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
 * reset_protection_report(tbl regclass DEFAULT NULL) returns bigint: forgets
 * the database's entries (of one table, or all, and then the count of notes
 * not recorded too); returns how many were forgotten.
 */
Datum
reset_protection_report(PG_FUNCTION_ARGS)
{
	Oid			relid = PG_ARGISNULL(0) ? InvalidOid : PG_GETARG_OID(0);
	int64		removed = 0;
	int			kept = 0;

	if (report == NULL)
		PG_RETURN_INT64(0);
	LWLockAcquire(report->lock, LW_EXCLUSIVE);
	for (int i = 0; i < report->nentries; i++)
	{
		ReportEntry *e = &report->entries[i];

		if (e->key.dboid == MyDatabaseId && (!OidIsValid(relid) || e->key.relid == relid))
		{
			removed++;
			continue;
		}
		if (kept != i)
			report->entries[kept] = *e;
		kept++;
	}
	report->nentries = kept;
	if (!OidIsValid(relid))
		report->not_recorded = 0;
	LWLockRelease(report->lock);
	PG_RETURN_INT64(removed);
}
