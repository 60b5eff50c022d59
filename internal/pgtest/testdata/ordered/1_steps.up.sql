CREATE TABLE steps (id serial PRIMARY KEY, name text NOT NULL);
INSERT INTO steps (name) VALUES ('one');
