/* spawn.c: host spawn, crash-safe (see spawn.h for the steps): the names
 * and intent documents first, the shared security group once, then one
 * thread per host: certificates, user-data, the VM, its address, its
 * engine. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "backends/pool/spawn.h"
#include "backends/pool/spawn_internal.h"
#include "backends/pool/host_doc.h"
#include "backends/pool/pki.h"
#include "backends/pool/pool.h"
#include "backends/pool/settings.h"
#include "backends/pool/userdata.h"
#include "backends/backend.h"
#include "backends/store/store.h"
#include "lib/names.h"
#include "lib/strbuf.h"
#include "lib/xalloc.h"

#define DEFAULT_TIMEOUT_MS (10 * 60 * 1000)
/* a failed spawn waits this long for its VM to go before it gives up on
 * deleting the security group (reconcile finishes the job) */
#define TEARDOWN_WAIT_MS (3 * 60 * 1000)

const struct cloud_profile *spawn_profile(struct fleet *fl, const char *name, struct berr *err)
{
	const struct settings *s = fl->settings;
	struct strbuf names = STRBUF_INIT;
	const char *want = name ? name : s->default_cloud;
	size_t i;

	if (!s->nclouds) {
		berr_set(err, BERR_USAGE, "no clouds are configured: add a clouds: section to the settings (berth(1), CLOUDS)");
		return NULL;
	}
	if (!want && s->nclouds == 1)
		return &s->clouds[0];
	for (i = 0; want && i < s->nclouds; i++)
		if (s->clouds[i].name && !strcmp(s->clouds[i].name, want))
			return &s->clouds[i];
	for (i = 0; i < s->nclouds; i++)
		strbuf_addf(&names, "%s%s", i ? ", " : "", s->clouds[i].name);
	if (want)
		berr_set(err, BERR_USAGE, "unknown cloud: %s (configured: %s)", want, names.buf);
	else
		berr_set(err, BERR_USAGE, "several clouds are configured (%s): give --cloud NAME or set default_cloud",
			 names.buf);
	strbuf_release(&names);
	return NULL;
}

/* --- what each host asks for ------------------------------------------------- */

static int64_t total_timeout(const struct spawn_opts *o)
{
	const struct cloud_profile *p = o->profile;

	if (o->timeout_ms > 0)
		return o->timeout_ms;
	return (p->spawn_timeout_ms > 0 ? p->spawn_timeout_ms : DEFAULT_TIMEOUT_MS) +
	       (p->engine_timeout_ms > 0 ? p->engine_timeout_ms : DEFAULT_TIMEOUT_MS);
}

/* h's request, intent ID and deadline, for a host not named yet. */
static void host_init(struct sp_host *h, const struct spawn_opts *o, int64_t now)
{
	const struct cloud_profile *p = o->profile;
	bson_oid_t oid;
	char hex[25];

	memset(h, 0, sizeof(*h));
	bson_oid_init(&oid, NULL);
	bson_oid_to_string(&oid, hex);
	sp_set(&h->spawn_id, hex);
	sp_set(&h->profile, p->name);
	sp_set(&h->driver, p->driver);
	sp_set(&h->flavor, o->flavor ? o->flavor : p->flavor);
	sp_set(&h->image, o->image ? o->image : p->image);
	sp_set(&h->network, p->network);
	h->phase = HOST_DOC_PHASE_INTENT;
	h->deadline = now + total_timeout(o);
	h->pid = (int64_t)getpid();
	{
		char m[256];

		if (gethostname(m, sizeof(m)) < 0)
			strcpy(m, "localhost");
		m[sizeof(m) - 1] = '\0';
		sp_set(&h->machine, m);
	}
}

/* A spawned host's name is a DNS label too: NAME.berth.internal. */
static int dns_label(const char *s)
{
	size_t n = 0;

	for (; s && s[n]; n++)
		if (!((s[n] >= 'a' && s[n] <= 'z') || (s[n] >= 'A' && s[n] <= 'Z') ||
		      (s[n] >= '0' && s[n] <= '9') || s[n] == '-'))
			return 0;
	return n > 0 && n <= 63 && s[0] != '-' && s[n - 1] != '-';
}

