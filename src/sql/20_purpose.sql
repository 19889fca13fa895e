-- compliance.purpose: a registered processing purpose (Art. 4.4).
-- Stored as its registry id; text and binary forms are the purpose code.
--
-- Operators on the extension's types live in pg_catalog, so that
-- "WHERE purposes @> 'marketing'" works without compliance on the
-- search_path; they are told apart by their argument types.

CREATE TYPE compliance.purpose;

-- Input reads the registry, so it is STABLE, not IMMUTABLE.
CREATE FUNCTION compliance.purpose_in(cstring) RETURNS compliance.purpose
    LANGUAGE C STABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'purpose_in';
CREATE FUNCTION compliance.purpose_out(compliance.purpose) RETURNS cstring
    LANGUAGE C STABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'purpose_out';
CREATE FUNCTION compliance.purpose_recv(internal) RETURNS compliance.purpose
    LANGUAGE C STABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'purpose_recv';
CREATE FUNCTION compliance.purpose_send(compliance.purpose) RETURNS bytea
    LANGUAGE C STABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'purpose_send';

CREATE TYPE compliance.purpose (
    INPUT = compliance.purpose_in,
    OUTPUT = compliance.purpose_out,
    RECEIVE = compliance.purpose_recv,
    SEND = compliance.purpose_send,
    INTERNALLENGTH = 4,
    PASSEDBYVALUE,
    ALIGNMENT = int4,
    STORAGE = plain
);
COMMENT ON TYPE compliance.purpose IS
    'A registered processing purpose (Art. 4.4 of Law 99-Z); text form is its code, e.g. ''marketing''. Sorts in registration order.';
COMMENT ON FUNCTION compliance.purpose_in(cstring) IS 'Input function of compliance.purpose: looks the code up in compliance.purposes.';
COMMENT ON FUNCTION compliance.purpose_out(compliance.purpose) IS 'Output function of compliance.purpose: the purpose code.';
COMMENT ON FUNCTION compliance.purpose_recv(internal) IS 'Binary input of compliance.purpose: the purpose code as text.';
COMMENT ON FUNCTION compliance.purpose_send(compliance.purpose) IS 'Binary output of compliance.purpose: the purpose code as text.';

CREATE FUNCTION compliance.purpose_eq(compliance.purpose, compliance.purpose) RETURNS boolean
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF AS 'MODULE_PATHNAME', 'purpose_eq';
CREATE FUNCTION compliance.purpose_ne(compliance.purpose, compliance.purpose) RETURNS boolean
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF AS 'MODULE_PATHNAME', 'purpose_ne';
CREATE FUNCTION compliance.purpose_lt(compliance.purpose, compliance.purpose) RETURNS boolean
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF AS 'MODULE_PATHNAME', 'purpose_lt';
CREATE FUNCTION compliance.purpose_le(compliance.purpose, compliance.purpose) RETURNS boolean
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF AS 'MODULE_PATHNAME', 'purpose_le';
CREATE FUNCTION compliance.purpose_gt(compliance.purpose, compliance.purpose) RETURNS boolean
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF AS 'MODULE_PATHNAME', 'purpose_gt';
CREATE FUNCTION compliance.purpose_ge(compliance.purpose, compliance.purpose) RETURNS boolean
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF AS 'MODULE_PATHNAME', 'purpose_ge';
CREATE FUNCTION compliance.purpose_cmp(compliance.purpose, compliance.purpose) RETURNS integer
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF AS 'MODULE_PATHNAME', 'purpose_cmp';
CREATE FUNCTION compliance.purpose_hash(compliance.purpose) RETURNS integer
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF AS 'MODULE_PATHNAME', 'purpose_hash';
CREATE FUNCTION compliance.purpose_hash_extended(compliance.purpose, bigint) RETURNS bigint
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF AS 'MODULE_PATHNAME', 'purpose_hash_extended';
CREATE FUNCTION compliance.purpose_id(compliance.purpose) RETURNS integer
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF AS 'MODULE_PATHNAME', 'purpose_id';

COMMENT ON FUNCTION compliance.purpose_eq(compliance.purpose, compliance.purpose) IS 'Implementation of = for compliance.purpose.';
COMMENT ON FUNCTION compliance.purpose_ne(compliance.purpose, compliance.purpose) IS 'Implementation of <> for compliance.purpose.';
COMMENT ON FUNCTION compliance.purpose_lt(compliance.purpose, compliance.purpose) IS 'Implementation of < for compliance.purpose (registration order).';
COMMENT ON FUNCTION compliance.purpose_le(compliance.purpose, compliance.purpose) IS 'Implementation of <= for compliance.purpose (registration order).';
COMMENT ON FUNCTION compliance.purpose_gt(compliance.purpose, compliance.purpose) IS 'Implementation of > for compliance.purpose (registration order).';
COMMENT ON FUNCTION compliance.purpose_ge(compliance.purpose, compliance.purpose) IS 'Implementation of >= for compliance.purpose (registration order).';
COMMENT ON FUNCTION compliance.purpose_cmp(compliance.purpose, compliance.purpose) IS 'B-tree support function of compliance.purpose.';
COMMENT ON FUNCTION compliance.purpose_hash(compliance.purpose) IS 'Hash support function of compliance.purpose.';
COMMENT ON FUNCTION compliance.purpose_hash_extended(compliance.purpose, bigint) IS 'Extended (seeded) hash support function of compliance.purpose.';
COMMENT ON FUNCTION compliance.purpose_id(compliance.purpose) IS 'The registry id of a purpose (compliance.purposes.id).';

