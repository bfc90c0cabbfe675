/* cloud-driver: one cloud driver operation (backends/cloud/cloud.h) per
 * run, against a real API, for the cloud tests (tests/t6*). Prints one
 * JSON object per line; errors as {"error": KIND, "message": TEXT}.
 *
 *   cloud-driver [-p KEY=VALUE]... OP [ARGS]
 *
 * -p sets a profile field: driver, cloud (clouds.yaml entry), profile
 * (AWS profile), region, endpoint_url, interface, flavor, image, network,
 * floating_network. --timeout MS sets the request timeout (default 10000).
 *
 * OP:
 *   check
 *   create NAME [-g SECGROUP-ID] [-u USER-DATA-FILE] [-t TOKEN] [K=V]...
 *   get ID
 *   get-many ID...                  (one line each, in order; {"unknown": ID}
 *                                    for one the cloud does not know)
 *   list [K=V | K]...               (K alone: any value)
 *   delete ID
 *   sg-ensure NAME CIDR [K=V]...
 *   sg-delete ID
 *   addr-attach VM-ID [K=V]...
 *   addr-release ID
 *   resources [K=V | K]...
 *
 * Exit 0 when the operation worked, 1 when it failed (the error line
 * says how), 2 on bad usage.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "backends/cloud/cloud.h"
#include "lib/xalloc.h"

static const char *const kinds[] = {
	[BERR_NONE] = "none", [BERR_ENGINE] = "engine", [BERR_NOT_FOUND] = "not_found",
	[BERR_CONFLICT] = "conflict", [BERR_CONNECT] = "connect", [BERR_TIMEOUT] = "timeout",
	[BERR_PROTOCOL] = "protocol", [BERR_TLS] = "tls", [BERR_INTERRUPTED] = "interrupted",
	[BERR_USAGE] = "usage", [BERR_LOCAL] = "local",
};

static const char *const states[] = {
	[CLOUD_VM_UNKNOWN] = "unknown", [CLOUD_VM_PENDING] = "pending",
	[CLOUD_VM_RUNNING] = "running", [CLOUD_VM_STOPPED] = "stopped",
	[CLOUD_VM_ERROR] = "error", [CLOUD_VM_DELETING] = "deleting", [CLOUD_VM_GONE] = "gone",
};

static const char *const res_kinds[] = {
	[CLOUD_RES_VM] = "vm", [CLOUD_RES_SECURITY_GROUP] = "security_group",
	[CLOUD_RES_ADDRESS] = "address", [CLOUD_RES_KEYPAIR] = "keypair",
};

static int usage(const char *why)
{
	fprintf(stderr, "cloud-driver: %s (see the comment at the top of tests/cloud-driver.c)\n",
		why);
	return 2;
}

static void print(json_t *o)
{
	char *s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);

	if (s)
		puts(s);
	free(s);
	json_decref(o);
}

static int fail(const struct berr *err)
{
	print(json_pack("{s:s, s:s}", "error", kinds[err->kind], "message", err->msg));
	return 1;
}

static json_t *tags_json(const struct cloud_tag *tags, size_t n)
{
	json_t *o = json_object();
	size_t i;

	for (i = 0; i < n; i++)
		json_object_set_new(o, tags[i].key, tags[i].value ? json_string(tags[i].value)
								   : json_null());
	return o;
}

static json_t *vm_json(const struct cloud_vm *vm)
{
	return json_pack("{s:s?, s:s?, s:s, s:s?, s:s?, s:s?, s:o, s:I}", "id", vm->id, "name",
			 vm->name, "state", states[vm->state], "state_text", vm->state_text,
			 "address", vm->address, "private_address", vm->private_address, "tags",
			 tags_json(vm->tags, vm->ntags), "created_ms", (json_int_t)vm->created_ms);
}

/* K=V or K (value NULL) arguments into tags borrowing from argv (the
 * value's '=' is cut). */
static struct cloud_tag *parse_tags(char **argv, int argc, size_t *n)
{
	struct cloud_tag *t = xcalloc((size_t)argc + 1, sizeof(*t));
	int i;

	for (i = 0; i < argc; i++) {
		char *eq = strchr(argv[i], '=');

		t[i].key = argv[i];
		if (eq) {
			*eq = '\0';
			t[i].value = eq + 1;
		}
	}
	*n = (size_t)argc;
	return t;
}

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n = 0, got;

	if (!f)
		return NULL;
	do {
		if (cap - n < 4096)
			buf = xrealloc(buf, cap = cap * 2 + 4096);
		got = fread(buf + n, 1, cap - n - 1, f);
		n += got;
	} while (got > 0);
	fclose(f);
	buf[n] = '\0';
	*len = n;
	return buf;
}