/* The names o asks for are DNS labels (with room for "-N"). */
static int check_names(const struct spawn_opts *o, struct berr *err)
{
	const char *base = o->name ? o->name : o->profile->name;
	char probe[80];

	if (o->count < 1 || o->count > SPAWN_MAX_COUNT)
		return berr_set(err, BERR_USAGE, "host spawn makes 1 to %d hosts at a time", SPAWN_MAX_COUNT);
	snprintf(probe, sizeof(probe), "%s%s", base ? base : "",
		 o->name && o->count == 1 ? "" : "-1000");
	if (!base || strlen(base) > 63 || !dns_label(probe))
		return berr_set(err, BERR_USAGE,
				"invalid host name '%s' for a spawned host: it is a DNS name too (NAME.%s): "
				"use letters, digits and '-', at most 58 characters%s",
				base ? base : "", BERTH_TLS_DOMAIN, o->name ? "" : " (give --name NAME)");
	return 0;
}

/* --- names, reserved through the store -------------------------------------- */

struct highest {
	const char *prefix;
	size_t len;
	long long n;
};

static int note_number(void *ud, const bson_t *doc, struct berr *err)
{
	struct highest *hi = ud;
	struct host_doc d;
	char *end;
	long long n;

	(void)err;
	host_doc_read(doc, &d);
	if (!d.name || strncmp(d.name, hi->prefix, hi->len) || d.name[hi->len] != '-')
		return 0;
	n = strtoll(d.name + hi->len + 1, &end, 10);
	if (end != d.name + hi->len + 1 && !*end && n > hi->n)
		hi->n = n;
	return 0;
}

/* Inserts h's intent document under name; 0, or -1 with err
 * (BERR_CONFLICT: taken). */
static int insert_intent(struct store *s, struct sp_host *h, const char *name, int64_t now,
			 struct berr *err)
{
	struct host_doc_cloud c = {
		.profile = h->profile, .driver = h->driver, .spawn_id = h->spawn_id,
		.flavor = h->flavor, .image = h->image, .network = h->network, .phase = h->phase,
		.deadline_ms = h->deadline, .machine = h->machine, .pid = h->pid,
	};
	char *reason = xasprintf("host spawn on %s", h->profile);
	struct host_doc_new d = { .name = name, .state = "spawned", .state_reason = reason,
				  .added_ms = now, .cloud = &c };
	bson_t doc;
	int rc;

	bson_init(&doc);
	rc = host_doc_build(&doc, &d, NULL, now, err);
	if (rc == 0)
		rc = store_insert(s, STORE_HOSTS, &doc, err);
	bson_destroy(&doc);
	free(reason);
	return rc;
}

/* reserve_names' loop over the names, from hi->n + 1 on. */
static size_t reserve_each(struct spawn_ctx *ctx, const struct spawn_opts *o, struct sp_host *hs,
			   struct store *s, struct highest *hi, int64_t now, struct berr *err)
{
	const char *prefix = hi->prefix;
	int exact = o->name && o->count == 1;
	size_t done = 0, tries = 0;

	while (done < o->count && tries++ < o->count + 1000) {
		char *name = exact ? xstrdup(prefix) : xasprintf("%s-%lld", prefix, ++hi->n);

		host_init(&hs[done], o, now);
		if (settings_find_host(ctx->fl->settings, name) && !exact) {
			sp_host_release(&hs[done]);
			free(name);
			continue;
		}
		if (settings_find_host(ctx->fl->settings, name)) {
			berr_set(err, BERR_CONFLICT, "host %s already exists (in the configuration)", name);
		} else if (insert_intent(s, &hs[done], name, now, err) == 0) {
			hs[done].name = name;
			sp_set(&hs[done].state, "spawned");
			done++;
			continue;
		} else if (err->kind == BERR_CONFLICT && !exact) {
			sp_host_release(&hs[done]);
			free(name);
			continue; /* another berth took it: the next one */
		} else if (err->kind == BERR_CONFLICT) {
			berr_set(err, BERR_CONFLICT,
				 "host %s already exists (give another --name, or 'host remove %s' first)",
				 name, name);
		} else {
			fleet_store_failed(ctx->fl, err);
		}
		sp_host_release(&hs[done]);
		free(name);
		break;
	}
	return done;
}

/* Reserves count names (o->name exactly for one; else PREFIX-N with the
 * next free N), writing each host's intent document: the unique insert
 * decides between berths spawning at once. Returns how many were
 * reserved; err says why the others were not. */
