/* ec2.c: the EC2 cloud driver's operations (ec2.h, cloud.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "backends/cloud/aws_config.h"
#include "backends/cloud/ec2.h"
#include "backends/cloud/ec2_api.h"
#include "lib/text.h"
#include "lib/timefmt.h"
#include "lib/xalloc.h"

/* EC2 takes at most this much user-data, before base64. */
#define EC2_USER_DATA_MAX 16384

struct ec2 {
	struct cloud base;
	struct aws_config cfg;
	struct ec2_api *api;
	enum cloud_address address;
	char *subnet;  /* the profile's subnet, NULL: the default VPC's */
	char *vpc;     /* the VPC security groups go into, once known */
	int vpc_known;
};

static const struct cloud_ops ec2_ops;

/* --- reading instances ----------------------------------------------------------- */

static char *nonempty(char *s)
{
	if (s && !*s) {
		free(s);
		return NULL;
	}
	return s;
}

static enum cloud_vm_state state_of(const char *s)
{
	static const struct {
		const char *name;
		enum cloud_vm_state state;
	} map[] = {
		{ "pending", CLOUD_VM_PENDING },     { "running", CLOUD_VM_RUNNING },
		{ "stopping", CLOUD_VM_STOPPED },    { "stopped", CLOUD_VM_STOPPED },
		{ "shutting-down", CLOUD_VM_DELETING }, { "terminated", CLOUD_VM_GONE },
	};
	size_t i;

	for (i = 0; s && i < sizeof(map) / sizeof(map[0]); i++)
		if (!strcmp(s, map[i].name))
			return map[i].state;
	return CLOUD_VM_UNKNOWN;
}

static void parse_instance(const struct ec2 *e, const struct xml_node *it, struct cloud_vm *vm)
{
	char *public, *launch;
	const char *name;
	time_t t;

	memset(vm, 0, sizeof(*vm));
	vm->id = nonempty(ec2_xml_text(it, "instanceId"));
	vm->state_text = nonempty(ec2_xml_text(it, "instanceState/name"));
	vm->state = state_of(vm->state_text);
	vm->private_address = nonempty(ec2_xml_text(it, "privateIpAddress"));
	vm->tags = ec2_xml_tags(ec2_xml_child(it, "tagSet"), &vm->ntags);
	name = cloud_vm_tag(vm, "Name");
	vm->name = name ? xstrdup(name) : NULL;
	launch = ec2_xml_text(it, "launchTime");
	if (launch && parse_rfc3339(launch, &t) == 0)
		vm->created_ms = (int64_t)t * 1000;
	free(launch);
	public = nonempty(ec2_xml_text(it, "ipAddress"));
	if (e->address == CLOUD_ADDR_PUBLIC || e->address == CLOUD_ADDR_FLOATING) {
		vm->address = public;
		public = NULL;
	} else if (vm->private_address) {
		vm->address = xstrdup(vm->private_address);
	}
	free(public);
}

/* Called with each item of a Describe*'s set. */
typedef int (*item_fn)(struct ec2 *e, const struct xml_node *item, void *data, struct berr *err);

/* Every page of a Describe* call (NextToken), each item of its `set`. */
static int describe_pages(struct ec2 *e, const struct ec2_params *q, const char *set, item_fn fn,
			  void *data, struct berr *err)
{
	char *token = NULL;
	int rc = 0;

	do {
		struct ec2_params p = { .body = STRBUF_INIT };
		struct xml_doc *doc = NULL;
		const struct xml_node *root, *s, *it = NULL;

		strbuf_addstr(&p.body, q->body.buf);
		if (token)
			ec2_param(&p, "NextToken", token);
		free(token);
		token = NULL;
		rc = ec2_call(e->api, &p, &doc, NULL, err);
		ec2_params_release(&p);
		if (rc < 0)
			break;
		root = doc->root;
		s = ec2_xml_child(root, set);
		while (rc == 0 && (it = ec2_xml_next(s, it, "item")))
			rc = fn(e, it, data, err);
		token = nonempty(ec2_xml_text(root, "nextToken"));
		xml_doc_free(doc);
	} while (rc == 0 && token);
	free(token);
	return rc;
}

