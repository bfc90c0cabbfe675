/* test-xml: the XML reader of EC2's replies (backends/cloud/xml.h) and
 * ec2_api.c's reading of them: real replies, what XML allows, what it
 * refuses, and every truncation of a reply. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "backends/cloud/ec2_api.h"
#include "backends/cloud/xml.h"
#include "lib/strbuf.h"
#include "lib/xalloc.h"
#include "tap.h"

static const char describe[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	"<DescribeInstancesResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\">\n"
	"  <requestId>59dbff89-35bd-4eac-99ed-be587EXAMPLE</requestId>\n"
	"  <reservationSet>\n"
	"    <item>\n"
	"      <reservationId>r-1234567890abcdef0</reservationId>\n"
	"      <instancesSet>\n"
	"        <item>\n"
	"          <instanceId>i-1234567890abcdef0</instanceId>\n"
	"          <instanceState><code>16</code><name>running</name></instanceState>\n"
	"          <privateIpAddress>10.0.1.5</privateIpAddress>\n"
	"          <ipAddress>54.194.252.215</ipAddress>\n"
	"          <launchTime>2024-05-01T10:00:00.000Z</launchTime>\n"
	"          <tagSet>\n"
	"            <item><key>Name</key><value>berth-1</value></item>\n"
	"            <item><key>berth.pool</key><value>a &amp; b</value></item>\n"
	"            <item><key>empty</key><value/></item>\n"
	"          </tagSet>\n"
	"        </item>\n"
	"        <item>\n"
	"          <instanceId>i-0000000000000dead</instanceId>\n"
	"          <instanceState><code>48</code><name>terminated</name></instanceState>\n"
	"        </item>\n"
	"      </instancesSet>\n"
	"    </item>\n"
	"  </reservationSet>\n"
	"  <nextToken>tok-2</nextToken>\n"
	"</DescribeInstancesResponse>\n";

/* The same reply as an EC2-compatible cloud may send it: prefixed names,
 * a BOM, CRLF line ends, comments, CDATA, attributes of both quotes. */
static const char prefixed[] =
	"\xef\xbb\xbf<?xml version='1.0' encoding='UTF-8'?>\r\n"
	"<!-- a comment before the root -->\r\n"
	"<ec2:DescribeInstancesResponse xmlns:ec2='http://ec2.amazonaws.com/doc/2016-11-15/'"
	" xmlns:x=\"urn:x\">\r\n"
	"<ec2:reservationSet><ec2:item x:a='1'><ec2:instancesSet>\r\n"
	"<ec2:item><ec2:instanceId><![CDATA[i-1234567890abcdef0]]></ec2:instanceId>\r\n"
	"<ec2:instanceState><ec2:name>runn<!-- in text -->ing</ec2:name></ec2:instanceState>\r\n"
	"<ec2:privateIpAddress>10.0.1.5</ec2:privateIpAddress>\r\n"
	"<?pi inside?><ec2:ipAddress >54.194.252.215</ec2:ipAddress >\r\n"
	"</ec2:item></ec2:instancesSet></ec2:item></ec2:reservationSet>\r\n"
	"</ec2:DescribeInstancesResponse>\r\n<?after the root?>\r\n";

