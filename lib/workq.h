/* workq.h: items handed, in order, to one worker thread.
 *
 * For work that can go on beside the thread that produces it: a fleet's
 * listing parses and writes each engine's answer while the transfers of
 * the others go on. The queue is bounded: put() waits while max items
 * are waiting, so that a slow worker holds back the producer instead of
 * letting answers pile up in memory.
 */
#ifndef BERTH_WORKQ_H
#define BERTH_WORKQ_H

#include <stddef.h>

struct workq;
typedef void (*workq_fn)(void *item, void *ud);

/* Starts the worker, which calls fn(item, ud) for each item put. NULL when
 * no thread can be started: the caller then calls fn itself. */
struct workq *workq_start(workq_fn fn, void *ud, size_t max);
/* Queues item (owned by fn from now on); waits while max are waiting. */
void workq_put(struct workq *q, void *item);
/* Waits until every item put has been done, ends the worker, frees q. */
void workq_finish(struct workq *q);

#endif
