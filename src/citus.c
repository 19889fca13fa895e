/*-------------------------------------------------------------------------
 *
 * citus.c
 *	  What the settings of a statement on a Citus table must be for the
 *	  workers to enforce as the coordinator does (doc/scaling.md).
 *
 * A query on a distributed table runs on the workers, in sessions of
 * Citus's own, and each worker enforces from its session's settings.
 * Citus sends a setting to those sessions only when it is set with SET
 * LOCAL in a transaction block and citus.propagate_set_commands is
 * 'local'.  A purpose declared any other way (a plain SET, set_config(),
 * a function's SET clause) stays on the coordinator: the workers would
 * refuse the query for want of a purpose, or, worse, filter its rows under
 * an older purpose of the same transaction while the coordinator checked
 * the columns under the new one; a recipient that stayed behind would
 * leave the rows returned to it unlogged on the workers, which capture
 * them (capture.c).  So this file remembers what the transaction's SET
 * LOCAL statements sent, and a statement on a Citus table is refused on
 * the node that plans it unless the purpose and recipient it runs under
 * are the ones sent.
 *
 * Officer functions (owner.c) run their statements unenforced; on a Citus
 * table those statements run on the workers too, so they are sent SET
 * LOCAL compliance.enforce = off, and on again once the statement is done.
 * Only a superuser may set it, on the workers as here: a table owned by
 * another role fails closed there.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "nodes/parsenodes.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"

#include "compliance.h"

/* A setting's value as this transaction's SET LOCAL sent it to the workers */
typedef struct SentSetting
{
	bool		sent;
	SubTransactionId subid;		/* the subtransaction that sent it */
	char		value[NAMEDATALEN];
} SentSetting;

static SentSetting sent_purpose;
static SentSetting sent_recipient;

/* Does Citus forward a SET LOCAL run now to the workers' sessions? */
static bool
citus_forwards_set_local(void)
{
	const char *mode = GetConfigOption("citus.propagate_set_commands", true, false);

	return mode != NULL && strcmp(mode, "local") == 0 && IsTransactionBlock();
}

/*
 * A utility statement that has just run (compliance.c): if it is SET LOCAL
 * of the purpose or recipient and Citus forwarded it, remember the value.
 * Any other change of them in a transaction is not remembered, and one
 * that may have been forwarded with a value not known here (SET LOCAL ...
 * TO DEFAULT) forgets what was sent: the check then refuses.
 */
void
citus_note_setting(Node *parsetree)
{
	VariableSetStmt *stmt = (VariableSetStmt *) parsetree;
	SentSetting *sent;
	const char *value;

	if (!IsA(parsetree, VariableSetStmt) || stmt->name == NULL || !stmt->is_local)
		return;
	if (strcmp(stmt->name, "compliance.purpose") == 0)
	{
		sent = &sent_purpose;
		value = compliance_purpose;
	}
	else if (strcmp(stmt->name, "compliance.recipient") == 0)
	{
		sent = &sent_recipient;
		value = compliance_recipient;
	}
	else
		return;
	sent->sent = false;
	if (stmt->kind != VAR_SET_VALUE || !citus_forwards_set_local())
		return;
	strlcpy(sent->value, value != NULL ? value : "", sizeof(sent->value));
	sent->subid = GetCurrentSubTransactionId();
	sent->sent = true;
}

/* Transaction end: nothing was sent in the next one yet. */
void
citus_xact_callback(XactEvent event)
{
	if (event == XACT_EVENT_COMMIT || event == XACT_EVENT_ABORT ||
		event == XACT_EVENT_PREPARE || event == XACT_EVENT_PARALLEL_COMMIT ||
		event == XACT_EVENT_PARALLEL_ABORT)
		sent_purpose.sent = sent_recipient.sent = false;
}

/* A subtransaction rolled back takes back what it (or one inside it) sent. */
void
citus_subxact_callback(SubXactEvent event, SubTransactionId subid)
{
	if (event != SUBXACT_EVENT_ABORT_SUB)
		return;
	if (sent_purpose.sent && sent_purpose.subid >= subid)
		sent_purpose.sent = false;
	if (sent_recipient.sent && sent_recipient.subid >= subid)
		sent_recipient.sent = false;
}

/*
 * A statement reads or writes Citus table relid under purpose (executor
 * start, enforce.c): refused unless the workers' sessions have the same
 * purpose, and the same recipient if one is set.
 */
void
citus_check_settings(Oid relid, const PurposeInfo *purpose)
{
	if (!sent_purpose.sent || strcmp(sent_purpose.value, purpose->code) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("purpose \"%s\" is not declared on the workers of distributed table \"%s\"",
						purpose->code, get_rel_name(relid)),
				 errdetail("The workers decide which rows may be processed (Art. 4.4 of Law 99-Z), and Citus sends them compliance.purpose only when it is declared with SET LOCAL in a transaction block, with citus.propagate_set_commands = 'local'."),
				 errhint("Declare it in each transaction: BEGIN; SET LOCAL compliance.purpose = '%s'; ... COMMIT.",
						 purpose->code)));
	if (compliance_recipient_set() &&
		(!sent_recipient.sent || strcmp(sent_recipient.value, compliance_recipient) != 0))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("recipient \"%s\" is not declared on the workers of distributed table \"%s\"",
						compliance_recipient, get_rel_name(relid)),
				 errdetail("The workers log the rows they return for a recipient (Art. 12 of Law 99-Z), and Citus sends them compliance.recipient only when it is declared with SET LOCAL in a transaction block, with citus.propagate_set_commands = 'local'."),
				 errhint("Declare it in each transaction: BEGIN; SET LOCAL compliance.recipient = '%s'; ... COMMIT.",
						 compliance_recipient)));
}

/*
 * Turns enforcement off (or on again) in the workers' sessions of this
 * transaction, for an officer's statement on a Citus table (owner.c).
 * Through SET LOCAL, which Citus forwards to the sessions open in the
 * transaction and to those it opens later; here the setting is undone at
 * once, since the officer's statement is unenforced by its depth.  In a
 * DO block: Citus forwards a SET LOCAL only in what it takes for a
 * transaction block, which a function called by a single statement is
 * not, but a DO block is.
 */
void
citus_workers_enforce(bool on)
{
	int			nestlevel;

	/*
	 * Citus opens a transaction on a worker for a read, and sends it the
	 * SET LOCAL statements, only in a transaction block or a coordinated
	 * transaction: an officer function called by a single statement must
	 * start one, or its reads would reach the workers enforced.
	 */
	if (!on)
	{
		void		(*use_coordinated_transaction) (void);

		use_coordinated_transaction = (void (*) (void))
			load_external_function("$libdir/citus", "UseCoordinatedTransaction", true, NULL);
		use_coordinated_transaction();
	}

	nestlevel = NewGUCNestLevel();

	(void) set_config_option("citus.propagate_set_commands", "local", PGC_USERSET,
							 PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute(on ? "DO $$BEGIN SET LOCAL compliance.enforce = on; END$$"
					: "DO $$BEGIN SET LOCAL compliance.enforce = off; END$$",
					false, 0) != SPI_OK_UTILITY)
		elog(ERROR, "could not set compliance.enforce on the Citus workers");
	SPI_finish();
	AtEOXact_GUC(true, nestlevel);
}
