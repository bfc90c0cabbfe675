/* fuzz-openstack-json: Keystone's and Nova's JSON replies
 * (backends/cloud/openstack_http.c, openstack.c): a token reply with its
 * service catalog, or an API reply judged as os_api judges it, whose
 * servers (GET /servers/detail) or server are read into VMs.
 *
 * Input: one byte (bit 0: Keystone; bits 1-4: the HTTP status; bits 5-6:
 * the address the profile takes; bit 7: a region is set), then the body. */
#include "tests/fuzz/fuzz.h"
#include "backends/cloud/openstack_internal.h"
#include "lib/xalloc.h"

static const long statuses[] = { 200, 200, 200, 201, 201, 201, 202, 204,
				 400, 401, 403, 404, 409, 413, 500, 503 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct openstack o = { .base = { .name = "fuzz" }, .interface = (char *)"public" };
	struct cloud_tag match = { .key = "berth.pool", .value = "p" };
	struct cloud_vm *vms;
	struct berr err;
	json_t *j = NULL, *servers;
	long status;
	size_t n;

	if (!size)
		return 0;
	status = statuses[(data[0] >> 1) & 15];
	o.address = (enum cloud_address)((data[0] >> 5) & 3);
	o.base.region = data[0] & 128 ? (char *)"RegionOne" : NULL;
	if (data[0] & 1) {
		if (os_reply_keystone(&o, status, (const char *)data + 1, size - 1, "gAAAAtoken",
				      &err) < 0)
			fuzz_message(err.msg);
	} else if (os_reply_api(&o, status, (const char *)data + 1, size - 1, &j, &err) < 0) {
		fuzz_message(err.msg);
	} else {
		servers = json_object_get(j, "servers");
		if (!servers && json_object_get(j, "server")) {
			servers = json_array();
			json_array_append(servers, json_object_get(j, "server"));
			json_object_set_new(j, "one", servers);
		}
		os_vms_from_json(&o, servers, &match, data[0] & 64 ? 1 : 0, &vms, &n);
		cloud_vms_release(vms, n);
		json_decref(j);
	}
	free(o.token);
	free(o.compute_url);
	free(o.network_url);
	return 0;
}