static size_t reserve_names(struct spawn_ctx *ctx, const struct spawn_opts *o, struct sp_host *hs,
			    struct berr *err)
{
	const char *prefix = o->name ? o->name : o->profile->name;
	struct highest hi = { .prefix = prefix, .len = strlen(prefix) };
	int exact = o->name && o->count == 1;
	struct store *s = fleet_store(ctx->fl, err);
	size_t done = 0;
	int64_t now = store_now_ms();
	struct berr werr;

	if (!s)
		return 0;
	/* the intents in one write (each alone on a store without batches),
	 * made before the first cloud call */
	if (o->count > 1 && store_batch_begin(s, STORE_HOSTS, err) < 0) {
		fleet_store_failed(ctx->fl, err);
		return 0;
	}
	if (!exact && store_find(s, STORE_HOSTS, NULL, NULL, note_number, &hi, err) < 0)
		fleet_store_failed(ctx->fl, err);
	else
		done = reserve_each(ctx, o, hs, s, &hi, now, err);
	if (o->count > 1 && store_batch_end(s, STORE_HOSTS, &werr) < 0) {
		/* not written: nothing reserved, nothing may be made */
		*err = werr;
		fleet_store_failed(ctx->fl, err);
		while (done)
			sp_host_release(&hs[--done]);
	}
	return done;
}

/* --- one host ------------------------------------------------------------------ */

struct job {
	struct spawn_ctx *ctx;
	const struct spawn_opts *o;
	struct pki_ca *ca;
	struct sp_host h;
	struct spawn_result *r;
	struct sp_poll *poll; /* the run's, shared */
	size_t idx;   /* this host's slot in it */
	int pending;  /* failed under Ctrl-C: cleaned up once all have stopped */
	int made;     /* the create call was made: there may be something to delete */
	char *why;    /* owned: the failure, for the document's reason */
};

/* A server certificate for dns from ca and the user-data that carries it
 * (the key wiped once used). */
static int server_userdata(struct pki_ca *ca, const struct cloud_profile *p, const char *dns,
			   char **ud, size_t *len, struct berr *err)
{
	char *cert = NULL, *key = NULL;
	struct userdata_in in;
	int rc = pki_server_cert(ca, dns, &cert, &key, err);

	if (rc == 0) {
		in = (struct userdata_in){ .ca_pem = pki_ca_pem(ca), .cert_pem = cert,
					   .key_pem = key, .extra = p->cloud_init,
					   .port = SPAWN_ENGINE_PORT };
		rc = userdata_build(&in, ud, len, err);
	}
	if (key)
		memset(key, 0, strlen(key));
	free(key);
	free(cert);
	return rc;
}

/* The server certificate (NAME.berth.internal), the client directory and
 * the user-data that carries them. */
static int make_userdata(struct job *j, char **ud, size_t *len, struct berr *err)
{
	char *dns = xasprintf("%s.%s", j->h.name, BERTH_TLS_DOMAIN);
	char *dir = sp_client_dir(j->h.name);
	const char *owner = j->ctx->fl->settings->owner;
	int rc = -1;

	sp_lock(j->ctx);
	if (!dir)
		berr_set(err, BERR_LOCAL, "cannot find the data directory (HOME is not set)");
	else if (server_userdata(j->ca, j->o->profile, dns, ud, len, err) == 0 &&
		 pki_client_dir(j->ca, owner ? owner : "berth", dir, err) == 0)
		rc = 0;
	sp_unlock(j->ctx);
	free(dir);
	free(dns);
	return rc;
}

static int create_vm(struct job *j, struct cloud *c, const char *ud, size_t len, struct berr *err)
{
	struct cloud_tag t[3];
	struct cloud_vm vm;
	struct cloud_vm_spec spec = {
		.name = j->h.name, .flavor = j->h.flavor, .image = j->h.image,
		.network = j->h.network, .security_group = j->h.secgroup_id,
		.key_name = j->o->profile->key_name, .user_data = ud, .user_data_len = len,
		.tags = t, .ntags = sp_tags(j->ctx, &j->h, t), .client_token = j->h.spawn_id,
	};
	struct berr rerr;
	int rc;

	memset(&vm, 0, sizeof(vm));
	rc = c->ops->vm_create(c, &spec, &vm, err);
	if (vm.id) {
		/* recorded at once, even when the call failed after the cloud
		 * took it: the teardown needs it */
		sp_set(&j->h.vm_id, vm.id);
		j->h.phase = HOST_DOC_PHASE_CREATED;
		sp_set(&j->r->vm_id, vm.id);
		if (sp_record(j->ctx, &j->h, NULL, &rerr) < 0 && rc == 0) {
			*err = rerr;
			rc = -1;
		}
	}
	cloud_vm_release(&vm);
	return rc;
}

