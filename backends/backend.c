/* backend.c: what all backends share. */
#include "config.h"

#include "backends/backend.h"

void backend_free(struct backend *b)
{
	if (b && b->ops && b->ops->free)
		b->ops->free(b);
}
