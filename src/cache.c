/*-------------------------------------------------------------------------
 *
 * cache.c
 *	  Backend-local cache of consent state and blocks, per data subject:
 *	  the hot path of enforcement.
 *
 * Filled from compliance.consent_state and compliance.blocked_subjects
 * with the latest committed snapshot: all subjects in one scan when they
 * fit in compliance.cache_subjects, otherwise one subject at a time.  At
 * each statement the subjects whose state others changed since are
 * forgotten (subject_changes.c) and reread when next needed, so a
 * withdrawal or block committed elsewhere applies from the next statement
 * on, also inside older REPEATABLE READ transactions.  On a hot standby a
 * replayed change empties the whole cache (relcache invalidation).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "access/xlog.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "common/hashfn.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/timestamp.h"
#include "utils/inval.h"
#include "utils/memutils.h"

#include "compliance.h"

typedef struct SubjectKey
{
	const char *data;
	int			len;
} SubjectKey;

typedef struct ConsentEntry
{
	PurposeId	purpose;
	char		status;			/* 'g': given or renewed, 'w': withdrawn, 'x': refused */
	bool		has_end;
	TimestampTz valid_until;
} ConsentEntry;

typedef struct SubjectState
{
	SubjectKey	key;			/* hash key; data lives in cache_context */
	bool		stale;			/* changed since read: read again before use */
	bool		blocked;
	int			nconsents;
	ConsentEntry *consents;
} SubjectState;

/*
 * Integer subject keys (int2/int4/int8 columns, the common case) are also
 * indexed by value, with the last verdict memoised in the 16-byte entry:
 * a full scan visits subjects in random order, and one lookup in a compact
 * array costs far less than printing the key and chasing the subject's
 * state through memory.  The memo is valid for one purpose and "special"
 * flag (ctx); verdicts that depend on the clock (a consent with
 * valid_until) are not memoised.  The index goes with the cache on reset.
 */
typedef struct IntSubject
{
	int64		key;
	uint32		ctx;			/* 0: no memo; else purpose id * 2 + special + 1 */
	uint8		verdict;
	char		status;			/* simplehash's slot status */
} IntSubject;

#define SH_PREFIX		intsubj
#define SH_ELEMENT_TYPE	IntSubject
#define SH_KEY_TYPE		int64
#define SH_KEY			key
#define SH_HASH_KEY(tb, k)	murmurhash32((uint32) ((uint64) (k) ^ ((uint64) (k) >> 32)))
#define SH_EQUAL(tb, a, b)	((a) == (b))
#define SH_SCOPE		static inline
#define SH_DEFINE
#define SH_DECLARE
#include "lib/simplehash.h"

static intsubj_hash *int_subjects = NULL;

/*
 * Keys in [0, DENSE_LIMIT) (ids from a sequence) have their memo in a
 * plain array indexed by the key: one byte a subject, so 100,000 subjects
 * fit in the CPU cache.  0: unknown; otherwise the verdict + 1, for one
 * purpose and "special" flag (dense_ctx).  Grown on demand; freed with
 * the cache.
 */
#define DENSE_LIMIT		(16 * 1024 * 1024)
static uint8 *dense = NULL;
static int64 dense_size = 0;
static uint32 dense_ctx = 0;

static MemoryContext cache_context = NULL;
static HTAB *subjects = NULL;
static bool cache_valid = false;
static bool cache_complete = false;	/* every subject with state is in the cache */
static Oid	state_relid = InvalidOid;
static Oid	blocked_relid = InvalidOid;
static uint64 changes_seen = 0; /* position in subject_changes.c's ring */

static const char *bulk_query =
"SELECT subject, compliance.purpose_id(purpose), status, valid_until FROM compliance.consent_state"
" UNION ALL SELECT subject, 0, 'b', NULL FROM compliance.blocked_subjects"
" ORDER BY 1";
static const char *subject_query =
"SELECT subject, compliance.purpose_id(purpose), status, valid_until FROM compliance.consent_state"
" WHERE subject OPERATOR(pg_catalog.=) $1"
" UNION ALL SELECT subject, 0, 'b', NULL FROM compliance.blocked_subjects"
" WHERE subject OPERATOR(pg_catalog.=) $1";
static SPIPlanPtr subject_plan = NULL;

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
static void
cache_relcache_callback(Datum arg, Oid relid)
{
	if (relid == InvalidOid ||
		((relid == state_relid || relid == blocked_relid) && RecoveryInProgress()))
		cache_valid = false;
}