struct vm_list {
	struct cloud_vm *v;
	size_t n, cap;
	int skip_gone;
};

static int reservation_item(struct ec2 *e, const struct xml_node *res, void *data,
			    struct berr *err)
{
	struct vm_list *l = data;
	const struct xml_node *set = ec2_xml_child(res, "instancesSet"), *it = NULL;

	(void)err;
	while ((it = ec2_xml_next(set, it, "item"))) {
		struct cloud_vm vm;

		parse_instance(e, it, &vm);
		if (!vm.id || (l->skip_gone && vm.state == CLOUD_VM_GONE)) {
			cloud_vm_release(&vm);
			continue;
		}
		if (l->n == l->cap)
			l->v = xrealloc(l->v, (l->cap = l->cap * 2 + 4) * sizeof(*l->v));
		l->v[l->n++] = vm;
	}
	return 0;
}

size_t ec2_reply_vms(enum cloud_address address, const struct xml_doc *doc, int skip_gone,
		     struct cloud_vm **out)
{
	struct ec2 e = { .address = address };
	struct vm_list l = { .skip_gone = skip_gone };
	const struct xml_node *set = ec2_xml_child(doc->root, "reservationSet");
	const struct xml_node *it = NULL;

	while ((it = ec2_xml_next(set, it, "item")))
		reservation_item(&e, it, &l, NULL);
	*out = l.v;
	return l.n;
}

/* Instances by ID (ids[0..nids)) or carrying match's tags, the
 * terminated ones left out of a tag search. */
static int describe_instances(struct ec2 *e, const char *const *ids, size_t nids,
			      const struct cloud_tag *match, size_t nmatch, struct vm_list *l,
			      struct berr *err)
{
	struct ec2_params q;
	size_t nf = 0, i;
	int rc;

	ec2_params_init(&q, "DescribeInstances");
	if (nids) {
		for (i = 0; i < nids; i++)
			ec2_paramf(&q, ids[i], "InstanceId.%zu", i + 1);
	} else {
		static const char *const live[] = { "pending", "running", "shutting-down",
						    "stopping", "stopped" };

		ec2_param_tag_filters(&q, &nf, match, nmatch);
		nf++;
		ec2_paramf(&q, "instance-state-name", "Filter.%zu.Name", nf);
		for (i = 0; i < sizeof(live) / sizeof(live[0]); i++)
			ec2_paramf(&q, live[i], "Filter.%zu.Value.%zu", nf, i + 1);
		l->skip_gone = 1;
	}
	rc = describe_pages(e, &q, "reservationSet", reservation_item, l, err);
	ec2_params_release(&q);
	if (rc < 0) {
		cloud_vms_release(l->v, l->n);
		memset(l, 0, sizeof(*l));
	}
	return rc;
}

/* --- VMs ---------------------------------------------------------------------------- */

static int ec2_check(struct cloud *c, struct berr *err)
{
	struct ec2 *e = (struct ec2 *)c;
	struct ec2_params q;
	struct xml_doc *doc = NULL;
	int rc;

	ec2_params_init(&q, "DescribeAvailabilityZones");
	rc = ec2_call(e->api, &q, &doc, NULL, err);
	ec2_params_release(&q);
	xml_doc_free(doc);
	return rc;
}

static int ec2_vm_get(struct cloud *c, const char *id, struct cloud_vm *out, struct berr *err)
{
	struct ec2 *e = (struct ec2 *)c;
	struct vm_list l = { 0 };

	memset(out, 0, sizeof(*out));
	if (describe_instances(e, &id, 1, NULL, 0, &l, err) < 0)
		return -1;
	if (l.n == 0) {
		free(l.v);
		return berr_set(err, BERR_NOT_FOUND, "%s: no instance %s", c->name, CUT(id));
	}
	*out = l.v[0];
	while (l.n > 1)
		cloud_vm_release(&l.v[--l.n]);
	free(l.v);
	return 0;
}

