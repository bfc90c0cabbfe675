/* fuzz-ec2-xml: EC2's XML replies (backends/cloud/xml.c, ec2_api.c, ec2.c): a
 * reply judged as ec2_call judges it (both error shapes, the codes that
 * are retried), then a DescribeInstances reply read into VMs as the
 * driver reads it, with its nextToken.
 *
 * Input: one byte choosing the HTTP status (bits 0-3) and the address
 * the profile takes (bits 4-5), then the body. */
#include "tests/fuzz/fuzz.h"
#include "backends/cloud/ec2_api.h"

static const long statuses[] = { 200, 200, 200, 200, 200, 200, 200, 400,
				 400, 401, 403, 404, 500, 503, 302, 0 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct aws_config cfg = { .profile = "default", .region = "us-east-1",
					 .endpoint = "http://127.0.0.1:9",
					 .source = "the environment" };
	static const struct cloud_net net = { .connect_timeout_ms = 1000,
					      .request_timeout_ms = 1000 };
	static struct ec2_api *api;
	struct berr err;
	struct cloud_vm *vms;
	struct xml_doc *doc = NULL;
	char *code = NULL, *token;
	size_t n;
	int rc;

	if (!size)
		return 0;
	if (!api && ec2_api_new("fuzz", &cfg, &net, &api, &err) < 0)
		abort();
	rc = ec2_reply(api, statuses[data[0] & 15], (const char *)data + 1, size - 1, &doc, &code,
		       &err);
	if (rc != 0) {
		fuzz_message(err.msg);
	} else {
		n = ec2_reply_vms((enum cloud_address)((data[0] >> 4) & 3), doc, data[0] >> 7, &vms);
		cloud_vms_release(vms, n);
		token = ec2_xml_text(doc->root, "nextToken");
		free(token);
		xml_doc_free(doc);
	}
	free(code);
	return 0;
}