static int set_field(struct cloud_profile *p, const char *kv)
{
	static const struct {
		const char *key;
		size_t off;
	} fields[] = {
		{ "driver", offsetof(struct cloud_profile, driver) },
		{ "cloud", offsetof(struct cloud_profile, os_cloud) },
		{ "profile", offsetof(struct cloud_profile, aws_profile) },
		{ "region", offsetof(struct cloud_profile, region) },
		{ "endpoint_url", offsetof(struct cloud_profile, endpoint_url) },
		{ "interface", offsetof(struct cloud_profile, interface) },
		{ "flavor", offsetof(struct cloud_profile, flavor) },
		{ "image", offsetof(struct cloud_profile, image) },
		{ "network", offsetof(struct cloud_profile, network) },
		{ "floating_network", offsetof(struct cloud_profile, floating_network) },
	};
	const char *eq = strchr(kv, '=');
	size_t i;

	if (!eq)
		return -1;
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		if (strlen(fields[i].key) == (size_t)(eq - kv) &&
		    !strncmp(kv, fields[i].key, (size_t)(eq - kv))) {
			char **slot = (char **)((char *)p + fields[i].off);

			free(*slot);
			*slot = xstrdup(eq + 1);
			return 0;
		}
	}
	return -1;
}

static int op_create(struct cloud *c, const struct cloud_profile *p, int argc, char **argv)
{
	struct cloud_vm_spec spec = { .flavor = p->flavor, .image = p->image,
				      .network = p->network };
	struct cloud_vm vm = { 0 };
	struct berr err = { 0 };
	struct cloud_tag *tags;
	char *ud = NULL;
	int i = 1, rc;

	if (argc < 1)
		return usage("create needs a NAME");
	spec.name = argv[0];
	for (; i + 1 < argc && argv[i][0] == '-'; i += 2) {
		if (!strcmp(argv[i], "-g"))
			spec.security_group = argv[i + 1];
		else if (!strcmp(argv[i], "-t"))
			spec.client_token = argv[i + 1];
		else if (!strcmp(argv[i], "-u")) {
			free(ud);
			ud = read_file(argv[i + 1], &spec.user_data_len);
			if (!ud)
				return usage("cannot read the user-data file");
			spec.user_data = ud;
		} else
			return usage("unknown create option");
	}
	tags = parse_tags(argv + i, argc - i, &spec.ntags);
	spec.tags = tags;
	rc = c->ops->vm_create(c, &spec, &vm, &err);
	if (rc < 0) {
		if (vm.id)
			print(json_pack("{s:s}", "created_id", vm.id));
		rc = fail(&err);
	} else {
		print(vm_json(&vm));
	}
	cloud_vm_release(&vm);
	free(tags);
	free(ud);
	return rc;
}

/* cloud_vm_get_many() over argv. */
static int op_get_many(struct cloud *c, int argc, char **argv)
{
	struct cloud_vm *v = xcalloc((size_t)argc, sizeof(*v));
	struct berr err;
	int i, rc;

	berr_clear(&err);
	rc = cloud_vm_get_many(c, (const char *const *)argv, (size_t)argc, v, &err);
	for (i = 0; rc == 0 && i < argc; i++)
		print(v[i].id ? vm_json(&v[i]) : json_pack("{s:s}", "unknown", argv[i]));
	for (i = 0; i < argc; i++)
		cloud_vm_release(&v[i]);
	free(v);
	return rc < 0 ? fail(&err) : 0;
}

static int op_list(struct cloud *c, int resources, int argc, char **argv)
{
	struct berr err = { 0 };
	size_t ntags, n = 0, i;
	struct cloud_tag *tags = parse_tags(argv, argc, &ntags);
	int rc;

	if (!resources) {
		struct cloud_vm *v = NULL;

		rc = c->ops->vm_list(c, tags, ntags, &v, &n, &err);
		for (i = 0; rc == 0 && i < n; i++)
			print(vm_json(&v[i]));
		cloud_vms_release(v, n);
	} else {
		struct cloud_resource *r = NULL;

		rc = c->ops->resources_list(c, tags, ntags, &r, &n, &err);
		for (i = 0; rc == 0 && i < n; i++)
			print(json_pack("{s:s, s:s?, s:s?, s:s?, s:o}", "kind", res_kinds[r[i].kind],
					"id", r[i].id, "name", r[i].name, "attached_to",
					r[i].attached_to, "tags", tags_json(r[i].tags, r[i].ntags)));
		cloud_resources_release(r, n);
	}
	free(tags);
	return rc < 0 ? fail(&err) : 0;
}

