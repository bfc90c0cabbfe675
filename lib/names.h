/* names.h: what a host's name may be. */
#ifndef BERTH_NAMES_H
#define BERTH_NAMES_H

/* Letters, digits, '-', '_' and '.', at least one: 1 when s is one
 * (NULL is not). The settings file, host add and the store hold to it. */
int valid_host_name(const char *s);

/* A DNS name as berth writes one into a certificate or pins it to an
 * address (NAME.berth.internal): letters, digits, '-' and '.', not
 * starting with '-' or '.', at most 253 characters. */
int valid_dns_name(const char *s);

/* A host named by its URL (-H tcp://HOST:2375): it lives in this process
 * only, has no document in the store and no state. */
int host_is_adhoc(const char *name);

#endif
