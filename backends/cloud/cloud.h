/* cloud.h: what a cloud driver provides to the fleet (host spawn, host
 * destroy, cloud reconcile): VMs made from a spec, found by tag, deleted;
 * and the network and key resources a driver makes for them.
 *
 * A driver is a struct with `struct cloud` as its first member and a
 * `const struct cloud_ops` (the pattern of backends/backend.h):
 *
 *     struct ec2 { struct cloud base; ...credentials, endpoint... };
 *     static const struct cloud_ops ec2_ops = { .kind = "ec2", ... };
 *
 * The rules every driver keeps, because the failures of the tools berth
 * descends from came from breaking them:
 *   - Tags go into the create request itself (EC2 TagSpecifications, Nova
 *     server metadata), never in a second call after it: a berth that dies
 *     between two calls must leave nothing that `cloud reconcile` cannot
 *     find by its tags.
 *   - Every resource a driver makes for a VM (security group, floating or
 *     elastic address, key pair) carries the same tags, so that reconcile
 *     can find what a failed spawn or a crash left behind.
 *   - Deleting what is already gone is success: destroy and reconcile
 *     may run again after a crash halfway through.
 *   - A create that fails after the cloud accepted it is the caller's to
 *     clean up with vm_delete (the driver reports the ID it got, if any,
 *     in out->id even when it returns -1), so a failed spawn leaks nothing.
 *   - TLS to the cloud's API is verified; credentials never appear in an
 *     error message, a notice or anything the driver returns.
 *   - Drivers never print: every call returns 0, or -1 with struct berr
 *     filled (lib/berr.h). BERR_NOT_FOUND means the cloud says the object
 *     does not exist; BERR_CONNECT/BERR_TIMEOUT that the API was not
 *     reached; BERR_ENGINE that the API refused (quota, bad flavor...),
 *     with the cloud's own message.
 *
 * Strings in results are owned by the result (release functions below);
 * strings in specs are borrowed from the caller.
 */
#ifndef BERTH_CLOUD_H
#define BERTH_CLOUD_H

#include <stddef.h>
#include <stdint.h>
#include "lib/berr.h"

/* The tags berth puts on everything it makes (EC2 tags; Nova server
 * metadata; for Neutron objects, which take no metadata in their create
 * call, "key=value" words in their description). */
#define CLOUD_TAG_STORE "berth-store" /* the store's ID (one per store): whose it is */
#define CLOUD_TAG_HOST  "berth-host"  /* the berth host name it serves; absent on
				       * what several hosts share (a security group) */
#define CLOUD_TAG_SPAWN "berth-spawn" /* the spawn intent's ID (one per host spawned) */

struct cloud_tag {
	const char *key;
	const char *value;
};

/* One VM to make. */
struct cloud_vm_spec {
	const char *name;        /* the VM's name: berth's host name */
	const char *flavor;      /* OpenStack flavor name or ID; EC2 instance type */
	const char *image;       /* image ID or name; EC2 AMI ID */
	const char *network;     /* network (OpenStack) or subnet (EC2) ID; NULL: the default */
	const char *security_group; /* ID from secgroup_ensure(), or NULL: none */
	const char *key_name;    /* a key pair's name (keypair_import()), or NULL: berth
				  * needs none, it sets up TLS through user_data */
	const char *user_data;   /* cloud-init text: certificates and dockerd's settings;
				  * the driver encodes it as its API wants (base64) */
	size_t user_data_len;
	const struct cloud_tag *tags; /* set in the create request itself */
	size_t ntags;
	const char *client_token; /* idempotence: the same token twice makes one VM
				   * (EC2 ClientToken; a driver without such a field
				   * looks for a VM with this spawn's tags first) */
};

enum cloud_vm_state {
	CLOUD_VM_UNKNOWN = 0,
	CLOUD_VM_PENDING,  /* being built: not reachable yet */
	CLOUD_VM_RUNNING,
	CLOUD_VM_STOPPED,
	CLOUD_VM_ERROR,    /* the cloud gave up on it (Nova ERROR) */
	CLOUD_VM_DELETING, /* delete accepted, not gone yet */
	CLOUD_VM_GONE,     /* deleted (EC2 lists terminated ones for a while) */
};

/* A VM as the cloud describes it. */
struct cloud_vm {
	char *id;              /* owned: the cloud's ID (server UUID, instance ID) */
	char *name;            /* owned; may be NULL */
	enum cloud_vm_state state;
	char *state_text;      /* owned: the cloud's own word ("ACTIVE", "running") */
	char *address;         /* owned: where berth reaches its engine: the floating or
				* public address when there is one, else the private */
	char *private_address; /* owned; may be NULL */
	struct cloud_tag *tags; /* owned, with owned strings */
	size_t ntags;
	int64_t created_ms;    /* launch time, 0 when not told */
};
void cloud_vm_release(struct cloud_vm *vm);
/* Frees n tags with owned strings, and the array. */
void cloud_tags_release(struct cloud_tag *tags, size_t n);
void cloud_vms_release(struct cloud_vm *v, size_t n);
/* The value of tag key on vm, or NULL. Borrowed. */
const char *cloud_vm_tag(const struct cloud_vm *vm, const char *key);