/* One DescribeInstances for them all (AWS refuses the whole call,
 * InvalidInstanceID.NotFound, when one is unknown). */
static int ec2_vm_get_many(struct cloud *c, const char *const *ids, size_t n,
			   struct cloud_vm *out, struct berr *err)
{
	struct vm_list l = { 0 };
	size_t i, j;

	if (describe_instances((struct ec2 *)c, ids, n, NULL, 0, &l, err) < 0)
		return -1;
	for (i = 0; i < l.n; i++) {
		for (j = 0; j < n && (out[j].id || strcmp(ids[j], l.v[i].id)); j++)
			;
		if (j < n)
			out[j] = l.v[i];
		else
			cloud_vm_release(&l.v[i]);
	}
	free(l.v);
	return 0;
}

static int ec2_vm_list(struct cloud *c, const struct cloud_tag *match, size_t nmatch,
		       struct cloud_vm **out, size_t *n, struct berr *err)
{
	struct vm_list l = { 0 };

	*out = NULL;
	*n = 0;
	if (describe_instances((struct ec2 *)c, NULL, 0, match, nmatch, &l, err) < 0)
		return -1;
	*out = l.v;
	*n = l.n;
	return 0;
}

static const char *spec_tag(const struct cloud_vm_spec *spec, const char *key)
{
	size_t i;

	for (i = 0; i < spec->ntags; i++)
		if (!strcmp(spec->tags[i].key, key))
			return spec->tags[i].value;
	return NULL;
}

/* An instance this spawn launched already (a retried create): found by
 * the spawn's tag. EC2's ClientToken makes RunInstances idempotent too;
 * this covers EC2-compatible clouds that ignore it. */
static int find_spawned(struct ec2 *e, const struct cloud_vm_spec *spec, struct cloud_vm *out,
			struct berr *err)
{
	struct cloud_tag match = { .key = CLOUD_TAG_SPAWN, .value = spec_tag(spec, CLOUD_TAG_SPAWN) };
	struct vm_list l = { 0 };

	if (!match.value)
		return 0;
	if (describe_instances(e, NULL, 0, &match, 1, &l, err) < 0)
		return -1;
	if (l.n) {
		*out = l.v[0];
		while (l.n > 1)
			cloud_vm_release(&l.v[--l.n]);
	}
	free(l.v);
	return out->id ? 1 : 0;
}

static void run_params(const struct cloud_vm_spec *spec, struct ec2_params *q)
{
	ec2_params_init(q, "RunInstances");
	ec2_param(q, "ImageId", spec->image);
	ec2_param(q, "InstanceType", spec->flavor);
	ec2_param(q, "MinCount", "1");
	ec2_param(q, "MaxCount", "1");
	if (spec->client_token)
		ec2_param(q, "ClientToken", spec->client_token);
	if (spec->network)
		ec2_param(q, "SubnetId", spec->network);
	if (spec->security_group)
		ec2_param(q, "SecurityGroupId.1", spec->security_group);
	if (spec->key_name)
		ec2_param(q, "KeyName", spec->key_name);
	if (spec->user_data) {
		char *b64 = ec2_base64(spec->user_data, spec->user_data_len);

		ec2_param(q, "UserData", b64);
		free(b64);
	}
	ec2_param_tag_spec(q, 1, "instance", spec->tags, spec->ntags, "Name", spec->name);
	ec2_param_tag_spec(q, 2, "volume", spec->tags, spec->ntags, "Name", spec->name);
}

