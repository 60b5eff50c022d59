CREATE TABLE rolled_back (n int);
INSERT INTO no_such_table VALUES (1);
