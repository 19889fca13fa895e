-- compliance.purpose_set: a set of registered purposes (src/purpose_set*.c).
-- Text form '{marketing,payroll}' (members in registration order; a bare
-- 'marketing' is a set of one); stored as a bitfield or as ranges of
-- purpose ids, whichever is shorter; binary form carries the codes.
--
-- Like compliance.purpose's, the operators live in pg_catalog, so that
-- "WHERE purposes @> 'marketing'" works without compliance on the
-- search_path; they are told apart by their argument types.

CREATE TYPE compliance.purpose_set;

-- The I/O functions translate between codes and registry ids, so they
-- read the registry: STABLE, not IMMUTABLE.
CREATE FUNCTION compliance.purpose_set_in(pg_catalog.cstring)
    RETURNS compliance.purpose_set
    LANGUAGE C STABLE STRICT PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'purpose_set_in';
CREATE FUNCTION compliance.purpose_set_out(compliance.purpose_set)
    RETURNS pg_catalog.cstring
    LANGUAGE C STABLE STRICT PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'purpose_set_out';
CREATE FUNCTION compliance.purpose_set_recv(internal)
    RETURNS compliance.purpose_set
    LANGUAGE C STABLE STRICT PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'purpose_set_recv';
CREATE FUNCTION compliance.purpose_set_send(compliance.purpose_set)
    RETURNS pg_catalog.bytea
    LANGUAGE C STABLE STRICT PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'purpose_set_send';

CREATE TYPE compliance.purpose_set (
    INPUT = compliance.purpose_set_in,
    OUTPUT = compliance.purpose_set_out,
    RECEIVE = compliance.purpose_set_recv,
    SEND = compliance.purpose_set_send,
    INTERNALLENGTH = VARIABLE,
    ALIGNMENT = int4,
    STORAGE = extended
);
COMMENT ON TYPE compliance.purpose_set IS
    'A set of registered processing purposes; text form ''{marketing,payroll}'' (members in registration order) or a single code; stored as a bitfield or as ranges of purpose ids, whichever is shorter.';
COMMENT ON FUNCTION compliance.purpose_set_in(pg_catalog.cstring) IS
    'Input function of compliance.purpose_set: parses ''{code,...}'' or a single code and looks every code up in compliance.purposes.';
COMMENT ON FUNCTION compliance.purpose_set_out(compliance.purpose_set) IS
    'Output function of compliance.purpose_set: ''{code,...}'' in registration order.';
COMMENT ON FUNCTION compliance.purpose_set_recv(internal) IS
    'Binary input of compliance.purpose_set: a member count, then each member''s code as length-prefixed text.';
COMMENT ON FUNCTION compliance.purpose_set_send(compliance.purpose_set) IS
    'Binary output of compliance.purpose_set: a member count, then each member''s code as length-prefixed text, so that binary COPY works between databases that numbered purposes differently.';

-- Casts
CREATE FUNCTION compliance.purpose_set(compliance.purpose)
    RETURNS compliance.purpose_set
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'purpose_set_from_purpose';
CREATE FUNCTION compliance.purpose_set(compliance.purpose[])
    RETURNS compliance.purpose_set
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'purpose_set_from_array';
COMMENT ON FUNCTION compliance.purpose_set(compliance.purpose) IS
    'The set of one purpose.';
COMMENT ON FUNCTION compliance.purpose_set(compliance.purpose[]) IS
    'The set of the purposes in an array (duplicates collapse); NULL elements are an error.';

CREATE CAST (compliance.purpose AS compliance.purpose_set)
    WITH FUNCTION compliance.purpose_set(compliance.purpose) AS ASSIGNMENT;
CREATE CAST (compliance.purpose[] AS compliance.purpose_set)
    WITH FUNCTION compliance.purpose_set(compliance.purpose[]);
COMMENT ON CAST (compliance.purpose AS compliance.purpose_set) IS
    'A purpose as the set of that one purpose.';
COMMENT ON CAST (compliance.purpose[] AS compliance.purpose_set) IS
    'The set of the purposes in an array.';

