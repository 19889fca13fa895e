/*-------------------------------------------------------------------------
 *
 * subject_changes.c
 *	  Which data subjects' consent state or block changed, in shared
 *	  memory, so that every backend drops only those subjects from its
 *	  consent cache (cache.c) instead of all of them.
 *
 * A withdrawal must apply in every session from its next statement after
 * the commit (Art. 10 of Law 99-Z).  Dropping every backend's whole cache
 * at each consent change made that correct but slow: under a stream of
 * withdrawals each backend refilled its cache at almost every statement.
 *
 * The row triggers on compliance.consent_state and blocked_subjects list
 * the subjects a transaction changes.  At commit, once the change is
 * visible to new snapshots (XACT_EVENT_COMMIT), the list goes into a ring
 * in shared memory; a transaction that changes too many subjects, or one
 * whose key is too long to store, writes one "everything in this database"
 * entry instead.  At each statement a backend reads the entries written
 * since it last looked and forgets those subjects; if it fell more than a
 * ring behind, it forgets everything.  Entries are written after the
 * commit is visible, so a backend that read a subject's state before the
 * commit finds the entry at a later statement, and one that reads after
 * finds the new state.
 *
 * A hot standby has its own shared memory, which replay does not fill:
 * there the relcache invalidation of consent_change_signal that the
 * trigger also queues (and which is WAL-logged with the commit) empties
 * the whole cache, as before.  A prepared transaction (two-phase commit) commits without
 * this backend, so one that changed consent state is refused, with one
 * exception: on a Citus worker, the copy of the coordinator's consent state
 * is written in the coordinator's distributed transaction, which Citus
 * prepares (src/sql/97_citus.sql).  Such a transaction says so
 * (subject_changes_allow_prepare()), and instead of the ring it queues a
 * relcache invalidation of consent_prepared_signal, which COMMIT PREPARED
 * sends to every backend: they forget every subject at their next
 * statement (cache.c).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "access/xlog.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "port/atomics.h"
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
#include "utils/builtins.h"
#include "utils/inval.h"
#include "utils/memutils.h"

#include "compliance.h"

#define CHANGE_RING_SIZE	16384	/* entries; a backend further behind forgets all */
#define CHANGE_KEY_MAX		54		/* bytes of a subject key stored as such */
#define CHANGE_LIST_MAX		4096	/* subjects a transaction lists before "all" */
#define CHANGE_ALL			0xFFFF	/* length of an "everything changed" entry */

typedef struct SubjectChange
{
	uint64		seq;			/* position written; tells an overwritten slot */
	Oid			dboid;
	uint16		len;			/* CHANGE_ALL: every subject of the database */
	char		key[CHANGE_KEY_MAX];
} SubjectChange;

typedef struct SubjectChangeRing
{
	LWLock	   *lock;
	pg_atomic_uint64 next;		/* position of the next entry */
	SubjectChange ring[CHANGE_RING_SIZE];
} SubjectChangeRing;

static SubjectChangeRing *changes = NULL;

/* This transaction's changed subjects (TopTransactionContext), or "all". */
static List *pending = NIL;
static bool pending_all = false;
static bool pending_invalidation_queued = false;
static bool pending_prepare_allowed = false;

static Size
subject_changes_shmem_size(void)
{
	return MAXALIGN(sizeof(SubjectChangeRing));
}

void
subject_changes_shmem_request(void)
{
	RequestAddinShmemSpace(subject_changes_shmem_size());
	RequestNamedLWLockTranche("compliance_subject_changes", 1);
}

void
subject_changes_shmem_startup(void)
{
	bool		found;

	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	changes = ShmemInitStruct("compliance_subject_changes",
							  subject_changes_shmem_size(), &found);
	if (!found)
	{
		changes->lock = &(GetNamedLWLockTranche("compliance_subject_changes"))->lock;
		pg_atomic_init_u64(&changes->next, 1);
		for (int i = 0; i < CHANGE_RING_SIZE; i++)
			changes->ring[i].seq = 0;
	}
	LWLockRelease(AddinShmemInitLock);
}

/* Writes this transaction's list into the ring: it has just committed. */
static void
publish_pending(void)
{
	uint64		seq;
	ListCell   *lc;

	LWLockAcquire(changes->lock, LW_EXCLUSIVE);
	seq = pg_atomic_read_u64(&changes->next);
	if (pending_all)
	{
		SubjectChange *c = &changes->ring[seq % CHANGE_RING_SIZE];

		c->seq = seq++;
		c->dboid = MyDatabaseId;
		c->len = CHANGE_ALL;
	}
	else
		foreach(lc, pending)
		{
			text	   *subject = lfirst(lc);
			SubjectChange *c = &changes->ring[seq % CHANGE_RING_SIZE];

			c->seq = seq++;
			c->dboid = MyDatabaseId;
			c->len = VARSIZE_ANY_EXHDR(subject);
			memcpy(c->key, VARDATA_ANY(subject), c->len);
		}
	pg_atomic_write_u64(&changes->next, seq);
	LWLockRelease(changes->lock);
}

/*
 * This (sub)transaction's changes did not happen, and this session may
 * have read them: it must forget everything (aborts are rare, and
 * forgetting every subject allocates nothing while the transaction aborts).
 */