/* Where berth reaches the engine of a running VM, as the profile says. */
static const char *vm_address(const struct cloud_profile *p, const struct cloud_vm *vm)
{
	if (p->address == CLOUD_ADDR_FIXED)
		return vm->private_address ? vm->private_address : vm->address;
	return vm->address ? vm->address : vm->private_address;
}

/* What vm says of j's spawn: 1 running with an address (or, for a
 * floating address, running; the address noted), 0 not yet, -1 failed
 * (err). */
static int vm_verdict(struct job *j, const struct cloud_vm *vm, struct berr *err)
{
	const struct cloud_profile *p = j->o->profile;

	if (vm->state == CLOUD_VM_ERROR)
		return berr_set(err, BERR_ENGINE, "VM %s failed: %s", j->h.vm_id,
				vm->state_text ? vm->state_text : "ERROR");
	if (vm->state == CLOUD_VM_GONE || vm->state == CLOUD_VM_DELETING)
		return berr_set(err, BERR_ENGINE, "VM %s was deleted while it was being built", j->h.vm_id);
	if (vm->state != CLOUD_VM_RUNNING || (p->address != CLOUD_ADDR_FLOATING && !vm_address(p, vm)))
		return 0;
	sp_set(&j->h.address, p->address == CLOUD_ADDR_FLOATING ? NULL : vm_address(p, vm));
	return 1;
}

/* Waits, through the run's shared poll, until the VM runs with an address
 * (vm_verdict), or the deadline. */
static int wait_running(struct job *j, struct cloud *c, int64_t deadline, struct berr *err)
{
	struct berr last;
	int rc;

	berr_clear(&last);
	for (;;) {
		struct cloud_vm vm;

		if (sp_poll_next(j->poll, j->idx, j->h.vm_id, c, deadline, &vm, err) < 0) {
			if (err->kind == BERR_INTERRUPTED) {
				rc = -1;
				break;
			}
			if (err->kind == BERR_TIMEOUT) {
				rc = berr_set(err, BERR_TIMEOUT, "VM %s was not running with an address within the spawn timeout%s%s",
					      j->h.vm_id, last.msg[0] ? ": " : "", last.msg);
				break;
			}
			last = *err; /* a failed poll is retried until the deadline */
			continue;
		}
		if (!vm.id) {
			/* a cloud may not know a VM it has just made */
			berr_set(&last, BERR_NOT_FOUND, "the cloud does not know VM %s", j->h.vm_id);
			continue;
		}
		rc = vm_verdict(j, &vm, err);
		cloud_vm_release(&vm);
		if (rc != 0)
			break;
	}
	sp_poll_leave(j->poll, j->idx);
	return rc < 0 ? -1 : 0;
}

/* The floating address, when the profile wants one; then the endpoint
 * (url, tls_dir, tls_name) and phase running recorded. */
static int record_address(struct job *j, struct cloud *c, struct berr *err)
{
	char *url, *dir, *tls_name;
	struct cloud_tag t[3];
	bson_t f;
	int rc;

	if (j->o->profile->address == CLOUD_ADDR_FLOATING) {
		char *id = NULL, *addr = NULL;

		if (!c->ops->address_attach)
			return berr_set(err, BERR_USAGE, "cloud %s: the %s driver has no floating addresses",
					j->o->profile->name, c->ops->kind);
		rc = c->ops->address_attach(c, j->h.vm_id, t, sp_tags(j->ctx, &j->h, t), &id, &addr, err);
		if (id) {
			sp_set(&j->h.address_id, id);
			sp_set(&j->h.address, addr);
			if (sp_record(j->ctx, &j->h, NULL, rc < 0 ? NULL : err) < 0 && rc == 0)
				rc = -1;
		}
		free(id);
		free(addr);
		if (rc < 0)
			return -1;
	}
	url = strchr(j->h.address, ':') ? xasprintf("tcp://[%s]:%d", j->h.address, SPAWN_ENGINE_PORT)
					 : xasprintf("tcp://%s:%d", j->h.address, SPAWN_ENGINE_PORT);
	dir = sp_client_dir(j->h.name);
	tls_name = xasprintf("%s.%s", j->h.name, BERTH_TLS_DOMAIN);
	j->h.phase = HOST_DOC_PHASE_RUNNING;
	sp_set(&j->r->address, j->h.address);
	bson_init(&f);
	host_doc_set_endpoint(&f, url, dir, tls_name);
	rc = sp_record(j->ctx, &j->h, &f, err);
	bson_destroy(&f);
	free(tls_name);
	free(dir);
	free(url);
	return rc;
}

