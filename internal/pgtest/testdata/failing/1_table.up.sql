CREATE TABLE kept (n int);
