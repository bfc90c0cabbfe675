/* fuzz-args: the option parser (shell/args.c) over every entry of the
 * command table, with the command lookup (shell/dispatch.c) and the value
 * parsers options hand their values to (sizes, durations, CPUs, counts,
 * restart policies, port specs).
 *
 * Input: one byte choosing the entry (its index modulo the table's size),
 * then the words, separated by NUL bytes. */
#include "tests/fuzz/fuzz.h"
#include "commands/args.h"
#include "commands/cmd.h"
#include "commands/create_spec.h"
#include "commands/dispatch.h"
#include "lib/units.h"

#define MAX_WORDS 256

static size_t table_size(void)
{
	static size_t n;

	if (!n)
		while (cmd_table[n])
			n++;
	return n;
}

static void values(const char *v)
{
	struct port_list ports = { 0 };
	int64_t x;

	parse_size(v, &x);
	parse_duration_ms(v, &x);
	parse_cpus(v, &x);
	parse_positive(v, 1000000, &x);
	valid_restart(v);
	parse_publish(&ports, v);
	ports_release(&ports);
}

static void run(const struct cmd_entry *e, int argc, char **argv)
{
	const struct opt_spec *opts[128];
	size_t nopts = cmd_options(e, opts, 128), i, j, n;
	struct args a;
	char err[512] = "";

	if (args_parse(&a, e, argc, argv, err, sizeof(err)) < 0) {
		if (!err[0])
			abort(); /* a refusal names what was wrong */
		fuzz_message(err);
		return;
	}
	for (i = 0; i < nopts; i++) {
		const char *const *l = args_list(&a, opts[i]->long_name, &n);
		const char *v = args_get(&a, opts[i]->long_name);

		args_has(&a, opts[i]->long_name);
		if (opts[i]->type == OPT_FLAG && v)
			abort();
		for (j = 0; j < n; j++)
			values(l[j]);
	}
	for (i = 0; i < (size_t)a.argc; i++)
		values(a.argv[i]);
	args_release(&a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s, *argv[MAX_WORDS + 1];
	int argc = 0;
	size_t i, start;
	struct dispatch d;
	char err[512];

	if (!size)
		return 0;
	s = fuzz_str(data + 1, size - 1);
	for (i = start = 0; i <= size - 1 && argc < MAX_WORDS; i++) {
		if (i == size - 1 || s[i] == '\0') {
			argv[argc++] = s + start;
			start = i + 1;
		}
	}
	argv[argc] = NULL;

	run(cmd_table[data[0] % table_size()], argc, argv);

	err[0] = '\0';
	if (dispatch_find(cmd_table, argc, argv, &d, err, sizeof(err)) == DISPATCH_OK)
		run(d.entry, argc - d.consumed, argv + d.consumed);
	else
		fuzz_message(err);
	free(s);
	return 0;
}
