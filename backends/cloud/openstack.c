/* openstack.c: the OpenStack driver's operations: Nova v2.1 servers,
 * Neutron v2.0 security groups and floating IPs (see openstack.h; HTTP,
 * Keystone and the catalog are openstack_http.c's).
 *
 * Nova servers carry berth's tags as metadata. Neutron objects take no
 * metadata in their create call, so their description holds the tags as
 * space-separated key=value words, written in the create call itself. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>
#include "backends/cloud/openstack.h"
#include "backends/cloud/openstack_internal.h"
#include "lib/strbuf.h"
#include "lib/text.h"
#include "lib/timefmt.h"
#include "lib/xalloc.h"

#define OS(c) ((struct openstack *)(c))

/* --- tags --------------------------------------------------------------------- */

static int tags_match(const struct cloud_tag *have, size_t nhave, const struct cloud_tag *want,
		      size_t nwant)
{
	size_t i, j;

	for (i = 0; i < nwant; i++) {
		for (j = 0; j < nhave; j++)
			if (!strcmp(have[j].key, want[i].key) &&
			    (!want[i].value || !strcmp(have[j].value, want[i].value)))
				break;
		if (j == nhave)
			return 0;
	}
	return 1;
}

/* A JSON object's string members as owned tags. */
static struct cloud_tag *tags_from_object(const json_t *o, size_t *n)
{
	struct cloud_tag *t = xcalloc(json_object_size(o) + 1, sizeof(*t));
	const char *k;
	json_t *v;

	*n = 0;
	json_object_foreach((json_t *)o, k, v) {
		if (!json_is_string(v))
			continue;
		t[*n].key = xstrdup(k);
		t[*n].value = xstrdup(json_string_value(v));
		(*n)++;
	}
	return t;
}

/* "key=value key=value" (a Neutron description) as owned tags. */
static struct cloud_tag *tags_from_words(const char *s, size_t *n)
{
	struct cloud_tag *t = NULL;
	size_t cap = 0;

	*n = 0;
	while (s && *s) {
		size_t len = strcspn(s, " "), klen;
		const char *eq = memchr(s, '=', len);

		if (eq && eq > s) {
			klen = (size_t)(eq - s);
			if (*n + 1 >= cap)
				t = xrealloc(t, (cap = cap * 2 + 4) * sizeof(*t));
			t[*n].key = xasprintf("%.*s", (int)klen, s);
			t[*n].value = xasprintf("%.*s", (int)(len - klen - 1), eq + 1);
			(*n)++;
		}
		s += len;
		while (*s == ' ')
			s++;
	}
	return t;
}

static char *tags_to_words(const struct cloud_tag *tags, size_t n)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	for (i = 0; i < n; i++)
		strbuf_addf(&sb, "%s%s=%s", i ? " " : "", tags[i].key, tags[i].value ?: "");
	return strbuf_detach(&sb);
}

/* A tag value that Nova metadata or a description word can hold. */
static int check_tags(struct openstack *o, const struct cloud_tag *tags, size_t n,
		      struct berr *err)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!tags[i].key || !*tags[i].key || strpbrk(tags[i].key, " =") ||
		    (tags[i].value && (strchr(tags[i].value, ' ') || strlen(tags[i].value) > 255)))
			return berr_set(err, BERR_USAGE, "cloud %s: tag %s cannot be stored "
					"(no spaces, at most 255 characters)", o->base.name,
					CUT(tags[i].key ?: ""));
	return 0;
}

/* --- names to IDs ------------------------------------------------------------ */

/* The ID of the item of GET path's array member whose id or name is want. */
static int find_id(struct openstack *o, enum os_service svc, const char *path,
		   const char *member, const char *kind, const char *want, char **id,
		   struct berr *err)
{
	json_t *doc = NULL, *arr, *it;
	struct strbuf names = STRBUF_INIT;
	const char *found = NULL;
	size_t i, nfound = 0;
	int rc = -1;

