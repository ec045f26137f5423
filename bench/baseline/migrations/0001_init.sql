-- The single table of the bench baseline worker.
CREATE TABLE items (
	id text PRIMARY KEY NOT NULL,
	amount text NOT NULL,
	created_at text NOT NULL
);
