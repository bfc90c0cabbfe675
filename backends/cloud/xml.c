/* xml.c: a small XML reader for EC2's replies (xml.h). */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "backends/cloud/xml.h"
#include "lib/strbuf.h"
#include "lib/xalloc.h"

/* --- the arena: every node and string of a document ----------------------- */

struct xml_block {
	struct xml_block *next;
	size_t used, size;
	max_align_t data[];
};

#define XML_BLOCK_MIN 4096
#define XML_BLOCK_MAX (1 << 20)

static void *arena_alloc(struct xml_doc *d, size_t n)
{
	struct xml_block *b = d->blocks;
	void *p;

	n = (n + sizeof(max_align_t) - 1) / sizeof(max_align_t) * sizeof(max_align_t);
	if (!b || b->size - b->used < n) {
		size_t size = b ? b->size * 2 : XML_BLOCK_MIN;

		if (size > XML_BLOCK_MAX)
			size = XML_BLOCK_MAX;
		if (size < n)
			size = n;
		b = xrealloc(NULL, sizeof(*b) + size);
		*b = (struct xml_block){ .next = d->blocks, .size = size };
		d->blocks = b;
	}
	p = (char *)b->data + b->used;
	b->used += n;
	return p;
}

static const char *arena_strndup(struct xml_doc *d, const char *s, size_t n)
{
	char *p = arena_alloc(d, n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

void xml_doc_free(struct xml_doc *doc)
{
	struct xml_block *b, *next;

	if (!doc)
		return;
	for (b = doc->blocks; b; b = next) {
		next = b->next;
		free(b);
	}
	free(doc);
}

/* --- the parser -------------------------------------------------------------- */

struct open_elem {
	const char *qname; /* in the input: what the closing tag must repeat */
	size_t qlen;
	struct xml_node *node, *last; /* the element, its last child so far */
};

struct parser {
	const char *start, *p, *end;
	const char *decl_at; /* where an XML declaration may be: the start, after a BOM */
	struct xml_doc *doc;
	struct berr *err;
	struct strbuf text; /* character data of the open element not yet in a node */
	size_t depth;
	struct open_elem open[XML_MAX_DEPTH];
};

#define CUTLEN(n) ((int)((n) > 40 ? 40 : (n)))

__attribute__((format(printf, 3, 4))) static int fail(struct parser *ps, const char *at,
						       const char *fmt, ...)
{
	char what[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return berr_set(ps->err, BERR_PROTOCOL, "malformed XML at byte %zu: %s",
			(size_t)(at - ps->start), what);
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int skip_space(struct parser *ps)
{
	const char *from = ps->p;

	while (ps->p < ps->end && is_space(*ps->p))
		ps->p++;
	return ps->p > from;
}

static int has(const struct parser *ps, const char *s)
{
	size_t n = strlen(s);

	return (size_t)(ps->end - ps->p) >= n && !memcmp(ps->p, s, n);
}

/* The length of the XML name at p (0: none). Bytes from 0x80 up are
 * taken as name characters: the input is valid UTF-8 already. */
static size_t name_len(const char *p, const char *end)
{
	const char *q = p;

	for (; q < end; q++) {
		unsigned char c = (unsigned char)*q;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
		    c >= 0x80)
			continue;
		if (q > p && ((c >= '0' && c <= '9') || c == '-' || c == '.'))
			continue;
		break;
	}
	return (size_t)(q - p);
}

/* The offset of the first byte that is not valid UTF-8 or not a
 * character XML 1.0 allows, or len; *why says which. */
static size_t check_chars(const unsigned char *s, size_t len, const char **why)
{
	size_t i = 0, n, k;

	while (i < len) {
		uint32_t c = s[i];

		if (c < 0x80) {
			if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
				*why = c ? "a control character" : "a NUL byte";
				return i;
			}
			i++;
			continue;
		}
		*why = "invalid UTF-8";
		if (c >= 0xc2 && c <= 0xdf)
			n = 1, c &= 0x1f;
		else if (c >= 0xe0 && c <= 0xef)
			n = 2, c &= 0x0f;
		else if (c >= 0xf0 && c <= 0xf4)
			n = 3, c &= 0x07;
		else
			return i;
		if (len - i <= n)
			return i;
		for (k = 1; k <= n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return i;
			c = c << 6 | (s[i + k] & 0x3f);
		}
		if ((n == 2 && c < 0x800) || (n == 3 && c < 0x10000) || c > 0x10ffff ||
		    (c >= 0xd800 && c <= 0xdfff))
			return i;
		if (c == 0xfffe || c == 0xffff) {
			*why = "a character XML does not allow";
			return i;
		}
		i += n + 1;
	}
	return len;
}

static void put_utf8(struct strbuf *out, uint32_t c)
{
	char b[4];
	size_t n;

	if (c < 0x80) {
		b[0] = (char)c, n = 1;
	} else if (c < 0x800) {
		b[0] = (char)(0xc0 | c >> 6), b[1] = (char)(0x80 | (c & 0x3f)), n = 2;
	} else if (c < 0x10000) {
		b[0] = (char)(0xe0 | c >> 12), b[1] = (char)(0x80 | ((c >> 6) & 0x3f));
		b[2] = (char)(0x80 | (c & 0x3f)), n = 3;
	} else {
		b[0] = (char)(0xf0 | c >> 18), b[1] = (char)(0x80 | ((c >> 12) & 0x3f));
		b[2] = (char)(0x80 | ((c >> 6) & 0x3f)), b[3] = (char)(0x80 | (c & 0x3f)), n = 4;
	}
	strbuf_add(out, b, n);
}

/* &#NN; or &#xHH; at ps->p (past "&#"): the character appended to out. */
static int char_ref(struct parser *ps, const char *amp, struct strbuf *out)
{
	int hex = ps->p < ps->end && *ps->p == 'x';
	uint32_t c = 0;
	size_t digits = 0;

	for (ps->p += hex; ps->p < ps->end; ps->p++, digits++) {
		char d = *ps->p;
		uint32_t v;

		if (d >= '0' && d <= '9')
			v = (uint32_t)(d - '0');
		else if (hex && d >= 'a' && d <= 'f')
			v = (uint32_t)(d - 'a' + 10);
		else if (hex && d >= 'A' && d <= 'F')
			v = (uint32_t)(d - 'A' + 10);
		else
			break;
		c = c * (hex ? 16 : 10) + v;
		if (c > 0x10ffff)
			return fail(ps, amp, "a character reference beyond U+10FFFF");
	}
	if (!digits || ps->p >= ps->end || *ps->p != ';')
		return fail(ps, amp, "a malformed character reference");
	ps->p++;
	if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || (c >= 0xd800 && c <= 0xdfff) ||
	    c == 0xfffe || c == 0xffff)
		return fail(ps, amp, "a reference to U+%04X, which XML does not allow",
			    (unsigned)c);
	if (out)
		put_utf8(out, c);
	return 0;
}

/* A reference at ps->p ('&'), its character appended to out (NULL: only
 * checked, in an attribute); ps->p moves past it. */
static int reference(struct parser *ps, struct strbuf *out)
{
	static const struct {
		const char *name;
		char c;
	} predefined[] = { { "amp", '&' }, { "lt", '<' }, { "gt", '>' }, { "quot", '"' },
			   { "apos", '\'' } };
	const char *amp = ps->p;
	size_t n, i;

	ps->p++;
	if (ps->p < ps->end && *ps->p == '#') {
		ps->p++;
		return char_ref(ps, amp, out);
	}
	n = name_len(ps->p, ps->end);
	if (!n || ps->p + n >= ps->end || ps->p[n] != ';')
		return fail(ps, amp, "a '&' that starts no reference (write &amp;)");
	for (i = 0; i < sizeof(predefined) / sizeof(predefined[0]); i++) {
		if (strlen(predefined[i].name) == n && !memcmp(ps->p, predefined[i].name, n)) {
			if (out)
				strbuf_addch(out, predefined[i].c);
			ps->p += n + 1;
			return 0;
		}
	}
	return fail(ps, amp, "an unknown entity &%.*s;", CUTLEN(n), ps->p);
}

/* s[0..n) appended to out with \r\n and \r made \n, as XML reads line ends. */
static void add_lines(struct strbuf *out, const char *s, size_t n)
{
	const char *end = s + n, *cr;

	while ((cr = memchr(s, '\r', (size_t)(end - s)))) {
		strbuf_add(out, s, (size_t)(cr - s));
		strbuf_addch(out, '\n');
		s = cr + 1 < end && cr[1] == '\n' ? cr + 2 : cr + 1;
	}
	strbuf_add(out, s, (size_t)(end - s));
}

static struct xml_node *new_node(struct parser *ps, enum xml_kind kind)
{
	struct xml_node *n = arena_alloc(ps->doc, sizeof(*n));

	*n = (struct xml_node){ .kind = kind };
	if (ps->depth) {
		struct open_elem *o = &ps->open[ps->depth - 1];

		n->parent = o->node;
		if (o->last)
			o->last->next = n;
		else
			o->node->child = n;
		o->last = n;
	} else {
		ps->doc->root = n;
	}
	return n;
}

/* The open element's pending character data becomes a text node. */
static void flush_text(struct parser *ps)
{
	struct xml_node *t;

	if (!ps->text.len)
		return;
	t = new_node(ps, XML_TEXT);
	t->text = arena_strndup(ps->doc, ps->text.buf, ps->text.len);
	t->len = ps->text.len;
	strbuf_reset(&ps->text);
}

/* Character data up to the next '<' or '&'. */
static int char_data(struct parser *ps)
{
	const char *from = ps->p, *q;

	while (ps->p < ps->end && *ps->p != '<' && *ps->p != '&')
		ps->p++;
	if (!ps->depth) {
		for (q = from; q < ps->p; q++)
			if (!is_space(*q))
				return fail(ps, q, "text %s the root element",
					    ps->doc->root ? "after" : "before");
		return 0;
	}
	if ((q = memmem(from, (size_t)(ps->p - from), "]]>", 3)))
		return fail(ps, q, "']]>' in text");
	add_lines(&ps->text, from, (size_t)(ps->p - from));
	return 0;
}

/* " = '" or ' = "' after an attribute's name: the quote, ps->p past it;
 * 0 when it is not there. */
static char eq_quote(struct parser *ps)
{
	skip_space(ps);
	if (ps->p >= ps->end || *ps->p != '=')
		return 0;
	ps->p++;
	skip_space(ps);
	if (ps->p >= ps->end || (*ps->p != '"' && *ps->p != '\''))
		return 0;
	return *ps->p++;
}

/* <name attr="v" ...> or <name .../>, at ps->p. */
static int attributes(struct parser *ps, int *empty)
{
	for (;;) {
		int space = skip_space(ps);
		char quote;
		size_t n;

		if (ps->p >= ps->end)
			return fail(ps, ps->p, "the document ends inside a tag");
		if (*ps->p == '>') {
			ps->p++;
			return 0;
		}
		if (has(ps, "/>")) {
			ps->p += 2;
			*empty = 1;
			return 0;
		}
		n = name_len(ps->p, ps->end);
		if (!n || !space)
			return fail(ps, ps->p, "an unexpected '%c' in a tag", *ps->p);
		ps->p += n;
		if (!(quote = eq_quote(ps)))
			return fail(ps, ps->p, "an attribute without '=' and a quoted value");
		while (ps->p < ps->end && *ps->p != quote) {
			if (*ps->p == '<')
				return fail(ps, ps->p, "a '<' in an attribute value");
			if (*ps->p == '&') {
				if (reference(ps, NULL) < 0)
					return -1;
			} else {
				ps->p++;
			}
		}
		if (ps->p >= ps->end)
			return fail(ps, ps->p, "the document ends inside an attribute value");
		ps->p++;
	}
}

/* <prefix:local ...>: the element, known by its local name. */
static int start_tag(struct parser *ps)
{
	const char *lt = ps->p, *qname = lt + 1, *local, *colon;
	size_t qlen = name_len(qname, ps->end);
	struct xml_node *e;
	int empty = 0;

	if (!qlen)
		return fail(ps, lt, "a '<' that starts no tag (write &lt;)");
	if (!ps->depth && ps->doc->root)
		return fail(ps, lt, "a second element after the root <%.40s>",
			    ps->doc->root->name);
	if (ps->depth == XML_MAX_DEPTH)
		return fail(ps, lt, "elements nested deeper than %d", XML_MAX_DEPTH);
	local = qname;
	if ((colon = memchr(qname, ':', qlen))) {
		local = colon + 1;
		if (colon == qname || local == qname + qlen ||
		    memchr(local, ':', qlen - (size_t)(local - qname)))
			return fail(ps, lt, "a bad element name <%.*s>", CUTLEN(qlen), qname);
	}
	flush_text(ps);
	ps->p = qname + qlen;
	if (attributes(ps, &empty) < 0)
		return -1;
	e = new_node(ps, XML_ELEMENT);
	e->name = arena_strndup(ps->doc, local, qlen - (size_t)(local - qname));
	if (!empty)
		ps->open[ps->depth++] =
			(struct open_elem){ .qname = qname, .qlen = qlen, .node = e };
	return 0;
}

/* </name>, at ps->p. */
static int end_tag(struct parser *ps)
{
	const char *lt = ps->p, *name = lt + 2;
	size_t n = name_len(name, ps->end);
	const struct open_elem *o;

	if (!ps->depth)
		return fail(ps, lt, "a closing tag </%.*s> with no element open", CUTLEN(n), name);
	o = &ps->open[ps->depth - 1];
	if (n != o->qlen || memcmp(name, o->qname, n))
		return fail(ps, lt, "</%.*s> where </%.*s> was due", CUTLEN(n), name,
			    CUTLEN(o->qlen), o->qname);
	ps->p = name + n;
	skip_space(ps);
	if (ps->p >= ps->end || *ps->p != '>')
		return fail(ps, lt, "a malformed closing tag </%.*s>", CUTLEN(n), name);
	ps->p++;
	flush_text(ps);
	ps->depth--;
	return 0;
}

/* One pseudo-attribute of the XML declaration, at ps->p (past its name):
 * its value in *v, *vlen. */
static int decl_value(struct parser *ps, const char **v, size_t *vlen)
{
	const char *close;
	char quote;

	if (!(quote = eq_quote(ps)))
		return fail(ps, ps->p, "a malformed XML declaration");
	close = memchr(ps->p, quote, (size_t)(ps->end - ps->p));
	if (!close)
		return fail(ps, ps->p, "a malformed XML declaration");
	*v = ps->p;
	*vlen = (size_t)(close - ps->p);
	ps->p = close + 1;
	return 0;
}

static int is_version(const char *v, size_t n)
{
	size_t i;

	if (n < 2 || v[0] != '1' || v[1] != '.')
		return 0;
	for (i = 2; i < n; i++)
		if (v[i] < '0' || v[i] > '9')
			return 0;
	return 1;
}

/* <?xml version="1.x" encoding="UTF-8" standalone="yes"?>, at the start:
 * checked as XML 1.0 has it. Only UTF-8 (or its ASCII subset) is read. */
static int xml_decl(struct parser *ps)
{
	static const char *const keys[] = { "version", "encoding", "standalone" };
	int space = 0;
	size_t k;

	ps->p += 5;
	for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
		const char *v = NULL, *at;
		size_t vlen = 0;

		space |= skip_space(ps);
		if (!has(ps, keys[k])) {
			if (k == 0)
				return fail(ps, ps->p, "an XML declaration without a version");
			continue;
		}
		at = ps->p;
		if (!space)
			return fail(ps, at, "a malformed XML declaration");
		ps->p += strlen(keys[k]);
		if (decl_value(ps, &v, &vlen) < 0)
			return -1;
		if ((k == 0 && !is_version(v, vlen)) ||
		    (k == 2 && !(vlen == 3 && !memcmp(v, "yes", 3)) &&
		     !(vlen == 2 && !memcmp(v, "no", 2))))
			return fail(ps, at, "a bad %s in the XML declaration", keys[k]);
		if (k == 1 && !(vlen == 5 && !strncasecmp(v, "UTF-8", 5)) &&
		    !(vlen == 4 && !strncasecmp(v, "UTF8", 4)) &&
		    !(vlen == 8 && !strncasecmp(v, "US-ASCII", 8)))
			return fail(ps, at, "an encoding other than UTF-8 (%.*s)", CUTLEN(vlen), v);
		space = 0;
	}
	skip_space(ps);
	if (!has(ps, "?>"))
		return fail(ps, ps->p, "a malformed XML declaration");
	ps->p += 2;
	return 0;
}