static int ec2_vm_create(struct cloud *c, const struct cloud_vm_spec *spec, struct cloud_vm *out,
			 struct berr *err)
{
	struct ec2 *e = (struct ec2 *)c;
	struct ec2_params q;
	struct xml_doc *doc = NULL;
	const struct xml_node *it;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!spec->image || !*spec->image)
		return berr_set(err, BERR_USAGE, "%s: no AMI: set image: in the cloud's settings",
				c->name);
	if (!spec->flavor || !*spec->flavor)
		return berr_set(err, BERR_USAGE,
				"%s: no instance type: set instance_type: in the cloud's settings",
				c->name);
	if (spec->user_data_len > EC2_USER_DATA_MAX)
		return berr_set(err, BERR_USAGE, "%s: the user-data is %zu bytes; EC2 takes %d at most",
				c->name, spec->user_data_len, EC2_USER_DATA_MAX);
	rc = find_spawned(e, spec, out, err);
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	run_params(spec, &q);
	rc = ec2_call(e->api, &q, &doc, NULL, err);
	ec2_params_release(&q);
	if (rc < 0)
		return -1;
	it = ec2_xml_path(doc->root, "instancesSet/item");
	if (it)
		parse_instance(e, it, out);
	xml_doc_free(doc);
	if (!out->id)
		return berr_set(err, BERR_PROTOCOL, "%s: RunInstances answered with no instance ID",
				c->name);
	return 0;
}

/* A call whose reply says nothing we need; codes in ok_codes (a
 * NULL-ended list) count as success (already gone, already there). */
static int call_simple(struct ec2 *e, struct ec2_params *q, const char *const *ok_codes,
		       struct berr *err)
{
	struct xml_doc *doc = NULL;
	char *code = NULL;
	int rc = ec2_call(e->api, q, &doc, &code, err);

	ec2_params_release(q);
	xml_doc_free(doc);
	for (; rc < 0 && code && ok_codes && *ok_codes; ok_codes++)
		if (!strcmp(code, *ok_codes)) {
			berr_clear(err);
			rc = 0;
		}
	free(code);
	return rc;
}

/* action with key=value, its object already gone (the codes in gone)
 * being success. */
static int delete_one(struct cloud *c, const char *action, const char *key, const char *value,
		      const char *const *gone, struct berr *err)
{
	struct ec2_params q;

	ec2_params_init(&q, action);
	ec2_param(&q, key, value);
	return call_simple((struct ec2 *)c, &q, gone, err);
}

static int ec2_vm_delete(struct cloud *c, const char *id, struct berr *err)
{
	static const char *const gone[] = { "InvalidInstanceID.NotFound", NULL };

	return delete_one(c, "TerminateInstances", "InstanceId.1", id, gone, err);
}

/* --- security groups -------------------------------------------------------------- */

/* The text at path of the first item of set in action's reply. */
static int first_item_text(struct ec2 *e, struct ec2_params *q, const char *set,
			   const char *path, char **out, struct berr *err)
{
	struct xml_doc *doc = NULL;
	int rc = ec2_call(e->api, q, &doc, NULL, err);

	ec2_params_release(q);
	*out = NULL;
	if (rc == 0)
		*out = nonempty(ec2_xml_text(
			ec2_xml_next(ec2_xml_child(doc->root, set), NULL, "item"),
			path));
	xml_doc_free(doc);
	return rc;
}

/* The VPC groups go into: the profile's subnet's, else the default one. */
static int find_vpc(struct ec2 *e, struct berr *err)
{
	struct ec2_params q;

	if (e->vpc_known)
		return 0;
	if (e->subnet) {
		ec2_params_init(&q, "DescribeSubnets");
		ec2_param(&q, "SubnetId.1", e->subnet);
		if (first_item_text(e, &q, "subnetSet", "vpcId", &e->vpc, err) < 0)
			return -1;
		if (!e->vpc)
			return berr_set(err, BERR_NOT_FOUND, "%s: no subnet %s", e->base.name,
					CUT(e->subnet));
	} else {
		ec2_params_init(&q, "DescribeVpcs");
		ec2_param(&q, "Filter.1.Name", "isDefault");
		ec2_param(&q, "Filter.1.Value.1", "true");
		if (first_item_text(e, &q, "vpcSet", "vpcId", &e->vpc, err) < 0)
			return -1;
	}
	e->vpc_known = 1;
	return 0;
}

