/* workq.c: one worker thread behind a bounded queue (workq.h). */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include "lib/workq.h"

struct workq {
	pthread_mutex_t lock;
	pthread_cond_t changed; /* an item came, went, or the end was said */
	pthread_t thread;
	workq_fn fn;
	void *ud;
	void **items;           /* a ring of max slots (owned; the items are fn's) */
	size_t max, head, n;
	int ending;
};

static void *worker(void *arg)
{
	struct workq *q = arg;

	for (;;) {
		void *item;

		pthread_mutex_lock(&q->lock);
		while (!q->n && !q->ending)
			pthread_cond_wait(&q->changed, &q->lock);
		if (!q->n) {
			pthread_mutex_unlock(&q->lock);
			return NULL;
		}
		item = q->items[q->head];
		q->head = (q->head + 1) % q->max;
		q->n--;
		pthread_cond_broadcast(&q->changed);
		pthread_mutex_unlock(&q->lock);
		q->fn(item, q->ud);
	}
}

struct workq *workq_start(workq_fn fn, void *ud, size_t max)
{
	struct workq *q = calloc(1, sizeof(*q));

	if (!q)
		return NULL;
	q->fn = fn;
	q->ud = ud;
	q->max = max ? max : 1;
	if (!(q->items = calloc(q->max, sizeof(*q->items))))
		goto fail;
	if (pthread_mutex_init(&q->lock, NULL))
		goto fail;
	if (pthread_cond_init(&q->changed, NULL)) {
		pthread_mutex_destroy(&q->lock);
		goto fail;
	}
	if (pthread_create(&q->thread, NULL, worker, q)) {
		pthread_cond_destroy(&q->changed);
		pthread_mutex_destroy(&q->lock);
		goto fail;
	}
	return q;
fail:
	free(q->items);
	free(q);
	return NULL;
}

void workq_put(struct workq *q, void *item)
{
	pthread_mutex_lock(&q->lock);
	while (q->n == q->max)
		pthread_cond_wait(&q->changed, &q->lock);
	q->items[(q->head + q->n) % q->max] = item;
	q->n++;
	pthread_cond_broadcast(&q->changed);
	pthread_mutex_unlock(&q->lock);
}

void workq_finish(struct workq *q)
{
	if (!q)
		return;
	pthread_mutex_lock(&q->lock);
	q->ending = 1;
	pthread_cond_broadcast(&q->changed);
	pthread_mutex_unlock(&q->lock);
	pthread_join(q->thread, NULL);
	pthread_cond_destroy(&q->changed);
	pthread_mutex_destroy(&q->lock);
	free(q->items);
	free(q);
}