	*id = NULL;
	if (os_api(o, svc, "GET", path, NULL, &doc, err) < 0)
		return -1;
	arr = json_object_get(doc, member);
	json_array_foreach(arr, i, it) {
		const char *iid = json_string_value(json_object_get(it, "id"));
		const char *name = json_string_value(json_object_get(it, "name"));

		if (iid && !strcmp(iid, want)) {
			found = iid;
			nfound = 1;
			break;
		}
		if (name && !strcmp(name, want)) {
			found = iid;
			nfound++;
		}
		if (name && i < 8)
			strbuf_addf(&names, "%s%s", names.len ? ", " : "", name);
	}
	if (nfound == 1 && found) {
		*id = xstrdup(found);
		rc = 0;
	} else if (nfound > 1) {
		berr_set(err, BERR_ENGINE, "cloud %s: %zu %ss are named %s: give its ID",
			 o->base.name, nfound, kind, CUT(want));
	} else {
		berr_set(err, BERR_ENGINE, "cloud %s: no %s %s (there are: %s)", o->base.name, kind,
			 CUT(want), names.len ? CUT(names.buf) : "none");
		err->http_status = 404;
	}
	strbuf_release(&names);
	json_decref(doc);
	return rc;
}

/* --- servers --------------------------------------------------------------------- */

static enum cloud_vm_state vm_state(const char *status, const char *task)
{
	static const struct {
		const char *status;
		enum cloud_vm_state state;
	} map[] = {
		{ "BUILD", CLOUD_VM_PENDING }, { "REBUILD", CLOUD_VM_PENDING },
		{ "ACTIVE", CLOUD_VM_RUNNING }, { "REBOOT", CLOUD_VM_RUNNING },
		{ "HARD_REBOOT", CLOUD_VM_RUNNING }, { "PASSWORD", CLOUD_VM_RUNNING },
		{ "MIGRATING", CLOUD_VM_RUNNING }, { "RESIZE", CLOUD_VM_RUNNING },
		{ "VERIFY_RESIZE", CLOUD_VM_RUNNING }, { "REVERT_RESIZE", CLOUD_VM_RUNNING },
		{ "ERROR", CLOUD_VM_ERROR }, { "SHUTOFF", CLOUD_VM_STOPPED },
		{ "STOPPED", CLOUD_VM_STOPPED }, { "SUSPENDED", CLOUD_VM_STOPPED },
		{ "PAUSED", CLOUD_VM_STOPPED }, { "SHELVED", CLOUD_VM_STOPPED },
		{ "SHELVED_OFFLOADED", CLOUD_VM_STOPPED }, { "RESCUE", CLOUD_VM_STOPPED },
		{ "DELETED", CLOUD_VM_GONE }, { "SOFT_DELETED", CLOUD_VM_GONE },
	};
	size_t i;

	if (task && !strcmp(task, "deleting"))
		return CLOUD_VM_DELETING;
	for (i = 0; status && i < sizeof(map) / sizeof(map[0]); i++)
		if (!strcmp(map[i].status, status))
			return map[i].state;
	return CLOUD_VM_UNKNOWN;
}

/* The first IPv4 address of type ("fixed", "floating") in addresses,
 * else the first of any version. Borrowed. */
static const char *server_addr(const json_t *addresses, const char *type)
{
	const char *k, *any = NULL;
	json_t *list, *a;
	size_t i;

	json_object_foreach((json_t *)addresses, k, list) {
		json_array_foreach(list, i, a) {
			const char *t = json_string_value(json_object_get(a, "OS-EXT-IPS:type"));
			const char *addr = json_string_value(json_object_get(a, "addr"));

			/* without the extension, every address is taken as fixed */
			if (!addr || strcmp(t ?: "fixed", type))
				continue;
			if (json_integer_value(json_object_get(a, "version")) == 4)
				return addr;
			if (!any)
				any = addr;
		}
	}
	return any;
}

static void vm_from_json(struct openstack *o, const json_t *s, struct cloud_vm *vm)
{
	const char *status = json_string_value(json_object_get(s, "status"));
	const char *fault = json_string_value(json_object_get(json_object_get(s, "fault"),
							      "message"));
	const json_t *addrs = json_object_get(s, "addresses");
	const char *fixed = server_addr(addrs, "fixed"), *floating = server_addr(addrs, "floating");
	time_t created;

	cloud_vm_release(vm);
	vm->id = xstrdup(json_string_value(json_object_get(s, "id")) ?: "");
	vm->name = json_is_string(json_object_get(s, "name"))
			   ? xstrdup(json_string_value(json_object_get(s, "name"))) : NULL;
	vm->state = vm_state(status, json_string_value(json_object_get(s,
							"OS-EXT-STS:task_state")));
	if (vm->state == CLOUD_VM_ERROR && fault && *fault)
		vm->state_text = xasprintf("%s: %s", status, fault);
	else
		vm->state_text = xstrdup(status ?: "UNKNOWN");
	if ((o->address == CLOUD_ADDR_FLOATING || o->address == CLOUD_ADDR_PUBLIC) && floating)
		vm->address = xstrdup(floating);
	else if (fixed)
		vm->address = xstrdup(fixed);
	vm->private_address = fixed ? xstrdup(fixed) : NULL;
	vm->tags = tags_from_object(json_object_get(s, "metadata"), &vm->ntags);
	if (parse_rfc3339(json_string_value(json_object_get(s, "created")), &created) == 0)
		vm->created_ms = (int64_t)created * 1000;
}