static int find_group(struct ec2 *e, const char *name, char **id, struct berr *err)
{
	struct ec2_params q;

	ec2_params_init(&q, "DescribeSecurityGroups");
	ec2_param(&q, "Filter.1.Name", "group-name");
	ec2_param(&q, "Filter.1.Value.1", name);
	if (e->vpc) {
		ec2_param(&q, "Filter.2.Name", "vpc-id");
		ec2_param(&q, "Filter.2.Value.1", e->vpc);
	}
	return first_item_text(e, &q, "securityGroupInfo", "groupId", id, err);
}

static int create_group(struct ec2 *e, const char *name, const struct cloud_tag *tags,
			size_t ntags, char **id, struct berr *err)
{
	struct ec2_params q;
	struct xml_doc *doc = NULL;
	char *code = NULL;
	int rc;

	ec2_params_init(&q, "CreateSecurityGroup");
	ec2_param(&q, "GroupName", name);
	ec2_param(&q, "GroupDescription", "berth: the Docker engines' TLS port");
	if (e->vpc)
		ec2_param(&q, "VpcId", e->vpc);
	ec2_param_tag_spec(&q, 1, "security-group", tags, ntags, NULL, NULL);
	rc = ec2_call(e->api, &q, &doc, &code, err);
	ec2_params_release(&q);
	if (rc == 0)
		*id = nonempty(ec2_xml_text(doc->root, "groupId"));
	else if (code && !strcmp(code, "InvalidGroup.Duplicate")) /* made by another berth */
		rc = find_group(e, name, id, err);
	xml_doc_free(doc);
	free(code);
	if (rc == 0 && !*id)
		return berr_set(err, BERR_PROTOCOL, "%s: CreateSecurityGroup gave no group ID",
				e->base.name);
	return rc;
}

/* The rules, each again: one already there is fine, and a group made by a
 * berth that died before this call gets them. */
static int authorize(struct ec2 *e, const char *id, const struct cloud_rule *rules,
		     size_t nrules, struct berr *err)
{
	static const char *const dup[] = { "InvalidPermission.Duplicate", NULL };
	size_t i;

	for (i = 0; i < nrules; i++) {
		struct ec2_params q;
		char port[24];

		ec2_params_init(&q, "AuthorizeSecurityGroupIngress");
		ec2_param(&q, "GroupId", id);
		ec2_param(&q, "IpPermissions.1.IpProtocol", rules[i].proto ? rules[i].proto : "tcp");
		snprintf(port, sizeof(port), "%d", rules[i].port_min);
		ec2_param(&q, "IpPermissions.1.FromPort", port);
		snprintf(port, sizeof(port), "%d", rules[i].port_max);
		ec2_param(&q, "IpPermissions.1.ToPort", port);
		ec2_param(&q, "IpPermissions.1.IpRanges.1.CidrIp",
			  rules[i].cidr ? rules[i].cidr : "0.0.0.0/0");
		ec2_param(&q, "IpPermissions.1.IpRanges.1.Description", "berth: Docker over TLS");
		if (call_simple(e, &q, dup, err) < 0)
			return -1;
	}
	return 0;
}

static int ec2_secgroup_ensure(struct cloud *c, const char *name, const struct cloud_rule *rules,
			       size_t nrules, const struct cloud_tag *tags, size_t ntags,
			       char **id, struct berr *err)
{
	struct ec2 *e = (struct ec2 *)c;

	*id = NULL;
	if (find_vpc(e, err) < 0 || find_group(e, name, id, err) < 0)
		return -1;
	if (!*id && create_group(e, name, tags, ntags, id, err) < 0)
		return -1;
	if (authorize(e, *id, rules, nrules, err) < 0) {
		free(*id);
		*id = NULL;
		return -1;
	}
	return 0;
}