static const char errors[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	"<Response><Errors><Error><Code>InvalidInstanceID.NotFound</Code>"
	"<Message>The instance ID &apos;i-1&apos; does not exist</Message></Error></Errors>"
	"<RequestID>ea966190</RequestID></Response>";

static const char error_response[] =
	"<ErrorResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\"><Error>"
	"<Type>Sender</Type><Code>RequestLimitExceeded</Code><Message>slow down</Message>"
	"</Error><RequestId>x</RequestId></ErrorResponse>";

static struct ec2_api *api;

static struct xml_doc *parse(const char *s, size_t len)
{
	struct xml_doc *doc = NULL;
	struct berr err = { 0 };

	if (xml_doc_parse(s, len, &doc, &err) < 0)
		printf("# %s\n", err.msg);
	return doc;
}

/* The content of the element at path below the root of s, or "(refused)". */
static char *content_of(const char *s, const char *path)
{
	struct xml_doc *doc = parse(s, strlen(s));
	char *t;

	if (!doc)
		return xstrdup("(refused)");
	t = *path ? ec2_xml_text(doc->root, path) : xml_content(doc->root);
	xml_doc_free(doc);
	return t ? t : xstrdup("(absent)");
}

static void is_content(const char *s, const char *path, const char *want, const char *what)
{
	char *t = content_of(s, path);

	is_str(t, want, "%s", what);
	free(t);
}

static void test_describe(void)
{
	struct xml_doc *doc = parse(describe, strlen(describe));
	struct cloud_vm *vms;
	char *token;
	size_t n;

	ok(doc && !strcmp(doc->root->name, "DescribeInstancesResponse"),
	   "DescribeInstances: parsed, the root by its name");
	if (!doc)
		return;
	n = ec2_reply_vms(CLOUD_ADDR_PUBLIC, doc, 0, &vms);
	is_int(n, 2, "two instances");
	if (n == 2) {
		is_str(vms[0].id, "i-1234567890abcdef0", "the first's id");
		is_str(vms[0].state_text, "running", "its state (a path)");
		is_str(vms[0].address, "54.194.252.215", "its public address");
		is_str(vms[0].private_address, "10.0.1.5", "its private address");
		is_str(vms[0].name, "berth-1", "its Name tag");
		is_int(vms[0].ntags, 3, "three tags");
		if (vms[0].ntags == 3) {
			is_str(vms[0].tags[1].value, "a & b", "a tag's entity decoded");
			is_str(vms[0].tags[2].value, "", "a self-closing <value/> is empty text");
		}
		is_int(vms[0].created_ms, 1714557600000LL, "its launch time");
		is_str(vms[1].state_text, "terminated", "the second is terminated");
	}
	cloud_vms_release(vms, n);
	n = ec2_reply_vms(CLOUD_ADDR_FIXED, doc, 1, &vms);
	is_int(n, 1, "the terminated one left out with skip_gone");
	if (n == 1)
		is_str(vms[0].address, "10.0.1.5", "the private address asked for");
	cloud_vms_release(vms, n);
	token = ec2_xml_text(doc->root, "nextToken");
	is_str(token, "tok-2", "nextToken");
	free(token);
	ok(!ec2_xml_text(doc->root, "nothing/here"), "an absent path: NULL");
	ok(xml_find(doc->root, "launchTime") &&
		   !strcmp(xml_find(doc->root, "launchTime")->parent->name, "item"),
	   "xml_find depth first, parents linked");
	xml_doc_free(doc);
}

static void test_prefixed(void)
{
	struct xml_doc *doc = parse(prefixed, strlen(prefixed));
	struct cloud_vm *vms;
	size_t n;

	ok(doc && !strcmp(doc->root->name, "DescribeInstancesResponse"),
	   "prefixes, BOM, CRLF, comments, PIs: the local name");
	if (!doc)
		return;
	n = ec2_reply_vms(CLOUD_ADDR_PUBLIC, doc, 0, &vms);
	is_int(n, 1, "one instance");
	if (n == 1) {
		is_str(vms[0].id, "i-1234567890abcdef0", "CDATA text");
		is_str(vms[0].state_text, "running", "text around a comment joined");
		is_str(vms[0].address, "54.194.252.215", "a space before '>'");
	}
	cloud_vms_release(vms, n);
	xml_doc_free(doc);
}

static void test_errors(void)
{
	struct xml_doc *doc = (struct xml_doc *)1;
	struct berr err = { 0 };
	char *code = NULL;
	int rc;

	rc = ec2_reply(api, 400, errors, strlen(errors), &doc, &code, &err);
	is_int(rc, -1, "Response/Errors/Error: a failure");
	ok(!doc, "... no document");
	is_str(code, "InvalidInstanceID.NotFound", "... its code");
	is_int(err.kind, BERR_NOT_FOUND, "... a NotFound");
	is_str(err.msg, "test: InvalidInstanceID.NotFound: The instance ID 'i-1' does not exist",
	       "... one line");
	free(code);
	code = NULL;
	rc = ec2_reply(api, 200, errors, strlen(errors), &doc, &code, &err);
	is_int(rc, -1, "an error document under HTTP 200 is still an error");
	free(code);
	code = NULL;
	rc = ec2_reply(api, 503, error_response, strlen(error_response), &doc, &code, &err);
	is_int(rc, 1, "ErrorResponse/Error RequestLimitExceeded: worth another try");
	is_str(code, "RequestLimitExceeded", "... its code");
	free(code);
	code = NULL;
	rc = ec2_reply(api, 200, "<a><b></a>", 10, &doc, &code, &err);
	is_int(rc, -1, "malformed under 200: a failure");
	is_int(err.kind, BERR_PROTOCOL, "... a protocol error");
	ok(strstr(err.msg, "answered with no valid XML") != NULL, "... saying so: %s", err.msg);
	rc = ec2_reply(api, 502, "<html><body>Bad gateway", 23, &doc, &code, &err);
	is_int(rc, 1, "a proxy's broken page under 502: another try");
	ok(!code, "... no code");
	rc = ec2_reply(api, 200, describe, strlen(describe), &doc, &code, &err);
	ok(rc == 0 && doc, "a reply under 200: the document");
	xml_doc_free(doc);
}

static void test_text(void)
{
	is_content("<a>x &amp; &lt;&gt;&quot;&apos; y</a>", "", "x & <>\"' y",
		   "the five predefined entities");
	is_content("<a>&#65;&#x42;&#0000067;&#xe9;&#x20AC;&#x1F600;&#x10FFFF;</a>", "",
		   "ABC\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xf4\x8f\xbf\xbf",
		   "numeric references, as UTF-8");
	is_content("<a><![CDATA[<b>&amp;]]]]><![CDATA[>]]></a>", "", "<b>&amp;]]>",
		   "CDATA verbatim");
	is_content("<!-- c --><?pi x?><a>1<!-- y -->2<?p?>3</a><!-- after -->", "", "123",
		   "comments and PIs skipped");
	is_content("<a>x<b>y<c>z</c></b>w</a>", "", "xyzw",
		   "an element's content: all text below, in order");
	is_content("<a>1\r\n2\r3\n</a>", "", "1\n2\n3\n", "line ends read as \\n");
	is_content("<a b='&amp;&#65;\"' c = \"'\" xmlns:p=\"u\"><p:b/><c></c></a>", "b", "",
		   "attributes skipped; <b/> and <c></c> empty");
	is_content("<a><b>  </b></a>", "b", "  ", "whitespace kept");
	is_content("<a>\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80</a>", "",
		   "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", "UTF-8 text");
	is_content("<a/>", "", "", "a self-closing root");
	is_content("<a><b><c>1</c></b><b><c>2</c></b></a>", "b/c", "1", "a path: the first match");
}

/* Each must be refused with a message naming why. */
static void test_refusals(void)
{
	static const struct {
		const char *xml;
		size_t len; /* 0: strlen */
		const char *why;
	} bad[] = {
		{ "", 0, "no element" },
		{ "  \n ", 0, "no element" },
		{ "<a></b>", 0, "</b> where </a> was due" },
		{ "<p:a></q:a>", 0, "</q:a> where </p:a> was due" },
		{ "<a><b></b>", 0, "ends inside <a>" },
		{ "<a>", 0, "ends inside <a>" },
		{ "</a>", 0, "no element open" },
		{ "<a/>x", 0, "text after the root" },
		{ "x<a/>", 0, "text before the root" },
		{ "<a/><b/>", 0, "a second element" },
		{ "<a></a><a></a>", 0, "a second element" },
		{ "<a/>&amp;", 0, "outside the root" },
		{ "<a/><![CDATA[x]]>", 0, "outside the root" },
		{ "<!DOCTYPE a [<!ENTITY x \"y\">]><a>&x;</a>", 0, "DOCTYPE" },
		{ "<a><!ELEMENT a ANY></a>", 0, "markup <!" },
		{ "<a>&nbsp;</a>", 0, "unknown entity &nbsp;" },
		{ "<a>a & b</a>", 0, "starts no reference" },
		{ "<a>&amp</a>", 0, "starts no reference" },
		{ "<a>&#0;</a>", 0, "U+0000" },
		{ "<a>&#1;</a>", 0, "U+0001" },
		{ "<a>&#xD800;</a>", 0, "U+D800" },
		{ "<a>&#xFFFE;</a>", 0, "U+FFFE" },
		{ "<a>&#x110000;</a>", 0, "beyond U+10FFFF" },
		{ "<a>&#99999999999999999999;</a>", 0, "beyond U+10FFFF" },
		{ "<a>&#;</a>", 0, "malformed character reference" },
		{ "<a>&#x;</a>", 0, "malformed character reference" },
		{ "<a>&#12</a>", 0, "malformed character reference" },
		{ "<a>&#xZ;</a>", 0, "malformed character reference" },
		{ "<a>\0</a>", 8, "a NUL byte" },
		{ "<a>\x01</a>", 0, "a control character" },
		{ "<a>\xc3\x28</a>", 0, "invalid UTF-8" },
		{ "<a>\xc0\xaf</a>", 0, "invalid UTF-8" },
		{ "<a>\xe0\x80\xaf</a>", 0, "invalid UTF-8" },
		{ "<a>\xed\xa0\x80</a>", 0, "invalid UTF-8" },
		{ "<a>\xf4\x90\x80\x80</a>", 0, "invalid UTF-8" },
		{ "<a>\xe2\x82", 0, "invalid UTF-8" },
		{ "<a>\xef\xbf\xbe</a>", 0, "does not allow" },
		{ "<a>\xff</a>", 0, "invalid UTF-8" },
		{ " <?xml version='1.0'?><a/>", 0, "not at the start" },
		{ "<a/><?xml version='1.0'?>", 0, "not at the start" },
		{ "<?xml encoding='UTF-8'?><a/>", 0, "without a version" },
		{ "<?xml version='2.0'?><a/>", 0, "bad version" },
		{ "<?xml version='1.0' encoding='ISO-8859-1'?><a/>", 0, "other than UTF-8" },
		{ "<?xml version='1.0' standalone='maybe'?><a/>", 0, "bad standalone" },
		{ "<?xml version='1.0'encoding='UTF-8'?><a/>", 0, "malformed XML declaration" },
		{ "<?xml version='1.0' x='1'?><a/>", 0, "malformed XML declaration" },
		{ "<?xml version='1.0'", 0, "malformed XML declaration" },
		{ "<a x=1/>", 0, "without '=' and a quoted value" },
		{ "<a x/>", 0, "without '=' and a quoted value" },
		{ "<a x='1'y='2'/>", 0, "unexpected 'y'" },
		{ "<a x='<'/>", 0, "'<' in an attribute" },
		{ "<a x='&bogus;'/>", 0, "unknown entity" },
		{ "<a x='1", 0, "inside an attribute value" },
		{ "<a x='1'", 0, "ends inside a tag" },
		{ "<a", 0, "ends inside a tag" },
		{ "<a / >", 0, "unexpected '/'" },
		{ "<a>]]></a>", 0, "']]>' in text" },
		{ "<a><!-- x -- y --></a>", 0, "'--' inside a comment" },
		{ "<a><!-- x </a>", 0, "unclosed comment" },
		{ "<a><![CDATA[ x </a>", 0, "unclosed CDATA" },
		{ "<a><?pi x </a>", 0, "unclosed processing" },
		{ "<a><? x?></a>", 0, "without a target" },
		{ "<:a/>", 0, "bad element name" },
		{ "<a:/>", 0, "bad element name" },
		{ "<a:b:c/>", 0, "bad element name" },
		{ "<1a/>", 0, "starts no tag" },
		{ "< a/>", 0, "starts no tag" },
		{ "<a></a >x", 0, "text after the root" },
		{ "<a></a", 0, "malformed closing tag" },
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct xml_doc *doc = (struct xml_doc *)1;
		struct berr err = { 0 };
		size_t len = bad[i].len ? bad[i].len : strlen(bad[i].xml);
		int rc = xml_doc_parse(bad[i].xml, len, &doc, &err);

		ok(rc == -1 && !doc && err.kind == BERR_PROTOCOL && strstr(err.msg, bad[i].why),
		   "refused (%s): %s", bad[i].why, err.msg);
	}
}

static int parses(const char *s, size_t len, struct berr *err)
{
	struct xml_doc *doc;
	int rc = xml_doc_parse(s, len, &doc, err);

	xml_doc_free(doc);
	return rc;
}

static double seconds_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

static void test_depth(void)
{
	struct strbuf sb = STRBUF_INIT;
	struct berr err = { 0 };
	struct timespec t0;
	size_t i;

	for (i = 0; i < XML_MAX_DEPTH; i++)
		strbuf_addstr(&sb, "<a>");
	for (i = 0; i < XML_MAX_DEPTH; i++)
		strbuf_addstr(&sb, "</a>");
	is_int(parses(sb.buf, sb.len, &err), 0, "%d levels: accepted", XML_MAX_DEPTH);
	strbuf_reset(&sb);
	for (i = 0; i <= XML_MAX_DEPTH; i++)
		strbuf_addstr(&sb, "<a>");
	strbuf_addstr(&sb, "<b/>");
	for (i = 0; i <= XML_MAX_DEPTH; i++)
		strbuf_addstr(&sb, "</a>");
	ok(parses(sb.buf, sb.len, &err) < 0 && strstr(err.msg, "nested deeper than 256"),
	   "%d levels: refused: %s", XML_MAX_DEPTH + 1, err.msg);
	strbuf_reset(&sb);
	for (i = 0; i < 100000; i++)
		strbuf_addstr(&sb, "<a>");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ok(parses(sb.buf, sb.len, &err) < 0 && strstr(err.msg, "nested deeper"),
	   "100000 levels: refused");
	ok(seconds_since(&t0) < 2.0, "... quickly (%.3f s)", seconds_since(&t0));
	strbuf_reset(&sb);
	strbuf_addstr(&sb, "<r>");
	for (i = 0; i < 100000; i++)
		strbuf_addstr(&sb, "<i>x</i>");
	strbuf_addstr(&sb, "</r>");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	is_int(parses(sb.buf, sb.len, &err), 0, "100000 siblings: accepted");
	ok(seconds_since(&t0) < 2.0, "... quickly (%.3f s)", seconds_since(&t0));
	strbuf_release(&sb);
}

/* Every prefix of a reply: refused up to the root's closing '>', parsed
 * to the same instances after it; through ec2_reply alike. */
static void test_truncations(void)
{
	const char *close = strstr(describe, "</DescribeInstancesResponse>");
	size_t full = strlen(describe), whole = (size_t)(close - describe) + 28, len;
	size_t wrong = 0, vms_wrong = 0, reply_wrong = 0;

	for (len = 0; len <= full; len++) {
		char *copy = xrealloc(NULL, len ? len : 1); /* exactly len: ASan sees overreads */
		struct xml_doc *doc = NULL;
		struct berr err = { 0 };
		int rc;

		memcpy(copy, describe, len);
		rc = xml_doc_parse(copy, len, &doc, &err);
		if ((rc == 0) != (len >= whole) ||
		    (rc < 0 && (doc || !strstr(err.msg, "malformed XML"))))
			wrong++;
		if (doc) {
			struct cloud_vm *vms;
			size_t n = ec2_reply_vms(CLOUD_ADDR_PUBLIC, doc, 0, &vms);

			if (n != 2 || strcmp(vms[1].id, "i-0000000000000dead"))
				vms_wrong++;
			cloud_vms_release(vms, n);
			xml_doc_free(doc);
		}
		rc = ec2_reply(api, 200, copy, len, &doc, NULL, &err);
		if ((rc == 0) != (len >= whole))
			reply_wrong++;
		xml_doc_free(doc);
		free(copy);
	}
	is_int(wrong, 0, "every prefix of %zu bytes: refused before byte %zu, parsed after", full,
	       whole);
	is_int(vms_wrong, 0, "... the same instances from each that parsed");
	is_int(reply_wrong, 0, "... and ec2_reply agrees");
}

int main(void)
{
	static struct aws_config cfg = { .profile = "default", .region = "us-east-1",
					 .endpoint = "http://127.0.0.1:9",
					 .source = "the environment" };
	static const struct cloud_net net = { .connect_timeout_ms = 1000,
					      .request_timeout_ms = 1000 };
	struct berr err;

	if (ec2_api_new("test", &cfg, &net, &api, &err) < 0) {
		printf("# %s\n", err.msg);
		return 1;
	}
	test_describe();
	test_prefixed();
	test_errors();
	test_text();
	test_refusals();
	test_depth();
	test_truncations();
	ec2_api_free(api);
	return done_testing();
}
