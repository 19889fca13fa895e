# shellcheck shell=bash
# test/lib.sh: sourced by test/run and demo/run (not run on its own).
#
# Installs what building and testing need when it is missing, builds and
# installs the extension, and runs commands as the postgres OS user
# (PostgreSQL refuses to run as root).  Expects to be sourced from the
# repository root, under "set -euo pipefail".

# PG_CONFIG names the PostgreSQL to build and test against; by default the
# newest server installed from Debian's packages.  Every path and package
# name below comes from it.
if [ -z "${PG_CONFIG:-}" ]; then
    for PG_CONFIG in $(ls -d /usr/lib/postgresql/*/bin/pg_config 2>/dev/null | sort -V -r) pg_config; do
        [ -x "$(dirname "$PG_CONFIG")/postgres" ] && break
    done
fi
export PG_CONFIG  # the Makefile's "PG_CONFIG ?= pg_config" picks it up

die() { echo "ERROR: $*" >&2; exit 1; }

# Run a command quietly; show everything it printed only if it fails.
quiet() {
    local out rc=0
    out=$("$@" 2>&1) || rc=$?
    [ "$rc" -eq 0 ] || printf '%s\n' "$out" >&2
    return "$rc"
}

is_root() { [ "$(id -u)" -eq 0 ]; }

# Run a command as the postgres OS user (as is when not root).
as_pg() {
    if is_root; then runuser -u postgres -- "$@"; else "$@"; fi
}

# Is clang's libFuzzer runtime installed?  clang -print-file-name prints
# the bare name when it finds no such file.
have_libfuzzer() {
    command -v clang >/dev/null &&
        [ -f "$(clang -print-file-name=libclang_rt.fuzzer-"$(uname -m)".a)" ]
}

# The server's major version ("15" of "PostgreSQL 15.18 (Debian ...)").
pg_major() {
    "$PG_CONFIG" --version | sed -nE 's/^PostgreSQL ([0-9]+).*/\1/p'
}

# Is this a server from Debian's packages (/usr/lib/postgresql/NN/bin)?
# Only then can apt-get install what it lacks.
pg_from_debian() {
    [ "$("$PG_CONFIG" --bindir)" = "/usr/lib/postgresql/$(pg_major)/bin" ]
}

# missing_deps [GROUP...]: print, one a line, the Debian packages that
# building and testing need and this machine lacks.  The server headers are
# judged by postgres.h itself: Debian's client package already ships
# pgxs.mk, so "is pgxs.mk there?" says nothing about them.  Groups add what
# heavier checks need: "fuzz" (fuzz/run: clang and its libFuzzer runtime),
# "valgrind" (test/valgrind), "cron" (pg_cron, for test/t/007_schedule.pl).
missing_deps() {
    local extra major
    major=$(pg_major)
    [ -f "$("$PG_CONFIG" --includedir-server)/postgres.h" ] ||
        echo "postgresql-server-dev-$major"
    perl -MIPC::Run -e1 2>/dev/null || echo libipc-run-perl
    command -v make >/dev/null || echo make
    command -v gcc >/dev/null || echo gcc
    command -v python3 >/dev/null || echo python3  # test/meta
    for extra in "$@"; do
        case $extra in
            fuzz)
                command -v clang >/dev/null || echo clang
                have_libfuzzer || echo libclang-rt-14-dev ;;
            valgrind)
                command -v valgrind >/dev/null || echo valgrind ;;
            cron)
                [ -f "$("$PG_CONFIG" --pkglibdir)/pg_cron.so" ] ||
                    echo "postgresql-$major-cron" ;;
            *) die "missing_deps: unknown group $extra" ;;
        esac
    done
}

# apt_install PACKAGE...: install with apt-get (as root; apt-get update first).
apt_install() {
    [ "$#" -gt 0 ] || return 0
    is_root || die "missing $*: run as root, or apt-get install them"
    echo "Installing $* ..."
    export DEBIAN_FRONTEND=noninteractive
    quiet apt-get update </dev/null || die "apt-get update failed"
    quiet apt-get install -y "$@" </dev/null || die "apt-get install $* failed"
}

# Install whichever of the build and test dependencies is missing; do
# nothing (not even apt-get update) when all are present.  For a server
# not from Debian's packages (PG_CONFIG naming a build of its own), its
# headers must come with it, and pg_cron is left to whoever built it (the
# schedule test then says it is skipped).
install_deps() {
    local missing=() pkg
    [ -x "$PG_CONFIG" ] || command -v "$PG_CONFIG" >/dev/null ||
        die "no pg_config at $PG_CONFIG: install postgresql-15 (or newer), or set PG_CONFIG"
    for pkg in $(missing_deps "$@"); do
        case $pkg in
            postgresql-server-dev-*)
                pg_from_debian || die "the server headers of $PG_CONFIG are missing" \
                    "($("$PG_CONFIG" --includedir-server)/postgres.h): install them with that server" ;;
            postgresql-*-cron)
                pg_from_debian || continue ;;
        esac
        missing+=("$pkg")
    done
    apt_install "${missing[@]}"
}

# Build and install the extension into the PostgreSQL installation.
# Objects built for another server are removed first: .build-server (git-
# ignored) names the pg_config and version they were built with.
build_install() {
    local server
    server="$PG_CONFIG $("$PG_CONFIG" --version)"
    echo "Building and installing compliance for $("$PG_CONFIG" --version) ..."
    if [ "$(cat .build-server 2>/dev/null)" != "$server" ]; then
        make -s clean >/dev/null
        echo "$server" >.build-server
    fi
    make -s >/dev/null || die "build failed (make), see the errors above"
    make -s install >/dev/null ||
        die "make install failed: run as root, or make $("$PG_CONFIG" --pkglibdir) writable"
}

# The PostgreSQL bindir and the directory holding pgxs's src/test.
pg_bindir() { "$PG_CONFIG" --bindir; }
pgxs_src() { dirname "$(dirname "$("$PG_CONFIG" --pgxs)")"; }