static bool
undone_pending(void)
{
	return pending != NIL || pending_all;
}

/*
 * At the end of a transaction: publishes its list at commit.  True if this
 * backend must forget every subject.
 */
bool
subject_changes_xact_callback(XactEvent event)
{
	bool		forget_all = false;

	if (pending == NIL && !pending_all)
		return false;
	switch (event)
	{
		case XACT_EVENT_PRE_PREPARE:
			if (pending_prepare_allowed)
			{
				CacheInvalidateRelcacheByRelid(compliance_relid("consent_prepared_signal", false));
				return false;	/* the list goes at PREPARE, below */
			}
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("cannot prepare a transaction that changed consent or blocks"),
					 errdetail("Every session must stop processing a subject's data at its next statement after a withdrawal or block commits (Art. 10, 13 of Law 99-Z), which a two-phase commit would delay unseen."),
					 errhint("Give, withdraw, block and erase in an ordinary transaction.")));
			break;
		case XACT_EVENT_COMMIT:
			publish_pending();
			break;
		case XACT_EVENT_PREPARE:
			/* the invalidation queued at PRE_PREPARE goes at COMMIT PREPARED */
			break;
		case XACT_EVENT_ABORT:
			forget_all = undone_pending();
			break;
		default:
			return false;
	}
	/* the list itself goes with TopTransactionContext */
	pending = NIL;
	pending_all = false;
	pending_invalidation_queued = false;
	pending_prepare_allowed = false;
	return forget_all;
}

/*
 * The current transaction writes a Citus worker's copy of the consent
 * state for the coordinator, and may be prepared (see the header).
 */
void
subject_changes_allow_prepare(void)
{
	pending_prepare_allowed = true;
}

/*
 * compliance.citus_prepare_allowed(): called by the function that applies
 * the coordinator's changes on a Citus worker (97_citus.sql), never by
 * users (no grant).
 */
PG_FUNCTION_INFO_V1(citus_prepare_allowed);

Datum
citus_prepare_allowed(PG_FUNCTION_ARGS)
{
	subject_changes_allow_prepare();
	PG_RETURN_VOID();
}

/*
 * An aborted subtransaction's changes are undone: true if this backend
 * must read those subjects again (it forgets every subject).
 */
bool
subject_changes_subxact_callback(SubXactEvent event)
{
	if (event != SUBXACT_EVENT_ABORT_SUB)
		return false;
	/*
	 * The standby's invalidation, if queued inside it, is discarded with
	 * it: queue it again at the next change (a second one is harmless).
	 */
	pending_invalidation_queued = false;
	return undone_pending();
}

/*
 * This transaction changed a subject's state (subject NULL: possibly every
 * subject's).  The caller forgets it at once, so this backend's own later
 * statements read the change; other backends forget it at their first
 * statement after the commit.  True if the caller must forget every
 * subject instead of this one.
 */
bool
subject_changes_note(const char *subject, int len)
{
	MemoryContext oldcxt;

	if (!pending_invalidation_queued)
	{
		/*
		 * For hot standbys, which replay it with the commit.  It names a
		 * relation no plan reads, so that cached plans reading
		 * consent_state stay valid.
		 */
		CacheInvalidateRelcacheByRelid(compliance_relid("consent_change_signal", false));
		pending_invalidation_queued = true;
	}
	if (subject == NULL || len > CHANGE_KEY_MAX || list_length(pending) >= CHANGE_LIST_MAX)
	{
		pending_all = true;
		return true;
	}
	if (pending_all)
		return false;
	oldcxt = MemoryContextSwitchTo(TopTransactionContext);
	pending = lappend(pending, cstring_to_text_with_len(subject, len));
	MemoryContextSwitchTo(oldcxt);
	return false;
}

/*
 * Reads the entries written since *seen for this database: calls forget for
 * each subject and advances *seen.  Returns false if the caller must forget
 * everything (an "all" entry, or it fell more than a ring behind).  Does
 * nothing on a hot standby (see the header).
 */
bool
subject_changes_apply(uint64 *seen, void (*forget) (const char *subject, int len))
{
	uint64		next;
	bool		complete = true;

	if (changes == NULL || RecoveryInProgress())
		return true;
	next = pg_atomic_read_u64(&changes->next);
	if (next == *seen)
		return true;
	if (next - *seen > CHANGE_RING_SIZE)
	{
		*seen = next;
		return false;
	}
	LWLockAcquire(changes->lock, LW_SHARED);
	next = pg_atomic_read_u64(&changes->next);
	for (uint64 s = *seen; s < next && complete; s++)
	{
		SubjectChange *c = &changes->ring[s % CHANGE_RING_SIZE];

		if (c->seq != s)
			complete = false;	/* overwritten meanwhile */
		else if (c->dboid != MyDatabaseId)
			continue;
		else if (c->len == CHANGE_ALL)
			complete = false;
		else
			forget(c->key, c->len);
	}
	LWLockRelease(changes->lock);
	*seen = next;
	return complete;
}

/* The current position: a cache filled after this has every earlier change. */
uint64
subject_changes_position(void)
{
	return changes == NULL ? 0 : pg_atomic_read_u64(&changes->next);
}