CREATE OPERATOR pg_catalog.= (
    LEFTARG = compliance.purpose, RIGHTARG = compliance.purpose,
    FUNCTION = compliance.purpose_eq, COMMUTATOR = OPERATOR(pg_catalog.=),
    NEGATOR = OPERATOR(pg_catalog.<>), RESTRICT = eqsel, JOIN = eqjoinsel,
    HASHES, MERGES);
CREATE OPERATOR pg_catalog.<> (
    LEFTARG = compliance.purpose, RIGHTARG = compliance.purpose,
    FUNCTION = compliance.purpose_ne, COMMUTATOR = OPERATOR(pg_catalog.<>),
    NEGATOR = OPERATOR(pg_catalog.=), RESTRICT = neqsel, JOIN = neqjoinsel);
CREATE OPERATOR pg_catalog.< (
    LEFTARG = compliance.purpose, RIGHTARG = compliance.purpose,
    FUNCTION = compliance.purpose_lt, COMMUTATOR = OPERATOR(pg_catalog.>),
    NEGATOR = OPERATOR(pg_catalog.>=), RESTRICT = scalarltsel, JOIN = scalarltjoinsel);
CREATE OPERATOR pg_catalog.<= (
    LEFTARG = compliance.purpose, RIGHTARG = compliance.purpose,
    FUNCTION = compliance.purpose_le, COMMUTATOR = OPERATOR(pg_catalog.>=),
    NEGATOR = OPERATOR(pg_catalog.>), RESTRICT = scalarlesel, JOIN = scalarlejoinsel);
CREATE OPERATOR pg_catalog.> (
    LEFTARG = compliance.purpose, RIGHTARG = compliance.purpose,
    FUNCTION = compliance.purpose_gt, COMMUTATOR = OPERATOR(pg_catalog.<),
    NEGATOR = OPERATOR(pg_catalog.<=), RESTRICT = scalargtsel, JOIN = scalargtjoinsel);
CREATE OPERATOR pg_catalog.>= (
    LEFTARG = compliance.purpose, RIGHTARG = compliance.purpose,
    FUNCTION = compliance.purpose_ge, COMMUTATOR = OPERATOR(pg_catalog.<=),
    NEGATOR = OPERATOR(pg_catalog.<), RESTRICT = scalargesel, JOIN = scalargejoinsel);

COMMENT ON OPERATOR pg_catalog.= (compliance.purpose, compliance.purpose) IS 'same purpose';
COMMENT ON OPERATOR pg_catalog.<> (compliance.purpose, compliance.purpose) IS 'different purposes';
COMMENT ON OPERATOR pg_catalog.< (compliance.purpose, compliance.purpose) IS 'registered earlier';
COMMENT ON OPERATOR pg_catalog.<= (compliance.purpose, compliance.purpose) IS 'registered earlier or same';
COMMENT ON OPERATOR pg_catalog.> (compliance.purpose, compliance.purpose) IS 'registered later';
COMMENT ON OPERATOR pg_catalog.>= (compliance.purpose, compliance.purpose) IS 'registered later or same';

CREATE OPERATOR CLASS compliance.purpose_ops
    DEFAULT FOR TYPE compliance.purpose USING btree AS
        OPERATOR 1 pg_catalog.<,
        OPERATOR 2 pg_catalog.<=,
        OPERATOR 3 pg_catalog.=,
        OPERATOR 4 pg_catalog.>=,
        OPERATOR 5 pg_catalog.>,
        FUNCTION 1 compliance.purpose_cmp(compliance.purpose, compliance.purpose);
CREATE OPERATOR CLASS compliance.purpose_hash_ops
    DEFAULT FOR TYPE compliance.purpose USING hash AS
        OPERATOR 1 pg_catalog.=,
        FUNCTION 1 compliance.purpose_hash(compliance.purpose),
        FUNCTION 2 compliance.purpose_hash_extended(compliance.purpose, bigint);
COMMENT ON OPERATOR CLASS compliance.purpose_ops USING btree IS 'B-tree ordering of purposes (registration order).';
COMMENT ON OPERATOR CLASS compliance.purpose_hash_ops USING hash IS 'Hash operator class of compliance.purpose.';