/* Every server of the project (GET /servers/detail, page after page). */
static int servers_all(struct openstack *o, json_t **out, struct berr *err)
{
	char *path = xstrdup("/servers/detail");
	json_t *all = json_array();
	int rc = -1, pages;

	*out = NULL;
	for (pages = 0; path && pages < 1000; pages++) {
		json_t *doc = NULL, *links, *l;
		const char *next = NULL;
		size_t i;

		if (os_api(o, OS_COMPUTE, "GET", path, NULL, &doc, err) < 0)
			goto cleanup;
		json_array_extend(all, json_object_get(doc, "servers"));
		links = json_object_get(doc, "servers_links");
		json_array_foreach(links, i, l)
			if (!strcmp(json_string_value(json_object_get(l, "rel")) ?: "", "next"))
				next = json_string_value(json_object_get(l, "href"));
		free(path);
		path = next && strstr(next, "/servers/detail") ? xstrdup(strstr(next, "/servers/detail"))
							       : NULL;
		json_decref(doc);
	}
	*out = all;
	all = NULL;
	rc = 0;
cleanup:
	free(path);
	json_decref(all);
	return rc;
}

void os_vms_from_json(struct openstack *o, const json_t *servers, const struct cloud_tag *match,
		      size_t nmatch, struct cloud_vm **out, size_t *n)
{
	const json_t *s;
	size_t i;

	*n = 0;
	*out = xcalloc(json_array_size(servers) + 1, sizeof(**out));
	json_array_foreach(servers, i, s) {
		struct cloud_vm *vm = &(*out)[*n];

		vm_from_json(o, s, vm);
		if (vm->state == CLOUD_VM_GONE || !tags_match(vm->tags, vm->ntags, match, nmatch))
			cloud_vm_release(vm);
		else
			(*n)++;
	}
}

static int os_vm_list(struct cloud *c, const struct cloud_tag *match, size_t nmatch,
		      struct cloud_vm **out, size_t *n, struct berr *err)
{
	struct openstack *o = OS(c);
	json_t *all;

	*out = NULL;
	*n = 0;
	if (servers_all(o, &all, err) < 0)
		return -1;
	os_vms_from_json(o, all, match, nmatch, out, n);
	json_decref(all);
	return 0;
}

static int os_vm_get(struct cloud *c, const char *id, struct cloud_vm *out, struct berr *err);

/* Nova lists by no ID: one listing of the project's servers (for one,
 * cloud_vm_get_many() asks GET /servers/ID). */
static int os_vm_get_many(struct cloud *c, const char *const *ids, size_t n,
			  struct cloud_vm *out, struct berr *err)
{
	struct openstack *o = OS(c);
	const json_t *s;
	json_t *all;
	size_t i, j;

	if (servers_all(o, &all, err) < 0)
		return -1;
	json_array_foreach(all, i, s) {
		const char *id = json_string_value(json_object_get(s, "id"));

		for (j = 0; id && j < n && (out[j].id || strcmp(ids[j], id)); j++)
			;
		if (id && j < n)
			vm_from_json(o, s, &out[j]);
	}
	json_decref(all);
	return 0;
}

static int os_vm_get(struct cloud *c, const char *id, struct cloud_vm *out, struct berr *err)
{
	struct openstack *o = OS(c);
	char *q = os_escape(o, id), *path = xasprintf("/servers/%s", q);
	json_t *doc = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = os_api(o, OS_COMPUTE, "GET", path, NULL, &doc, err);
	if (rc == 0 && !json_is_object(json_object_get(doc, "server")))
		rc = berr_set(err, BERR_PROTOCOL, "cloud %s: GET /servers/%s: no server in the answer",
			      c->name, CUT(id));
	if (rc == 0)
		vm_from_json(o, json_object_get(doc, "server"), out);
	json_decref(doc);
	free(path);
	free(q);
	return rc;
}