void
cache_init(void)
{
	CacheRegisterRelcacheCallback(cache_relcache_callback, (Datum) 0);
}

static void
cache_reset(void)
{
	HASHCTL		ctl;

	if (cache_context == NULL)
		cache_context = AllocSetContextCreate(CacheMemoryContext, "compliance consent cache",
											  ALLOCSET_DEFAULT_SIZES);
	else
		MemoryContextReset(cache_context);
	subject_plan = NULL;		/* SPI plans are not kept across resets */

	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(SubjectKey);
	ctl.entrysize = sizeof(SubjectState);
	ctl.hash = subject_hash;
	ctl.match = subject_match;
	ctl.keycopy = subject_keycopy;
	ctl.hcxt = cache_context;
	subjects = hash_create("compliance subjects", 1024, &ctl,
						   HASH_ELEM | HASH_FUNCTION | HASH_COMPARE | HASH_KEYCOPY | HASH_CONTEXT);
	int_subjects = intsubj_create(cache_context, 1024, NULL);
	dense = NULL;
	dense_size = 0;
	dense_ctx = 0;
	cache_complete = false;
}

/*
 * Adds the SPI result rows (ordered or filtered by subject) to the cache.
 * Returns false if the cache bound was reached.
 */
static bool
cache_add_rows(void)
{
	SubjectState *current = NULL;
	int			capacity = 0;

	for (uint64 i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;
		text	   *subject = DatumGetTextPP(SPI_getbinval(tup, desc, 1, &isnull));
		SubjectKey	key = {VARDATA_ANY(subject), VARSIZE_ANY_EXHDR(subject)};
		char	   *status_text = TextDatumGetCString(SPI_getbinval(tup, desc, 3, &isnull));
		char		status;
		Datum		until;

		/* given and renewed both authorise processing */
		if (strcmp(status_text, "given") == 0 || strcmp(status_text, "renewed") == 0)
			status = 'g';
		else if (strcmp(status_text, "withdrawn") == 0)
			status = 'w';
		else if (strcmp(status_text, "refused") == 0)
			status = 'x';
		else
			status = 'b';		/* a row of blocked_subjects */

		if (current == NULL || subject_match(&current->key, &key, 0) != 0)
		{
			bool		found;

			if (hash_get_num_entries(subjects) >= compliance_cache_subjects)
				return false;
			current = hash_search(subjects, &key, HASH_ENTER, &found);
			if (!found)
			{
				current->stale = false;
				current->blocked = false;
				current->nconsents = 0;
				current->consents = NULL;
			}
			capacity = current->nconsents;
		}
		if (status == 'b')
		{
			current->blocked = true;
			continue;
		}
		if (current->nconsents >= capacity)
		{
			capacity = Max(4, capacity * 2);
			current->consents = current->consents == NULL
				? MemoryContextAlloc(cache_context, sizeof(ConsentEntry) * capacity)
				: repalloc(current->consents, sizeof(ConsentEntry) * capacity);
		}
		{
			ConsentEntry *c = &current->consents[current->nconsents++];

			c->purpose = DatumGetInt32(SPI_getbinval(tup, desc, 2, &isnull));
			c->status = status;
			until = SPI_getbinval(tup, desc, 4, &isnull);
			c->has_end = !isnull;
			c->valid_until = isnull ? 0 : DatumGetTimestampTz(until);
		}
	}
	return true;
}

/* Reads every subject's state in one scan, if they fit. */
static void
cache_fill(void)
{
	CatalogUserSave save;

	cache_reset();
	/* changes committed from here on are applied after this fill */
	changes_seen = subject_changes_position();
	state_relid = compliance_relid("consent_state", false);
	blocked_relid = compliance_relid("blocked_subjects", false);
	cache_valid = true;

	compliance_become_owner(&save);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute_snapshot(SPI_prepare(bulk_query, 0, NULL), NULL, NULL,
							 compliance_fresh_snapshot(), InvalidSnapshot,
							 true, false, (long) compliance_cache_subjects * 8) != SPI_OK_SELECT)
		elog(ERROR, "could not read compliance.consent_state");
	cache_complete = cache_add_rows() &&
		SPI_processed < (uint64) compliance_cache_subjects * 8;
	SPI_finish();
	compliance_restore_user(&save);
	if (!cache_complete)
		cache_reset();			/* too many: load subjects on demand */
}