/* <?target ...?>, the XML declaration among them; skipped. */
static int proc_instr(struct parser *ps)
{
	const char *lt = ps->p, *target = lt + 2, *close;
	size_t n = name_len(target, ps->end);

	if (!n)
		return fail(ps, lt, "a processing instruction without a target");
	if (n == 3 && !strncasecmp(target, "xml", 3)) {
		if (lt != ps->decl_at)
			return fail(ps, lt, "an XML declaration that is not at the start");
		if (!strncmp(target, "xml", 3))
			return xml_decl(ps);
	}
	close = memmem(target + n, (size_t)(ps->end - target - n), "?>", 2);
	if (!close)
		return fail(ps, lt, "an unclosed processing instruction");
	if (close > target + n && !is_space(target[n]))
		return fail(ps, lt, "a bad processing instruction target");
	ps->p = close + 2;
	return 0;
}

/* <!-- ... -->, skipped. */
static int comment(struct parser *ps)
{
	const char *lt = ps->p, *dashes;

	dashes = memmem(lt + 4, (size_t)(ps->end - lt - 4), "--", 2);
	if (!dashes)
		return fail(ps, lt, "an unclosed comment");
	if (dashes + 2 >= ps->end || dashes[2] != '>')
		return fail(ps, dashes, "'--' inside a comment");
	ps->p = dashes + 3;
	return 0;
}

