/* reconcile.c: cloud reconcile (spawn.h): what carries berth's tags in a
 * cloud against the hosts collection, one difference per item; with
 * delete the orphans go, and the spawns that finished after their berth
 * stopped are adopted either way. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include "backends/pool/spawn.h"
#include "backends/pool/spawn_internal.h"
#include "backends/pool/host_doc.h"
#include "backends/pool/pki.h"
#include "backends/pool/settings.h"
#include "backends/store/store.h"
#include "lib/strbuf.h"
#include "lib/xalloc.h"

#define GONE_WAIT_MS (3 * 60 * 1000)

/* One profile's comparison. */
struct recon {
	struct spawn_ctx *ctx;
	const struct cloud_profile *p;
	struct cloud *c;
	int del;
	struct cloud_vm *vms;
	size_t nvms;
	int *vm_done;            /* per VM: accounted for (a document's, or dealt with) */
	struct cloud_resource *res;
	size_t nres;
	struct sp_host *docs;
	size_t ndocs;
	char **deleted_vms;      /* VMs deleted here, waited for before the groups */
	size_t ndeleted;
	struct reconcile_item **out;
	size_t *n;
};

const char *reconcile_kind_name(enum reconcile_kind k)
{
	switch (k) {
	case RECONCILE_VM_ORPHAN: return "orphan VM";
	case RECONCILE_VM_REMOVED: return "VM of a removed host";
	case RECONCILE_VM_GONE: return "VM gone";
	case RECONCILE_STALLED: return "stalled spawn";
	case RECONCILE_ADOPTED: return "adopted";
	case RECONCILE_SECGROUP_UNUSED: return "unused security group";
	case RECONCILE_ADDRESS_UNUSED: return "unused address";
	}
	return "?";
}

static struct reconcile_item *add_item(struct recon *r, enum reconcile_kind kind, const char *id,
				       const char *host, char *line)
{
	struct reconcile_item *it;

	*r->out = xrealloc(*r->out, (*r->n + 1) * sizeof(**r->out));
	it = &(*r->out)[(*r->n)++];
	*it = (struct reconcile_item){ .kind = kind, .cloud = xstrdup(r->p->name),
				       .id = id ? xstrdup(id) : NULL,
				       .host = host ? xstrdup(host) : NULL, .line = line };
	return it;
}

/* Is vm document h's: its recorded ID, else its spawn tag? */
static int vm_matches(const struct cloud_vm *vm, const struct sp_host *h)
{
	const char *tag = cloud_vm_tag(vm, CLOUD_TAG_SPAWN);

	return (h->vm_id && vm->id && !strcmp(h->vm_id, vm->id)) ||
	       (h->spawn_id && tag && !strcmp(tag, h->spawn_id));
}

/* The VM of document h, or -1. */
static long vm_of(const struct recon *r, const struct sp_host *h)
{
	size_t i;

	for (i = 0; i < r->nvms; i++)
		if (vm_matches(&r->vms[i], h))
			return (long)i;
	return -1;
}

static const char *resource_tag(const struct cloud_resource *x, const char *key)
{
	size_t i;

	for (i = 0; i < x->ntags; i++)
		if (x->tags[i].key && !strcmp(x->tags[i].key, key))
			return x->tags[i].value;
	return NULL;
}

static void vm_deleted(struct recon *r, const char *id)
{
	r->deleted_vms = xrealloc(r->deleted_vms, (r->ndeleted + 1) * sizeof(*r->deleted_vms));
	r->deleted_vms[r->ndeleted++] = xstrdup(id);
}

/* A spawned document whose VM runs: its endpoint recorded if the berth
 * that spawned it died before, then its engine pinged. 1 adopted. */
static int try_adopt(struct recon *r, struct sp_host *h, const struct cloud_vm *vm)
{
	const char *addr = r->p->address == CLOUD_ADDR_FIXED && vm->private_address ?
			   vm->private_address : vm->address ? vm->address : vm->private_address;
	struct berr err;
	bson_t f;

	if (!h->url) {
		char *dir = sp_client_dir(h->name), *url, *tls;

		if (!addr || !dir) {
			free(dir);
			return 0;
		}
		url = xasprintf(strchr(addr, ':') ? "tcp://[%s]:%d" : "tcp://%s:%d", addr, SPAWN_ENGINE_PORT);
		tls = xasprintf("%s.%s", h->name, BERTH_TLS_DOMAIN);
		sp_set(&h->address, addr);
		sp_set(&h->vm_id, vm->id);
		h->phase = HOST_DOC_PHASE_RUNNING;
		bson_init(&f);
		host_doc_set_endpoint(&f, url, dir, tls);
		sp_record(r->ctx, h, &f, &err);
		bson_destroy(&f);
		sp_set(&h->url, url);
		free(tls);
		free(url);
		free(dir);
	}
	if (sp_ping(r->ctx, h->name, NULL, &err) < 0)
		return 0;
	h->phase = HOST_DOC_PHASE_ENGINE;
	bson_init(&f);
	host_doc_set_seen(&f, store_now_ms());
	host_doc_set_no_errors(&f, 1);
	host_doc_set_no_probes(&f);
	if (r->p->slots > 0)
		host_doc_set_slots(&f, r->p->slots);
	if (sp_transition(r->ctx, h, "active", "cloud reconcile: its engine answered (adopted)", &f,
			  &err) < 0) {
		bson_destroy(&f);
		return 0;
	}
	bson_destroy(&f);
	add_item(r, RECONCILE_ADOPTED, h->vm_id, h->name,
		 xasprintf("%s: spawn of %s finished after its berth stopped: adopted, now active",
			   r->p->name, h->name));
	return 1;
}