static int run(struct cloud *c, const struct cloud_profile *p, const char *op, int argc,
	       char **argv)
{
	struct berr err = { 0 };
	struct cloud_vm vm = { 0 };
	int rc = 0;

	if (!strcmp(op, "check")) {
		rc = c->ops->check(c, &err);
	} else if (!strcmp(op, "create")) {
		return op_create(c, p, argc, argv);
	} else if (!strcmp(op, "get") && argc == 1) {
		rc = c->ops->vm_get(c, argv[0], &vm, &err);
		if (rc == 0)
			print(vm_json(&vm));
		cloud_vm_release(&vm);
	} else if (!strcmp(op, "get-many") && argc >= 1) {
		return op_get_many(c, argc, argv);
	} else if (!strcmp(op, "list") || !strcmp(op, "resources")) {
		return op_list(c, op[0] == 'r', argc, argv);
	} else if (!strcmp(op, "delete") && argc == 1) {
		rc = c->ops->vm_delete(c, argv[0], &err);
	} else if (!strcmp(op, "sg-ensure") && argc >= 2) {
		struct cloud_rule rule = { .proto = "tcp", .port_min = 2376, .port_max = 2376,
					   .cidr = argv[1] };
		size_t ntags;
		struct cloud_tag *tags = parse_tags(argv + 2, argc - 2, &ntags);
		char *id = NULL;

		rc = c->ops->secgroup_ensure(c, argv[0], &rule, 1, tags, ntags, &id, &err);
		if (rc == 0)
			print(json_pack("{s:s}", "id", id));
		free(id);
		free(tags);
	} else if (!strcmp(op, "sg-delete") && argc == 1) {
		rc = c->ops->secgroup_delete(c, argv[0], &err);
	} else if (!strcmp(op, "addr-attach") && argc >= 1) {
		size_t ntags;
		struct cloud_tag *tags = parse_tags(argv + 1, argc - 1, &ntags);
		char *id = NULL, *addr = NULL;

		if (!c->ops->address_attach)
			rc = berr_set(&err, BERR_USAGE, "this driver attaches no addresses");
		else
			rc = c->ops->address_attach(c, argv[0], tags, ntags, &id, &addr, &err);
		if (rc == 0)
			print(json_pack("{s:s?, s:s?}", "id", id, "address", addr));
		free(id);
		free(addr);
		free(tags);
	} else if (!strcmp(op, "addr-release") && argc == 1) {
		if (!c->ops->address_release)
			rc = berr_set(&err, BERR_USAGE, "this driver attaches no addresses");
		else
			rc = c->ops->address_release(c, argv[0], &err);
	} else {
		return usage("unknown operation or wrong number of arguments");
	}
	if (rc < 0)
		return fail(&err);
	if (strcmp(op, "get") && strcmp(op, "sg-ensure") && strcmp(op, "addr-attach"))
		print(json_pack("{s:b}", "ok", 1));
	return 0;
}

int main(int argc, char **argv)
{
	struct cloud_profile p = { 0 };
	struct cloud_net net = { .connect_timeout_ms = 5000, .request_timeout_ms = 10000 };
	struct cloud *c = NULL;
	struct berr err = { 0 };
	int i, rc;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-p") && i + 1 < argc) {
			if (set_field(&p, argv[++i]) < 0) {
				cloud_profile_release(&p);
				return usage("unknown profile field");
			}
		} else if (!strcmp(argv[i], "--timeout") && i + 1 < argc) {
			net.request_timeout_ms = atol(argv[++i]);
		} else {
			break;
		}
	}
	if (i >= argc) {
		cloud_profile_release(&p);
		return usage("no operation");
	}
	p.name = xstrdup("test");
	if (cloud_open(&p, &net, &c, &err) < 0) {
		rc = fail(&err);
	} else {
		rc = run(c, &p, argv[i], argc - i - 1, argv + i + 1);
	}
	cloud_free(c);
	cloud_profile_release(&p);
	return rc;
}
