/* xml.h: a small XML reader for EC2's Query API replies (ec2_api.c).
 *
 * The whole reply becomes a tree of elements and the text between them,
 * owned by one struct xml_doc:
 *
 *	struct xml_doc *doc;
 *	if (xml_doc_parse(body, len, &doc, err) < 0)
 *		return -1;              (err says what was wrong, and where)
 *	text = xml_content(xml_find(doc->root, "Code"));
 *	xml_doc_free(doc);
 *
 * Elements are known by their local name: the namespace prefix is dropped
 * (<ec2:Code> is "Code", whether or not the prefix is declared) and xmlns
 * attributes, like all attributes, are read and skipped; EC2 and the
 * clouds that copy it change the namespace between API versions. The XML
 * declaration is checked (version 1.x; UTF-8 the only encoding read). Text nodes hold character data with the five
 * predefined entities and numeric references decoded (to UTF-8), CDATA
 * sections taken verbatim and line ends as \n; comments and processing
 * instructions are skipped.
 *
 * It is a well-formedness check, not a validating parser: it refuses a
 * DOCTYPE (so no entity is ever expanded), unknown entities, mismatched
 * or unclosed tags, text or a second element after the root, NUL bytes,
 * invalid UTF-8 and characters XML 1.0 does not allow, and nesting deeper
 * than XML_MAX_DEPTH (nothing recurses on the input's structure).
 */
#ifndef BERTH_XML_H
#define BERTH_XML_H

#include <stddef.h>
#include "lib/berr.h"

/* The deepest element nesting accepted (libxml2's default too). */
#define XML_MAX_DEPTH 256

enum xml_kind {
	XML_ELEMENT,
	XML_TEXT,
};

struct xml_node {
	enum xml_kind kind;
	const char *name; /* an element's local name; NULL for text */
	const char *text; /* a text node's characters (NUL-terminated); NULL for an element */
	size_t len;       /* strlen(text) for a text node (it holds no NUL), 0 for an element */
	struct xml_node *parent, *child, *next;
};

struct xml_block;

struct xml_doc {
	struct xml_node *root; /* the root element, never NULL once parsed */
	struct xml_block *blocks; /* where the nodes and strings live */
};

/* Parses buf[0..len) into *out (xml_doc_free). On malformed input: -1,
 * *out NULL, err (BERR_PROTOCOL) naming the byte offset and the fault. */
int xml_doc_parse(const char *buf, size_t len, struct xml_doc **out, struct berr *err);
void xml_doc_free(struct xml_doc *doc);

/* The text of n and all below it, in document order (owned, "" when
 * none): what libxml2's xmlNodeGetContent gives. */
char *xml_content(const struct xml_node *n);

/* The first element named name (local name) at or below n, depth first,
 * n itself first; or NULL. */
const struct xml_node *xml_find(const struct xml_node *n, const char *name);

#endif
