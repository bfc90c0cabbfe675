/* output.c: aligned tables, JSON documents and human figures on stdout.
 *
 * Everything goes through out_write() so that a closed pipe ends output
 * quietly. Column widths are display widths: we decode UTF-8 ourselves and
 * use our own width table rather than wcwidth(), because wcwidth() depends
 * on the locale and berth runs from cron with LANG unset just as well.
 */
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "commands/output.h"
#include "shell/shell.h"

/* --- display width --------------------------------------------------- */

struct urange {
	uint32_t first, last;
};

/* Zero-width: combining marks, zero-width spaces and joiners, variation
 * selectors (the Unicode Mn/Me/Cf ranges that matter in names, commands
 * and labels; a rarer mark counts as one column, which costs alignment,
 * not correctness). */
static const struct urange zero_width[] = {
	{ 0x0300, 0x036F }, { 0x0483, 0x0489 }, { 0x0591, 0x05BD }, { 0x05BF, 0x05BF },
	{ 0x05C1, 0x05C2 }, { 0x05C4, 0x05C5 }, { 0x05C7, 0x05C7 }, { 0x0610, 0x061A },
	{ 0x064B, 0x065F }, { 0x0670, 0x0670 }, { 0x06D6, 0x06DC }, { 0x06DF, 0x06E4 },
	{ 0x06E7, 0x06E8 }, { 0x06EA, 0x06ED }, { 0x0711, 0x0711 }, { 0x0730, 0x074A },
	{ 0x07A6, 0x07B0 }, { 0x0816, 0x082D }, { 0x0900, 0x0902 }, { 0x093A, 0x093A },
	{ 0x093C, 0x093C }, { 0x0941, 0x0948 }, { 0x094D, 0x094D }, { 0x0951, 0x0957 },
	{ 0x0962, 0x0963 }, { 0x0981, 0x0981 }, { 0x09BC, 0x09BC }, { 0x09C1, 0x09C4 },
	{ 0x09CD, 0x09CD }, { 0x0A01, 0x0A02 }, { 0x0A3C, 0x0A3C }, { 0x0A41, 0x0A51 },
	{ 0x0E31, 0x0E31 }, { 0x0E34, 0x0E3A }, { 0x0E47, 0x0E4E }, { 0x0EB1, 0x0EB1 },
	{ 0x0EB4, 0x0EBC }, { 0x0EC8, 0x0ECD }, { 0x0F18, 0x0F19 }, { 0x0F35, 0x0F35 },
	{ 0x0F37, 0x0F37 }, { 0x0F39, 0x0F39 }, { 0x0F71, 0x0F7E }, { 0x0F80, 0x0F84 },
	{ 0x1160, 0x11FF }, /* Hangul jungseong/jongseong join the syllable */
	{ 0x1AB0, 0x1AFF }, { 0x1DC0, 0x1DFF }, { 0x200B, 0x200F }, { 0x202A, 0x202E },
	{ 0x2060, 0x2064 }, { 0x20D0, 0x20FF }, { 0x302A, 0x302D }, { 0x3099, 0x309A },
	{ 0xFE00, 0xFE0F }, { 0xFE20, 0xFE2F }, { 0xFEFF, 0xFEFF }, { 0x1F3FB, 0x1F3FF },
	{ 0xE0000, 0xE0FFF },
};

/* Two columns: East Asian Wide and Fullwidth, and the emoji blocks that
 * terminals draw wide. */