/* The engine's pings: often, as a refused connection costs little and a
 * host is ready the moment its engine answers. */
#define ENGINE_FIRST_MS 100
#define ENGINE_CEILING_MS 500

/* j's host becomes active: the transition and the engine's facts (info,
 * may be NULL) in one write of the hosts collection. */
static int activate(struct job *j, const json_t *info, struct berr *err)
{
	const struct cloud_profile *p = j->o->profile;
	int64_t slots = j->o->slots ? j->o->slots : p->slots;
	char *reason = xasprintf("spawned on %s", p->name);
	bson_t extra;
	int rc;

	j->h.phase = HOST_DOC_PHASE_ENGINE;
	bson_init(&extra);
	host_doc_set_seen(&extra, store_now_ms());
	host_doc_set_no_errors(&extra, 1);
	host_doc_set_no_probes(&extra);
	if (slots > 0)
		host_doc_set_slots(&extra, slots);
	rc = sp_transition_answered(j->ctx, &j->h, "active", reason, &extra, info, err);
	bson_destroy(&extra);
	free(reason);
	return rc;
}

/* Pings the engine until it answers or the deadline, over one client
 * (connecting again on each try); then the host is active. */
static int wait_engine(struct job *j, int64_t deadline, struct berr *err)
{
	int64_t step = ENGINE_FIRST_MS;
	struct backend *b = NULL;
	json_t *info = NULL;
	int rc = -1;

	for (;;) {
		if (!b)
			b = sp_backend(j->ctx, j->h.name, err);
		if (b && b->ops->ping(b, err) == 0) {
			if (b->ops->info(b, &info, err) < 0)
				info = NULL;
			break;
		}
		if (err->kind == BERR_INTERRUPTED || berth_interrupted) {
			berr_set(err, BERR_INTERRUPTED, "interrupted");
			goto cleanup;
		}
		if (store_now_ms() + step > deadline) {
			char last[sizeof(err->msg)];

			snprintf(last, sizeof(last), "%s", err->msg);
			berr_set(err, BERR_TIMEOUT, "its engine did not answer at %s within the engine timeout: %s",
				 j->h.address, last);
			goto cleanup;
		}
		if (sp_sleep(step)) {
			berr_set(err, BERR_INTERRUPTED, "interrupted");
			goto cleanup;
		}
		step = step * 3 / 2 > ENGINE_CEILING_MS ? ENGINE_CEILING_MS : step * 3 / 2;
	}
	rc = activate(j, info, err);
cleanup:
	json_decref(info);
	backend_free(b);
	return rc;
}

/* The forward path of one host: 0 active (or created, with no_wait). */
static int spawn_forward(struct job *j, struct cloud **c, struct berr *err)
{
	const struct cloud_profile *p = j->o->profile;
	int64_t start = store_now_ms(), running_by, engine_by;
	char *ud = NULL;
	size_t len = 0;
	int rc;

	if (make_userdata(j, &ud, &len, err) < 0 || sp_open_cloud(j->ctx, c, err) < 0) {
		free(ud);
		return -1;
	}
	j->made = 1;
	rc = create_vm(j, *c, ud, len, err);
	free(ud);
	if (rc < 0)
		return -1;
	if (j->o->no_wait)
		return 0;
	running_by = start + (p->spawn_timeout_ms > 0 ? p->spawn_timeout_ms : DEFAULT_TIMEOUT_MS);
	if (running_by > j->h.deadline)
		running_by = j->h.deadline;
	if (wait_running(j, *c, running_by, err) < 0 || record_address(j, *c, err) < 0)
		return -1;
	j->r->running_ms = store_now_ms();
	engine_by = j->r->running_ms + (p->engine_timeout_ms > 0 ? p->engine_timeout_ms : DEFAULT_TIMEOUT_MS);
	if (engine_by > j->h.deadline)
		engine_by = j->h.deadline;
	if (wait_engine(j, engine_by, err) < 0)
		return -1;
	j->r->active_ms = store_now_ms();
	return 0;
}

