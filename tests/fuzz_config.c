// SPDX-License-Identifier: MIT
/*
 * libFuzzer target (clang -fsanitize=fuzzer,address,undefined): the
 * plugin's config parsers, config writer and tool-output parsers on
 * arbitrary bytes, taken as a platform config and as tool output.
 *
 * Each function gets the input the way its signature says it may: (text,
 * len) functions an exact-size copy with no terminator after it, string
 * functions a NUL-terminated copy; the init command is one config line, as
 * the plugin hands it over. Besides the sanitizers, a few properties are
 * checked, and a failing one aborts: the writer keeps the platform's config
 * byte for byte between a comment-only header and additions that are all
 * lxc.* lines; split_cfg_line stays inside its line; parse_pid agrees with
 * a plain reference; split_command's argv stays inside its buffer.
 *
 *   fuzz_config -max_total_time=60 -max_len=16384 NEW_DIR tests/corpus
 */
#include "../pv_lxccli.c"

#include <stdint.h>

static void check(bool ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_config: property failed: %s\n", what);
		abort();
	}
}

/* ---- the platform config ---- */

static void fuzz_lines(const char *text, size_t len)
{
	const char *s = text, *end = text + len, *nl;
	struct cfg_line l;

	for (; s < end; s = nl + 1) {
		nl = memchr(s, '\n', (size_t)(end - s));
		if (!nl)
			nl = end;
		if (split_cfg_line(s, (size_t)(nl - s), &l) != 1)
			continue;
		check(l.key >= s && l.key + l.key_len <= nl, "key in line");
		check(l.val >= s && l.val + l.val_len <= nl, "value in line");
		check(!l.key_len || !isspace((unsigned char)*l.key),
		      "key trimmed in front");
		check(!l.key_len ||
			      !isspace((unsigned char)l.key[l.key_len - 1]),
		      "key trimmed behind");
		check(!l.val_len || !isspace((unsigned char)*l.val),
		      "value trimmed in front");
		check(!l.val_len ||
			      !isspace((unsigned char)l.val[l.val_len - 1]),
		      "value trimmed behind");
	}
}

static void fuzz_lookups(const char *text, size_t len)
{
	static const char *const keys[] = { "lxc.rootfs.path", "lxc.rootfs",
					    "lxc.init.cmd", NULL };
	static const size_t sizes[] = { 1, 2, 16, PATH_MAX };
	char buf[PATH_MAX];

	cfg_sets_uts_name(text, len);
	cfg_console_none(text, len);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(*sizes); i++) {
		memset(buf, 'x', sizeof(buf));
		if (cfg_last_value(text, len, keys, buf, sizes[i]))
			check(strnlen(buf, sizes[i]) < sizes[i],
			      "cfg_last_value terminates within size");
	}
}

#if PV_LXCCLI_CORE >= PV_LXCCLI_CORE_2026_08
static void count_ip(uint32_t ip, void *ctx)
{
	(void)ip;
	(*(size_t *)ctx)++;
}
#endif

/* The first line, cut at a NUL, as plan_init_argv() gets a command. */
static void first_line(const char *text, size_t len, char *out, size_t size)
{
	size_t n = 0;

	while (n < len && n + 1 < size && text[n] != '\n' && text[n])
		n++;
	memcpy(out, text, n);
	out[n] = '\0';
}

static void fuzz_split_command(const char *cmd, char **argv_out,
			       char *buf, size_t size)
{
	char *argv[INIT_ARGS_MAX];
	char small[16];
	int argc;

	argc = split_command(cmd, small, sizeof(small), argv, INIT_ARGS_MAX);
	check(argc < INIT_ARGS_MAX, "argc below the maximum");
	argc = split_command(cmd, buf, size, argv, INIT_ARGS_MAX);
	check(argc < INIT_ARGS_MAX, "argc below the maximum");
	if (argc < 0) {
		argv_out[0] = NULL;
		return;
	}
	check(argv[argc] == NULL, "argv NULL-terminated");
	for (int i = 0; i < argc; i++) {
		check(argv[i] >= buf && argv[i] < buf + size, "word in buffer");
		check(argv[i] + strlen(argv[i]) < buf + size,
		      "word ends in buffer");
		argv_out[i] = argv[i];
	}
	argv_out[argc] = NULL;
}

