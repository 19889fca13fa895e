/*-------------------------------------------------------------------------
 *
 * messages.c
 *	  Hints added to PostgreSQL's own errors about the extension's enums.
 *
 * A wrong label of an enum argument (legal_basis => 'contract') is
 * rejected by PostgreSQL before any function of ours runs, with
 * "invalid input value for enum", an array of labels written
 * ARRAY['read'] is a text[] that matches no function, and so is a subject
 * key passed as a number (give_consent(42, ...)): none says what to
 * write.  The emit_log_hook (compliance.c) adds the valid labels as the
 * hint.  It only reads the catalog, for errors raised by PostgreSQL's
 * input and function lookup in a transaction that is still valid, so it
 * cannot fail itself.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/pg_enum.h"
#include "catalog/pg_type.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/catcache.h"
#include "utils/memutils.h"
#include "utils/syscache.h"

#include "compliance.h"

/*
 * The labels of the extension's enum typname, in their order, as
 * "a, b, c"; NULL if it is not one (allocated in the current context).
 */
static char *
enum_labels(const char *typname)
{
	Oid			nsp = compliance_namespace();
	Oid			typoid;
	CatCList   *list;
	StringInfoData buf;
	int			nlabels;
	const char **labels;
	float4	   *orders;

	if (!OidIsValid(nsp))
		return NULL;
	typoid = GetSysCacheOid2(TYPENAMENSP, Anum_pg_type_oid, CStringGetDatum(typname),
							 ObjectIdGetDatum(nsp));
	if (!OidIsValid(typoid))
		return NULL;
	list = SearchSysCacheList1(ENUMTYPOIDNAME, ObjectIdGetDatum(typoid));
	nlabels = list->n_members;
	labels = palloc(sizeof(char *) * Max(nlabels, 1));
	orders = palloc(sizeof(float4) * Max(nlabels, 1));
	for (int i = 0; i < nlabels; i++)
	{
		Form_pg_enum e = (Form_pg_enum) GETSTRUCT(&list->members[i]->tuple);
		int			j = i;

		/* insertion by sort order: enums are short */
		while (j > 0 && orders[j - 1] > e->enumsortorder)
		{
			labels[j] = labels[j - 1];
			orders[j] = orders[j - 1];
			j--;
		}
		labels[j] = pstrdup(NameStr(e->enumlabel));
		orders[j] = e->enumsortorder;
	}
	ReleaseSysCacheList(list);
	if (nlabels == 0)
		return NULL;
	initStringInfo(&buf);
	for (int i = 0; i < nlabels; i++)
		appendStringInfo(&buf, "%s%s", i > 0 ? ", " : "", labels[i]);
	return buf.data;
}

static bool
identifier_char(char c)
{
	return (c >= 'a' && c <= 'z') || c == '_' || (c >= '0' && c <= '9');
}

/*
 * The name of the extension's object a message names ("compliance.name",
 * not "mycompliance.name"); NULL if it names none.
 */
static char *
extension_name_in(const char *message, const char *after)
{
	const char *p = message;
	const char *end;

	while ((p = strstr(p, after)) != NULL && p > message && (identifier_char(p[-1]) || p[-1] == '.'))
		p++;
	if (p == NULL)
		return NULL;
	p += strlen(after);
	for (end = p; identifier_char(*end); end++)
		;
	return end > p ? pnstrdup(p, end - p) : NULL;
}

/*
 * emit_log_hook (compliance.c): an error of PostgreSQL's about an enum of
 * the extension gets the valid labels as its hint.
 */
void
messages_add_hints(ErrorData *edata)
{
	MemoryContext old;
	char	   *typname;
	char	   *labels;

	if (edata->elevel != ERROR || edata->message_id == NULL ||
		edata->message == NULL || !IsTransactionState() || !OidIsValid(MyDatabaseId))
		return;

	if (edata->sqlerrcode == ERRCODE_INVALID_TEXT_REPRESENTATION && edata->hint == NULL &&
		strcmp(edata->message_id, "invalid input value for enum %s: \"%s\"") == 0)
	{
		old = MemoryContextSwitchTo(ErrorContext);
		typname = extension_name_in(edata->message, COMPLIANCE_SCHEMA ".");
		labels = typname != NULL ? enum_labels(typname) : NULL;
		if (labels != NULL)
			edata->hint = psprintf("Use one of the labels of %s.%s: %s.", COMPLIANCE_SCHEMA, typname, labels);
		MemoryContextSwitchTo(old);
		return;
	}

	/*
	 * A subject key passed as a number or uuid: the functions take the key
	 * as text, which the kind's subject columns decide how to read.
	 */
	if (edata->sqlerrcode == ERRCODE_UNDEFINED_FUNCTION &&
		strcmp(edata->message_id, "function %s does not exist") == 0 &&
		(strstr(edata->message, "(integer") != NULL || strstr(edata->message, "(bigint") != NULL ||
		 strstr(edata->message, "(smallint") != NULL || strstr(edata->message, "(uuid") != NULL ||
		 strstr(edata->message, "(numeric") != NULL) &&
		(typname = extension_name_in(edata->message, COMPLIANCE_SCHEMA ".")) != NULL)
	{
		old = MemoryContextSwitchTo(ErrorContext);
		edata->hint = psprintf("Subject keys are passed as text: write compliance.%s('42', ...) or cast the key, such as 42::text; the key is read as the subject columns of its kind hold it (an integer column: '042' is 42).",
							   typname);
		MemoryContextSwitchTo(old);
		return;
	}

	/*
	 * ARRAY['collection'] is a text[], which no function of ours takes:
	 * arrays of labels need the array literal or a cast.
	 */
	if (edata->sqlerrcode == ERRCODE_UNDEFINED_FUNCTION &&
		strcmp(edata->message_id, "function %s does not exist") == 0 &&
		strstr(edata->message, "text[]") != NULL &&
		(typname = extension_name_in(edata->message, COMPLIANCE_SCHEMA ".")) != NULL)
	{
		old = MemoryContextSwitchTo(ErrorContext);
		labels = enum_labels("processing_action");
		if (labels != NULL)
			edata->hint = psprintf("An array of labels written ARRAY['...'] is text[]: write it as an array literal, such as actions => '{collection,storage}', or cast it, such as ARRAY['collection']::compliance.processing_action[]. Labels of compliance.processing_action: %s.",
								   labels);
		MemoryContextSwitchTo(old);
	}
}