/* A failed spawn: what it made deleted (unless kept), "removed" with why. */
static void spawn_failed(struct job *j, struct cloud *c, const struct berr *why)
{
	struct cloud *own = NULL;
	struct berr err;
	char *reason;

	if (!j->why)
		j->why = xstrdup(why->msg);
	berr_clear(&err);
	if (!j->made) {
		/* nothing asked of the cloud for this host */
	} else if (j->o->keep_on_failure) {
		j->r->left_behind = 1;
	} else if (!c && sp_open_cloud(j->ctx, &own, &err) < 0) {
		j->r->left_behind = 1;
	} else if (sp_teardown(j->ctx, c ? c : own, &j->h, TEARDOWN_WAIT_MS, &err) < 0) {
		if (err.kind == BERR_INTERRUPTED) {
			j->pending = 1; /* again once every spawn has stopped */
			cloud_free(own);
			return;
		}
		j->r->left_behind = 1;
	}
	cloud_free(own);
	if (j->r->left_behind && !j->o->keep_on_failure && err.msg[0]) {
		sp_lock(j->ctx);
		fleet_say(j->ctx->fl, FLEET_NOTE_ERROR, "%s: could not delete what the spawn made: %s (cloud reconcile --delete will)",
			  j->h.name, err.msg);
		sp_unlock(j->ctx);
	}
	reason = xasprintf("host spawn failed: %s%s", j->why,
			   j->o->keep_on_failure ? " (its resources kept: --keep-on-failure)" : "");
	if (sp_transition(j->ctx, &j->h, "removed", reason, NULL, &err) == 0)
		j->r->state = "removed";
	else
		j->r->left_behind = 1;
	free(reason);
}

static void *spawn_thread(void *arg)
{
	struct job *j = arg;
	struct cloud *c = NULL;
	struct berr err;

	berr_clear(&err);
	if (spawn_forward(j, &c, &err) == 0) {
		j->r->ok = 1;
		j->r->state = j->o->no_wait ? "spawned" : "active";
	} else {
		j->r->err = err;
		if (err.kind == BERR_INTERRUPTED || berth_interrupted) {
			j->why = xstrdup("interrupted");
			j->pending = 1;
		} else {
			spawn_failed(j, c, &err);
		}
	}
	cloud_free(c);
	return NULL;
}

/* The spawns Ctrl-C stopped: cleaned up now that all have stopped, with
 * the interruption set aside (a second Ctrl-C stops this too). */
static void *cleanup_thread(void *arg)
{
	struct job *j = arg;
	struct berr why = { .kind = BERR_INTERRUPTED };

	if (!j->pending)
		return NULL;
	j->pending = 0;
	snprintf(why.msg, sizeof(why.msg), "%s", j->why ? j->why : "interrupted");
	spawn_failed(j, NULL, &why);
	if (j->pending)
		j->r->left_behind = 1;
	return NULL;
}

/* --- all of them ------------------------------------------------------------------ */

static char *group_name(const struct spawn_ctx *ctx)
{
	return xasprintf("berth-%s", ctx->store_id);
}

/* The store's shared security group (2376/tcp from allow_cidr), made once
 * for all the hosts, its ID recorded in each document. *id owned. */
static int ensure_group(struct spawn_ctx *ctx, struct job *jobs, size_t n, char **id,
			struct berr *err)
{
	const struct cloud_profile *p = ctx->p;
	struct cloud_rule rule = { .proto = "tcp", .port_min = SPAWN_ENGINE_PORT,
				   .port_max = SPAWN_ENGINE_PORT, .cidr = p->allow_cidr };
	char *name = group_name(ctx);
	struct cloud_tag t[3];
	struct cloud *c = NULL;
	size_t i;
	int rc, opened;

