-- work.sql - sqlite3: inserts, an index, aggregate queries, a sort.
create table t(a integer primary key, b text, c real);
with recursive c(x) as (select 1 union all select x + 1 from c where x < 200000)
  insert into t select x, hex(x * 2654435761 % 4294967291) || printf("%08d", x), x * 1.5 from c;
create index ib on t(b);
select count(*), sum(c) from t where b like 'A%';
select b from t order by b limit 3;
select substr(b, 1, 2) k, count(*) from t group by k order by k limit 3;