static const struct urange double_width[] = {
	{ 0x1100, 0x115F }, { 0x231A, 0x231B }, { 0x2329, 0x232A }, { 0x23E9, 0x23EC },
	{ 0x23F0, 0x23F0 }, { 0x23F3, 0x23F3 }, { 0x25FD, 0x25FE }, { 0x2614, 0x2615 },
	{ 0x2648, 0x2653 }, { 0x267F, 0x267F }, { 0x2693, 0x2693 }, { 0x26A1, 0x26A1 },
	{ 0x26AA, 0x26AB }, { 0x26BD, 0x26BE }, { 0x26C4, 0x26C5 }, { 0x26CE, 0x26CE },
	{ 0x26D4, 0x26D4 }, { 0x26EA, 0x26EA }, { 0x26F2, 0x26F3 }, { 0x26F5, 0x26F5 },
	{ 0x26FA, 0x26FA }, { 0x26FD, 0x26FD }, { 0x2705, 0x2705 }, { 0x270A, 0x270B },
	{ 0x2728, 0x2728 }, { 0x274C, 0x274C }, { 0x274E, 0x274E }, { 0x2753, 0x2755 },
	{ 0x2757, 0x2757 }, { 0x2795, 0x2797 }, { 0x27B0, 0x27B0 }, { 0x27BF, 0x27BF },
	{ 0x2B1B, 0x2B1C }, { 0x2B50, 0x2B50 }, { 0x2B55, 0x2B55 }, { 0x2E80, 0x303E },
	{ 0x3041, 0x33FF }, { 0x3400, 0x4DBF }, { 0x4E00, 0x9FFF }, { 0xA000, 0xA4CF },
	{ 0xA960, 0xA97F }, { 0xAC00, 0xD7A3 }, { 0xF900, 0xFAFF }, { 0xFE10, 0xFE19 },
	{ 0xFE30, 0xFE6F }, { 0xFF00, 0xFF60 }, { 0xFFE0, 0xFFE6 }, { 0x16FE0, 0x16FE4 },
	{ 0x17000, 0x18CFF }, { 0x1B000, 0x1B2FF }, { 0x1F004, 0x1F004 }, { 0x1F0CF, 0x1F0CF },
	{ 0x1F18E, 0x1F18E }, { 0x1F191, 0x1F19A }, { 0x1F200, 0x1F251 }, { 0x1F300, 0x1F320 },
	{ 0x1F32D, 0x1F335 }, { 0x1F337, 0x1F37C }, { 0x1F37E, 0x1F393 }, { 0x1F3A0, 0x1F3CA },
	{ 0x1F3CF, 0x1F3D3 }, { 0x1F3E0, 0x1F3F0 }, { 0x1F3F4, 0x1F3F4 }, { 0x1F3F8, 0x1F43E },
	{ 0x1F440, 0x1F440 }, { 0x1F442, 0x1F4FC }, { 0x1F4FF, 0x1F53D }, { 0x1F54B, 0x1F54E },
	{ 0x1F550, 0x1F567 }, { 0x1F57A, 0x1F57A }, { 0x1F595, 0x1F596 }, { 0x1F5A4, 0x1F5A4 },
	{ 0x1F5FB, 0x1F64F }, { 0x1F680, 0x1F6C5 }, { 0x1F6CC, 0x1F6CC }, { 0x1F6D0, 0x1F6D2 },
	{ 0x1F6D5, 0x1F6D7 }, { 0x1F6EB, 0x1F6EC }, { 0x1F6F4, 0x1F6FC }, { 0x1F7E0, 0x1F7EB },
	{ 0x1F90C, 0x1F93A }, { 0x1F93C, 0x1F945 }, { 0x1F947, 0x1F9FF }, { 0x1FA70, 0x1FAFF },
	{ 0x20000, 0x2FFFD }, { 0x30000, 0x3FFFD },
};

static int in_ranges(uint32_t c, const struct urange *r, size_t n)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (c < r[mid].first)
			hi = mid;
		else if (c > r[mid].last)
			lo = mid + 1;
		else
			return 1;
	}
	return 0;
}

static int char_width(uint32_t c)
{
	if (c == 0)
		return 0;
	if (c < 0x20 || (c >= 0x7F && c < 0xA0))
		return 1; /* shown as '?' by table_print */
	if (c < 0x300)
		return 1;
	if (in_ranges(c, zero_width, sizeof(zero_width) / sizeof(zero_width[0])))
		return 0;
	if (in_ranges(c, double_width, sizeof(double_width) / sizeof(double_width[0])))
		return 2;
	return 1;
}

/* Decodes one UTF-8 sequence at s (n bytes left). Returns its length and
 * the code point in *c; an invalid or truncated sequence is one byte,
 * U+FFFD, one column, so broken input still lines up. */
static size_t utf8_next(const unsigned char *s, size_t n, uint32_t *c)
{
	size_t len, i;
	uint32_t v;

	if (s[0] < 0x80) {
		*c = s[0];
		return 1;
	} else if (s[0] >= 0xC2 && s[0] <= 0xDF) {
		len = 2;
		v = s[0] & 0x1F;
	} else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
		len = 3;
		v = s[0] & 0x0F;
	} else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
		len = 4;
		v = s[0] & 0x07;
	} else {
		goto bad;
	}
	if (len > n)
		goto bad;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			goto bad;
		v = (v << 6) | (s[i] & 0x3F);
	}
	/* Overlong forms, surrogates and code points past U+10FFFF. */
	if ((len == 3 && v < 0x800) || (len == 4 && (v < 0x10000 || v > 0x10FFFF)) ||
	    (v >= 0xD800 && v <= 0xDFFF))
		goto bad;
	*c = v;
	return len;
