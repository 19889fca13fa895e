/*-------------------------------------------------------------------------
 *
 * session.c
 *	  What every module reads of the session: the values of the settings
 *	  and how deep the running statement is nested.
 *
 * Only compliance.c writes them: it defines the settings over these
 * variables and counts statements in its executor and utility hooks.  The
 * modules read them and call nothing here, so the values live in a file
 * that depends on none of them (doc/architecture.md, "Dependencies").
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "compliance.h"

char	   *compliance_purpose = NULL;
char	   *compliance_recipient = NULL;
int			compliance_on_blocked_read = BLOCKED_READ_FILTER;
bool		compliance_notice_filtered_rows = false;
bool		compliance_enforce = true;
bool		compliance_officer_statement = false;
int			compliance_cache_subjects = 1000000;
bool		compliance_ledger_protection = true;
char	   *compliance_transfer_basis = NULL;
char	   *compliance_transfer_permit = NULL;
int			compliance_capture_ring_kb = 2048;
int			compliance_dead_letter_after = 60;
int			compliance_consent_clock_advance = 0;

/*
 * Executors and utility statements running: 0 while a statement the
 * client sent is planned (or COPY's query), more inside functions, DO
 * blocks and other statements.
 */
int			compliance_statement_depth = 0;
int			compliance_restricted_depth = 0;
int			compliance_integrity_depth = 0;
bool		compliance_integrity_action = false;
int			compliance_planning = 0;
int			compliance_holdable_runs = 0;
uint64		compliance_executor_runs = 0;

/*
 * compliance.consent_clock(): the SQL side of compliance_consent_clock(),
 * so that consent_status and the access report judge validity as the row
 * filter does.
 */
PG_FUNCTION_INFO_V1(consent_clock);

Datum
consent_clock(PG_FUNCTION_ARGS)
{
	PG_RETURN_TIMESTAMPTZ(compliance_consent_clock());
}

/* ---------------------------------------------------------------------
 * Settings fixed per statement
 * ---------------------------------------------------------------------
 */
static StatementSettings *running_statements = NULL;

static void
forget_statement_settings(void *arg)
{
	StatementSettings **link = &running_statements;

	while (*link != NULL && *link != arg)
		link = &(*link)->next;
	if (*link != NULL)
		*link = (*link)->next;
}

static char *
copy_setting(const char *value)
{
	return pstrdup(value != NULL ? value : "");
}

/*
 * At executor start (the permission-check hook, which runs in the
 * executor's query context): records the settings the statement runs
 * under.
 */
StatementSettings *
compliance_fix_statement_settings(void)
{
	StatementSettings *s = palloc0(sizeof(StatementSettings));
	MemoryContextCallback *cb = palloc0(sizeof(MemoryContextCallback));

	s->cxt = CurrentMemoryContext;
	s->purpose = copy_setting(compliance_purpose);
	s->recipient = copy_setting(compliance_recipient);
	s->transfer_basis = copy_setting(compliance_transfer_basis);
	s->transfer_permit = copy_setting(compliance_transfer_permit);
	s->next = running_statements;
	running_statements = s;
	cb->func = forget_statement_settings;
	cb->arg = s;
	MemoryContextRegisterResetCallback(CurrentMemoryContext, cb);
	return s;
}

const StatementSettings *
compliance_statement_settings(MemoryContext cxt)
{
	for (; cxt != NULL; cxt = cxt->parent)
		for (StatementSettings *s = running_statements; s != NULL; s = s->next)
			if (s->cxt == cxt)
				return s;
	return NULL;
}
