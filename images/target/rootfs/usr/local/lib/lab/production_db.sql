-- The database the lesson backs up and migrates (db1 only runs it).
CREATE DATABASE production_db;
\connect production_db
CREATE TABLE schema_migrations (
    version    integer PRIMARY KEY,
    applied_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO schema_migrations(version, applied_at) VALUES
    (1, now() - interval '30 days'),
    (2, now() - interval '20 days'),
    (3, now() - interval '10 days');
CREATE TABLE customers (id serial PRIMARY KEY, name text NOT NULL);
INSERT INTO customers(name) SELECT 'customer ' || g FROM generate_series(1, 500) g;
