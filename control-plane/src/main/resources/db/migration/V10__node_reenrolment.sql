-- An agent whose data dir was wiped (or a replaced machine) enrolls again as the same node, with a
-- token an operator created for that node name: the node keeps its id and history, and every
-- certificate issued to it before that enrollment stops being accepted.
alter table enrollment_token add column node_name varchar(63);
alter table node add column certificates_valid_from timestamptz;