static int ec2_secgroup_delete(struct cloud *c, const char *id, struct berr *err)
{
	static const char *const gone[] = { "InvalidGroup.NotFound", "InvalidGroupId.NotFound",
					    NULL };

	return delete_one(c, "DeleteSecurityGroup", "GroupId", id, gone, err);
}

/* --- elastic IPs -------------------------------------------------------------------- */

static int ec2_address_release(struct cloud *c, const char *address_id, struct berr *err)
{
	static const char *const gone[] = { "InvalidAllocationID.NotFound",
					    "InvalidAssociationID.NotFound", NULL };
	struct ec2 *e = (struct ec2 *)c;
	struct ec2_params q;
	char *assoc = NULL;
	int rc;

	ec2_params_init(&q, "DescribeAddresses");
	ec2_param(&q, "AllocationId.1", address_id);
	rc = first_item_text(e, &q, "addressesSet", "associationId", &assoc, err);
	if (rc < 0)
		return err->kind == BERR_NOT_FOUND ? (berr_clear(err), 0) : -1;
	if (assoc) {
		ec2_params_init(&q, "DisassociateAddress");
		ec2_param(&q, "AssociationId", assoc);
		rc = call_simple(e, &q, gone, err);
		free(assoc);
		if (rc < 0)
			return -1;
	}
	ec2_params_init(&q, "ReleaseAddress");
	ec2_param(&q, "AllocationId", address_id);
	return call_simple(e, &q, gone, err);
}

static int ec2_address_attach(struct cloud *c, const char *vm_id, const struct cloud_tag *tags,
			      size_t ntags, char **address_id, char **address, struct berr *err)
{
	struct ec2 *e = (struct ec2 *)c;
	struct ec2_params q;
	struct xml_doc *doc = NULL;
	struct berr ignored = { 0 };
	int rc;

	*address_id = *address = NULL;
	ec2_params_init(&q, "AllocateAddress");
	ec2_param(&q, "Domain", "vpc");
	ec2_param_tag_spec(&q, 1, "elastic-ip", tags, ntags, NULL, NULL);
	rc = ec2_call(e->api, &q, &doc, NULL, err);
	ec2_params_release(&q);
	if (rc < 0)
		return -1;
	*address_id = nonempty(ec2_xml_text(doc->root, "allocationId"));
	*address = nonempty(ec2_xml_text(doc->root, "publicIp"));
	xml_doc_free(doc);
	if (!*address_id || !*address) {
		rc = berr_set(err, BERR_PROTOCOL, "%s: AllocateAddress gave no allocation ID",
			      c->name);
	} else {
		ec2_params_init(&q, "AssociateAddress");
		ec2_param(&q, "AllocationId", *address_id);
		ec2_param(&q, "InstanceId", vm_id);
		rc = call_simple(e, &q, NULL, err);
	}
	if (rc < 0 && *address_id && ec2_address_release(c, *address_id, &ignored) == 0) {
		free(*address_id);
		*address_id = NULL; /* released: nothing for the caller to clean up */
	}
	if (rc < 0) {
		free(*address);
		*address = NULL;
	}
	return rc;
}

/* --- key pairs ----------------------------------------------------------------------- */

static int ec2_keypair_import(struct cloud *c, const char *name, const char *public_key,
			      const struct cloud_tag *tags, size_t ntags, struct berr *err)
{
	struct ec2_params q;
	char *b64 = ec2_base64(public_key, strlen(public_key));

	ec2_params_init(&q, "ImportKeyPair");
	ec2_param(&q, "KeyName", name);
	ec2_param(&q, "PublicKeyMaterial", b64);
	ec2_param_tag_spec(&q, 1, "key-pair", tags, ntags, NULL, NULL);
	free(b64);
	return call_simple((struct ec2 *)c, &q, NULL, err);
}

static int ec2_keypair_delete(struct cloud *c, const char *name, struct berr *err)
{
	static const char *const gone[] = { "InvalidKeyPair.NotFound", NULL };

	return delete_one(c, "DeleteKeyPair", "KeyName", name, gone, err);
}