bad:
	*c = 0xFFFD;
	return 1;
}

size_t str_width(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t w = 0;

	if (!s)
		return 0;
	for (;;) {
		uint32_t c;

		/* ASCII, most of every table: a column each (controls show as '?') */
		while (*p && *p < 0x80) {
			w++;
			p++;
		}
		if (!*p)
			return w;
		/* utf8_next stops at the first byte that does not continue the
		 * sequence, the terminating NUL included: 4 is safe here */
		p += utf8_next(p, 4, &c);
		w += (size_t)char_width(c);
	}
}

char *str_ellipsize(const char *s, size_t max_width)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), w = 0, keep = 0;
	char *out;

	if (str_width(s) <= max_width)
		return strdup(s);
	if (max_width == 0)
		return strdup("");
	/* Keep what fits in max_width - 1 columns, then "…" (3 bytes). */
	while (keep < n) {
		uint32_t c;
		size_t len = utf8_next(p + keep, n - keep, &c);
		size_t cw = (size_t)char_width(c);
		if (w + cw > max_width - 1)
			break;
		w += cw;
		keep += len;
	}
	out = malloc(keep + 4);
	if (!out)
		return NULL;
	memcpy(out, s, keep);
	memcpy(out + keep, "\xE2\x80\xA6", 4);
	return out;
}

/* --- tables ---------------------------------------------------------- */

static char *xstrdup_cell(const char *s)
{
	char *d = strdup(s ? s : "");

	if (!d) {
		/* Out of memory inside a table: there is no sane way on,
		 * and every caller would have to check every cell. */
		fputs("berth: out of memory\n", stderr);
		abort();
	}
	return d;
}

void table_init(struct table *t, const char *first_header, ...)
{
	va_list ap;
	const char *h, **v;
	size_t n = 0;

	va_start(ap, first_header);
	for (h = first_header; h; h = va_arg(ap, const char *))
		n++;
	va_end(ap);
	v = calloc(n + 1, sizeof(*v));
	if (!v)
		abort();
	n = 0;
	va_start(ap, first_header);
	for (h = first_header; h; h = va_arg(ap, const char *))
		v[n++] = h;
	va_end(ap);
	table_initv(t, v);
	free(v);
}

void table_initv(struct table *t, const char *const *headers)
{
	size_t n = 0;

	memset(t, 0, sizeof(*t));
	while (headers[n])
		n++;
	t->ncols = n;
	t->headers = calloc(n ? n : 1, sizeof(char *));
	t->widths = calloc(n ? n : 1, sizeof(size_t));
	if (!t->headers || !t->widths)
		abort();
	for (n = 0; n < t->ncols; n++)
		t->headers[n] = xstrdup_cell(headers[n]);
}

void table_release(struct table *t)
{
	size_t c;

	for (c = 0; c < t->ncols; c++)
		free(t->headers[c]);
	free(t->headers);
	free(t->text);
	free(t->cells);
	free(t->widths);
	memset(t, 0, sizeof(*t));
}

/* p grown (doubling) to hold need elements of size; aborts when out of
 * memory, as a table does (see xstrdup_cell). */
static void *grow(void *p, size_t *cap, size_t need, size_t size)
{
	size_t nc = *cap ? *cap : 16;

	if (need <= *cap)
		return p;
	while (nc < need)
		nc *= 2;
	p = realloc(p, nc * size);
	if (!p)
		abort();
	*cap = nc;
	return p;
}