	*id = NULL;
	rc = sp_cloud(ctx, &c, err);
	if (rc == 0)
		rc = c->ops->secgroup_ensure(c, name, &rule, 1, t, sp_tags(ctx, NULL, t), id, err);
	free(name);
	/* one write for them all (the group carries the store's tag: a
	 * crash before it leaves nothing reconcile cannot find) */
	opened = rc == 0 && n > 1 ? pool_records_begin(ctx->fl) : 0;
	for (i = 0; rc == 0 && i < n; i++) {
		struct berr e;

		sp_set(&jobs[i].h.secgroup_id, *id);
		if (sp_record(ctx, &jobs[i].h, NULL, &e) < 0) {
			jobs[i].r->err = e;
			jobs[i].why = xstrdup(e.msg);
		}
	}
	pool_records_end(ctx->fl, opened);
	return rc;
}

/* A group nothing uses any more (every spawn failed) goes too. */
static void release_group(struct spawn_ctx *ctx, const char *id)
{
	struct cloud *c = NULL;
	struct berr err;

	if (sp_cloud(ctx, &c, &err) == 0)
		sp_secgroup_release(ctx, c, id, NULL, NULL, &err);
}

static void run_jobs(struct spawn_ctx *ctx, struct job *jobs, size_t n)
{
	size_t i, pending = 0;
	char *group = NULL;
	struct berr err;

	berr_clear(&err);
	if (ensure_group(ctx, jobs, n, &group, &err) < 0) {
		for (i = 0; i < n; i++) {
			jobs[i].r->err = err;
			spawn_failed(&jobs[i], NULL, &err);
		}
	} else {
		sp_run(n, spawn_thread, jobs, sizeof(*jobs));
	}
	for (i = 0; i < n; i++)
		pending += jobs[i].pending;
	if (pending) {
		/* the cloud calls of the cleanup must not see the Ctrl-C that
		 * asked for it */
		berth_interrupted = 0;
		sp_run(n, cleanup_thread, jobs, sizeof(*jobs));
		berth_interrupted = 1;
	}
	if (group && !berth_interrupted)
		release_group(ctx, group);
	free(group);
}

int spawn_hosts(struct fleet *fl, const struct spawn_opts *o, struct spawn_result **out,
		size_t *n, struct berr *err)
{
	struct spawn_result *res;
	struct sp_host *hs;
	struct spawn_ctx ctx;
	struct sp_poll poll;
	struct pki_ca *ca = NULL;
	struct job *jobs;
	struct berr rerr;
	size_t i, nres;
	int64_t now = store_now_ms();

	*out = NULL;
	*n = 0;
	if (check_names(o, err) < 0)
		return -1;
	if (sp_ctx_init(&ctx, fl, o->profile, err) < 0 || pki_ca_open(ctx.store_id, &ca, err) < 0) {
		sp_ctx_release(&ctx);
		return -1;
	}
	res = xcalloc(o->count, sizeof(*res));
	hs = xcalloc(o->count, sizeof(*hs));
	jobs = xcalloc(o->count, sizeof(*jobs));
	sp_poll_init(&poll, o->count);
	berr_clear(&rerr);
	nres = reserve_names(&ctx, o, hs, &rerr);
	for (i = 0; i < o->count; i++) {
		res[i].state = "failed";
		res[i].started_ms = now;
		if (i < nres) {
			res[i].name = xstrdup(hs[i].name);
			jobs[i] = (struct job){ .ctx = &ctx, .o = o, .ca = ca, .h = hs[i], .r = &res[i],
						.poll = &poll, .idx = i };
		} else {
			res[i].err = rerr;
		}
	}
	if (nres)
		run_jobs(&ctx, jobs, nres);
	for (i = 0; i < nres; i++) {
		sp_host_release(&jobs[i].h);
		free(jobs[i].why);
	}
	free(jobs);
	free(hs);
	sp_poll_release(&poll);
	pki_ca_free(ca);
	sp_ctx_release(&ctx);
	*out = res;
	*n = o->count;
	return 0;
}

void spawn_results_release(struct spawn_result *r, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(r[i].name);
		free(r[i].vm_id);
		free(r[i].address);
	}
	free(r);
}

/* --- the dry run -------------------------------------------------------------------- */

static json_t *tags_json(const struct cloud_tag *t, size_t n)
{
	json_t *o = json_object();
	size_t i;

	for (i = 0; i < n; i++)
		json_object_set_new(o, t[i].key, json_string(t[i].value));
	return o;
}