/* A document still spawning: adopted, stalled, or in progress. */
static void check_spawning(struct recon *r, struct sp_host *h, long vi)
{
	const struct cloud_vm *vm = vi >= 0 ? &r->vms[vi] : NULL;
	int past = h->deadline && store_now_ms() > h->deadline, dead = sp_spawner_gone(h);
	struct reconcile_item *it;

	if (vm && vm->state == CLOUD_VM_RUNNING && (past || dead || h->url) && try_adopt(r, h, vm))
		return;
	if (!past && !dead)
		return; /* in progress */
	it = add_item(r, RECONCILE_STALLED, vm ? vm->id : h->vm_id, h->name,
		      xasprintf("%s: spawn of %s stopped half-way (phase %s%s%s; %s)", r->p->name,
				h->name, h->phase, vm ? ", VM " : "", vm ? vm->id : "",
				dead ? "its berth is gone" : "past its deadline"));
	if (!r->del)
		return;
	if (sp_teardown(r->ctx, r->c, h, GONE_WAIT_MS, &it->err) == 0 &&
	    sp_transition(r->ctx, h, "removed", "cloud reconcile: the spawn stopped half-way", NULL,
			  &it->err) == 0) {
		it->deleted = 1;
		sp_set(&h->state, "removed");
		sp_client_dir_remove(h->name);
	}
}

/* Each document of the profile against the cloud's VMs. */
static void check_docs(struct recon *r)
{
	size_t i;

	for (i = 0; i < r->ndocs && !berth_interrupted; i++) {
		struct sp_host *h = &r->docs[i];
		long vi = vm_of(r, h);
		struct reconcile_item *it;

		if (vi >= 0 && strcmp(h->state, "removed"))
			r->vm_done[vi] = 1;
		if (!strcmp(h->state, "removed"))
			continue;
		if (!strcmp(h->state, "spawned")) {
			check_spawning(r, h, vi);
			continue;
		}
		if (!h->vm_id || (vi >= 0 && r->vms[vi].state != CLOUD_VM_GONE))
			continue;
		it = add_item(r, RECONCILE_VM_GONE, h->vm_id, h->name,
			      xasprintf("%s: the VM %s of %s (%s) is gone", r->p->name, h->vm_id, h->name,
					h->state));
		if (r->del && sp_transition(r->ctx, h, "removed", "cloud reconcile: its VM is gone",
					    NULL, &it->err) == 0) {
			it->deleted = 1;
			sp_set(&h->state, "removed");
		}
	}
}

/* The cloud's VMs that no live document accounts for. */
static void check_vms(struct recon *r)
{
	size_t i, k;

	for (i = 0; i < r->nvms && !berth_interrupted; i++) {
		struct cloud_vm *vm = &r->vms[i];
		const char *host = cloud_vm_tag(vm, CLOUD_TAG_HOST);
		struct reconcile_item *it;
		const struct sp_host *doc = NULL;

		if (r->vm_done[i] || vm->state == CLOUD_VM_GONE || vm->state == CLOUD_VM_DELETING)
			continue;
		for (k = 0; k < r->ndocs && !doc; k++)
			if (vm_matches(vm, &r->docs[k]))
				doc = &r->docs[k];
		if (doc)
			it = add_item(r, RECONCILE_VM_REMOVED, vm->id, doc->name,
				      xasprintf("%s: VM %s of %s, whose document says removed", r->p->name,
						vm->id, doc->name));
		else
			it = add_item(r, RECONCILE_VM_ORPHAN, vm->id, host,
				      xasprintf("%s: VM %s (%s) has no document", r->p->name, vm->id,
						host ? host : "no host tag"));
		if (r->del && r->c->ops->vm_delete(r->c, vm->id, &it->err) == 0) {
			it->deleted = 1;
			vm_deleted(r, vm->id);
		}
	}
}