static int delete_gone_ok(struct openstack *o, enum os_service svc, const char *collection,
			  const char *id, struct berr *err);

static int os_vm_delete(struct cloud *c, const char *id, struct berr *err)
{
	return delete_gone_ok(OS(c), OS_COMPUTE, "/servers", id, err);
}

/* A server made earlier with this spawn's token (a retried create). */
static int find_by_token(struct openstack *o, const char *token, struct cloud_vm *out,
			 struct berr *err)
{
	struct cloud_tag want = { .key = CLOUD_TAG_SPAWN, .value = token };
	struct cloud_vm *v = NULL;
	size_t n = 0, i;

	if (os_vm_list(&o->base, &want, 1, &v, &n, err) < 0)
		return -1;
	for (i = 0; i < n; i++) {
		if (v[i].state != CLOUD_VM_DELETING) {
			*out = v[i];
			memset(&v[i], 0, sizeof(v[i]));
			break;
		}
	}
	cloud_vms_release(v, n);
	return out->id ? 1 : 0;
}

static char *base64(const char *data, size_t len)
{
	char *out = xcalloc(4 * ((len + 2) / 3) + 1, 1);

	EVP_EncodeBlock((unsigned char *)out, (const unsigned char *)data, (int)len);
	return out;
}

static json_t *server_body(const struct cloud_vm_spec *spec, const char *flavor,
			   const char *image, const char *network)
{
	json_t *s = json_pack("{s:s, s:s, s:s}", "name", spec->name, "flavorRef", flavor,
			      "imageRef", image), *md = json_object();
	size_t i;

	if (network)
		json_object_set_new(s, "networks", json_pack("[{s:s}]", "uuid", network));
	if (spec->security_group)
		json_object_set_new(s, "security_groups",
				    json_pack("[{s:s}]", "name", spec->security_group));
	if (spec->key_name)
		json_object_set_new(s, "key_name", json_string(spec->key_name));
	if (spec->user_data) {
		char *b = base64(spec->user_data, spec->user_data_len);

		json_object_set_new(s, "user_data", json_string(b));
		free(b);
	}
	for (i = 0; i < spec->ntags; i++)
		json_object_set_new(md, spec->tags[i].key, json_string(spec->tags[i].value ?: ""));
	json_object_set_new(s, "metadata", md);
	return json_pack("{s:o}", "server", s);
}

static int os_vm_create(struct cloud *c, const struct cloud_vm_spec *spec, struct cloud_vm *out,
			struct berr *err)
{
	struct openstack *o = OS(c);
	char *flavor = NULL, *image = NULL, *network = NULL;
	json_t *doc = NULL;
	size_t i;
	int rc = -1, found;

	memset(out, 0, sizeof(*out));
	if (!spec->name || !spec->flavor || !spec->image)
		return berr_set(err, BERR_USAGE, "cloud %s: a server needs a name, a flavor and "
				"an image", c->name);
	if (check_tags(o, spec->tags, spec->ntags, err) < 0)
		return -1;
	if (spec->client_token) {
		found = find_by_token(o, spec->client_token, out, err);
		if (found != 0)
			return found < 0 ? -1 : 0;
	}
	if (find_id(o, OS_COMPUTE, "/flavors", "flavors", "flavor", spec->flavor, &flavor, err) < 0 ||
	    find_id(o, OS_COMPUTE, "/images", "images", "image", spec->image, &image, err) < 0 ||
	    (spec->network && find_id(o, OS_NETWORK, "/networks", "networks", "network",
				      spec->network, &network, err) < 0))
		goto cleanup;
	{
		json_t *body = server_body(spec, flavor, image, network);

		rc = os_api(o, OS_COMPUTE, "POST", "/servers", body, &doc, err);
		json_decref(body);
	}
	if (rc < 0)
		goto cleanup;
	rc = -1;
	if (!json_is_string(json_object_get(json_object_get(doc, "server"), "id"))) {
		berr_set(err, BERR_PROTOCOL, "cloud %s: POST /servers: no server ID in the answer",
			 c->name);
		goto cleanup;
	}
	out->id = xstrdup(json_string_value(json_object_get(json_object_get(doc, "server"), "id")));
	out->name = xstrdup(spec->name);
	out->state = CLOUD_VM_PENDING;
	out->state_text = xstrdup("BUILD");
	out->tags = xcalloc(spec->ntags + 1, sizeof(*out->tags));
	for (i = 0; i < spec->ntags; i++) {
		out->tags[i].key = xstrdup(spec->tags[i].key);
		out->tags[i].value = xstrdup(spec->tags[i].value ?: "");
	}
	out->ntags = spec->ntags;
	rc = 0;
cleanup:
	json_decref(doc);
	free(flavor);
	free(image);
	free(network);
	return rc;
}

