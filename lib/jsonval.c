/* jsonval.c: members of a JSON object read without checking each type. */
#include "config.h"

#include "lib/jsonval.h"
#include "lib/strbuf.h"

const char *jstr(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}

int64_t jint(const json_t *o, const char *key)
{
	return (int64_t)json_integer_value(json_object_get(o, key));
}

char *json_join(const json_t *arr, const char *sep)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	for (i = 0; i < json_array_size(arr); i++) {
		const char *s = json_string_value(json_array_get(arr, i));

		if (i)
			strbuf_addstr(&sb, sep);
		strbuf_addstr(&sb, s ? s : "");
	}
	return strbuf_detach(&sb);
}
