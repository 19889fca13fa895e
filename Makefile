# compliance: Belarus Law No. 99-Z on personal data, enforced inside PostgreSQL.
#
#   make demo    build, install and walk a small clinic schema through the
#                extension on a throwaway cluster (see demo/run)
#   make test    build, install and run every test: pg_regress, isolation
#                and TAP, ending with "N passed, N failed" (see test/run)
#
# Both install what they need (PostgreSQL server headers, Perl IPC::Run)
# and start their clusters as the postgres user, so they work when run as
# root on a fresh Debian machine.

EXTENSION = compliance
EXTVERSION = 1.0
MODULE_big = compliance

SRCS = $(sort $(wildcard src/*.c))
OBJS = $(SRCS:.c=.o)

# The install script is assembled from one file per concern, in file-name
# order; each object is defined once, in its concern's file.  Until the
# first public release there is no update script (doc/architecture.md).
SQL = $(sort $(wildcard src/sql/*.sql))
DATA_built = $(EXTENSION)--$(EXTVERSION).sql

PG_CPPFLAGS = -Isrc -DCOMPLIANCE_VERSION='"$(EXTVERSION)"'
# Hidden by default: only what the server looks up by name is exported
# (PGDLLEXPORT, see src/pg_compat.h), since libraries share one namespace.
PG_CFLAGS = -Wall -Wextra -Werror -Wno-unused-parameter -fvisibility=hidden

# Regression tests, in the order they run; each file is self-contained.
REGRESS = install types_purpose types_purpose_set types_consent registry roles consent import enforcement grounds data_items subject_kinds requests calendar subject_access erasure erasure_notices erasable_evidence disclosures capture capture_exact capture_copy transfers subject_changes consent_cache retention expired_count breaches policy labels documents report_mode security bypass hostile_input
REGRESS_OPTS = --temp-config=test/compliance.conf --load-extension=plpgsql --no-locale --encoding=UTF8

ISOLATION = consent_chain import_chain purge_writers withdrawal_freshness ground_end subject_changes withdrawal_writers erasure_race block_capture capture_kind rename_race
ISOLATION_OPTS = --inputdir=test --no-locale --encoding=UTF8

# "make installcheck" runs REGRESS and ISOLATION against a running server
# that has test/compliance.conf's settings (debian/tests/installcheck), in
# UTF-8 databases with C collation as test/run does.  The TAP tests
# (test/t) start clusters of their own and cannot run as root, so PGXS's
# installcheck leaves them out (no TAP_TESTS): test/run runs them, and
# "make installcheck TAP_TESTS=1 PROVE_TESTS='test/t/*.pl'" as a non-root
# user runs them against the installed binaries.

EXTRA_CLEAN = $(DATA_built)

PG_CONFIG ?= pg_config
# The server headers decide, not pgxs.mk: Debian's client package ships
# pgxs.mk without them.  "make test" and "make demo" install what is
# missing (test/lib.sh); every other target needs the headers already.
PG_MAJOR := $(shell $(PG_CONFIG) --version 2>/dev/null | sed -nE 's/^PostgreSQL ([0-9]+).*/\1/p')
ifneq ($(wildcard $(shell $(PG_CONFIG) --includedir-server 2>/dev/null)/postgres.h),)
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)
else ifneq ($(filter-out test test-versions test-cassert test-citus demo deb valgrind fuzz fuzz-smoke,$(or $(MAKECMDGOALS),all)),)
$(error PostgreSQL server headers are missing ($(PG_CONFIG) --includedir-server has no postgres.h): run "make test" or "make demo" (they install them), or apt-get install postgresql-server-dev-$(or $(PG_MAJOR),NN))
endif

# PGXS tracks no header dependencies: every object depends on every header.
$(OBJS): $(wildcard src/*.h)
# The library reports EXTVERSION (COMPLIANCE_VERSION), set here.
src/compliance.o: Makefile

$(EXTENSION)--$(EXTVERSION).sql: $(SQL)
	cat $^ > $@

.PHONY: test test-versions test-cassert test-citus demo print-regress print-isolation valgrind fuzz fuzz-smoke
test:
	bash test/run
# Enforcement on a Citus cluster: builds Citus 13.2.2 (cached), starts a
# coordinator and two workers on ports 9700-9702 and runs test/citus.
test-citus:
	bash test/citus
# The whole suite on PostgreSQL 16, 17 and 18 built from source (test/versions).
test-versions:
	bash test/versions
# The whole suite on PostgreSQL 15 built with assertions (test/versions --cassert).
test-cassert:
	bash test/versions --cassert 15
demo:
	bash demo/run
# Heavier checks, not part of "make test" (doc/testing.md): the regression
# suite under valgrind memcheck, and the literal parsers under libFuzzer
# (fuzz/run; "make fuzz" runs FUZZ_RUNS, default 10 million, executions per
# target, "make fuzz-smoke" FUZZ_SECONDS, default 20, seconds per target).
valgrind:
	bash test/valgrind
fuzz:
	bash fuzz/run
fuzz-smoke:
	bash fuzz/run --smoke
print-regress:
	@echo $(REGRESS)
print-isolation:
	@echo $(ISOLATION)

# Debian packages postgresql-NN-compliance, one per installed PostgreSQL
# major version, in build/deb/ (debian/build installs the build dependencies).
.PHONY: deb
deb:
	bash debian/build
