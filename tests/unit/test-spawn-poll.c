/* test-spawn-poll.c: the rounds of a spawn's poll of the cloud
 * (backends/pool/spawn_poll.c) with two waiting threads and a scripted
 * cloud: one round for both VMs each time, backing off while nothing
 * changes, and each thread handed the answer about its own VM. */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "backends/pool/spawn_internal.h"
#include "backends/store/store.h"
#include "lib/xalloc.h"
#include "tests/unit/tap.h"

#define ROUNDS_MAX 16

/* VM "a" runs from round A_UP on, VM "b" from round B_UP on (1-based). */
#define A_UP 3
#define B_UP 4

struct script {
	struct cloud base;
	pthread_mutex_t lock;
	int rounds;
	size_t asked[ROUNDS_MAX]; /* how many VMs each round asked for */
	int64_t at[ROUNDS_MAX];   /* when */
};

static int script_get_many(struct cloud *c, const char *const *ids, size_t n,
			   struct cloud_vm *out, struct berr *err)
{
	struct script *s = (struct script *)c;
	size_t i;
	int r;

	(void)err;
	pthread_mutex_lock(&s->lock);
	r = ++s->rounds;
	if (r <= ROUNDS_MAX) {
		s->asked[r - 1] = n;
		s->at[r - 1] = store_now_ms();
	}
	pthread_mutex_unlock(&s->lock);
	for (i = 0; i < n; i++) {
		int up = r >= (!strcmp(ids[i], "a") ? A_UP : B_UP);

		memset(&out[i], 0, sizeof(out[i]));
		out[i].id = xstrdup(ids[i]);
		out[i].state = up ? CLOUD_VM_RUNNING : CLOUD_VM_PENDING;
		out[i].state_text = xstrdup(up ? "ACTIVE" : "BUILD");
	}
	return 0;
}

/* A round for one VM is one vm_get (cloud_vm_get_many) */
static int script_get(struct cloud *c, const char *id, struct cloud_vm *out, struct berr *err)
{
	return script_get_many(c, &id, 1, out, err);
}

static const struct cloud_ops script_ops = {
	.kind = "script",
	.vm_get = script_get,
	.vm_get_many = script_get_many,
};

struct waiter {
	struct sp_poll *poll;
	struct script *cloud;
	size_t slot;
	const char *id;
	int rc;
	int64_t up_at; /* when it saw its VM running */
};

static void *wait_up(void *arg)
{
	struct waiter *w = arg;
	int64_t deadline = store_now_ms() + 20000;

	for (;;) {
		struct cloud_vm vm;
		struct berr err;
		int up;

		berr_clear(&err);
		if ((w->rc = sp_poll_next(w->poll, w->slot, w->id, &w->cloud->base, deadline, &vm,
					  &err)) < 0)
			break;
		up = vm.state == CLOUD_VM_RUNNING;
		cloud_vm_release(&vm);
		if (up) {
			w->up_at = store_now_ms();
			break;
		}
	}
	sp_poll_leave(w->poll, w->slot);
	return NULL;
}

int main(void)
{
	struct script cloud = { .base = { .ops = &script_ops } };
	struct sp_poll poll;
	struct waiter w[2] = {
		{ .poll = &poll, .cloud = &cloud, .slot = 0, .id = "a" },
		{ .poll = &poll, .cloud = &cloud, .slot = 1, .id = "b" },
	};
	pthread_t t[2];
	int i;

	pthread_mutex_init(&cloud.lock, NULL);
	sp_poll_init(&poll, 2);
	for (i = 0; i < 2; i++)
		if (pthread_create(&t[i], NULL, wait_up, &w[i]))
			return 99;
	for (i = 0; i < 2; i++)
		pthread_join(t[i], NULL);

	is_int(w[0].rc, 0, "a: its poll answered");
	is_int(w[1].rc, 0, "b: its poll answered");
	is_int(cloud.rounds, B_UP, "one round for both VMs each time: %d rounds", B_UP);
	ok(cloud.asked[0] == 2 && cloud.asked[A_UP - 1] == 2,
	   "... each round asked for both VMs while both waited");
	is_int(cloud.asked[B_UP - 1], 1, "... the last one only for b (a left once it ran)");
	/* 250, 375, 562, 843 ms: backing off */
	ok(cloud.at[B_UP - 1] - cloud.at[B_UP - 2] > cloud.at[1] - cloud.at[0],
	   "the pause backs off (%lld ms, then %lld ms)",
	   (long long)(cloud.at[1] - cloud.at[0]),
	   (long long)(cloud.at[B_UP - 1] - cloud.at[B_UP - 2]));
	ok(w[0].up_at && w[1].up_at && w[0].up_at <= w[1].up_at,
	   "each thread saw its own VM running, a first");
	sp_poll_release(&poll);
	pthread_mutex_destroy(&cloud.lock);
	return done_testing();
}