-- Operator functions.  They work on purpose ids only, never the registry,
-- hence IMMUTABLE.  The boolean ones raise no error but on a corrupted
-- value, hence LEAKPROOF (they may be pushed below row security quals).
CREATE FUNCTION compliance.purpose_set_contains(compliance.purpose_set, compliance.purpose_set)
    RETURNS boolean
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF
    AS 'MODULE_PATHNAME', 'purpose_set_contains_set';
CREATE FUNCTION compliance.purpose_set_contained(compliance.purpose_set, compliance.purpose_set)
    RETURNS boolean
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF
    AS 'MODULE_PATHNAME', 'purpose_set_contained_in_set';
CREATE FUNCTION compliance.purpose_set_overlaps(compliance.purpose_set, compliance.purpose_set)
    RETURNS boolean
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF
    AS 'MODULE_PATHNAME', 'purpose_set_overlaps';
CREATE FUNCTION compliance.purpose_set_contains_purpose(compliance.purpose_set, compliance.purpose)
    RETURNS boolean
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF
    AS 'MODULE_PATHNAME', 'purpose_set_contains_purpose';
CREATE FUNCTION compliance.purpose_contained_in_set(compliance.purpose, compliance.purpose_set)
    RETURNS boolean
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF
    AS 'MODULE_PATHNAME', 'purpose_contained_in_set';
CREATE FUNCTION compliance.purpose_set_eq(compliance.purpose_set, compliance.purpose_set)
    RETURNS boolean
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF
    AS 'MODULE_PATHNAME', 'purpose_set_eq';
CREATE FUNCTION compliance.purpose_set_ne(compliance.purpose_set, compliance.purpose_set)
    RETURNS boolean
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF
    AS 'MODULE_PATHNAME', 'purpose_set_ne';
CREATE FUNCTION compliance.purpose_set_lt(compliance.purpose_set, compliance.purpose_set)
    RETURNS boolean
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF
    AS 'MODULE_PATHNAME', 'purpose_set_lt';
CREATE FUNCTION compliance.purpose_set_le(compliance.purpose_set, compliance.purpose_set)
    RETURNS boolean
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF
    AS 'MODULE_PATHNAME', 'purpose_set_le';
CREATE FUNCTION compliance.purpose_set_gt(compliance.purpose_set, compliance.purpose_set)
    RETURNS boolean
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF
    AS 'MODULE_PATHNAME', 'purpose_set_gt';
CREATE FUNCTION compliance.purpose_set_ge(compliance.purpose_set, compliance.purpose_set)
    RETURNS boolean
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF
    AS 'MODULE_PATHNAME', 'purpose_set_ge';
CREATE FUNCTION compliance.purpose_set_cmp(compliance.purpose_set, compliance.purpose_set)
    RETURNS integer
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF
    AS 'MODULE_PATHNAME', 'purpose_set_cmp';
CREATE FUNCTION compliance.purpose_set_hash(compliance.purpose_set)
    RETURNS integer
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF
    AS 'MODULE_PATHNAME', 'purpose_set_hash';
CREATE FUNCTION compliance.purpose_set_hash_extended(compliance.purpose_set, bigint)
    RETURNS bigint
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF
    AS 'MODULE_PATHNAME', 'purpose_set_hash_extended';
CREATE FUNCTION compliance.purpose_set_union(compliance.purpose_set, compliance.purpose_set)
    RETURNS compliance.purpose_set
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'purpose_set_union';
CREATE FUNCTION compliance.purpose_set_minus(compliance.purpose_set, compliance.purpose_set)
    RETURNS compliance.purpose_set
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'purpose_set_minus';
CREATE FUNCTION compliance.purpose_set_intersect(compliance.purpose_set, compliance.purpose_set)
    RETURNS compliance.purpose_set
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'purpose_set_intersect';
CREATE FUNCTION compliance.purpose_set_add(compliance.purpose_set, compliance.purpose)
    RETURNS compliance.purpose_set
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'purpose_set_add';
CREATE FUNCTION compliance.purpose_set_remove(compliance.purpose_set, compliance.purpose)
    RETURNS compliance.purpose_set
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'purpose_set_remove';
CREATE FUNCTION compliance.cardinality(compliance.purpose_set)
    RETURNS integer
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'purpose_set_cardinality';
CREATE FUNCTION compliance.purposes(compliance.purpose_set)
    RETURNS SETOF compliance.purpose
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 4
    AS 'MODULE_PATHNAME', 'purpose_set_members';

