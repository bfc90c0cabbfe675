/* jsonval.h: members of a JSON object read without checking each type.
 *
 * The engine's answers are read for display: a member that is absent or
 * of another type shows as "" or 0 rather than stopping the command.
 */
#ifndef BERTH_JSONVAL_H
#define BERTH_JSONVAL_H

#include <stdint.h>
#include <jansson.h>

/* o's string member key, borrowed from o; "" when absent or not a
 * string (or o is not an object). */
const char *jstr(const json_t *o, const char *key);
/* o's integer member key; 0 when absent or not an integer. */
int64_t jint(const json_t *o, const char *key);
/* The strings of the array arr joined by sep (a member that is not a
 * string counts as ""); "" when arr is empty or not an array. The
 * caller's; never NULL. */
char *json_join(const json_t *arr, const char *sep);

#endif
