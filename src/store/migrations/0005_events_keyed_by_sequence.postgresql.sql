-- PostgreSQL's primary key on `sequence` is already the only sequence index
-- (see the .sqlite.sql twin). What both engines share: the subject index
-- becomes partial, since no query looks up events by a NULL subject and most
-- events have none.
DROP INDEX events_subject_seq;
CREATE INDEX events_subject_seq ON events (subject, sequence) WHERE subject IS NOT NULL;
