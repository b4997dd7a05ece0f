/* fuzz_rules.c: libFuzzer target for the request validator.
 *
 * The input's first byte picks who is asking (a department that owns a
 * task, one that does not, a coordinator, an auditor, an admin, or an
 * identity that is not one duban knows); the rest is a Request as it comes
 * off the wire. It goes through what the broker does with it: decode,
 * dbn_wire_request_check, dbn_rules_check in a write transaction of a real
 * LMDB log in a temporary folder holding a small plan (two units, three
 * tasks in different states, one escalation), and for an accepted write the
 * event is built and appended. The transaction is then aborted, so every
 * input sees the same log. Built with -DDUBAN_FUZZ=ON (clang). */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "request.h"
#include "rules.h"
#include "store.h"
#include "wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static dbn_store_t *store;
static char store_dir[] = "/tmp/duban-fuzz-rules-XXXXXX";

static void
remove_store(void)
{
  dbn_store_destroy(&store);
  char path[sizeof store_dir + 16];
  snprintf(path, sizeof path, "%s/data.mdb", store_dir);
  unlink(path);
  snprintf(path, sizeof path, "%s/lock.mdb", store_dir);
  unlink(path);
  rmdir(store_dir);
}

static const char *const identities[] = {
    "unit:LCJ", "unit:ZRJ", "coordinator:office", "auditor:audit", "admin:admin",
    "stranger", "unit:",    "unit:a b",
};

static void
append(const char *actor, const char *request_id, Duban__Request *req)
{
  dbn_store_txn_t *txn;
  char why[400];
  req->version = DBN_PROTOCOL_VERSION;
  req->request_id = (char *)request_id;
  if (dbn_store_write_begin(store, &txn) || dbn_wire_request_check(req, why, sizeof why) ||
      dbn_rules_check(txn, actor, req, true, NULL, why, sizeof why)) {
    fprintf(stderr, "fuzz_rules: cannot set up the log: %s\n", why);
    abort();
  }
  Duban__Event event = DUBAN__EVENT__INIT;
  event.actor = (char *)actor;
  event.time = 1695168000;
  event.request_id = req->request_id;
  if (dbn_request_to_event(req, &event) || dbn_store_append(txn, &event) || dbn_store_commit(&txn))
    abort();
}

static void
set_up(void)
{
  if (!mkdtemp(store_dir))
    abort();
  dbn_store_options_t options = {.map_size = 16 << 20, .no_sync = true};
  if (dbn_store_open(&store, store_dir, &options))
    abort();
  atexit(remove_store);

  static Duban__Unit lcj = DUBAN__UNIT__INIT, zrj = DUBAN__UNIT__INIT;
  static Duban__Unit *units[] = {&lcj, &zrj};
  lcj.code = "LCJ";
  lcj.name = "市林业和草原局";
  zrj.code = "ZRJ";
  zrj.name = "市自然资源局";
  static Duban__Milestone milestone = DUBAN__MILESTONE__INIT;
  static Duban__Milestone *milestones[] = {&milestone};
  milestone.due = "2023-12-31";
  milestone.text = "2023年底前";
  static Duban__Action a1 = DUBAN__ACTION__INIT, a2 = DUBAN__ACTION__INIT, a3 = DUBAN__ACTION__INIT;
  static Duban__Action *actions[] = {&a1, &a2, &a3};
  a1.id = "f:1.1.1", a1.number = "1", a1.text = "编制规划", a1.unit = "LCJ";
  a2.id = "f:1.1.2", a2.number = "2", a2.text = "招投标", a2.unit = "ZRJ";
  a3.id = "f:1.1.3", a3.number = "3", a3.text = "资金保障", a3.unit = "LCJ";
  a1.n_milestones = a2.n_milestones = a3.n_milestones = 1;
  a1.milestones = a2.milestones = a3.milestones = milestones;
  static char *lead[] = {"LCJ"};
  static Duban__Measure measure = DUBAN__MEASURE__INIT;
  static Duban__Measure *measures[] = {&measure};
  measure.number = "1";
  measure.text = "推进重点生态工程建设";
  measure.n_lead = 1;
  measure.lead = lead;
  measure.n_actions = 3;
  measure.actions = actions;
  static Duban__Section section = DUBAN__SECTION__INIT;
  static Duban__Section *sections[] = {&section};
  section.number = "1";
  section.title = "生态";
  section.n_measures = 1;
  section.measures = measures;
  static Duban__Plan plan = DUBAN__PLAN__INIT;
  plan.id = "f";
  plan.title = "fuzz";
  plan.issued = "2023-09-18";
  plan.horizon = "2025-12-31";
  plan.n_sections = 1;
  plan.sections = sections;
  plan.n_units = 2;
  plan.units = units;

  Duban__Request req = DUBAN__REQUEST__INIT;
  Duban__LoadPlan load = DUBAN__LOAD_PLAN__INIT;
  load.plan = &plan;
  req.body_case = DUBAN__REQUEST__BODY_LOAD_PLAN;
  req.load_plan = &load;
  append("admin:admin", "seed-1", &req); /* seq 1 */
  Duban__Claim claim = DUBAN__CLAIM__INIT;
  claim.task = "f:1.1.1";
  Duban__Request c = DUBAN__REQUEST__INIT;
  c.body_case = DUBAN__REQUEST__BODY_CLAIM;
  c.claim = &claim;
  append("unit:LCJ", "seed-2", &c); /* seq 2: f:1.1.1 claimed */
  Duban__Escalate escalate = DUBAN__ESCALATE__INIT;
  escalate.task = "f:1.1.1";
  escalate.category = "funding";
  escalate.reason = "资金未到位";
  Duban__Request e = DUBAN__REQUEST__INIT;
  e.body_case = DUBAN__REQUEST__BODY_ESCALATE;
  e.escalate = &escalate;
  append("unit:LCJ", "seed-3", &e); /* seq 3: escalation 3 open */
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  if (!store)
    set_up();
  if (size < 1)
    return 0;
  const char *identity = identities[data[0] % (sizeof identities / sizeof identities[0])];
  Duban__Request *req = NULL;
  if (dbn_wire_request_unpack(data + 1, size - 1, &req))
    return 0;
  char why[400];
  if (dbn_wire_request_check(req, why, sizeof why) == 0) {
    dbn_store_txn_t *txn;
    if (dbn_store_write_begin(store, &txn) == 0) {
      uint64_t seq;
      dbn_store_subject_t subject = {0};
      if (dbn_store_dedup_get(txn, identity, req->request_id, &seq) != 0 &&
          dbn_rules_resolve_names(txn, req, why, sizeof why) == 0 &&
          dbn_rules_check(txn, identity, req, true, &subject, why, sizeof why) == 0 &&
          dbn_request_is_write(req->body_case)) {
        Duban__Event event = DUBAN__EVENT__INIT;
        event.actor = (char *)identity;
        event.time = 1695168000;
        event.request_id = req->request_id;
        if (dbn_request_to_event(req, &event))
          abort();
        /* An event the rules let through must apply cleanly to the views:
         * the store applies it with the same lifecycle the rules checked
         * it with. The map is big enough for any single message. */
        int rc = dbn_store_append_with(txn, &event, &subject);
        if (rc && rc != DBN_EMAPFULL)
          abort();
      }
      dbn_store_subject_clear(&subject);
      dbn_store_abort(&txn);
    }
  }
  dbn_wire_request_free(&req);
  return 0;
}