/* --- security groups ------------------------------------------------------------ */

/* Of the groups named name, the oldest (created_at, then ID): when two
 * processes made one each at once, both settle on the same. */
static int group_oldest(struct openstack *o, const char *name, char **id, struct berr *err)
{
	char *q = os_escape(o, name), *path = xasprintf("/security-groups?name=%s", q);
	const char *best = NULL, *best_at = NULL;
	json_t *doc = NULL, *g;
	size_t i;
	int rc;

	*id = NULL;
	rc = os_api(o, OS_NETWORK, "GET", path, NULL, &doc, err);
	json_array_foreach(json_object_get(doc, "security_groups"), i, g) {
		const char *gid = json_string_value(json_object_get(g, "id"));
		const char *at = json_string_value(json_object_get(g, "created_at")) ?: "";

		if (!gid || strcmp(json_string_value(json_object_get(g, "name")) ?: "", name))
			continue;
		if (!best || strcmp(at, best_at) < 0 || (!strcmp(at, best_at) && strcmp(gid, best) < 0)) {
			best = gid;
			best_at = at;
		}
	}
	if (best)
		*id = xstrdup(best);
	json_decref(doc);
	free(path);
	free(q);
	return rc;
}

static int group_rule(struct openstack *o, const char *gid, const struct cloud_rule *r,
		      struct berr *err)
{
	const char *cidr = r->cidr ?: "0.0.0.0/0";
	json_t *body = json_pack("{s:{s:s, s:s, s:s, s:s, s:i, s:i, s:s}}", "security_group_rule",
				 "security_group_id", gid, "direction", "ingress", "ethertype",
				 strchr(cidr, ':') ? "IPv6" : "IPv4", "protocol", r->proto ?: "tcp",
				 "port_range_min", r->port_min, "port_range_max", r->port_max,
				 "remote_ip_prefix", cidr);
	int rc = os_api(o, OS_NETWORK, "POST", "/security-group-rules", body, NULL, err);

	json_decref(body);
	if (rc < 0 && err->kind == BERR_CONFLICT) { /* the rule is there already */
		berr_clear(err);
		rc = 0;
	}
	return rc;
}

static int os_secgroup_ensure(struct cloud *c, const char *name, const struct cloud_rule *rules,
			      size_t nrules, const struct cloud_tag *tags, size_t ntags, char **id,
			      struct berr *err)
{
	struct openstack *o = OS(c);
	char *mine = NULL, *desc = NULL;
	json_t *doc = NULL, *body;
	size_t i;
	int rc = -1;

	*id = NULL;
	if (check_tags(o, tags, ntags, err) < 0 || group_oldest(o, name, id, err) < 0)
		return -1;
	if (!*id) {
		desc = tags_to_words(tags, ntags);
		body = json_pack("{s:{s:s, s:s}}", "security_group", "name", name, "description",
				 desc);
		rc = os_api(o, OS_NETWORK, "POST", "/security-groups", body, &doc, err);
		json_decref(body);
		if (rc < 0)
			goto cleanup;
		rc = -1;
		mine = xstrdup(json_string_value(json_object_get(json_object_get(doc, "security_group"),
								 "id")) ?: "");
		if (group_oldest(o, name, id, err) < 0)
			goto cleanup;
		if (*id && strcmp(*id, mine)) { /* another process made one first: its wins */
			char *path = xasprintf("/security-groups/%s", mine);
			struct berr ignore = { 0 };

			os_api(o, OS_NETWORK, "DELETE", path, NULL, NULL, &ignore);
			free(path);
		} else if (!*id) {
			*id = mine;
			mine = NULL;
		}
	}
	for (i = 0; i < nrules; i++)
		if (group_rule(o, *id, &rules[i], err) < 0)
			goto cleanup;
	rc = 0;
cleanup:
	if (rc < 0) {
		free(*id);
		*id = NULL;
	}
	json_decref(doc);
	free(mine);
	free(desc);
	return rc;
}