/* One host's requests and user-data. */
static json_t *plan_host(struct spawn_ctx *ctx, const struct spawn_opts *o, struct pki_ca *ca,
			 struct sp_host *h, const char *group, struct berr *err)
{
	const struct cloud_profile *p = o->profile;
	char *dns = xasprintf("%s.%s", h->name, BERTH_TLS_DOMAIN), *ud = NULL;
	size_t len = 0;
	struct cloud_tag t[3];
	json_t *j = NULL;

	if (server_userdata(ca, p, dns, &ud, &len, err) == 0)
		j = json_pack("{s:s, s:s, s:{s:s, s:o, s:o, s:o, s:o, s:s, s:s, s:o}, s:o, s:s%}",
			      "Name", h->name, "TlsName", dns,
			      "VM", "Name", h->name,
			      "Flavor", h->flavor ? json_string(h->flavor) : json_null(),
			      "Image", h->image ? json_string(h->image) : json_null(),
			      "Network", h->network ? json_string(h->network) : json_null(),
			      "KeyName", p->key_name ? json_string(p->key_name) : json_null(),
			      "SecurityGroup", group, "ClientToken", h->spawn_id,
			      "Tags", tags_json(t, sp_tags(ctx, h, t)),
			      "Address", p->address == CLOUD_ADDR_FLOATING ?
			      json_pack("{s:s, s:o}", "Floating", "allocate", "Network",
					p->floating_network ? json_string(p->floating_network) : json_null()) :
			      json_null(),
			      "UserData", ud, len);
	free(ud);
	free(dns);
	return j;
}

static const char *address_word(enum cloud_address a)
{
	switch (a) {
	case CLOUD_ADDR_FIXED: return "fixed";
	case CLOUD_ADDR_FLOATING: return "floating";
	case CLOUD_ADDR_PUBLIC: return "public";
	default: return "default";
	}
}

int spawn_plan(struct fleet *fl, const struct spawn_opts *o, json_t **plan, struct berr *err)
{
	const struct cloud_profile *p = o->profile;
	const char *prefix = o->name ? o->name : p->name;
	struct highest hi = { .prefix = prefix, .len = strlen(prefix) };
	struct cloud_tag t[3];
	struct spawn_ctx ctx;
	struct pki_ca *ca = NULL;
	struct store *s;
	json_t *hosts = NULL, *h;
	char *group = NULL;
	size_t i;
	int rc = -1;

	*plan = NULL;
	if (check_names(o, err) < 0)
		return -1;
	if (sp_ctx_init(&ctx, fl, p, err) < 0 || pki_ca_open(ctx.store_id, &ca, err) < 0)
		goto cleanup;
	if (!(o->name && o->count == 1) && (s = fleet_store(fl, err)) &&
	    store_find(s, STORE_HOSTS, NULL, NULL, note_number, &hi, err) < 0)
		goto cleanup;
	group = group_name(&ctx);
	hosts = json_array();
	for (i = 0; i < o->count; i++) {
		struct sp_host sh;

		host_init(&sh, o, store_now_ms());
		sh.name = o->name && o->count == 1 ? xstrdup(prefix) : xasprintf("%s-%lld", prefix, ++hi.n);
		sp_set(&sh.spawn_id, "(the intent ID)");
		h = plan_host(&ctx, o, ca, &sh, group, err);
		sp_host_release(&sh);
		if (!h)
			goto cleanup;
		json_array_append_new(hosts, h);
	}
	*plan = json_pack("{s:s, s:s, s:o, s:s, s:{s:s, s:[{s:s, s:i, s:o}], s:o}, s:o, s:I}",
			  "Cloud", p->name, "Driver", p->driver ? p->driver : "",
			  "Region", p->region ? json_string(p->region) : json_null(),
			  "Address", address_word(p->address),
			  "SecurityGroup", "Name", group, "Rules", "Proto", "tcp", "Port", SPAWN_ENGINE_PORT,
			  "Cidr", json_string(p->allow_cidr ? p->allow_cidr : "0.0.0.0/0"),
			  "Tags", tags_json(t, sp_tags(&ctx, NULL, t)),
			  "Hosts", hosts, "DeadlineMs", (json_int_t)total_timeout(o));
	hosts = NULL;
	rc = *plan ? 0 : berr_set(err, BERR_LOCAL, "out of memory");
cleanup:
	json_decref(hosts);
	free(group);
	pki_ca_free(ca);
	sp_ctx_release(&ctx);
	return rc;
}