/* Is resource x (a group or an address) used by a live document? */
static int used(const struct recon *r, const struct cloud_resource *x)
{
	size_t i;

	for (i = 0; i < r->ndocs; i++) {
		const struct sp_host *h = &r->docs[i];
		const char *id = x->kind == CLOUD_RES_SECURITY_GROUP ? h->secgroup_id : h->address_id;

		if (id && !strcmp(id, x->id) && strcmp(h->state, "removed"))
			return 1;
	}
	return 0;
}

/* Groups and addresses that nothing of berth's uses, listed once the
 * documents and VMs are dealt with: a stalled spawn's teardown deleted
 * its own already. -1 with err when they cannot be listed. */
static int check_resources(struct recon *r, struct berr *err)
{
	struct cloud_tag t[3];
	size_t nt = sp_tags(r->ctx, NULL, t), i;
	struct berr werr;

	/* groups are in use until their VMs are gone */
	if (r->ndeleted && sp_wait_gone(r->c, r->deleted_vms, r->ndeleted, GONE_WAIT_MS, &werr) < 0)
		berr_clear(&werr);
	if (!r->c->ops->resources_list)
		return 0;
	if (r->c->ops->resources_list(r->c, t, nt, &r->res, &r->nres, err) < 0)
		return -1;
	for (i = 0; i < r->nres && !berth_interrupted; i++) {
		struct cloud_resource *x = &r->res[i];
		struct reconcile_item *it;
		int is_group = x->kind == CLOUD_RES_SECURITY_GROUP;

		if ((!is_group && x->kind != CLOUD_RES_ADDRESS) || !x->id || used(r, x))
			continue;
		it = add_item(r, is_group ? RECONCILE_SECGROUP_UNUSED : RECONCILE_ADDRESS_UNUSED, x->id,
			      resource_tag(x, CLOUD_TAG_HOST),
			      xasprintf("%s: %s %s%s%s%s is unused", r->p->name,
					is_group ? "security group" : "floating address", x->id,
					x->name ? " (" : "", x->name ? x->name : "", x->name ? ")" : ""));
		if (!r->del)
			continue;
		if (is_group) {
			if (r->c->ops->secgroup_delete(r->c, x->id, &it->err) == 0)
				it->deleted = 1;
		} else if (r->c->ops->address_release &&
			   r->c->ops->address_release(r->c, x->id, &it->err) == 0) {
			it->deleted = 1;
		}
	}
	return 0;
}

/* One profile: -1 with err when its cloud could not be asked. */
static int reconcile_profile(struct recon *r, struct berr *err)
{
	struct cloud_tag t[3];
	size_t nt = sp_tags(r->ctx, NULL, t);
	int rc = -1;

	if (cloud_open(r->p, &r->ctx->net, &r->c, err) < 0 ||
	    r->c->ops->vm_list(r->c, t, nt, &r->vms, &r->nvms, err) < 0 ||
	    sp_hosts_of(r->ctx, r->p->name, &r->docs, &r->ndocs, err) < 0)
		goto cleanup;
	r->vm_done = xcalloc(r->nvms ? r->nvms : 1, sizeof(*r->vm_done));
	check_docs(r);
	check_vms(r);
	if (check_resources(r, err) < 0)
		goto cleanup;
	rc = 0;
cleanup:
	cloud_vms_release(r->vms, r->nvms);
	cloud_resources_release(r->res, r->nres);
	sp_hosts_release(r->docs, r->ndocs);
	while (r->ndeleted)
		free(r->deleted_vms[--r->ndeleted]);
	free(r->deleted_vms);
	free(r->vm_done);
	cloud_free(r->c);
	return rc;
}

int spawn_reconcile(struct fleet *fl, const char *cloud, int del, struct reconcile_item **out,
		    size_t *n, char **failed, struct berr *err)
{
	const struct settings *s = fl->settings;
	struct spawn_ctx ctx;
	size_t i;
	int rc = -1;

	*out = NULL;
	*n = 0;
	*failed = NULL;
	if (cloud && !spawn_profile(fl, cloud, err))
		return -1;
	if (sp_ctx_init(&ctx, fl, NULL, err) < 0)
		goto cleanup;
	for (i = 0; i < s->nclouds && !berth_interrupted; i++) {
		struct recon r = { .ctx = &ctx, .p = &s->clouds[i], .del = del, .out = out, .n = n };
		struct berr e;

		if (cloud && strcmp(s->clouds[i].name, cloud))
			continue;
		berr_clear(&e);
		if (reconcile_profile(&r, &e) < 0)
			xstrjoinf(failed, "; ", "%s: %s", s->clouds[i].name, e.msg);
	}
	rc = 0;
cleanup:
	sp_ctx_release(&ctx);
	return rc;
}

void reconcile_items_release(struct reconcile_item *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(v[i].cloud);
		free(v[i].id);
		free(v[i].host);
		free(v[i].line);
	}
	free(v);
}
