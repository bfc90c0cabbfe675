/* test-autoscale.c: autoscale's decision (backends/pool/autoscale.c) over
 * made-up pools: no cloud, no engine, no store. */
#include <string.h>
#include "tests/unit/tap.h"
#include "backends/pool/autoscale.h"

#define NOW 1000000000LL
#define MIN 60000LL

/* An autoscaled active host that answered: slots total, used, containers,
 * idle since NOW - idle_ms. */
static struct as_host up(const char *name, int64_t total, int64_t used, int64_t containers,
			 int64_t idle_ms)
{
	return (struct as_host){ .name = (char *)name, .state = (char *)"active", .autoscaled = 1,
				 .active = 1, .answered = 1, .total = total, .used = used,
				 .containers = containers, .idle_since = NOW - idle_ms };
}

static struct as_host spawning(const char *name)
{
	return (struct as_host){ .name = (char *)name, .state = (char *)"spawned", .autoscaled = 1,
				 .spawning = 1, .containers = -1 };
}

static const struct as_config conf = {
	.min_hosts = 1, .max_hosts = 4, .free_slots = 4, .idle_after_ms = 5 * MIN,
	.spawn_step = 2, .slots_per_host = 2,
};

int main(void)
{
	struct as_config c = conf;
	struct as_host h[8] = { { 0 } };
	struct as_plan p;

	/* from nothing: min_hosts 1 and free_slots 4 want two hosts of 2 */
	autoscale_decide(&c, h, 0, NOW, &p);
	ok(p.action == AS_SPAWN && p.spawn == 2, "empty pool: spawn 2 (got %d, %lld)", p.action,
	   (long long)p.spawn);
	ok(strstr(p.why, "free slots 0 < free_slots 4") != NULL, "... why: %s", p.why);

	/* hosts still spawning count, as capacity and against max_hosts */
	h[0] = spawning("lab-1");
	h[1] = spawning("lab-2");
	autoscale_decide(&c, h, 2, NOW, &p);
	ok(p.action == AS_NOTHING, "two spawning hosts: nothing more (%s)", p.why);
	is_int(p.free, 4, "... their slots count as free");

	/* full: more, capped by spawn_step, then by max_hosts */
	h[0] = up("lab-1", 2, 2, 2, 0);
	h[1] = up("lab-2", 2, 2, 2, 0);
	autoscale_decide(&c, h, 2, NOW, &p);
	ok(p.action == AS_SPAWN && p.spawn == 2, "two full hosts: spawn 2 (got %lld)", (long long)p.spawn);
	c.spawn_step = 1;
	autoscale_decide(&c, h, 2, NOW, &p);
	ok(p.action == AS_SPAWN && p.spawn == 1, "spawn_step 1: spawn 1");
	ok(strstr(p.why, "capped by spawn_step") != NULL, "... saying so: %s", p.why);
	c = conf;
	h[2] = up("lab-3", 2, 2, 1, 0);
	autoscale_decide(&c, h, 3, NOW, &p);
	ok(p.action == AS_SPAWN && p.spawn == 1, "three full of max 4: spawn 1 (got %lld)",
	   (long long)p.spawn);
	ok(strstr(p.why, "capped by max_hosts") != NULL, "... capped by max_hosts: %s", p.why);
	h[3] = up("lab-4", 2, 2, 1, 0);
	autoscale_decide(&c, h, 4, NOW, &p);
	ok(p.action == AS_NOTHING, "four full of max 4: nothing");
	ok(strstr(p.why, "max_hosts 4 reached") != NULL, "... why: %s", p.why);
	c.max_hosts = 40; /* no ceiling of berth's own */
	autoscale_decide(&c, h, 4, NOW, &p);
	ok(p.action == AS_SPAWN && p.spawn == 2, "max_hosts 40: spawns past four");
	c = conf;

	/* idle hosts: the oldest idle one goes, one per run, while the pool
	 * keeps min_hosts and free_slots */
	h[0] = up("lab-1", 2, 0, 0, 20 * MIN);
	h[1] = up("lab-2", 2, 0, 0, 30 * MIN);
	h[2] = up("lab-3", 2, 0, 0, 10 * MIN);
	h[3] = up("lab-4", 2, 0, 0, 1 * MIN);
	autoscale_decide(&c, h, 4, NOW, &p);
	ok(p.action == AS_DESTROY && !strcmp(p.destroy, "lab-2"), "four idle: the oldest idle goes (%s)",
	   p.destroy ? p.destroy : "none");
	/* lab-2 gone: two more idle ones would leave 4 free */
	h[1] = h[3];
	autoscale_decide(&c, h, 3, NOW, &p);
	ok(p.action == AS_DESTROY && !strcmp(p.destroy, "lab-1"), "then lab-1 (%s)",
	   p.destroy ? p.destroy : "none");
	/* two left (8 -> 4 free): removing one would go below free_slots */
	h[0] = up("lab-3", 2, 0, 0, 10 * MIN);
	h[1] = up("lab-4", 2, 0, 0, 10 * MIN);
	autoscale_decide(&c, h, 2, NOW, &p);
	ok(p.action == AS_NOTHING, "free_slots kept: nothing goes (%s)", p.why);
	c.free_slots = 0;
	autoscale_decide(&c, h, 2, NOW, &p);
	ok(p.action == AS_DESTROY, "free_slots 0: one goes");
	autoscale_decide(&c, h, 1, NOW, &p);
	ok(p.action == AS_NOTHING, "min_hosts 1 kept: the last one stays");
	c = conf;

	/* not idle long enough, busy, or added by hand: never */
	h[0] = up("lab-1", 2, 0, 0, 4 * MIN);
	h[1] = up("lab-2", 2, 0, 1, 60 * MIN);
	h[2] = up("mine", 2, 0, 0, 60 * MIN);
	h[2].autoscaled = 0;
	h[3] = up("lab-3", 2, 0, 0, 60 * MIN);
	h[3].answered = 0;
	h[4] = up("lab-4", 2, 0, 0, 60 * MIN);
	c.free_slots = 0;
	autoscale_decide(&c, h, 5, NOW, &p);
	ok(p.action == AS_DESTROY && !strcmp(p.destroy, "lab-4"),
	   "only the idle autoscaled host that answered goes (%s)", p.destroy ? p.destroy : "none");
	autoscale_decide(&c, h, 4, NOW, &p);
	ok(p.action == AS_NOTHING, "a host added by hand, a young one, a busy one, a silent one stay");
	c = conf;

	/* a host added by hand gives its room; below min_hosts still spawns */
	h[0] = up("mine", 8, 0, 0, 0);
	h[0].autoscaled = 0;
	autoscale_decide(&c, h, 1, NOW, &p);
	ok(p.action == AS_SPAWN && p.spawn == 1, "8 free by hand, 0 autoscaled: min_hosts spawns 1");
	ok(strstr(p.why, "min_hosts") != NULL, "... why: %s", p.why);

	/* drained hosts and exited containers */
	h[0] = up("lab-1", 2, 0, 0, 0);
	h[0].drained = 1;
	autoscale_decide(&c, h, 1, NOW, &p);
	is_int(p.free, 0, "a drained host gives no room");

	/* slots learnt from the hosts when the profile gives none */
	c.slots_per_host = 0;
	h[0] = up("lab-1", 3, 3, 3, 0);
	autoscale_decide(&c, h, 1, NOW, &p);
	is_int(p.slots_per_host, 3, "slots per host learnt from lab-1");
	ok(p.action == AS_SPAWN && p.spawn == 2, "4 wanted / 3 a host: spawn 2");

	return done_testing();
}
