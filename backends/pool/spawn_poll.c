/* spawn_poll.c: one poll of the cloud for all the VMs a spawn waits for
 * (spawn_internal.h): each round is one cloud_vm_get_many() made by
 * whichever waiting thread finds the round due, and its answers are handed
 * to every thread that waits. N spawns ask the cloud as often as one. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "backends/pool/spawn_internal.h"
#include "backends/store/store.h"
#include "lib/xalloc.h"

/* The pause between rounds: short while a VM was just made (a VM that
 * just missed a round waits at most that long), backing off to the
 * ceiling while nothing changes. */
#define POLL_FIRST_MS 250
#define POLL_CEILING_MS 1000
/* How long a waiting thread sleeps at most before it looks at Ctrl-C. */
#define POLL_NAP_MS 50

struct sp_poll_slot {
	char *vm_id;          /* owned; NULL: not waiting */
	int asked;            /* in the round under way */
	int fresh;            /* rc, vm, err hold an answer not taken yet */
	int rc;
	struct cloud_vm vm;
	struct berr err;
};

void sp_poll_init(struct sp_poll *p, size_t n)
{
	memset(p, 0, sizeof(*p));
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->cond, NULL);
	p->slot = xcalloc(n ? n : 1, sizeof(*p->slot));
	p->n = n;
	p->step = POLL_FIRST_MS;
}

void sp_poll_release(struct sp_poll *p)
{
	size_t i;

	for (i = 0; i < p->n; i++) {
		free(p->slot[i].vm_id);
		cloud_vm_release(&p->slot[i].vm);
	}
	free(p->slot);
	pthread_cond_destroy(&p->cond);
	pthread_mutex_destroy(&p->lock);
	memset(p, 0, sizeof(*p));
}

/* One round, by the calling thread with its driver c: the lock is held on
 * entry and on return, and released during the cloud call. */
static void poll_round(struct sp_poll *p, struct cloud *c)
{
	const char **ids = xcalloc(p->n, sizeof(*ids));
	size_t *which = xcalloc(p->n, sizeof(*which));
	struct cloud_vm *out = xcalloc(p->n, sizeof(*out));
	size_t i, k = 0;
	struct berr e;
	int rc;

	for (i = 0; i < p->n; i++) {
		if (!p->slot[i].vm_id)
			continue;
		p->slot[i].asked = 1;
		ids[k] = xstrdup(p->slot[i].vm_id);
		which[k++] = i;
	}
	p->busy = 1;
	pthread_mutex_unlock(&p->lock);
	berr_clear(&e);
	rc = cloud_vm_get_many(c, ids, k, out, &e);
	pthread_mutex_lock(&p->lock);
	for (i = 0; i < k; i++) {
		struct sp_poll_slot *s = &p->slot[which[i]];

		if (s->asked && s->vm_id) {
			cloud_vm_release(&s->vm);
			s->vm = out[i]; /* zeroed on failure */
			s->rc = rc;
			s->err = e;
			s->fresh = 1;
		} else {
			cloud_vm_release(&out[i]); /* its thread left meanwhile */
		}
		s->asked = 0;
		free((char *)ids[i]);
	}
	p->busy = 0;
	p->step = p->step * 3 / 2 > POLL_CEILING_MS ? POLL_CEILING_MS : p->step * 3 / 2;
	p->next_ms = store_now_ms() + p->step;
	pthread_cond_broadcast(&p->cond);
	free(out);
	free(which);
	free(ids);
}

/* Sleeps on p's condition until ms from now at most (lock held). */
static void poll_nap(struct sp_poll *p, int64_t ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += (time_t)(ms / 1000);
	ts.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_cond_timedwait(&p->cond, &p->lock, &ts);
}

int sp_poll_next(struct sp_poll *p, size_t i, const char *vm_id, struct cloud *c,
		 int64_t deadline, struct cloud_vm *vm, struct berr *err)
{
	struct sp_poll_slot *s = &p->slot[i];
	int rc = -1;

	memset(vm, 0, sizeof(*vm));
	pthread_mutex_lock(&p->lock);
	if (!s->vm_id || strcmp(s->vm_id, vm_id)) {
		/* a new VM: the rounds come quickly again */
		free(s->vm_id);
		s->vm_id = xstrdup(vm_id);
		s->asked = s->fresh = 0;
		cloud_vm_release(&s->vm);
		p->step = POLL_FIRST_MS;
		if (!p->next_ms || p->next_ms > store_now_ms() + POLL_FIRST_MS)
			p->next_ms = store_now_ms() + POLL_FIRST_MS;
	}
	for (;;) {
		int64_t now = store_now_ms(), nap;

		if (s->fresh) {
			s->fresh = 0;
			*vm = s->vm;
			memset(&s->vm, 0, sizeof(s->vm));
			if (s->rc < 0)
				*err = s->err;
			rc = s->rc < 0 ? -1 : 0;
			break;
		}
		if (berth_interrupted) {
			berr_set(err, BERR_INTERRUPTED, "interrupted");
			break;
		}
		if (now >= deadline) {
			berr_set(err, BERR_TIMEOUT, "VM %s: no answer from the cloud in time", vm_id);
			break;
		}
		if (!p->busy && now >= p->next_ms) {
			poll_round(p, c);
			continue;
		}
		nap = p->busy ? POLL_NAP_MS : p->next_ms - now;
		if (nap > POLL_NAP_MS)
			nap = POLL_NAP_MS;
		if (nap > deadline - now)
			nap = deadline - now;
		poll_nap(p, nap > 0 ? nap : 1);
	}
	pthread_mutex_unlock(&p->lock);
	return rc;
}

void sp_poll_leave(struct sp_poll *p, size_t i)
{
	struct sp_poll_slot *s = &p->slot[i];

	pthread_mutex_lock(&p->lock);
	free(s->vm_id);
	s->vm_id = NULL;
	s->fresh = 0;
	cloud_vm_release(&s->vm);
	pthread_mutex_unlock(&p->lock);
}