/* <![CDATA[ ... ]]>: its text taken as it is. */
static int cdata(struct parser *ps)
{
	const char *lt = ps->p, *from = lt + 9, *close;

	if (!ps->depth)
		return fail(ps, lt, "a CDATA section outside the root element");
	close = memmem(from, (size_t)(ps->end - from), "]]>", 3);
	if (!close)
		return fail(ps, lt, "an unclosed CDATA section");
	add_lines(&ps->text, from, (size_t)(close - from));
	ps->p = close + 3;
	return 0;
}

static int markup(struct parser *ps)
{
	if (has(ps, "</"))
		return end_tag(ps);
	if (has(ps, "<?"))
		return proc_instr(ps);
	if (has(ps, "<!--"))
		return comment(ps);
	if (has(ps, "<![CDATA["))
		return cdata(ps);
	if (has(ps, "<!DOCTYPE"))
		return fail(ps, ps->p, "a DOCTYPE (refused: no entity is ever expanded)");
	if (has(ps, "<!"))
		return fail(ps, ps->p, "markup <! that is not a comment or CDATA");
	return start_tag(ps);
}

static int parse_all(struct parser *ps)
{
	const char *why = NULL;
	size_t bad = check_chars((const unsigned char *)ps->start, (size_t)(ps->end - ps->start),
				 &why);

	if (bad < (size_t)(ps->end - ps->start))
		return fail(ps, ps->start + bad, "%s", why);
	if (has(ps, "\xef\xbb\xbf"))
		ps->p += 3;
	ps->decl_at = ps->p;
	while (ps->p < ps->end) {
		int rc;

		if (*ps->p == '<')
			rc = markup(ps);
		else if (*ps->p == '&' && ps->depth)
			rc = reference(ps, &ps->text);
		else if (*ps->p == '&')
			rc = fail(ps, ps->p, "a reference outside the root element");
		else
			rc = char_data(ps);
		if (rc < 0)
			return -1;
	}
	if (ps->depth)
		return fail(ps, ps->end, "the document ends inside <%.*s>",
			    CUTLEN(ps->open[ps->depth - 1].qlen), ps->open[ps->depth - 1].qname);
	if (!ps->doc->root)
		return fail(ps, ps->end, "no element");
	return 0;
}

