-- Needs 2_two.up.sql's table: a name sort would run this file first and fail.
ALTER TABLE notes ADD COLUMN author text;
INSERT INTO steps (name) VALUES ('ten');
