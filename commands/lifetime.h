/* lifetime.h: the labels berth puts on every container it creates: who
 * owns it (berth.owner) and, with --lifetime, when housekeeping may delete
 * it (berth.expires, unix seconds). */
#ifndef BERTH_LIFETIME_H
#define BERTH_LIFETIME_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <jansson.h>

#define LABEL_OWNER "berth.owner"
#define LABEL_EXPIRES "berth.expires"

/* The Labels object of a container as a listing ("Labels") or an inspect
 * ("Config"."Labels") shows it; NULL when it has none. Borrowed. */
const json_t *container_labels(const json_t *c);
/* berth.owner of c, NULL when unlabelled (anyone's). Borrowed. */
const char *container_owner(const json_t *c);
/* berth.expires of c in unix seconds; -1 when it has none (or garbage). */
int64_t container_expires(const json_t *c);
/* The same from the label's value s (NULL: none). */
int64_t lifetime_expires_of(const char *s);
/* "in 5 minutes", "expired 2 minutes ago"; "-" when expires < 0. */
char *fmt_expires(char *buf, size_t len, int64_t expires, time_t now);

#endif
