-- agree.sql - a small SQL script for the sqlite3 CLI in :memory: (tests/itest/test_leak_agree.c).
CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT, c REAL);
INSERT INTO t(b, c) VALUES ('x', 1.5), ('y', 2.5), ('z', 3.5), ('w', 4.5);
CREATE INDEX t_b ON t(b);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100)
INSERT INTO t(b, c) SELECT printf('row%03d', i), i * 0.5 FROM n;
UPDATE t SET c = c * 2 WHERE b LIKE 'row0%';
DELETE FROM t WHERE a % 7 = 0;
SELECT count(*), sum(c), group_concat(b, ',') FROM t WHERE b < 'row010';
CREATE VIEW v AS SELECT b, c FROM t WHERE c > 10;
SELECT count(*), max(c) FROM v;
