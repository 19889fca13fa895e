-- compliance 1.0 -> 1.1.  Built from src/sql/1.1/*.sql in file-name order.
-- A fresh CREATE EXTENSION runs compliance--1.0.sql and then this file, so
-- everything here must also work on a database with years of data.
\echo Use "ALTER EXTENSION compliance UPDATE TO '1.1'" to load this file. \quit