/*
 * Forgets the subjects whose state others changed since the last call:
 * once per statement (enforce.c), so their rows are decided anew.
 */
void
cache_accept_changes(void)
{
	if (cache_valid && !subject_changes_apply(&changes_seen, cache_forget_subject))
		cache_valid = false;
}

/* Ensures the cache reflects the latest committed state; cheap when warm. */
void
cache_ensure_valid(void)
{
	cache_accept_changes();
	if (!cache_valid)
		cache_fill();
}

/* Forgets everything: the next use reads every subject again. */
void
cache_forget_all(void)
{
	cache_valid = false;
}

/* A subject key's integer value, if it is an integer written canonically. */
static bool
int_subject_key(const char *subject, int len, int64 *value)
{
	char		buf[32];
	char		check[32];
	char	   *end;

	if (len <= 0 || len >= (int) sizeof(buf))
		return false;
	memcpy(buf, subject, len);
	buf[len] = '\0';
	errno = 0;
	*value = strtoi64(buf, &end, 10);
	if (errno != 0 || *end != '\0')
		return false;
	snprintf(check, sizeof(check), INT64_FORMAT, *value);
	return strcmp(check, buf) == 0;
}

/*
 * Forgets one subject: its state is read again at its next lookup.  With
 * a complete cache a missing subject means "no state", so it gets a stale
 * entry instead; past the bound, everything is forgotten.
 */
void
cache_forget_subject(const char *subject, int len)
{
	SubjectKey	key = {subject, len};
	SubjectState *state;
	int64		ikey;
	bool		found;

	if (!cache_valid || subjects == NULL)
		return;
	if (cache_complete)
	{
		if (hash_get_num_entries(subjects) >= compliance_cache_subjects)
		{
			cache_valid = false;
			return;
		}
		state = hash_search(subjects, &key, HASH_ENTER, &found);
		if (!found)
		{
			state->blocked = false;
			state->nconsents = 0;
			state->consents = NULL;
		}
		state->stale = true;
	}
	else if ((state = hash_search(subjects, &key, HASH_FIND, NULL)) != NULL)
		state->stale = true;

	if (int_subject_key(subject, len, &ikey))
	{
		if (ikey >= 0 && ikey < DENSE_LIMIT)
		{
			if (ikey < dense_size)
				dense[ikey] = 0;
		}
		else
			intsubj_delete(int_subjects, ikey);
	}
}