/* --- everything of berth's, for reconcile ---------------------------------------------- */

struct res_list {
	struct cloud_resource *v;
	size_t n, cap;
	enum cloud_resource_kind kind;
	const char *id_path, *name_path, *attached_path;
	char **groups; /* of v[i] for the VMs (listed first): " sg-1 sg-2 " */
	size_t nvms;
};

static struct cloud_resource *res_add(struct res_list *l, enum cloud_resource_kind kind)
{
	if (l->n == l->cap)
		l->v = xrealloc(l->v, (l->cap = l->cap * 2 + 8) * sizeof(*l->v));
	memset(&l->v[l->n], 0, sizeof(l->v[0]));
	l->v[l->n].kind = kind;
	return &l->v[l->n++];
}

/* Each live instance of a reservation, with its groups kept aside. */
static int res_reservation(struct ec2 *e, const struct xml_node *res, void *data,
			   struct berr *err)
{
	struct res_list *l = data;
	const struct xml_node *set = ec2_xml_child(res, "instancesSet"), *it = NULL;

	(void)e, (void)err;
	while ((it = ec2_xml_next(set, it, "item"))) {
		const struct xml_node *g = NULL, *gs = ec2_xml_child(it, "groupSet");
		char *state = ec2_xml_text(it, "instanceState/name");
		struct cloud_resource *r;
		struct strbuf ids = STRBUF_INIT;
		size_t i;

		if (state_of(state) == CLOUD_VM_GONE || !ec2_xml_child(it, "instanceId")) {
			free(state);
			continue;
		}
		free(state);
		r = res_add(l, CLOUD_RES_VM);
		r->id = ec2_xml_text(it, "instanceId");
		r->tags = ec2_xml_tags(ec2_xml_child(it, "tagSet"), &r->ntags);
		for (i = 0; i < r->ntags && !r->name; i++)
			if (!strcmp(r->tags[i].key, "Name"))
				r->name = xstrdup(r->tags[i].value);
		strbuf_addch(&ids, ' ');
		while ((g = ec2_xml_next(gs, g, "item"))) {
			char *gid = ec2_xml_text(g, "groupId");

			if (gid)
				strbuf_addf(&ids, "%s ", gid);
			free(gid);
		}
		l->groups = xrealloc(l->groups, (l->nvms + 1) * sizeof(*l->groups));
		l->groups[l->nvms++] = strbuf_detach(&ids);
	}
	return 0;
}

/* The first listed instance in group id, or NULL. */
static const char *group_user(const struct res_list *l, const char *id)
{
	char *needle = xasprintf(" %s ", id);
	const char *user = NULL;
	size_t i;

	for (i = 0; i < l->nvms && !user; i++)
		if (strstr(l->groups[i], needle))
			user = l->v[i].id;
	free(needle);
	return user;
}

static int res_item(struct ec2 *e, const struct xml_node *it, void *data, struct berr *err)
{
	struct res_list *l = data;
	struct cloud_resource *r;
	char *id = nonempty(ec2_xml_text(it, l->id_path));

	(void)e, (void)err;
	if (!id)
		return 0;
	r = res_add(l, l->kind);
	r->id = id;
	r->name = nonempty(ec2_xml_text(it, l->name_path));
	if (l->attached_path)
		r->attached_to = nonempty(ec2_xml_text(it, l->attached_path));
	else if (l->kind == CLOUD_RES_SECURITY_GROUP && group_user(l, id))
		r->attached_to = xstrdup(group_user(l, id));
	r->tags = ec2_xml_tags(ec2_xml_child(it, "tagSet"), &r->ntags);
	return 0;
}