int xml_doc_parse(const char *buf, size_t len, struct xml_doc **out, struct berr *err)
{
	struct parser *ps = xcalloc(1, sizeof(*ps));
	int rc;

	*ps = (struct parser){ .start = buf, .p = buf, .end = buf + len, .err = err,
			       .text = STRBUF_INIT };
	ps->doc = xcalloc(1, sizeof(*ps->doc));
	rc = parse_all(ps);
	strbuf_release(&ps->text);
	if (rc < 0) {
		xml_doc_free(ps->doc);
		*out = NULL;
	} else {
		*out = ps->doc;
	}
	free(ps);
	return rc;
}

/* --- reading ----------------------------------------------------------------- */

/* The node after c in a depth-first walk of top's subtree, or NULL. */
static const struct xml_node *walk_next(const struct xml_node *top, const struct xml_node *c)
{
	if (c->child)
		return c->child;
	while (c != top && !c->next)
		c = c->parent;
	return c == top ? NULL : c->next;
}

char *xml_content(const struct xml_node *n)
{
	struct strbuf sb = STRBUF_INIT;
	const struct xml_node *c;

	for (c = n; c; c = walk_next(n, c))
		if (c->kind == XML_TEXT)
			strbuf_add(&sb, c->text, c->len);
	return strbuf_detach(&sb);
}

const struct xml_node *xml_find(const struct xml_node *n, const char *name)
{
	const struct xml_node *c;

	for (c = n; c; c = walk_next(n, c))
		if (c->kind == XML_ELEMENT && !strcmp(c->name, name))
			return c;
	return NULL;
}