static SubjectState *
cache_load_subject(const SubjectKey *key)
{
	Oid			argtypes[1] = {TEXTOID};
	Datum		values[1];
	SubjectState *state;
	bool		found;
	CatalogUserSave save;

	if (hash_get_num_entries(subjects) >= compliance_cache_subjects)
		cache_reset();
	/* what is cached of it is stale: the rows read now are its whole state */
	state = hash_search(subjects, key, HASH_FIND, NULL);
	if (state != NULL)
	{
		if (state->consents != NULL)
			pfree(state->consents);
		state->consents = NULL;
		state->nconsents = 0;
		state->blocked = false;
	}

	compliance_become_owner(&save);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (subject_plan == NULL)
	{
		SPIPlanPtr	plan = SPI_prepare(subject_query, 1, argtypes);

		if (plan == NULL || SPI_keepplan(plan) != 0)
			elog(ERROR, "could not prepare the consent state query");
		subject_plan = plan;
	}
	values[0] = PointerGetDatum(cstring_to_text_with_len(key->data, key->len));
	if (SPI_execute_snapshot(subject_plan, values, NULL, compliance_fresh_snapshot(),
							 InvalidSnapshot, true, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read compliance.consent_state");
	cache_add_rows();
	SPI_finish();
	compliance_restore_user(&save);

	/* A subject with no state at all is cached too, as such. */
	state = hash_search(subjects, key, HASH_ENTER, &found);
	if (!found)
	{
		state->blocked = false;
		state->nconsents = 0;
		state->consents = NULL;
	}
	state->stale = false;
	return state;
}

static SubjectState *
find_subject(const char *subject, int len)
{
	SubjectKey	key = {subject, len};
	SubjectState *state;

	if (unlikely(!cache_valid))
		cache_fill();
	state = hash_search(subjects, &key, HASH_FIND, NULL);
	if ((state == NULL && !cache_complete) || (state != NULL && state->stale))
		state = cache_load_subject(&key);
	return state;
}

/*
 * The decision for a subject's cached state (NULL: none).  *timed is set
 * when it rests on a consent with an end, so it may change with the clock.
 */
static Verdict
state_verdict(const SubjectState *state, const PurposeInfo *purpose, bool special,
			  bool *timed)
{
	TimestampTz now;

	if (state != NULL && state->blocked)
		return VERDICT_BLOCKED;
	if (!purpose->needs_consent && !(special && !purpose->allows_special))
		return VERDICT_ALLOWED;
	if (state == NULL)
		return VERDICT_NO_CONSENT;
	now = GetCurrentStatementStartTimestamp();
	for (int i = 0; i < state->nconsents; i++)
	{
		ConsentEntry *c = &state->consents[i];

		if (c->purpose != purpose->id)
			continue;
		if (c->status == 'w')
			return VERDICT_WITHDRAWN;
		if (c->status == 'x')
			return VERDICT_REFUSED;
		*timed = c->has_end;
		if (c->has_end && c->valid_until <= now)
			return VERDICT_EXPIRED;
		return VERDICT_ALLOWED;
	}
	return VERDICT_NO_CONSENT;
}

/*
 * May the subject's rows be processed under this purpose now?  special:
 * special-category data are involved (Art. 8).  The verdict says why not.
 */
Verdict
cache_verdict(const char *subject, int len, const PurposeInfo *purpose, bool special)
{
	bool		timed = false;

	return state_verdict(find_subject(subject, len), purpose, special, &timed);
}

/* The same for an integer subject key, without printing it when warm. */
Verdict
cache_verdict_int(int64 subject, const PurposeInfo *purpose, bool special)
{
	uint32		ctx = ((uint32) purpose->id << 1 | (special ? 1 : 0)) + 1;
	IntSubject *entry;
	bool		found;
	bool		timed = false;
	char		buf[32];
	int			len;
	Verdict		verdict;

	if (unlikely(!cache_valid))
		cache_fill();
	if (subject >= 0 && subject < DENSE_LIMIT)
	{
		if (dense_ctx == ctx && subject < dense_size && dense[subject] != 0)
			return (Verdict) (dense[subject] - 1);
	}
	else
	{
		entry = intsubj_lookup(int_subjects, subject);
		if (entry != NULL && entry->ctx == ctx)
			return (Verdict) entry->verdict;
	}

	len = snprintf(buf, sizeof(buf), INT64_FORMAT, subject);
	verdict = state_verdict(find_subject(buf, len), purpose, special, &timed);

	/* loading the subject may have reset the cache, and with it the memos */
	if (subject >= 0 && subject < DENSE_LIMIT)
	{
		if (timed)
			return verdict;
		if (dense_ctx != ctx && dense != NULL)
			memset(dense, 0, dense_size);
		dense_ctx = ctx;
		if (subject >= dense_size)
		{
			int64		size = Max(dense_size, 1024);

			while (size <= subject)
				size *= 2;
			size = Min(size, DENSE_LIMIT);
			dense = dense == NULL
				? MemoryContextAllocZero(cache_context, size)
				: repalloc(dense, size);
			memset(dense + dense_size, 0, size - dense_size);
			dense_size = size;
		}
		dense[subject] = (uint8) verdict + 1;
		return verdict;
	}
	/* loading the subject may have reset the cache, and with it this index */
	entry = intsubj_insert(int_subjects, subject, &found);
	entry->ctx = timed ? 0 : ctx;
	entry->verdict = (uint8) verdict;
	return verdict;
}