COMMENT ON FUNCTION compliance.purpose_set_contains(compliance.purpose_set, compliance.purpose_set) IS
    'Implementation of @> for compliance.purpose_set: does the first set contain every member of the second?';
COMMENT ON FUNCTION compliance.purpose_set_contained(compliance.purpose_set, compliance.purpose_set) IS
    'Implementation of <@ for compliance.purpose_set: is every member of the first set in the second?';
COMMENT ON FUNCTION compliance.purpose_set_overlaps(compliance.purpose_set, compliance.purpose_set) IS
    'Implementation of && for compliance.purpose_set: do the sets have a member in common?';
COMMENT ON FUNCTION compliance.purpose_set_contains_purpose(compliance.purpose_set, compliance.purpose) IS
    'Implementation of compliance.purpose_set @> compliance.purpose: is the purpose a member of the set?';
COMMENT ON FUNCTION compliance.purpose_contained_in_set(compliance.purpose, compliance.purpose_set) IS
    'Implementation of compliance.purpose <@ compliance.purpose_set: is the purpose a member of the set?';
COMMENT ON FUNCTION compliance.purpose_set_eq(compliance.purpose_set, compliance.purpose_set) IS
    'Implementation of = for compliance.purpose_set: same members.';
COMMENT ON FUNCTION compliance.purpose_set_ne(compliance.purpose_set, compliance.purpose_set) IS
    'Implementation of <> for compliance.purpose_set.';
COMMENT ON FUNCTION compliance.purpose_set_lt(compliance.purpose_set, compliance.purpose_set) IS
    'Implementation of < for compliance.purpose_set (see compliance.purpose_set_cmp).';
COMMENT ON FUNCTION compliance.purpose_set_le(compliance.purpose_set, compliance.purpose_set) IS
    'Implementation of <= for compliance.purpose_set (see compliance.purpose_set_cmp).';
COMMENT ON FUNCTION compliance.purpose_set_gt(compliance.purpose_set, compliance.purpose_set) IS
    'Implementation of > for compliance.purpose_set (see compliance.purpose_set_cmp).';
COMMENT ON FUNCTION compliance.purpose_set_ge(compliance.purpose_set, compliance.purpose_set) IS
    'Implementation of >= for compliance.purpose_set (see compliance.purpose_set_cmp).';
COMMENT ON FUNCTION compliance.purpose_set_cmp(compliance.purpose_set, compliance.purpose_set) IS
    'B-tree support function of compliance.purpose_set: compares the member lists in registration order element by element; a proper prefix sorts first.';
COMMENT ON FUNCTION compliance.purpose_set_hash(compliance.purpose_set) IS
    'Hash support function of compliance.purpose_set.';
COMMENT ON FUNCTION compliance.purpose_set_hash_extended(compliance.purpose_set, bigint) IS
    'Extended (seeded) hash support function of compliance.purpose_set.';
COMMENT ON FUNCTION compliance.purpose_set_union(compliance.purpose_set, compliance.purpose_set) IS
    'Implementation of + for compliance.purpose_set: union.';
COMMENT ON FUNCTION compliance.purpose_set_minus(compliance.purpose_set, compliance.purpose_set) IS
    'Implementation of - for compliance.purpose_set: the members of the first set not in the second.';
COMMENT ON FUNCTION compliance.purpose_set_intersect(compliance.purpose_set, compliance.purpose_set) IS
    'Implementation of * for compliance.purpose_set: intersection.';
COMMENT ON FUNCTION compliance.purpose_set_add(compliance.purpose_set, compliance.purpose) IS
    'Implementation of compliance.purpose_set + compliance.purpose: the set with the purpose added.';
COMMENT ON FUNCTION compliance.purpose_set_remove(compliance.purpose_set, compliance.purpose) IS
    'Implementation of compliance.purpose_set - compliance.purpose: the set without the purpose.';