void table_add_rowv(struct table *t, const char *const *cells)
{
	size_t c, at = t->nrows * t->ncols, need = t->len;

	for (c = 0; c < t->ncols; c++)
		need += strlen(cells[c] ? cells[c] : "") + 1;
	if (need > UINT32_MAX)
		abort(); /* 4 GiB of text in one table: as good as out of memory */
	t->text = grow(t->text, &t->cap, need, 1);
	if (t->nrows == t->alloc) {
		size_t na = t->alloc ? 2 * t->alloc : 16;

		t->cells = realloc(t->cells, na * (t->ncols ? t->ncols : 1) * sizeof(*t->cells));
		if (!t->cells)
			abort();
		t->alloc = na;
	}
	for (c = 0; c < t->ncols; c++) {
		const char *s = cells[c] ? cells[c] : "";
		size_t n = strlen(s) + 1, w = str_width(s);

		t->cells[at + c] = (uint32_t)t->len;
		memcpy(t->text + t->len, s, n);
		t->len += n;
		if (w > t->widths[c])
			t->widths[c] = w;
	}
	t->nrows++;
}

void table_clear_rows(struct table *t)
{
	memset(t->widths, 0, t->ncols * sizeof(*t->widths));
	t->nrows = 0;
	t->len = 0;
}

void table_trim(struct table *t)
{
	if (t->len && t->len < t->cap) {
		char *p = realloc(t->text, t->len);

		if (p) {
			t->text = p;
			t->cap = t->len;
		}
	}
	if (t->nrows && t->nrows < t->alloc) {
		uint32_t *p = realloc(t->cells, t->nrows * t->ncols * sizeof(*p));

		if (p) {
			t->cells = p;
			t->alloc = t->nrows;
		}
	}
}

const char *table_cell(const struct table *t, size_t r, size_t c)
{
	return t->text + t->cells[r * t->ncols + c];
}

void table_add_row(struct table *t, ...)
{
	const char **cells = calloc(t->ncols ? t->ncols : 1, sizeof(char *));
	va_list ap;
	size_t c;

	if (!cells)
		abort();
	va_start(ap, t);
	for (c = 0; c < t->ncols; c++)
		cells[c] = va_arg(ap, const char *);
	va_end(ap);
	table_add_rowv(t, cells);
	free(cells);
}

/* Appends cell to buf, control characters shown as '?' so that one row
 * stays one line whatever a container's command holds. */
static void put_cell(char **buf, size_t *len, size_t *cap, const char *s, size_t pad)
{
	size_t n = strlen(s), need = *len + n + pad + 1, i;

	if (need > *cap) {
		size_t nc = *cap ? *cap : 256;
		char *nb;
		while (nc < need)
			nc *= 2;
		nb = realloc(*buf, nc);
		if (!nb)
			abort();
		*buf = nb;
		*cap = nc;
	}
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		(*buf)[(*len)++] = (ch < 0x20 || ch == 0x7F) ? '?' : (char)ch;
	}
	memset(*buf + *len, ' ', pad);
	*len += pad;
}

/* Rows are written in chunks of about this much: stdout is line-buffered
 * (logs --follow | grep), and a write per row was 100,000 system calls
 * for a fleet's listing. */
#define ROWS_CHUNK (64 * 1024)

/* cells[c] for the shown columns (show[0..nshow)), padded to widths[],
 * added to buf (*len used of *cap); written out with what came before
 * once ROWS_CHUNK is reached, or when last. */
static int print_row(struct shell *sh, const char *const *cells, const size_t *widths,
		     const size_t *show, size_t nshow, char **buf, size_t *cap, size_t *used,
		     int last)
{
	size_t k, len = *used;

	for (k = 0; k < nshow; k++) {
		size_t c = show[k], pad = 0;
		if (k + 1 < nshow)
			pad = widths[c] - str_width(cells[c]) + 2;
		put_cell(buf, &len, cap, cells[c], pad);
	}
	/* A last column of "" would leave trailing blanks: trim them. */
	while (len > *used && (*buf)[len - 1] == ' ')
		len--;
	put_cell(buf, &len, cap, "", 0);
	(*buf)[len++] = '\n';
	*used = len;
	if (len < ROWS_CHUNK && !last)
		return 0;
	*used = 0;
	return out_write(sh, *buf, len);
}

