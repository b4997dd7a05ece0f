/* plan_diff.h: what changed between two versions of a plan.
 *
 * Offices revise their breakdown documents: a task is added, one is
 * dropped, a deadline moves, an owner changes. `duban plan diff OLD NEW`
 * compares the plan JSON of both (each read from its document or from a
 * plan JSON file, e.g. the one that was loaded) and gives the changes in a
 * form the plan-change events (add, cancel, re-date a task, with a reason)
 * can load: docs/plan-format.md, "Revisions". */
#ifndef DUBAN_PLAN_DIFF_H
#define DUBAN_PLAN_DIFF_H

#include <cjson/cJSON.h>

/* The changes from old_plan to new_plan (both duban-plan/1 JSON), as
 * {"format": "duban-plan-diff/1", "plan", "old", "new", "summary",
 *  "changes": [...]} (the caller's; NULL when out of memory). Tasks are
 * matched by their text first (a task renumbered keeps its id), then by
 * their number; the ids of the changes are the old plan's, so that they
 * apply to the plan as loaded. reason is the reason every change carries. */
cJSON *dbn_plan_diff(const cJSON *old_plan, const cJSON *new_plan, const char *reason);

/* `duban plan diff OLD NEW [--json] [--units FILE] [--horizon DATE]`
 * (cli/cmd_plan_diff.c). argv[0] is "diff". Exit status 0 when the two
 * versions have the same tasks, 1 when they differ, 2 on a usage error or
 * a version that cannot be read. */
int dbn_cmd_plan_diff(int argc, char **argv);

#endif
