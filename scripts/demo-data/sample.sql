-- A small application database for the demo: a few related tables, a
-- partitioned table, bytea, unicode text and identifiers, a large object.
CREATE TABLE customers (
  id bigserial PRIMARY KEY,
  name text NOT NULL,
  email text UNIQUE NOT NULL,
  country text,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE orders (
  id bigserial PRIMARY KEY,
  customer_id bigint NOT NULL REFERENCES customers(id),
  total numeric(12,2) NOT NULL,
  status text NOT NULL,
  placed_at timestamptz NOT NULL
);
CREATE TABLE events (
  id bigserial,
  happened_at date NOT NULL,
  kind text NOT NULL,
  payload jsonb
) PARTITION BY RANGE (happened_at);
CREATE TABLE events_2025 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
CREATE TABLE events_2026 PARTITION OF events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
CREATE TABLE "Ünïcode Táble" ("naïve column" text, picture bytea);

SELECT setseed(0.42);
INSERT INTO customers (name, email, country)
SELECT 'Customer ' || g, 'customer' || g || '@example.com',
       (ARRAY['PT','FR','DE','US','JP','BR'])[1 + (g % 6)]
FROM generate_series(1, 20000) g;
INSERT INTO orders (customer_id, total, status, placed_at)
SELECT 1 + (g % 20000), round((random() * 500)::numeric, 2),
       (ARRAY['paid','shipped','refunded','open'])[1 + (g % 4)],
       timestamptz '2025-01-01' + g * interval '7 minutes'
FROM generate_series(1, 100000) g;
INSERT INTO events (happened_at, kind, payload)
SELECT date '2025-01-01' + (g % 700), (ARRAY['login','logout','purchase'])[1 + (g % 3)],
       jsonb_build_object('ip', '10.0.' || (g % 255) || '.' || (g % 7), 'n', g)
FROM generate_series(1, 100000) g;
INSERT INTO "Ünïcode Táble"
SELECT 'héllo wörld ✓ ' || g, decode(md5(g::text) || md5((g * 7)::text), 'hex')
FROM generate_series(1, 2000) g;
SELECT lo_from_bytea(0, convert_to('a large object, restored with the rest', 'UTF8'));
