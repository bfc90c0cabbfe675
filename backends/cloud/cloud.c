/* cloud.c: releasing what cloud drivers return (see cloud.h). */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include "backends/cloud/cloud.h"
#include "backends/cloud/ec2.h"
#include "backends/cloud/openstack.h"

/* The drivers: each adds its line (and its header above). */
static const struct {
	const char *name;
	cloud_open_fn open;
} drivers[] = {
	{ .name = "ec2", .open = ec2_open },
	{ .name = "openstack", .open = openstack_open },
	{ .name = NULL },
};

void cloud_tags_release(struct cloud_tag *tags, size_t n)
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
	cloud_tags_release(vm->tags, vm->ntags);
	memset(vm, 0, sizeof(*vm));
}

void cloud_vms_release(struct cloud_vm *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		cloud_vm_release(&v[i]);
	free(v);
}

int cloud_vm_get_many(struct cloud *c, const char *const *ids, size_t n, struct cloud_vm *out,
		      struct berr *err)
{
	size_t i;

	memset(out, 0, n * sizeof(*out));
	if (c->ops->vm_get_many && n > 1) {
		if (c->ops->vm_get_many(c, ids, n, out, err) == 0)
			return 0;
		/* EC2 refuses the whole call when one ID is unknown: each alone */
		if (err->kind != BERR_NOT_FOUND)
			return -1;
	}
	for (i = 0; i < n; i++) {
		struct berr e;

		berr_clear(&e);
		if (c->ops->vm_get(c, ids[i], &out[i], &e) == 0)
			continue;
		cloud_vm_release(&out[i]);
		if (e.kind != BERR_NOT_FOUND) {
			while (i--)
				cloud_vm_release(&out[i]);
			*err = e;
			return -1;
		}
	}
	return 0;
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
		cloud_tags_release(v[i].tags, v[i].ntags);
	}
	free(v);
}

void cloud_share(struct cloud *to, const struct cloud *from)
{
	if (to && from && to != from && to->ops == from->ops && to->ops->share &&
	    !strcmp(to->name, from->name))
		to->ops->share(to, from);
}

void cloud_free(struct cloud *c)
{
	if (c && c->ops && c->ops->free)
		c->ops->free(c);
}

void cloud_profile_release(struct cloud_profile *p)
{
	if (!p)
		return;
	free(p->name);
	free(p->driver);
	free(p->os_cloud);
	free(p->aws_profile);
	free(p->region);
	free(p->endpoint_url);
	free(p->interface);
	free(p->flavor);
	free(p->image);
	free(p->network);
	free(p->floating_network);
	free(p->allow_cidr);
	free(p->key_name);
	free(p->cloud_init);
	memset(p, 0, sizeof(*p));
}

const char *cloud_driver_names(void)
{
	return "openstack, ec2";
}

int cloud_open(const struct cloud_profile *p, const struct cloud_net *net, struct cloud **out,
	       struct berr *err)
{
	size_t i;

	*out = NULL;
	for (i = 0; drivers[i].name; i++)
		if (p->driver && !strcmp(p->driver, drivers[i].name))
			return drivers[i].open(p, net, out, err);
	return berr_set(err, BERR_USAGE, "cloud %s: unknown driver %s (use one of: %s)",
			p->name ? p->name : "?", p->driver ? p->driver : "(none)",
			cloud_driver_names());
}