/* DELETE collection/id where 404 is success. */
static int delete_gone_ok(struct openstack *o, enum os_service svc, const char *collection,
			  const char *id, struct berr *err)
{
	char *q = os_escape(o, id), *path = xasprintf("%s/%s", collection, q);
	int rc = os_api(o, svc, "DELETE", path, NULL, NULL, err);

	if (rc < 0 && err->kind == BERR_NOT_FOUND) {
		berr_clear(err);
		rc = 0;
	}
	free(path);
	free(q);
	return rc;
}

static int os_secgroup_delete(struct cloud *c, const char *id, struct berr *err)
{
	/* one in use is 409: BERR_CONFLICT already */
	return delete_gone_ok(OS(c), OS_NETWORK, "/security-groups", id, err);
}

/* --- floating IPs ------------------------------------------------------------------ */

/* The external network's ID: the profile's floating_network (name or
 * ID), else the first network with router:external. */
static int external_network(struct openstack *o, char **id, struct berr *err)
{
	json_t *doc = NULL, *n;
	size_t i;

	if (o->floating_network)
		return find_id(o, OS_NETWORK, "/networks", "networks", "network",
			       o->floating_network, id, err);
	*id = NULL;
	if (os_api(o, OS_NETWORK, "GET", "/networks?router%3Aexternal=True", NULL, &doc, err) < 0)
		return -1;
	json_array_foreach(json_object_get(doc, "networks"), i, n)
		if (json_is_true(json_object_get(n, "router:external")) && !*id)
			*id = xstrdup(json_string_value(json_object_get(n, "id")) ?: "");
	json_decref(doc);
	if (!*id)
		return berr_set(err, BERR_USAGE, "cloud %s: no external network for floating IPs "
				"(set floating_network)", o->base.name);
	return 0;
}

/* The server's first port (GET /ports?device_id=). */
static int server_port(struct openstack *o, const char *vm_id, char **port, struct berr *err)
{
	char *q = os_escape(o, vm_id), *path = xasprintf("/ports?device_id=%s", q);
	json_t *doc = NULL, *p;

	*port = NULL;
	if (os_api(o, OS_NETWORK, "GET", path, NULL, &doc, err) == 0) {
		p = json_array_get(json_object_get(doc, "ports"), 0);
		if (json_is_string(json_object_get(p, "id")))
			*port = xstrdup(json_string_value(json_object_get(p, "id")));
		else
			berr_set(err, BERR_ENGINE, "cloud %s: server %s has no network port yet",
				 o->base.name, CUT(vm_id));
	}
	json_decref(doc);
	free(path);
	free(q);
	return *port ? 0 : -1;
}

/* id and address of a floating IP JSON object. */
static void fip_take(const json_t *f, char **id, char **address)
{
	*id = xstrdup(json_string_value(json_object_get(f, "id")) ?: "");
	*address = xstrdup(json_string_value(json_object_get(f, "floating_ip_address")) ?: "");
}

static int fip_create(struct openstack *o, const char *port, const struct cloud_tag *tags,
		      size_t ntags, char **id, char **address, struct berr *err)
{
	char *net = NULL, *desc = tags_to_words(tags, ntags), *path = NULL;
	json_t *body = NULL, *doc = NULL;
	int rc = -1;

	if (external_network(o, &net, err) < 0)
		goto cleanup;
	body = json_pack("{s:{s:s, s:s}}", "floatingip", "floating_network_id", net, "description",
			 desc);
	if (os_api(o, OS_NETWORK, "POST", "/floatingips", body, &doc, err) < 0)
		goto cleanup;
	fip_take(json_object_get(doc, "floatingip"), id, address);
	json_decref(body);
	body = json_pack("{s:{s:s}}", "floatingip", "port_id", port);
	path = xasprintf("/floatingips/%s", *id);
	if (os_api(o, OS_NETWORK, "PUT", path, body, NULL, err) < 0) {
		struct berr ignore = { 0 };

		/* tagged, so reconcile finds it if this delete fails too */
		os_api(o, OS_NETWORK, "DELETE", path, NULL, NULL, &ignore);
		free(*id);
		free(*address);
		*id = *address = NULL;
		goto cleanup;
	}
	rc = 0;
cleanup:
	json_decref(body);
	json_decref(doc);
	free(path);
	free(desc);
	free(net);
	return rc;
}

