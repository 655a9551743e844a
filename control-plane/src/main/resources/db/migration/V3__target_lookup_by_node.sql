-- Status reports look up the targets of a node that are still moving (in flight or being rolled
-- back). The (node_id, application) index made that read every target the node ever had; with
-- the state in the key it reads only the few that are moving now. (Not a partial index: the
-- state list comes as bind parameters, which a generic plan cannot match to an index predicate.)
create index deployment_target_node_state_idx on deployment_target (node_id, state);
