/*
 * bugs.h: injection points of the bug catalog (docs/bug-catalog.md).
 *
 * The catalog proves the simulator and its checks find real Raft bugs. A build configured
 * with `meson setup -Dbug=NAME` defines RAST_BUG_ID to that bug's number; every injection is
 * written `#if RAST_BUG(name) ... #endif`, so a normal build (RAST_BUG_ID 0) contains none of
 * the code, not even dead code. Each bug is modelled on a real one; the catalog cites it.
 */
#ifndef RAST_CORE_BUGS_H
#define RAST_CORE_BUGS_H

#ifndef RAST_BUG_ID
#define RAST_BUG_ID 0
#endif

#define RAST_BUG_ID_vote_no_log_check 1
#define RAST_BUG_ID_vote_double_count 2
#define RAST_BUG_ID_vote_before_persist 3
#define RAST_BUG_ID_self_vote_unpersisted 4
#define RAST_BUG_ID_commit_previous_term 5
#define RAST_BUG_ID_follower_commit_uncapped 6
#define RAST_BUG_ID_conflict_not_truncated 7
#define RAST_BUG_ID_matching_truncated 8
#define RAST_BUG_ID_ack_before_persist 9
#define RAST_BUG_ID_read_no_confirm 10
#define RAST_BUG_ID_read_before_term_commit 11
#define RAST_BUG_ID_read_stale_round 12
#define RAST_BUG_ID_stepdown_forgets_vote 13
#define RAST_BUG_ID_stale_vote_counted 14
#define RAST_BUG_ID_quorum_off_by_one 15
#define RAST_BUG_ID_apply_beyond_commit 16
#define RAST_BUG_ID_stale_ack_counted 17
#define RAST_BUG_ID_leader_counts_unpersisted 18
#define RAST_BUG_ID_heartbeat_commit_uncapped 19
#define RAST_BUG_ID_propose_done_early 20
#define RAST_BUG_ID_torn_record_accepted 21

#define RAST_BUG(name) (RAST_BUG_ID == RAST_BUG_ID_##name)

#endif /* RAST_CORE_BUGS_H */