static int os_address_attach(struct cloud *c, const char *vm_id, const struct cloud_tag *tags,
			     size_t ntags, char **address_id, char **address, struct berr *err)
{
	struct openstack *o = OS(c);
	char *port = NULL, *q = NULL, *path = NULL;
	json_t *doc = NULL, *f;
	int rc = -1;

	*address_id = *address = NULL;
	if (check_tags(o, tags, ntags, err) < 0 || server_port(o, vm_id, &port, err) < 0)
		goto cleanup;
	/* one already there (a retried attach): that one */
	q = os_escape(o, port);
	path = xasprintf("/floatingips?port_id=%s", q);
	if (os_api(o, OS_NETWORK, "GET", path, NULL, &doc, err) < 0)
		goto cleanup;
	f = json_array_get(json_object_get(doc, "floatingips"), 0);
	if (json_is_object(f))
		fip_take(f, address_id, address);
	else if (fip_create(o, port, tags, ntags, address_id, address, err) < 0)
		goto cleanup;
	rc = 0;
cleanup:
	json_decref(doc);
	free(path);
	free(q);
	free(port);
	return rc;
}

static int os_address_release(struct cloud *c, const char *address_id, struct berr *err)
{
	return delete_gone_ok(OS(c), OS_NETWORK, "/floatingips", address_id, err);
}

/* --- resources ------------------------------------------------------------------ */

struct res_list {
	struct cloud_resource *v;
	size_t n, cap;
};

static struct cloud_resource *res_add(struct res_list *l)
{
	if (l->n == l->cap)
		l->v = xrealloc(l->v, (l->cap = l->cap * 2 + 8) * sizeof(*l->v));
	memset(&l->v[l->n], 0, sizeof(l->v[0]));
	return &l->v[l->n++];
}

static char *port_device(struct openstack *o, const char *port)
{
	char *path = xasprintf("/ports/%s", port), *dev = NULL;
	json_t *doc = NULL;
	struct berr ignore = { 0 };

	if (os_api(o, OS_NETWORK, "GET", path, NULL, &doc, &ignore) == 0) {
		const char *d = json_string_value(json_object_get(json_object_get(doc, "port"),
								  "device_id"));

		dev = d && *d ? xstrdup(d) : NULL;
	}
	json_decref(doc);
	free(path);
	return dev;
}

/* Neutron objects of path's member whose description tags match. */
static int neutron_tagged(struct openstack *o, const char *path, const char *member,
			  enum cloud_resource_kind kind, const struct cloud_tag *match,
			  size_t nmatch, struct res_list *l, struct berr *err)
{
	json_t *doc = NULL, *it;
	size_t i;

	if (os_api(o, OS_NETWORK, "GET", path, NULL, &doc, err) < 0)
		return -1;
	json_array_foreach(json_object_get(doc, member), i, it) {
		const char *port = json_string_value(json_object_get(it, "port_id"));
		struct cloud_tag *t;
		struct cloud_resource *r;
		size_t nt;

		t = tags_from_words(json_string_value(json_object_get(it, "description")), &nt);
		if (!nt || !tags_match(t, nt, match, nmatch)) {
			cloud_tags_release(t, nt);
			continue;
		}
		r = res_add(l);
		r->kind = kind;
		r->id = xstrdup(json_string_value(json_object_get(it, "id")) ?: "");
		if (json_is_string(json_object_get(it, kind == CLOUD_RES_ADDRESS
							   ? "floating_ip_address" : "name")))
			r->name = xstrdup(json_string_value(json_object_get(
				it, kind == CLOUD_RES_ADDRESS ? "floating_ip_address" : "name")));
		if (port && *port)
			r->attached_to = port_device(o, port);
		r->tags = t;
		r->ntags = nt;
	}
	json_decref(doc);
	return 0;
}

static int os_resources_list(struct cloud *c, const struct cloud_tag *match, size_t nmatch,
			     struct cloud_resource **out, size_t *n, struct berr *err)
{
	struct openstack *o = OS(c);
	struct res_list l = { 0 };
	struct cloud_vm *vms = NULL;
	size_t nvms = 0, i;
	int rc = -1;

