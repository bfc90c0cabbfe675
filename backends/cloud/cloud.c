/* cloud.c: releasing what cloud drivers return (see cloud.h). */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include "backends/cloud/cloud.h"

static void tags_release(struct cloud_tag *tags, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free((char *)tags[i].key);
		free((char *)tags[i].value);
	}
	free(tags);
}

void cloud_vm_release(struct cloud_vm *vm)
{
	if (!vm)
		return;
	free(vm->id);
	free(vm->name);
	free(vm->state_text);
	free(vm->address);
	free(vm->private_address);
	tags_release(vm->tags, vm->ntags);
	memset(vm, 0, sizeof(*vm));
}

void cloud_vms_release(struct cloud_vm *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		cloud_vm_release(&v[i]);
	free(v);
}

const char *cloud_vm_tag(const struct cloud_vm *vm, const char *key)
{
	size_t i;

	for (i = 0; i < vm->ntags; i++)
		if (vm->tags[i].key && !strcmp(vm->tags[i].key, key))
			return vm->tags[i].value;
	return NULL;
}

void cloud_resources_release(struct cloud_resource *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(v[i].id);
		free(v[i].name);
		free(v[i].attached_to);
		tags_release(v[i].tags, v[i].ntags);
	}
	free(v);
}

void cloud_free(struct cloud *c)
{
	if (c && c->ops && c->ops->free)
		c->ops->free(c);
}