int table_print_parts(struct shell *sh, const struct table *parts, size_t n,
		      unsigned long long hide)
{
	size_t ncols = n ? parts[0].ncols : 0, *widths, *show, nshow = 0, p, r, c, cap = 0;
	size_t used = 0, last_part = 0;
	const char **cells;
	char *buf = NULL;
	int ret = -1;

	if (!n)
		return 0;
	widths = calloc(ncols + 1, sizeof(size_t));
	show = calloc(ncols + 1, sizeof(size_t));
	cells = calloc(ncols + 1, sizeof(char *));
	if (!widths || !show || !cells)
		goto cleanup;
	for (c = 0; c < ncols; c++) {
		if (c < 64 && (hide >> c) & 1)
			continue;
		show[nshow++] = c;
		widths[c] = str_width(parts[0].headers[c]);
		for (p = 0; p < n; p++)
			if (parts[p].nrows && parts[p].widths[c] > widths[c])
				widths[c] = parts[p].widths[c];
	}
	for (p = 0; p < n; p++)
		if (parts[p].nrows)
			last_part = p + 1;
	if (print_row(sh, (const char *const *)parts[0].headers, widths, show, nshow, &buf,
		      &cap, &used, last_part == 0) < 0)
		goto cleanup;
	for (p = 0; p < last_part; p++)
		for (r = 0; r < parts[p].nrows; r++) {
			for (c = 0; c < ncols; c++)
				cells[c] = table_cell(&parts[p], r, c);
			if (print_row(sh, cells, widths, show, nshow, &buf, &cap, &used,
				      p + 1 == last_part && r + 1 == parts[p].nrows) < 0)
				goto cleanup;
		}
	ret = 0;
cleanup:
	free(buf);
	free(widths);
	free(show);
	free(cells);
	return ret;
}

int table_print(struct shell *sh, const struct table *t)
{
	return table_print_parts(sh, t, 1, 0);
}

int kv_print(struct shell *sh, const struct table *t)
{
	size_t keyw = 0, r, cap = 0;
	char *buf = NULL;
	int ret = -1;

	if (t->ncols != 2)
		return -1;
	for (r = 0; r < t->nrows; r++) {
		size_t w = str_width(table_cell(t, r, 0)) + 1;
		if (w > keyw)
			keyw = w;
	}
	for (r = 0; r < t->nrows; r++) {
		const char *v = table_cell(t, r, 1), *nl;
		size_t len = 0, indent = str_width(table_cell(t, r, 0)) + 1;
		char *chunk;

		put_cell(&buf, &len, &cap, table_cell(t, r, 0), 0);
		put_cell(&buf, &len, &cap, ":", keyw - indent + 2);
		for (;;) {
			nl = strchr(v, '\n');
			chunk = strndup(v, nl ? (size_t)(nl - v) : strlen(v));
			if (!chunk)
				goto cleanup;
			put_cell(&buf, &len, &cap, chunk, 0);
			free(chunk);
			if (!nl)
				break;
			put_cell(&buf, &len, &cap, "\n", 0);
			buf[len - 1] = '\n'; /* put_cell shows controls as '?' */
			put_cell(&buf, &len, &cap, "", keyw + 2);
			v = nl + 1;
		}
		while (len > 0 && buf[len - 1] == ' ')
			len--;
		put_cell(&buf, &len, &cap, "", 0);
		buf[len++] = '\n';
		if (out_write(sh, buf, len) < 0)
			goto cleanup;
	}
	ret = 0;
cleanup:
	free(buf);
	return ret;
}

/* --- JSON ------------------------------------------------------------ */

static int json_out(const char *buf, size_t len, void *ud)
{
	return out_write(ud, buf, len) < 0 ? -1 : 0;
}

int output_json(struct shell *sh, const json_t *doc)
{
	size_t flags = JSON_ENCODE_ANY | JSON_PRESERVE_ORDER;

	flags |= sh->out_tty ? JSON_INDENT(2) : JSON_COMPACT;
	if (json_dump_callback(doc, json_out, sh, flags) < 0)
		return -1;
	return out_write(sh, "\n", 1);
}

int output_result(struct shell *sh, int rc)
{
	if (rc >= 0)
		return CMD_OK;
	if (sh->out_closed)
		return CMD_ERROR;
	return error(sh, "out of memory while formatting the output");
}

int cmd_confirm(struct shell *sh, const char *fmt, ...)
{
	char *line = NULL;
	size_t cap = 0;
	int yes = 0;
	va_list ap;

	if (!sh->out_closed)
		fflush(stdout);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs(" [y/N] ", stderr);
	fflush(stderr);
	if (getline(&line, &cap, stdin) > 0) {
		line[strcspn(line, "\r\n")] = '\0';
		yes = !strcasecmp(line, "y") || !strcasecmp(line, "yes");
	} else {
		fputc('\n', stderr);
		clearerr(stdin);
	}
	free(line);
	return yes;
}