COMMENT ON FUNCTION compliance.cardinality(compliance.purpose_set) IS
    'Number of purposes in the set.';
COMMENT ON FUNCTION compliance.purposes(compliance.purpose_set) IS
    'The members of a purpose set, one row each, in registration order.';

-- Operators
CREATE OPERATOR pg_catalog.@> (
    LEFTARG = compliance.purpose_set, RIGHTARG = compliance.purpose_set,
    FUNCTION = compliance.purpose_set_contains,
    COMMUTATOR = OPERATOR(pg_catalog.<@),
    RESTRICT = contsel, JOIN = contjoinsel);
CREATE OPERATOR pg_catalog.<@ (
    LEFTARG = compliance.purpose_set, RIGHTARG = compliance.purpose_set,
    FUNCTION = compliance.purpose_set_contained,
    COMMUTATOR = OPERATOR(pg_catalog.@>),
    RESTRICT = contsel, JOIN = contjoinsel);
CREATE OPERATOR pg_catalog.&& (
    LEFTARG = compliance.purpose_set, RIGHTARG = compliance.purpose_set,
    FUNCTION = compliance.purpose_set_overlaps,
    COMMUTATOR = OPERATOR(pg_catalog.&&),
    RESTRICT = contsel, JOIN = contjoinsel);
CREATE OPERATOR pg_catalog.@> (
    LEFTARG = compliance.purpose_set, RIGHTARG = compliance.purpose,
    FUNCTION = compliance.purpose_set_contains_purpose,
    COMMUTATOR = OPERATOR(pg_catalog.<@),
    RESTRICT = contsel, JOIN = contjoinsel);
CREATE OPERATOR pg_catalog.<@ (
    LEFTARG = compliance.purpose, RIGHTARG = compliance.purpose_set,
    FUNCTION = compliance.purpose_contained_in_set,
    COMMUTATOR = OPERATOR(pg_catalog.@>),
    RESTRICT = contsel, JOIN = contjoinsel);
CREATE OPERATOR pg_catalog.= (
    LEFTARG = compliance.purpose_set, RIGHTARG = compliance.purpose_set,
    FUNCTION = compliance.purpose_set_eq,
    COMMUTATOR = OPERATOR(pg_catalog.=), NEGATOR = OPERATOR(pg_catalog.<>),
    RESTRICT = eqsel, JOIN = eqjoinsel, HASHES, MERGES);
CREATE OPERATOR pg_catalog.<> (
    LEFTARG = compliance.purpose_set, RIGHTARG = compliance.purpose_set,
    FUNCTION = compliance.purpose_set_ne,
    COMMUTATOR = OPERATOR(pg_catalog.<>), NEGATOR = OPERATOR(pg_catalog.=),
    RESTRICT = neqsel, JOIN = neqjoinsel);
CREATE OPERATOR pg_catalog.< (
    LEFTARG = compliance.purpose_set, RIGHTARG = compliance.purpose_set,
    FUNCTION = compliance.purpose_set_lt,
    COMMUTATOR = OPERATOR(pg_catalog.>), NEGATOR = OPERATOR(pg_catalog.>=),
    RESTRICT = scalarltsel, JOIN = scalarltjoinsel);
CREATE OPERATOR pg_catalog.<= (
    LEFTARG = compliance.purpose_set, RIGHTARG = compliance.purpose_set,
    FUNCTION = compliance.purpose_set_le,
    COMMUTATOR = OPERATOR(pg_catalog.>=), NEGATOR = OPERATOR(pg_catalog.>),
    RESTRICT = scalarlesel, JOIN = scalarlejoinsel);
CREATE OPERATOR pg_catalog.> (
    LEFTARG = compliance.purpose_set, RIGHTARG = compliance.purpose_set,
    FUNCTION = compliance.purpose_set_gt,
    COMMUTATOR = OPERATOR(pg_catalog.<), NEGATOR = OPERATOR(pg_catalog.<=),
    RESTRICT = scalargtsel, JOIN = scalargtjoinsel);