	*out = NULL;
	*n = 0;
	if (os_vm_list(c, match, nmatch, &vms, &nvms, err) < 0)
		return -1;
	for (i = 0; i < nvms; i++) {
		struct cloud_resource *r = res_add(&l);

		r->kind = CLOUD_RES_VM;
		r->id = vms[i].id;
		r->name = vms[i].name;
		r->tags = vms[i].tags;
		r->ntags = vms[i].ntags;
		vms[i].id = vms[i].name = NULL;
		vms[i].tags = NULL;
		vms[i].ntags = 0;
	}
	if (neutron_tagged(o, "/security-groups", "security_groups", CLOUD_RES_SECURITY_GROUP,
			   match, nmatch, &l, err) < 0 ||
	    neutron_tagged(o, "/floatingips", "floatingips", CLOUD_RES_ADDRESS, match, nmatch, &l,
			   err) < 0)
		goto cleanup;
	*out = l.v;
	*n = l.n;
	l.v = NULL;
	l.n = 0;
	rc = 0;
cleanup:
	cloud_resources_release(l.v, l.n);
	cloud_vms_release(vms, nvms);
	return rc;
}

/* --- the driver ---------------------------------------------------------------- */

static int os_check(struct cloud *c, struct berr *err)
{
	json_t *doc = NULL;
	int rc = os_api(OS(c), OS_COMPUTE, "GET", "/flavors", NULL, &doc, err);

	json_decref(doc);
	return rc;
}

static void os_share(struct cloud *to, const struct cloud *from)
{
	os_http_share(OS(to), (const struct openstack *)from);
}

static void os_free(struct cloud *c)
{
	struct openstack *o = OS(c);

	os_http_release(o);
	clouds_config_release(&o->cfg);
	free(o->auth_url);
	free(o->interface);
	free(o->floating_network);
	free(c->name);
	free(c->region);
	free(o);
}

static const struct cloud_ops openstack_ops = {
	.kind = "openstack",
	.check = os_check,
	.vm_create = os_vm_create,
	.vm_get = os_vm_get,
	.vm_get_many = os_vm_get_many,
	.vm_list = os_vm_list,
	.vm_delete = os_vm_delete,
	.secgroup_ensure = os_secgroup_ensure,
	.secgroup_delete = os_secgroup_delete,
	.address_attach = os_address_attach,
	.address_release = os_address_release,
	.keypair_import = NULL, /* Nova key pairs take no tags: berth makes none */
	.keypair_delete = NULL,
	.resources_list = os_resources_list,
	.share = os_share,
	.free = os_free,
};

int openstack_insecure(const struct cloud *c)
{
	return c && c->ops == &openstack_ops && ((const struct openstack *)c)->cfg.insecure;
}

/* Keystone's URL ending in /v3 (clouds.yaml often gives the bare root). */
static char *v3_url(const char *url)
{
	size_t n = strlen(url);

	while (n > 0 && url[n - 1] == '/')
		n--;
	if (n >= 3 && !strncmp(url + n - 3, "/v3", 3))
		return xasprintf("%.*s", (int)n, url);
	return xasprintf("%.*s/v3", (int)n, url);
}

int openstack_open(const struct cloud_profile *p, const struct cloud_net *net,
		   struct cloud **out, struct berr *err)
{
	struct openstack *o = xcalloc(1, sizeof(*o));
	const char *iface;

	*out = NULL;
	o->base.ops = &openstack_ops;
	o->base.name = xstrdup(p->name ? p->name : "openstack");
	if (clouds_config_resolve(p->os_cloud, NULL, &o->cfg, err) < 0) {
		char msg[sizeof(err->msg)];

		snprintf(msg, sizeof(msg), "%s", err->msg);
		berr_set(err, err->kind, "cloud %s: %s", o->base.name, msg);
		os_free(&o->base);
		return -1;
	}
	o->base.region = p->region ? xstrdup(p->region)
		       : o->cfg.region_name ? xstrdup(o->cfg.region_name) : NULL;
	iface = p->interface ? p->interface : o->cfg.interface ? o->cfg.interface : "public";
	/* the v2 catalog's words still found in old files */
	o->interface = xasprintf("%.*s", (int)(strstr(iface, "URL") ? strstr(iface, "URL") - iface
								 : (long)strlen(iface)), iface);
	o->auth_url = v3_url(o->cfg.auth_url);
	o->floating_network = p->floating_network ? xstrdup(p->floating_network) : NULL;
	o->address = p->address;
	o->connect_timeout_ms = net && net->connect_timeout_ms > 0 ? net->connect_timeout_ms : 10000;
	o->request_timeout_ms = net && net->request_timeout_ms > 0 ? net->request_timeout_ms : 60000;
	o->curl = curl_easy_init();
	if (!o->curl) {
		os_free(&o->base);
		return berr_set(err, BERR_LOCAL, "cloud %s: cannot start libcurl", p->name ?: "?");
	}
	*out = &o->base;
	return 0;
}