static int ec2_resources_list(struct cloud *c, const struct cloud_tag *match, size_t nmatch,
			      struct cloud_resource **out, size_t *n, struct berr *err)
{
	static const struct {
		const char *action, *set;
		enum cloud_resource_kind kind;
		const char *id_path, *name_path, *attached_path;
	} kinds[] = {
		{ "DescribeInstances", "reservationSet", CLOUD_RES_VM, NULL, NULL, NULL },
		{ "DescribeSecurityGroups", "securityGroupInfo", CLOUD_RES_SECURITY_GROUP,
		  "groupId", "groupName", NULL },
		{ "DescribeAddresses", "addressesSet", CLOUD_RES_ADDRESS, "allocationId",
		  "publicIp", "instanceId" },
		{ "DescribeKeyPairs", "keySet", CLOUD_RES_KEYPAIR, "keyPairId", "keyName", NULL },
	};
	struct ec2 *e = (struct ec2 *)c;
	struct res_list l = { 0 };
	size_t k, i;
	int rc = 0;

	*out = NULL;
	*n = 0;
	for (k = 0; rc == 0 && k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		struct ec2_params q;
		size_t nf = 0;

		ec2_params_init(&q, kinds[k].action);
		ec2_param_tag_filters(&q, &nf, match, nmatch);
		l.kind = kinds[k].kind;
		l.id_path = kinds[k].id_path;
		l.name_path = kinds[k].name_path;
		l.attached_path = kinds[k].attached_path;
		rc = describe_pages(e, &q, kinds[k].set,
				    k == 0 ? res_reservation : res_item, &l, err);
		ec2_params_release(&q);
	}
	for (i = 0; i < l.nvms; i++)
		free(l.groups[i]);
	free(l.groups);
	if (rc < 0) {
		cloud_resources_release(l.v, l.n);
		return -1;
	}
	*out = l.v;
	*n = l.n;
	return 0;
}

/* The VPC, once known, is the same for every instance of a profile. */
static void ec2_share(struct cloud *to, const struct cloud *from)
{
	struct ec2 *t = (struct ec2 *)to;
	const struct ec2 *f = (const struct ec2 *)from;

	if (t->vpc_known || !f->vpc_known)
		return;
	t->vpc = f->vpc ? xstrdup(f->vpc) : NULL;
	t->vpc_known = 1;
}

static void ec2_free(struct cloud *c)
{
	struct ec2 *e = (struct ec2 *)c;

	if (!e)
		return;
	ec2_api_free(e->api);
	aws_config_release(&e->cfg);
	free(e->subnet);
	free(e->vpc);
	free(c->name);
	free(c->region);
	free(e);
}

static const struct cloud_ops ec2_ops = {
	.kind = "ec2",
	.check = ec2_check,
	.vm_create = ec2_vm_create,
	.vm_get = ec2_vm_get,
	.vm_get_many = ec2_vm_get_many,
	.vm_list = ec2_vm_list,
	.vm_delete = ec2_vm_delete,
	.secgroup_ensure = ec2_secgroup_ensure,
	.secgroup_delete = ec2_secgroup_delete,
	.address_attach = ec2_address_attach,
	.address_release = ec2_address_release,
	.keypair_import = ec2_keypair_import,
	.keypair_delete = ec2_keypair_delete,
	.resources_list = ec2_resources_list,
	.share = ec2_share,
	.free = ec2_free,
};

int ec2_open(const struct cloud_profile *p, const struct cloud_net *net, struct cloud **out,
	     struct berr *err)
{
	struct ec2 *e = xcalloc(1, sizeof(*e));

	*out = NULL;
	e->base.ops = &ec2_ops;
	e->base.name = xstrdup(p->name ? p->name : "ec2");
	e->address = p->address;
	e->subnet = p->network && *p->network ? xstrdup(p->network) : NULL;
	if (aws_config_load(p, &e->cfg, err) < 0 ||
	    ec2_api_new(e->base.name, &e->cfg, net, &e->api, err) < 0) {
		ec2_free(&e->base);
		return -1;
	}
	e->base.region = xstrdup(e->cfg.region);
	*out = &e->base;
	return 0;
}