CREATE OPERATOR pg_catalog.>= (
    LEFTARG = compliance.purpose_set, RIGHTARG = compliance.purpose_set,
    FUNCTION = compliance.purpose_set_ge,
    COMMUTATOR = OPERATOR(pg_catalog.<=), NEGATOR = OPERATOR(pg_catalog.<),
    RESTRICT = scalargesel, JOIN = scalargejoinsel);
CREATE OPERATOR pg_catalog.+ (
    LEFTARG = compliance.purpose_set, RIGHTARG = compliance.purpose_set,
    FUNCTION = compliance.purpose_set_union,
    COMMUTATOR = OPERATOR(pg_catalog.+));
CREATE OPERATOR pg_catalog.- (
    LEFTARG = compliance.purpose_set, RIGHTARG = compliance.purpose_set,
    FUNCTION = compliance.purpose_set_minus);
CREATE OPERATOR pg_catalog.* (
    LEFTARG = compliance.purpose_set, RIGHTARG = compliance.purpose_set,
    FUNCTION = compliance.purpose_set_intersect,
    COMMUTATOR = OPERATOR(pg_catalog.*));
CREATE OPERATOR pg_catalog.+ (
    LEFTARG = compliance.purpose_set, RIGHTARG = compliance.purpose,
    FUNCTION = compliance.purpose_set_add);
CREATE OPERATOR pg_catalog.- (
    LEFTARG = compliance.purpose_set, RIGHTARG = compliance.purpose,
    FUNCTION = compliance.purpose_set_remove);

COMMENT ON OPERATOR pg_catalog.@> (compliance.purpose_set, compliance.purpose_set) IS 'contains';
COMMENT ON OPERATOR pg_catalog.<@ (compliance.purpose_set, compliance.purpose_set) IS 'is contained by';
COMMENT ON OPERATOR pg_catalog.&& (compliance.purpose_set, compliance.purpose_set) IS 'overlaps (has a purpose in common)';
COMMENT ON OPERATOR pg_catalog.@> (compliance.purpose_set, compliance.purpose) IS 'contains the purpose';
COMMENT ON OPERATOR pg_catalog.<@ (compliance.purpose, compliance.purpose_set) IS 'is a member of';
COMMENT ON OPERATOR pg_catalog.= (compliance.purpose_set, compliance.purpose_set) IS 'same purposes';
COMMENT ON OPERATOR pg_catalog.<> (compliance.purpose_set, compliance.purpose_set) IS 'different purposes';
COMMENT ON OPERATOR pg_catalog.< (compliance.purpose_set, compliance.purpose_set) IS 'sorts before (member lists in registration order)';
COMMENT ON OPERATOR pg_catalog.<= (compliance.purpose_set, compliance.purpose_set) IS 'sorts before or equal';
COMMENT ON OPERATOR pg_catalog.> (compliance.purpose_set, compliance.purpose_set) IS 'sorts after (member lists in registration order)';
COMMENT ON OPERATOR pg_catalog.>= (compliance.purpose_set, compliance.purpose_set) IS 'sorts after or equal';
COMMENT ON OPERATOR pg_catalog.+ (compliance.purpose_set, compliance.purpose_set) IS 'union';
COMMENT ON OPERATOR pg_catalog.- (compliance.purpose_set, compliance.purpose_set) IS 'difference';
COMMENT ON OPERATOR pg_catalog.* (compliance.purpose_set, compliance.purpose_set) IS 'intersection';
COMMENT ON OPERATOR pg_catalog.+ (compliance.purpose_set, compliance.purpose) IS 'add a purpose';
COMMENT ON OPERATOR pg_catalog.- (compliance.purpose_set, compliance.purpose) IS 'remove a purpose';

-- Operator classes: btree and hash (for ORDER BY, DISTINCT, UNIQUE, GROUP
-- BY, joins), and GIN over the member ids (for @>, &&, <@, =).
CREATE OPERATOR CLASS compliance.purpose_set_ops
    DEFAULT FOR TYPE compliance.purpose_set USING btree AS
        OPERATOR 1 pg_catalog.<,
        OPERATOR 2 pg_catalog.<=,
        OPERATOR 3 pg_catalog.=,
        OPERATOR 4 pg_catalog.>=,
        OPERATOR 5 pg_catalog.>,
        FUNCTION 1 compliance.purpose_set_cmp(compliance.purpose_set, compliance.purpose_set);