/* An inbound rule of a security group berth makes: the engine's TLS port
 * (2376/tcp), from the addresses berth connects from. */
struct cloud_rule {
	const char *proto;   /* "tcp" */
	int port_min, port_max;
	const char *cidr;    /* "203.0.113.7/32"; NULL: anywhere */
};

enum cloud_resource_kind {
	CLOUD_RES_VM,
	CLOUD_RES_SECURITY_GROUP,
	CLOUD_RES_ADDRESS,   /* floating IP (Neutron), elastic IP (EC2) */
	CLOUD_RES_KEYPAIR,
};

/* Anything a driver made, for cloud reconcile: found by its tags. */
struct cloud_resource {
	enum cloud_resource_kind kind;
	char *id;            /* owned */
	char *name;          /* owned; may be NULL */
	char *attached_to;   /* owned: the VM ID an address or group serves; may be NULL */
	struct cloud_tag *tags; /* owned */
	size_t ntags;
};
void cloud_resources_release(struct cloud_resource *v, size_t n);

/* Where a profile's VMs are reached. */
enum cloud_address {
	CLOUD_ADDR_DEFAULT = 0, /* the driver's choice: fixed (OpenStack), private (EC2) */
	CLOUD_ADDR_FIXED,       /* the private address (OpenStack "fixed", EC2 "private") */
	CLOUD_ADDR_FLOATING,    /* a floating IP berth allocates (OpenStack) */
	CLOUD_ADDR_PUBLIC,      /* the public address the cloud gives (EC2) */
};

/* One profile of the settings' clouds: section (berth(1), CLOUDS). Every
 * string owned by the profile (cloud_profile_release); NULL when unset.
 * Credentials are never here: the drivers find them as the official
 * tools do (clouds.yaml + secure.yaml and OS_*; ~/.aws and AWS_*). */
struct cloud_profile {
	char *name;             /* the key under clouds: ("lab-os") */
	char *driver;           /* "openstack" or "ec2" */
	char *os_cloud;         /* openstack: `cloud:`, a clouds.yaml entry; NULL:
				 * OS_CLOUD, else the OS_* variables */
	char *aws_profile;      /* ec2: `profile:`; NULL: AWS_PROFILE, else "default" */
	char *region;           /* NULL: clouds.yaml's region_name / OS_REGION_NAME;
				 * AWS_REGION, AWS_DEFAULT_REGION, the profile's region */
	char *endpoint_url;     /* ec2: `endpoint_url:`; NULL: AWS_ENDPOINT_URL_EC2,
				 * AWS_ENDPOINT_URL, the profile's endpoint_url, else
				 * https://ec2.REGION.amazonaws.com */
	char *interface;        /* openstack: catalog interface; NULL: clouds.yaml's
				 * interface / OS_INTERFACE, else "public" */
	char *flavor;           /* openstack flavor (name or ID); ec2 instance type */
	char *image;            /* openstack image (name or ID); ec2 AMI ID */
	char *network;          /* openstack network (name or ID); ec2 subnet ID */
	char *floating_network; /* openstack: external network for floating IPs */
	enum cloud_address address;
	char *allow_cidr;       /* who may reach the engine's 2376; NULL: 0.0.0.0/0 */
	char *key_name;         /* an existing key pair for humans to SSH in; NULL: none */
	char *cloud_init;       /* extra cloud-config (YAML text) merged into berth's */
	int64_t spawn_timeout_ms;  /* until the VM runs with an address; default 10 min */
	int64_t engine_timeout_ms; /* then until its engine answers over TLS; default 10 min */
	int64_t slots;          /* slots of a spawned host; 0: derived from its memory */
};
void cloud_profile_release(struct cloud_profile *p); /* NULL is fine; a second call too */

/* How a driver talks to its cloud's API: the settings' timeouts. */
struct cloud_net {
	long connect_timeout_ms;
	long request_timeout_ms;
};

struct cloud;

struct cloud_ops {
	const char *kind; /* "openstack", "ec2" */

	/* The credentials work and the endpoint answers (cloud list):
	 * one cheap authenticated call. */
	int (*check)(struct cloud *c, struct berr *err);