static void fuzz_writer(const char *text, size_t len, char *const *init_argv)
{
	static const struct mount_ent mounts[] = {
		{ "/pv/pv-ctrl", "pantavisor/pv-ctrl", "bind,rw,create=file" },
	};
	static char *const hooks[] = { "/lib/pv/hooks_lxc-mount.d/export.sh" };
	static const char marker[] = "\n# ---- added by pv_lxccli ----\n";
#if PV_LXCCLI_CORE >= PV_LXCCLI_CORE_2026_08
	/* a pool network on every other input: namespace.keep is parsed */
	static const struct net_in net = {
		.hostname = "pool-host",
		.n_ifaces = 1,
		.ifaces = { { "eth0", "pvbr0", "10.0.5.7/24", "10.0.5.1",
			      "02:00:0a:00:05:07" } },
	};
#endif
	struct cfg_in c = {
		.name = "app",
		.rev = "7",
		.conf_path = "/storage/trails/7/app/lxc.container.conf",
		.lxcpath = "/usr/var/lib/lxc",
		.config_path = "/run/pantavisor/lxccli/app/config",
		.rootfs_mount = "/usr/lib/lxc/rootfs",
		.console = "/dev/pts/3",
		.group = "app",
		.exec = "/sbin/init",
		.init_argv = init_argv[0] ? init_argv : NULL,
		.lxc_version = LXC_V(5, 0),
		.loglevel = 2,
		.unified = len & 1,
		.n_mounts = 1,
		.mounts = mounts,
		.n_hooks = 1,
		.hooks = hooks,
#if PV_LXCCLI_CORE >= PV_LXCCLI_CORE_2026_08
		.net = len & 2 ? &net : NULL,
#endif
	};
	char *out = NULL, *head = NULL;
	size_t out_len = 0, head_len = 0, at;
	FILE *f;

	f = open_memstream(&head, &head_len);
	check(f != NULL, "memstream");
	write_header(f, &c);
	fclose(f);
	f = open_memstream(&out, &out_len);
	check(f != NULL, "memstream");
	check(write_config(f, &c, text, len) == 0, "write_config succeeds");
	fclose(f);

	/* a header of comment lines only */
	for (size_t i = 0; i < head_len; i++)
		if (i == 0 || head[i - 1] == '\n')
			check(head[i] == '#', "header lines are comments");
	check(out_len >= head_len + 1 && !memcmp(out, head, head_len) &&
		      out[head_len] == '\n',
	      "header, then an empty line");
	at = head_len + 1;
	check(out_len >= at + len && !memcmp(out + at, text, len),
	      "platform config kept byte for byte");
	at += len;
	if (len && text[len - 1] != '\n') {
		check(at < out_len && out[at] == '\n', "last line ended");
		at++;
	}
	check(out_len >= at + sizeof(marker) - 1 &&
		      !memcmp(out + at, marker, sizeof(marker) - 1),
	      "additions follow at once");
	at += sizeof(marker) - 1;
	for (size_t i = at; i < out_len; i++)
		if (i == at || out[i - 1] == '\n')
			check(!strncmp(out + i, "lxc.", 4),
			      "every addition is an lxc.* line");
	free(head);
	free(out);
}

static void fuzz_overlay(const char *line)
{
	static const char *const configs = "/configs/app";
	char out[PATH_MAX * 2], tiny[16];
	int ret;

	overlay_with_configs(line, configs, tiny, sizeof(tiny));
	ret = overlay_with_configs(line, configs, out, sizeof(out));
	if (ret != 1)
		return;
	check(!strncmp(out, "overlay", 7), "overlay type kept");
	check(strstr(out, configs) != NULL, "configs layer present");
	check(strlen(out) == strlen(line) + strlen(configs) + 1,
	      "one layer added");
}

/* ---- tool output ---- */

/* lxc-info -p -H output: spaces, digits, spaces; 1..INT_MAX. */
static pid_t reference_pid(const char *s, size_t len)
{
	size_t i = 0, j;
	long long v = 0;

	while (i < len && isspace((unsigned char)s[i]))
		i++;
	while (len > i && isspace((unsigned char)s[len - 1]))
		len--;
	if (i == len)
		return -1;
	for (j = i; j < len; j++) {
		if (!isdigit((unsigned char)s[j]))
			return -1;
		v = v * 10 + (s[j] - '0');
		if (v > INT_MAX)
			return -1;
	}
	return v > 0 ? (pid_t)v : -1;
}

static void fuzz_tool_output(const char *text, size_t len, const char *str)
{
	struct tool_result r = { .exit_code = 0 };
	const char *said;
	int v;

	check(parse_pid(text, len) == reference_pid(text, len),
	      "parse_pid agrees with the reference");
	v = parse_version(str);
	check(v == -1 || (v >= 0 && v <= LXC_V3(99, 99, 99)),
	      "version in range");
	keep_output(&r, text, len);
	keep_output(&r, text, len); /* twice: the cap must hold */
	check(r.out_len < sizeof(r.out), "output capped");
	said = tool_said(&r);
	for (const char *c = said; *c; c++)
		check((unsigned char)*c >= ' ', "tool_said is one clean line");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size ? size : 1); /* exact: no terminator */
	char *str = malloc(size + 1);	      /* NUL-terminated copy */
	char line[PATH_MAX], words[PATH_MAX];
	char *argv[INIT_ARGS_MAX];

	check(text && str, "malloc");
	memcpy(text, data, size);
	memcpy(str, data, size);
	str[size] = '\0';

	fuzz_lines(text, size);
	fuzz_lookups(text, size);
#if PV_LXCCLI_CORE >= PV_LXCCLI_CORE_2026_08
	{
		size_t n = 0;

		each_static_ip(text, size, count_ip, &n);
	}
#endif
	first_line(text, size, line, sizeof(line));
	fuzz_split_command(line, argv, words, sizeof(words));
	fuzz_writer(text, size, argv);
	fuzz_overlay(line);
	fuzz_tool_output(text, size, str);

	free(text);
	free(str);
	return 0;
}