CREATE OPERATOR CLASS compliance.purpose_set_hash_ops
    DEFAULT FOR TYPE compliance.purpose_set USING hash AS
        OPERATOR 1 pg_catalog.=,
        FUNCTION 1 compliance.purpose_set_hash(compliance.purpose_set),
        FUNCTION 2 compliance.purpose_set_hash_extended(compliance.purpose_set, bigint);

CREATE FUNCTION compliance.purpose_set_gin_extract_value(compliance.purpose_set, internal, internal)
    RETURNS internal
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'purpose_set_gin_extract_value';
CREATE FUNCTION compliance.purpose_set_gin_extract_query(compliance.purpose_set, internal, int2, internal, internal, internal, internal)
    RETURNS internal
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'purpose_set_gin_extract_query';
CREATE FUNCTION compliance.purpose_set_gin_consistent(internal, int2, compliance.purpose_set, int4, internal, internal, internal, internal)
    RETURNS boolean
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'purpose_set_gin_consistent';
CREATE FUNCTION compliance.purpose_set_gin_triconsistent(internal, int2, compliance.purpose_set, int4, internal, internal, internal)
    RETURNS "char"
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'purpose_set_gin_triconsistent';
COMMENT ON FUNCTION compliance.purpose_set_gin_extract_value(compliance.purpose_set, internal, internal) IS
    'GIN support function of compliance.purpose_set: the member purpose ids of an indexed set.';
COMMENT ON FUNCTION compliance.purpose_set_gin_extract_query(compliance.purpose_set, internal, int2, internal, internal, internal, internal) IS
    'GIN support function of compliance.purpose_set: the purpose ids to look up for a query (a set, or a purpose for @>).';
COMMENT ON FUNCTION compliance.purpose_set_gin_consistent(internal, int2, compliance.purpose_set, int4, internal, internal, internal, internal) IS
    'GIN support function of compliance.purpose_set: does an indexed set match, given which query ids it has?';
COMMENT ON FUNCTION compliance.purpose_set_gin_triconsistent(internal, int2, compliance.purpose_set, int4, internal, internal, internal) IS
    'GIN support function of compliance.purpose_set: ternary version of compliance.purpose_set_gin_consistent.';

CREATE OPERATOR CLASS compliance.purpose_set_ops
    DEFAULT FOR TYPE compliance.purpose_set USING gin AS
        OPERATOR 1 pg_catalog.&& (compliance.purpose_set, compliance.purpose_set),
        OPERATOR 2 pg_catalog.@> (compliance.purpose_set, compliance.purpose_set),
        OPERATOR 3 pg_catalog.<@ (compliance.purpose_set, compliance.purpose_set),
        OPERATOR 4 pg_catalog.= (compliance.purpose_set, compliance.purpose_set),
        OPERATOR 5 pg_catalog.@> (compliance.purpose_set, compliance.purpose),
        FUNCTION 1 pg_catalog.btint4cmp(integer, integer),
        FUNCTION 2 compliance.purpose_set_gin_extract_value(compliance.purpose_set, internal, internal),
        FUNCTION 3 compliance.purpose_set_gin_extract_query(compliance.purpose_set, internal, int2, internal, internal, internal, internal),
        FUNCTION 4 compliance.purpose_set_gin_consistent(internal, int2, compliance.purpose_set, int4, internal, internal, internal, internal),
        FUNCTION 6 compliance.purpose_set_gin_triconsistent(internal, int2, compliance.purpose_set, int4, internal, internal, internal),
        STORAGE integer;

COMMENT ON OPERATOR CLASS compliance.purpose_set_ops USING btree IS
    'B-tree ordering of purpose sets: member lists in registration order, compared element by element.';
COMMENT ON OPERATOR CLASS compliance.purpose_set_hash_ops USING hash IS
    'Hash operator class of compliance.purpose_set.';
COMMENT ON OPERATOR CLASS compliance.purpose_set_ops USING gin IS
    'GIN operator class of compliance.purpose_set: indexes member purpose ids for @>, &&, <@ and =.';