	/* Launches one VM. out gets what the cloud answered (state is
	 * usually PENDING); on failure after the cloud accepted the request,
	 * out->id is still set so that the caller can delete it. */
	int (*vm_create)(struct cloud *c, const struct cloud_vm_spec *spec, struct cloud_vm *out,
			 struct berr *err);
	/* One VM by ID; BERR_NOT_FOUND when the cloud no longer has it. */
	int (*vm_get)(struct cloud *c, const char *id, struct cloud_vm *out, struct berr *err);
	/* Optional: VMs ids[0..n) in one call (a spawn's poll of all its
	 * VMs at once); out[i] for ids[i], with out[i].id NULL when the cloud
	 * did not report it. NULL: cloud_vm_get_many() asks vm_get for each. */
	int (*vm_get_many)(struct cloud *c, const char *const *ids, size_t n,
			   struct cloud_vm *out, struct berr *err);
	/* Every VM carrying all of match's tags (values compared exactly; a
	 * NULL value matches any value of that key), GONE ones left out.
	 * *out is owned by the caller (cloud_vms_release). */
	int (*vm_list)(struct cloud *c, const struct cloud_tag *match, size_t nmatch,
		       struct cloud_vm **out, size_t *n, struct berr *err);
	/* Asks for the VM's deletion; one already gone is success. Whether it
	 * is gone is vm_get()'s to tell (the caller polls it). */
	int (*vm_delete)(struct cloud *c, const char *id, struct berr *err);

	/* The security group of this name with these inbound rules, made
	 * (tagged) when missing, else reused; *id owned by the caller. */
	int (*secgroup_ensure)(struct cloud *c, const char *name, const struct cloud_rule *rules,
			       size_t nrules, const struct cloud_tag *tags, size_t ntags, char **id,
			       struct berr *err);
	/* Deletes a group; gone is success, one still in use is BERR_CONFLICT. */
	int (*secgroup_delete)(struct cloud *c, const char *id, struct berr *err);

	/* A public address for a VM that has only a private one, or NULL
	 * when the driver's VMs need none (then the caller uses the VM's
	 * own address). *address_id and *address owned by the caller. */
	int (*address_attach)(struct cloud *c, const char *vm_id, const struct cloud_tag *tags,
			      size_t ntags, char **address_id, char **address, struct berr *err);
	/* Releases an address; gone is success. NULL with address_attach. */
	int (*address_release)(struct cloud *c, const char *address_id, struct berr *err);

	/* A public key imported as a key pair for break-glass SSH, tagged;
	 * NULL when the cloud cannot tag key pairs. berth itself needs none. */
	int (*keypair_import)(struct cloud *c, const char *name, const char *public_key,
			      const struct cloud_tag *tags, size_t ntags, struct berr *err);
	int (*keypair_delete)(struct cloud *c, const char *name, struct berr *err);

	/* Everything carrying match's tags, of every kind above, for cloud
	 * reconcile. *out owned by the caller (cloud_resources_release). */
	int (*resources_list)(struct cloud *c, const struct cloud_tag *match, size_t nmatch,
			      struct cloud_resource **out, size_t *n, struct berr *err);

	/* Optional: to, a new instance of the same profile, takes over what
	 * from already learned (OpenStack: the token and the catalog; EC2:
	 * the VPC), so that the threads of one spawn log in once, not once
	 * each. from is only read. */
	void (*share)(struct cloud *to, const struct cloud *from);

	void (*free)(struct cloud *c);
};

struct cloud {
	const struct cloud_ops *ops;
	char *name;   /* the profile's name as the user knows it ("lab-os") */
	char *region; /* may be NULL */
};

/* to takes over what from learned, when both are of one driver (see
 * cloud_ops.share); otherwise nothing happens. */
void cloud_share(struct cloud *to, const struct cloud *from);

/* VMs ids[0..n) as the cloud describes them, in one call when the driver
 * can (vm_get_many; for several), else one vm_get each: out[i] (zeroed here; release
 * each) for ids[i], its id NULL when the cloud does not know it
 * (BERR_NOT_FOUND, which a cloud may still say of a VM it just made).
 * -1 with err when the cloud was not asked or refused the call. */
int cloud_vm_get_many(struct cloud *c, const char *const *ids, size_t n, struct cloud_vm *out,
		      struct berr *err);

/* Releases a driver of any kind (NULL is fine). */
void cloud_free(struct cloud *c);

/* A driver's constructor: finds the profile's credentials and endpoints
 * (no network call yet; check() makes the first), *out owned by the
 * caller (cloud_free). A profile that names no usable credentials, or a
 * credentials file that others may read, is BERR_USAGE with one line
 * saying which file or variable and what to do. */
typedef int (*cloud_open_fn)(const struct cloud_profile *p, const struct cloud_net *net,
			     struct cloud **out, struct berr *err);

/* The driver p->driver names, opened; an unknown driver is BERR_USAGE. */
int cloud_open(const struct cloud_profile *p, const struct cloud_net *net, struct cloud **out,
	       struct berr *err);
/* The drivers' names, for messages ("openstack, ec2"). Borrowed. */
const char *cloud_driver_names(void);

#endif
