// SPDX-License-Identifier: MIT
/*
 * Unit tests: the plugin's source is included to reach its static
 * functions. None needs root or LXC; the console registry tests put
 * scripted lxc-* tools first on PATH, because what they check is the
 * plugin's bookkeeping, not LXC.
 */
#define PV_LXCCLI_RUNDIR rundir_for_tests
static char rundir_for_tests[300];
#include "../pv_lxccli.c"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

/* ---- fixtures ---- */

static char sandbox[200];
static char last_log[2048];

static void test_vlog(char *module, int level, const char *fmt, ...)
{
	va_list ap;

	(void)module;
	(void)level;
	va_start(ap, fmt);
	vsnprintf(last_log, sizeof(last_log), fmt, ap);
	va_end(ap);
}

#define SB(buf, size, ...)                                                    \
	do {                                                                  \
		snprintf(buf, size, "%s", sandbox);                           \
		snprintf(buf + strlen(buf), size - strlen(buf), __VA_ARGS__); \
	} while (0)

static void f_file(char *b, size_t n, const char *a)
{
	SB(b, n, "/pv/%s", a);
}
static void f_log(char *b, size_t n, const char *a)
{
	SB(b, n, "/pv/logs/%s", a);
}
static void f_log_plat(char *b, size_t n, const char *r, const char *p)
{
	SB(b, n, "/pv/logs/%s/%s", r, p);
}
static void f_usrmeta(char *b, size_t n, const char *k)
{
	SB(b, n, "/pv/user-meta/%s", k);
}
static void f_usrmeta_plat(char *b, size_t n, const char *p, const char *k)
{
	SB(b, n, "/pv/user-meta.%s/%s", p, k);
}
static void f_devmeta(char *b, size_t n, const char *k)
{
	SB(b, n, "/pv/device-meta/%s", k);
}
static void f_devmeta_plat(char *b, size_t n, const char *p, const char *k)
{
	SB(b, n, "/pv/device-meta.%s/%s", p, k);
}
static void f_hook(char *b, size_t n, const char *h)
{
	SB(b, n, "/hooks/%s", h);
}
static void f_volumes(char *b, size_t n, const char *p, const char *v)
{
	SB(b, n, "/volumes/%s/%s", p, v);
}
static void f_configs(char *b, size_t n, const char *c)
{
	SB(b, n, "/configs/%s", c);
}
static void f_rootfs(char *b, size_t n)
{
	SB(b, n, "/rootfs");
}
static void f_lxcpath(char *b, size_t n)
{
	SB(b, n, "/lxc");
}
static void f_newline(char *b, size_t n)
{
	snprintf(b, n, "/a\nlxc.hook.pre-start = /evil");
}

static void inject_paths(void)
{
	pv_set_pv_paths_fn(test_vlog, f_file, f_log, f_log_plat, NULL,
			   f_usrmeta, f_usrmeta_plat, f_devmeta,
			   f_devmeta_plat, f_hook, f_volumes, f_configs,
			   f_rootfs, f_lxcpath);
}

static void run_rm_rf(const char *path)
{
	pid_t pid = fork();
	int st;

	if (pid == 0) {
		execlp("rm", "rm", "-rf", path, (char *)NULL);
		_exit(127);
	}
	waitpid(pid, &st, 0);
}

static void write_text(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
	chmod(path, mode);
}

static int setup(void **state)
{
	(void)state;
	strcpy(sandbox, "/tmp/pv_lxccli_unit.XXXXXX");
	assert_non_null(mkdtemp(sandbox));
	snprintf(rundir_for_tests, sizeof(rundir_for_tests), "%s/run",
		 sandbox);
	inject_paths();
	conf_capture = true;
	conf_loglevel = 2;
	last_log[0] = '\0';
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	while (ents)
		ent_free(ents);
	run_rm_rf(sandbox);
	return 0;
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	while (d && readdir(d))
		n++;
	if (d)
		closedir(d);
	return n;
}

/* Renders the writer's output into a string the test frees. */
static char *render(const struct cfg_in *c, const char *orig)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(write_config(f, c, orig, strlen(orig)), 0);
	assert_int_equal(fclose(f), 0);
	return buf;
}

/* The part of the output after the platform's own config. */
static const char *additions(const char *text)
{
	const char *a = strstr(text, "# ---- added by pv_lxccli ----\n");

	assert_non_null(a);
	return a + strlen("# ---- added by pv_lxccli ----\n");
}

static const struct mount_ent test_mounts_app[] = {
	{ "/pv/pv-ctrl-log", "pantavisor/pv-ctrl-log", "bind,rw,create=file" },
	{ "/pv/pv-ctrl", "pantavisor/pv-ctrl", "bind,rw,create=file" },
	{ "/pv/logs/7/app", "pantavisor/logs", "bind,ro,create=dir" },
	{ "/pv/user-meta.app/", "pantavisor/user-meta", "bind,ro,create=dir" },
	{ "/pv/device-meta.app/", "pantavisor/device-meta",
	  "bind,ro,create=dir" },
};

static const struct mount_ent test_mounts_mgmt[] = {
	{ "/pv/", "pantavisor", "bind,ro,create=dir" },
	{ "/pv/logs/", "pantavisor/logs", "bind,ro,create=dir" },
	{ "/pv/user-meta/", "pantavisor/user-meta", "bind,ro,create=dir" },
	{ "/pv/device-meta/", "pantavisor/device-meta", "bind,ro,create=dir" },
};

static struct cfg_in base_cfg(void)
{
	struct cfg_in c = {
		.name = "app",
		.rev = "7",
		.conf_path = "/storage/trails/7/app/lxc.container.conf",
		.lxcpath = "/usr/var/lib/lxc",
		.config_path = "/run/pantavisor/lxccli/app/config",
		.rootfs_mount = "/usr/lib/lxc/rootfs",
		.console = "/dev/pts/3",
		.group = "app",
		.lxc_version = LXC_V(5, 0),
		.loglevel = 2,
	};

	return c;
}

/* ---- config writer ---- */

static void test_config_for_regular_platform_line_by_line(void **state)
{
	struct cfg_in c = base_cfg();
	char *hooks[] = { "/lib/pv/hooks_lxc-mount.d/a.sh" };
	char *out;

	(void)state;
	c.mounts = test_mounts_app;
	c.n_mounts = 5;
	c.hooks = hooks;
	c.n_hooks = 1;
	out = render(&c, "lxc.rootfs.path = dir:/r\nlxc.tty.max = 0\n");
	assert_string_equal(
		out,
		"# generated by pv_lxccli: do not edit, rewritten at each start\n"
		"# platform: app\n"
		"# original config: /storage/trails/7/app/lxc.container.conf\n"
		"# revision: 7\n"
		"# run it by hand (the console line below names a PTY that is\n"
		"# gone once the plugin's container stops, hence the -s):\n"
		"#   lxc-start -n app -P /usr/var/lib/lxc -f "
		"/run/pantavisor/lxccli/app/config -s lxc.console.path=none -d\n"
		"# or in the foreground, console on this terminal:\n"
		"#   lxc-start -n app -P /usr/var/lib/lxc -f "
		"/run/pantavisor/lxccli/app/config -s lxc.console.path= -F\n"
		"\n"
		"lxc.rootfs.path = dir:/r\n"
		"lxc.tty.max = 0\n"
		"\n"
		"# ---- added by pv_lxccli ----\n"
		"lxc.rootfs.mount = /usr/lib/lxc/rootfs\n"
		"lxc.uts.name = app\n"
		"lxc.log.level = 2\n"
		"lxc.console.path = /dev/pts/3\n"
		"lxc.cgroup.dir.container = lxc/app\n"
		"lxc.cgroup.dir.monitor = lxc.monitor.app\n"
		"lxc.mount.entry = /pv/pv-ctrl-log pantavisor/pv-ctrl-log none "
		"bind,rw,create=file 0 0\n"
		"lxc.mount.entry = /pv/pv-ctrl pantavisor/pv-ctrl none "
		"bind,rw,create=file 0 0\n"
		"lxc.mount.entry = /pv/logs/7/app pantavisor/logs none "
		"bind,ro,create=dir 0 0\n"
		"lxc.mount.entry = /pv/user-meta.app/ pantavisor/user-meta none "
		"bind,ro,create=dir 0 0\n"
		"lxc.mount.entry = /pv/device-meta.app/ pantavisor/device-meta "
		"none bind,ro,create=dir 0 0\n"
		"lxc.environment = container=pv-app\n"
		"lxc.hook.mount = /lib/pv/hooks_lxc-mount.d/a.sh\n");
	free(out);
}

static void test_config_for_management_platform_line_by_line(void **state)
{
	struct cfg_in c = base_cfg();
	char *out;

	(void)state;
	c.name = "mgmt";
	c.group = "root";
	c.unified = true;
	c.loglevel = 5;
	c.mounts = test_mounts_mgmt;
	c.n_mounts = 4;
	out = render(&c, "lxc.uts.name = pvr-sdk\n");
	assert_string_equal(
		additions(out),
		"lxc.rootfs.mount = /usr/lib/lxc/rootfs\n"
		"lxc.log.level = 5\n"
		"lxc.console.path = /dev/pts/3\n"
		"lxc.cgroup.dir.container = lxc/mgmt\n"
		"lxc.cgroup.dir.monitor = lxc.monitor.mgmt\n"
		"lxc.cgroup.devices.allow =\n"
		"lxc.cgroup.devices.deny =\n"
		"lxc.cgroup2.devices.allow = a\n"
		"lxc.mount.entry = /pv/ pantavisor none bind,ro,create=dir 0 0\n"
		"lxc.mount.entry = /pv/logs/ pantavisor/logs none "
		"bind,ro,create=dir 0 0\n"
		"lxc.mount.entry = /pv/user-meta/ pantavisor/user-meta none "
		"bind,ro,create=dir 0 0\n"
		"lxc.mount.entry = /pv/device-meta/ pantavisor/device-meta none "
		"bind,ro,create=dir 0 0\n"
		"lxc.environment = container=pv-root\n");
	free(out);
}

static void test_config_without_capture_has_no_console_line(void **state)
{
	struct cfg_in c = base_cfg();
	char *out;

	(void)state;
	c.console = NULL;
	out = render(&c, "");
	assert_null(strstr(out, "lxc.console.path ="));
	free(out);
}

static void test_config_without_group_says_pv_unknown(void **state)
{
	struct cfg_in c = base_cfg();
	char *out;

	(void)state;
	c.group = NULL;
	out = render(&c, "");
	assert_non_null(strstr(out, "\nlxc.environment = container=pv-unknown\n"));
	free(out);
}

static void test_config_with_exec_ends_with_init_cmd(void **state)
{
	struct cfg_in c = base_cfg();
	const char *tail;
	char *out;

	(void)state;
	c.exec = "/sbin/init --debug";
	out = render(&c, "lxc.init.cmd = /sbin/init\n");
	tail = out + strlen(out) - strlen("lxc.init.cmd = /sbin/init --debug\n");
	assert_string_equal(tail, "lxc.init.cmd = /sbin/init --debug\n");
	free(out);
}

static void test_config_without_exec_adds_no_init_cmd(void **state)
{
	struct cfg_in c = base_cfg();
	char *out;

	(void)state;
	out = render(&c, "");
	assert_null(strstr(additions(out), "lxc.init.cmd"));
	free(out);
}

static void test_config_keeps_original_and_ends_its_last_line(void **state)
{
	struct cfg_in c = base_cfg();
	char *out;

	(void)state;
	out = render(&c, "# comment\nlxc.tty.max = 0");
	assert_non_null(strstr(out, "\n# comment\nlxc.tty.max = 0\n\n# ----"));
	free(out);
}

static void test_config_cgroup2_line_only_on_unified_host(void **state)
{
	struct cfg_in c = base_cfg();
	char *out;

	(void)state;
	c.unified = false;
	out = render(&c, "");
	assert_null(strstr(out, "cgroup2"));
	free(out);
	c.unified = true;
	c.lxc_version = LXC_V(2, 1); /* no lxc.cgroup2.* before 3.0 */
	out = render(&c, "");
	assert_null(strstr(out, "cgroup2"));
	free(out);
}

/* ---- lxc.uts.name detection ---- */

static void test_uts_name_detection_is_key_aware(void **state)
{
	static const struct {
		const char *text;
		bool sets;
	} cases[] = {
		{ "lxc.uts.name = x\n", true },
		{ "   lxc.uts.name=x\n", true },
		{ "\tlxc.uts.name\t=\tx\r\n", true },
		{ "lxc.utsname = x\n", true },
		{ "lxc.tty.max = 0\nlxc.uts.name = x", true },
		{ "# lxc.uts.name = x\n", false },
		{ "  #lxc.uts.name = x\n", false },
		{ "lxc.uts.name.x = y\n", false },
		{ "lxc.uts.namex = y\n", false },
		{ "xlxc.uts.name = y\n", false },
		{ "lxc.uts.name\n", false },
		{ "lxc.environment = lxc.uts.name=y\n", false },
		{ "", false },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		bool got = cfg_sets_uts_name(cases[i].text,
					     strlen(cases[i].text));

		if (got != cases[i].sets)
			fail_msg("case %zu '%s': got %d", i, cases[i].text,
				 got);
	}
}

static void test_config_keeps_platform_uts_name(void **state)
{
	struct cfg_in c = base_cfg();
	char *out;

	(void)state;
	out = render(&c, "lxc.uts.name = own\n");
	assert_null(strstr(additions(out), "lxc.uts.name"));
	free(out);
	out = render(&c, "#lxc.uts.name = own\nlxc.uts.name.x = y\n");
	assert_non_null(strstr(additions(out), "lxc.uts.name = app\n"));
	free(out);
}

static void test_split_cfg_line_follows_lxc_rules(void **state)
{
	struct cfg_line l;

	(void)state;
	assert_int_equal(split_cfg_line("  a.b = c d  ", 13, &l), 1);
	assert_int_equal(l.key_len, 3);
	assert_memory_equal(l.key, "a.b", 3);
	assert_int_equal(l.val_len, 3);
	assert_memory_equal(l.val, "c d", 3);
	assert_int_equal(split_cfg_line("k=", 2, &l), 1);
	assert_int_equal(l.val_len, 0);
	assert_int_equal(split_cfg_line("# k = v", 7, &l), 0);
	assert_int_equal(split_cfg_line("   ", 3, &l), 0);
	assert_int_equal(split_cfg_line("novalue", 7, &l), -1);
}

/* ---- validation ---- */

static void test_name_rules_reject_each_bad_name(void **state)
{
	char long_name[PV_LXCCLI_NAME_MAX + 2];
	const char *bad[] = { "",	 ".",	 "..",	   "a/b",    "/",
			      "a b",	 "a\tb", "a\nb",   "a\rb",   "\x01x",
			      "x\x7f",	 "a;b",	 "$(id)", "`id`",   "a'b",
			      "a\"b",	 "a:b",	 "\xc3\xa9", long_name };

	(void)state;
	memset(long_name, 'a', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	assert_null(name_problem("app"));
	assert_null(name_problem("pv-avahi_1.2"));
	assert_string_equal(name_problem(""), "is empty");
	assert_string_equal(name_problem(".."), "is '.' or '..'");
	assert_string_equal(name_problem("a/b"), "contains '/'");
	assert_string_equal(name_problem(long_name), "is longer than 64 bytes");
	assert_string_equal(name_problem("a:b"),
			    "contains a character other than letters, "
			    "digits, '.', '_' and '-'");
	long_name[PV_LXCCLI_NAME_MAX] = '\0';
	assert_null(name_problem(long_name));
	long_name[PV_LXCCLI_NAME_MAX] = 'a';
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (!name_problem(bad[i]))
			fail_msg("name %zu accepted", i);
}

static void test_values_with_newline_are_rejected(void **state)
{
	(void)state;
	assert_null(value_problem("/sbin/init --x 'a b'"));
	assert_null(value_problem(NULL));
	assert_string_equal(value_problem("a\nlxc.x = y"),
			    "contains a newline");
	assert_string_equal(value_problem("a\r"), "contains a newline");
	assert_string_equal(value_problem("a\x1b"),
			    "contains a control character");
	assert_string_equal(path_problem("rel/path"),
			    "is not an absolute path");
	assert_string_equal(path_problem("/a b"), "contains whitespace");
	assert_null(path_problem("/pv/"));
}

static struct pv_group test_group = { "app" };

static void make_platform(struct pv_platform *p, const char *name)
{
	memset(p, 0, sizeof(*p));
	p->name = (char *)name;
	p->group = &test_group;
	p->automodfw = true;
}

static char conf_path[300];

static void make_conf(void)
{
	snprintf(conf_path, sizeof(conf_path), "%s/lxc.container.conf",
		 sandbox);
	write_text(conf_path, "lxc.rootfs.path = dir:/nonexistent\n", 0644);
}

static void assert_refused_before_writing(struct pv_platform *p,
					  const char *rev, char *conf,
					  const char *log_part)
{
	char dir[512];
	int fds = count_fds(), pipefd[2];

	assert_int_equal(pipe2(pipefd, O_CLOEXEC), 0);
	last_log[0] = '\0';
	assert_int_equal(pv_start_container(p, rev, conf, -1, pipefd[1]), -1);
	if (!strstr(last_log, log_part))
		fail_msg("log '%s' lacks '%s'", last_log, log_part);
	snprintf(dir, sizeof(dir), "%s/%s", rundir_for_tests,
		 p->name ? p->name : "");
	if (p->name && !name_problem(p->name))
		assert_int_not_equal(access(dir, F_OK), 0);
	close(pipefd[0]);
	close(pipefd[1]);
	assert_int_equal(count_fds(), fds);
}

static void test_start_refuses_bad_names(void **state)
{
	struct pv_platform p;

	(void)state;
	make_conf();
	make_platform(&p, "");
	assert_refused_before_writing(&p, "0", conf_path, "is empty");
	make_platform(&p, "../x");
	assert_refused_before_writing(&p, "0", conf_path, "contains '/'");
	make_platform(&p, "..");
	assert_refused_before_writing(&p, "0", conf_path, "'.' or '..'");
	make_platform(&p, "a b");
	assert_refused_before_writing(&p, "0", conf_path, "whitespace");
	make_platform(&p, "a$(id)");
	assert_refused_before_writing(&p, "0", conf_path,
				      "other than letters, digits");
	make_platform(&p, NULL);
	assert_refused_before_writing(&p, "0", conf_path, "(null)");
}

static void test_start_refuses_newline_in_exec_group_and_rev(void **state)
{
	struct pv_platform p;
	struct pv_group g = { "a\nb" };

	(void)state;
	make_conf();
	make_platform(&p, "app");
	p.exec = "/sbin/init\nlxc.hook.pre-start = /evil";
	assert_refused_before_writing(&p, "0", conf_path, "exec of 'app'");
	make_platform(&p, "app");
	p.group = &g;
	assert_refused_before_writing(&p, "0", conf_path, "group name");
	make_platform(&p, "app");
	assert_refused_before_writing(&p, "0\nx", conf_path, "revision");
	assert_refused_before_writing(&p, "", conf_path, "revision");
}

static void test_start_refuses_missing_or_odd_config(void **state)
{
	struct pv_platform p;
	char path[300];

	(void)state;
	make_platform(&p, "app");
	snprintf(path, sizeof(path), "%s/missing.conf", sandbox);
	assert_refused_before_writing(&p, "0", path, "No such file");
	assert_refused_before_writing(&p, "0", sandbox, "not a regular");
	assert_refused_before_writing(&p, "0", NULL, "is missing");
	assert_refused_before_writing(&p, "0", "relative.conf", "absolute");
}

static void test_start_refuses_a_path_with_newline(void **state)
{
	struct pv_platform p;

	(void)state;
	make_conf();
	make_platform(&p, "app");
	path_fns[P_LXCPATH] = (void *)f_newline;
	assert_refused_before_writing(&p, "0", conf_path,
				      "from lib_lxc_lxcpath contains a newline");
}

static void test_start_without_path_functions_is_an_error(void **state)
{
	struct pv_platform p;

	(void)state;
	make_conf();
	make_platform(&p, "app");
	memset(path_fns, 0, sizeof(path_fns));
	assert_refused_before_writing(&p, "0", conf_path,
				      "was never injected");
}

static void test_start_refuses_closed_pid_pipe(void **state)
{
	struct pv_platform p;

	(void)state;
	make_conf();
	make_platform(&p, "app");
	assert_int_equal(pv_start_container(&p, "0", conf_path, -1, 999), -1);
	assert_non_null(strstr(last_log, "is not open"));
}

/* ---- mounts and hooks ---- */

static size_t count_dst(const struct mount_ent *m, size_t n, const char *dst)
{
	size_t hits = 0;

	for (size_t i = 0; i < n; i++)
		hits += !strcmp(m[i].dst, dst);
	return hits;
}

static void test_app_mounts_create_missing_sources(void **state)
{
	struct host_facts h = { .firmware_dir = "/nonexistent" };
	struct mount_ent m[MOUNTS_MAX];
	struct pv_platform p;
	char path[512];
	size_t n;

	(void)state;
	make_platform(&p, "app");
	assert_int_equal(resolve_mounts(&p, "3", &h, m, &n), 0);
	assert_int_equal(n, 5);
	snprintf(path, sizeof(path), "%s/pv/logs/3/app", sandbox);
	assert_string_equal(m[2].src, path);
	assert_true(is_dir(path));
	snprintf(path, sizeof(path), "%s/pv/user-meta.app/", sandbox);
	assert_true(is_dir(path));
	snprintf(path, sizeof(path), "%s/pv/device-meta.app/", sandbox);
	assert_true(is_dir(path));
	assert_string_equal(m[1].opts, "bind,rw,create=file");
}

static void test_mgmt_mounts_are_the_four_pantavisor_folders(void **state)
{
	struct host_facts h = { .firmware_dir = "/nonexistent" };
	struct mount_ent m[MOUNTS_MAX];
	struct pv_platform p;
	char path[512];
	size_t n;

	(void)state;
	make_platform(&p, "mgmt");
	p.roles = PLAT_ROLE_MGMT;
	assert_int_equal(resolve_mounts(&p, "3", &h, m, &n), 0);
	assert_int_equal(n, 4);
	snprintf(path, sizeof(path), "%s/pv/", sandbox);
	assert_string_equal(m[0].src, path);
	assert_string_equal(m[0].dst, "pantavisor");
	assert_string_equal(m[3].dst, "pantavisor/device-meta");
	for (size_t i = 0; i < n; i++)
		assert_string_equal(m[i].opts, "bind,ro,create=dir");
}

/* A firmware folder and a modules source where the core would have them. */
static void make_modfw_sources(char fw[300], char mods[400],
			       char modules_dir[300])
{
	snprintf(fw, 300, "%s/firmware", sandbox);
	snprintf(modules_dir, 300, "%s/modules", sandbox);
#if PV_LXCCLI_CORE >= PV_LXCCLI_CORE_2026_08
	/* core 2026.08's liblxc plugin binds the host's own modules */
	snprintf(mods, 400, "%s/6.1.0-test", modules_dir);
#else
	snprintf(mods, 400, "%s/volumes/bsp/modules.squashfs", sandbox);
#endif
	assert_int_equal(mkdir_parents(fw, 0755), 0);
	assert_int_equal(mkdir_parents(mods, 0755), 0);
}

static void test_automodfw_on_binds_firmware_and_modules(void **state)
{
	char fw[300], mods[400], modules_dir[300];
	struct host_facts h = { .firmware_dir = fw,
				.modules_dir = modules_dir,
				.release = "6.1.0-test" };
	struct mount_ent m[MOUNTS_MAX];
	struct pv_platform p;
	size_t n;

	(void)state;
	make_modfw_sources(fw, mods, modules_dir);
	make_platform(&p, "app");
	assert_int_equal(resolve_mounts(&p, "0", &h, m, &n), 0);
	assert_int_equal(n, 7);
	assert_string_equal(m[5].src, fw);
	assert_string_equal(m[5].dst, "lib/firmware");
	assert_string_equal(m[6].src, mods);
	assert_string_equal(m[6].dst, "lib/modules/6.1.0-test");
	assert_string_equal(m[6].opts, "bind,ro,create=dir");
}

static void test_automodfw_off_binds_neither(void **state)
{
	char fw[300], mods[400], modules_dir[300];
	struct host_facts h = { .firmware_dir = fw,
				.modules_dir = modules_dir,
				.release = "6.1.0-test" };
	struct mount_ent m[MOUNTS_MAX];
	struct pv_platform p;
	size_t n;

	(void)state;
	make_modfw_sources(fw, mods, modules_dir);
	make_platform(&p, "app");
	p.automodfw = false;
	assert_int_equal(resolve_mounts(&p, "0", &h, m, &n), 0);
	assert_int_equal(n, 5);
	assert_int_equal(count_dst(m, n, "lib/firmware"), 0);
}

static void test_automodfw_skips_missing_sources(void **state)
{
	struct host_facts h = { .firmware_dir = "/nonexistent/fw",
				.modules_dir = "/nonexistent/modules",
				.release = "6.1.0-test" };
	struct mount_ent m[MOUNTS_MAX];
	struct pv_platform p;
	size_t n;

	(void)state;
	make_platform(&p, "app");
	assert_int_equal(resolve_mounts(&p, "0", &h, m, &n), 0);
	assert_int_equal(n, 5);
}

static void test_hook_filter_follows_export(void **state)
{
	(void)state;
	assert_true(hook_wanted("remount.sh", false));
	assert_false(hook_wanted("export.sh", false));
	assert_false(hook_wanted("export.sh.orig", false));
	assert_true(hook_wanted("export.sh", true));
	assert_true(hook_wanted("my-export.sh", false));
	assert_false(hook_wanted(".", true));
	assert_false(hook_wanted("..", true));
	assert_false(hook_wanted(".hidden", true));
}

static void test_hooks_are_listed_sorted_and_filtered(void **state)
{
	const char *names[] = { "zz.sh", "export.sh", "a.sh", "m.sh",
				"export.sh-2" };
	char dir[300], path[400], *hooks[HOOKS_MAX];
	size_t n;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/hooks", sandbox);
	assert_int_equal(mkdir_parents(dir, 0755), 0);
	for (size_t i = 0; i < 5; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		write_text(path, "#!/bin/sh\n", 0755);
	}
	assert_int_equal(list_hooks(dir, false, hooks, &n), 0);
	assert_int_equal(n, 3);
	snprintf(path, sizeof(path), "%s/a.sh", dir);
	assert_string_equal(hooks[0], path);
	snprintf(path, sizeof(path), "%s/m.sh", dir);
	assert_string_equal(hooks[1], path);
	snprintf(path, sizeof(path), "%s/zz.sh", dir);
	assert_string_equal(hooks[2], path);
	free_strs(hooks, n);
	assert_int_equal(list_hooks(dir, true, hooks, &n), 0);
	assert_int_equal(n, 5);
	snprintf(path, sizeof(path), "%s/export.sh", dir);
	assert_string_equal(hooks[1], path);
	snprintf(path, sizeof(path), "%s/export.sh-2", dir);
	assert_string_equal(hooks[2], path);
	free_strs(hooks, n);
}

static void test_too_many_hooks_refuse_instead_of_a_subset(void **state)
{
	char dir[300], path[400], *hooks[HOOKS_MAX];
	size_t n = 9;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/many", sandbox);
	assert_int_equal(mkdir_parents(dir, 0755), 0);
	for (int i = 0; i <= HOOKS_MAX; i++) {
		snprintf(path, sizeof(path), "%s/%02d.sh", dir, i);
		write_text(path, "#!/bin/sh\n", 0755);
	}
	assert_int_equal(list_hooks(dir, false, hooks, &n), -E2BIG);
	assert_int_equal(n, 0);
	assert_non_null(strstr(last_log, "more than 32 hooks"));
}

static void test_missing_hooks_folder_means_no_hooks(void **state)
{
	char *hooks[HOOKS_MAX];
	size_t n = 9;

	(void)state;
	assert_int_equal(list_hooks("/nonexistent/hooks", true, hooks, &n), 0);
	assert_int_equal(n, 0);
}

/* ---- argv ---- */

static void assert_argv(char *const *got, const char *const *want)
{
	size_t i;

	for (i = 0; want[i]; i++) {
		assert_non_null(got[i]);
		assert_string_equal(got[i], want[i]);
	}
	assert_null(got[i]);
}

static void test_start_argv(void **state)
{
	const char *want[] = { "lxc-start", "-n", "app", "-P", "/l", "-f",
			       "/r/app/config", "-d", NULL };
	const char *want_log[] = { "lxc-start", "-n", "app", "-P", "/l", "-f",
				   "/r/app/config", "-d", "-o",
				   "/proc/self/fd/7", "-l", "DEBUG", NULL };
	struct argv_buf a;

	(void)state;
	char *init[] = { "/bin/sh", "-c", "echo 'a b'", NULL };
	const char *want_init[] = { "lxc-start", "-n", "app", "-P", "/l",
				    "-f", "/r/app/config", "-d", "--",
				    "/bin/sh", "-c", "echo 'a b'", NULL };

	build_start_argv(&a, "app", "/l", "/r/app/config", -1, 2, NULL);
	assert_argv(a.v, want);
	build_start_argv(&a, "app", "/l", "/r/app/config", 7, 1, NULL);
	assert_argv(a.v, want_log);
	build_start_argv(&a, "app", "/l", "/r/app/config", -1, 2, init);
	assert_argv(a.v, want_init);
}

static void test_info_argv(void **state)
{
	const char *pid[] = { "lxc-info", "-n", "app", "-P", "/l", "-p", "-H",
			      NULL };
	struct argv_buf a;

	(void)state;
	build_info_argv(&a, "app", "/l");
	assert_argv(a.v, pid);
}

static void test_stop_argv(void **state)
{
	const char *graceful[] = { "lxc-stop", "-n", "app",	"-P", "/l",
				   "--rcfile", "/c", "-t", "30", NULL };
	const char *kill_it[] = { "lxc-stop", "-n", "app", "-P", "/l",
				  "--rcfile", "/c", "-k", NULL };
	struct argv_buf a;

	(void)state;
	build_stop_argv(&a, "app", "/l", "/c", 30, false);
	assert_argv(a.v, graceful);
	build_stop_argv(&a, "app", "/l", "/c", 0, true);
	assert_argv(a.v, kill_it);
}

/* ---- tool output ---- */

static void test_parse_pid(void **state)
{
	static const struct {
		const char *out;
		pid_t pid;
	} cases[] = {
		{ "1234\n", 1234 },  { "  42 \n", 42 },   { "1\n", 1 },
		{ "", -1 },	     { "\n", -1 },	  { "abc\n", -1 },
		{ "12a\n", -1 },     { "0\n", -1 },	  { "-5\n", -1 },
		{ "+5\n", -1 },	     { "99999999999\n", -1 },
		{ "12 13\n", -1 },   { "2147483647\n", 2147483647 },
		{ "2147483648\n", -1 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		pid_t got = parse_pid(cases[i].out, strlen(cases[i].out));

		if (got != cases[i].pid)
			fail_msg("'%s': got %d", cases[i].out, (int)got);
	}
}

static void test_parse_version(void **state)
{
	(void)state;
	assert_int_equal(parse_version("5.0.2\n"), 50002);
	assert_int_equal(parse_version("2.1.1"), 20101);
	assert_int_equal(parse_version("6.0.0~git2\n"), 60000);
	assert_int_equal(parse_version("4.0.12-devel"), 40012);
	assert_int_equal(parse_version("3.0"), 30000);
	assert_int_equal(parse_version("garbage"), -1);
	assert_int_equal(parse_version(""), -1);
	assert_int_equal(parse_version("5"), -1);
}

/* ---- host ---- */

static void test_cgroup_base_from_proc_self_cgroup(void **state)
{
	static const struct {
		const char *line;
		bool hybrid;
		const char *base;
	} rows[] = {
		{ "0::/", false, "/sys/fs/cgroup" },
		{ "0::/", true, "/sys/fs/cgroup/unified" },
		{ "0::/init.scope", false, "/sys/fs/cgroup/init.scope" },
		{ "4:cpu,cpuacct:/", true, "/sys/fs/cgroup/cpu,cpuacct" },
		{ "7:memory:/pv", true, "/sys/fs/cgroup/memory/pv" },
		{ "1:name=systemd:/", true, "/sys/fs/cgroup/systemd" },
	};
	char out[256];

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		assert_true(cgroup_base_of(rows[i].line, rows[i].hybrid, out,
					   sizeof(out)));
		assert_string_equal(out, rows[i].base);
	}
	assert_false(cgroup_base_of("garbage", false, out, sizeof(out)));
	assert_false(cgroup_base_of("0::relative", false, out, sizeof(out)));
}

/* Where privileged LXC puts its cgroups: init's, less a systemd scope. */
static void test_lxc_bases_cut_a_last_init_scope(void **state)
{
	static const struct {
		const char *line;
		int n;
		const char *first, *second;
	} rows[] = {
		{ "0::/", 1, "/sys/fs/cgroup", NULL },
		{ "0::/init.scope", 2, "/sys/fs/cgroup/init.scope",
		  "/sys/fs/cgroup" },
		{ "0::/a/init.scope", 2, "/sys/fs/cgroup/a/init.scope",
		  "/sys/fs/cgroup/a" },
		{ "0::/system.slice/x.service", 1,
		  "/sys/fs/cgroup/system.slice/x.service", NULL },
		{ "0::/init.scope.x", 1, "/sys/fs/cgroup/init.scope.x", NULL },
		{ "garbage", 0, NULL, NULL },
	};
	char out[2][PATH_MAX];

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		assert_int_equal(lxc_bases_of(rows[i].line, false, out),
				 rows[i].n);
		if (rows[i].n > 0)
			assert_string_equal(out[0], rows[i].first);
		if (rows[i].n > 1)
			assert_string_equal(out[1], rows[i].second);
	}
	assert_true(cgroup_root_of("4:memory:/system.slice/x.service", true,
				   out[0], PATH_MAX));
	assert_string_equal(out[0], "/sys/fs/cgroup/memory");
	assert_true(cgroup_root_of("0::/init.scope", true, out[0], PATH_MAX));
	assert_string_equal(out[0], "/sys/fs/cgroup/unified");
	assert_false(cgroup_root_of("garbage", true, out[0], PATH_MAX));
}

/* Every name LXC 4.x and later gives a container's cgroups, and no other. */
static void test_lxc_cgroup_names_of_a_container(void **state)
{
	static const struct {
		const char *entry;
		long want;
	} rows[] = {
		{ "lxc.monitor.app", 0 },    { "lxc.payload.app", 0 },
		{ "lxc.monitor.app-1", 1 },  { "lxc.payload.app-12", 12 },
		{ "lxc.monitor.app-", -1 },  { "lxc.monitor.app-0", -1 },
		{ "lxc.monitor.app-1x", -1 }, { "lxc.monitor.apps", -1 },
		{ "lxc.monitor.ap", -1 },    { "lxc.pivot", -1 },
		{ "lxc", -1 },               { "app", -1 },
		{ "lxc.payload.app.1", -1 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		if (lxc_cgroup_of(rows[i].entry, "app") != rows[i].want)
			fail_msg("'%s': %ld, not %ld", rows[i].entry,
				 lxc_cgroup_of(rows[i].entry, "app"),
				 rows[i].want);
}

static void test_cgroup_mode_from_statfs(void **state)
{
	(void)state;
	assert_int_equal(cgroup_mode_of(0x63677270, false), CGROUP_UNIFIED);
	assert_int_equal(cgroup_mode_of(0x63677270, true), CGROUP_UNIFIED);
	assert_int_equal(cgroup_mode_of(0x01021994 /* tmpfs */, true),
			 CGROUP_HYBRID);
	assert_int_equal(cgroup_mode_of(0x01021994, false), CGROUP_LEGACY);
}

/* ---- spawning ---- */

static void test_run_tool_reports_exit_codes_and_output(void **state)
{
	char *echo[] = { "echo", "hello", NULL };
	char *f[] = { "false", NULL };
	char *missing[] = { "pv-lxccli-no-such-tool", NULL };
	struct tool_result r;
	int fds = count_fds();

	(void)state;
	assert_int_equal(run_tool(echo, 2000, -1, &r), 0);
	assert_int_equal(r.exit_code, 0);
	assert_string_equal(r.out, "hello\n");
	assert_int_equal(run_tool(f, 2000, -1, &r), 0);
	assert_int_equal(r.exit_code, 1);
	assert_int_equal(run_tool(missing, 2000, -1, &r), -ENOENT);
	assert_int_equal(r.exec_errno, ENOENT);
	assert_int_equal(count_fds(), fds);
	assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
}

static void test_run_tool_kills_at_deadline(void **state)
{
	char *hang[] = { "sleep", "30", NULL };
	struct tool_result r;
	long long t0 = now_ms();

	(void)state;
	assert_int_equal(run_tool(hang, 200, -1, &r), 0);
	assert_true(r.timed_out);
	assert_int_equal(r.signal, SIGKILL);
	assert_true(now_ms() - t0 < 2000);
	assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
}

static void reap_everything(int sig)
{
	int saved = errno;

	(void)sig;
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	errno = saved;
}

/* Pantavisor as PID 1 reaps every child from its SIGCHLD handler. */
static void test_run_tool_copes_with_a_host_that_reaps(void **state)
{
	struct sigaction sa = { .sa_handler = reap_everything,
				.sa_flags = SA_RESTART }, old;
	char *echo[] = { "echo", "hello", NULL };
	struct tool_result r;

	(void)state;
	sigaction(SIGCHLD, &sa, &old);
	for (int i = 0; i < 20; i++) {
		long long t0 = now_ms();

		assert_int_equal(run_tool(echo, 2000, -1, &r), 0);
		assert_string_equal(r.out, "hello\n");
		assert_false(r.timed_out);
		if (now_ms() - t0 > 500)
			fail_msg("run %d blocked %lld ms", i, now_ms() - t0);
	}
	sigaction(SIGCHLD, &old, NULL);
}

static void test_run_tool_caps_output_keeping_the_end(void **state)
{
	char *big[] = { "sh", "-c",
			"head -c 100000 /dev/zero | tr '\\0' a; echo; "
			"echo the reason",
			NULL };
	struct tool_result r;

	(void)state;
	assert_int_equal(run_tool(big, 5000, -1, &r), 0);
	assert_int_equal(r.exit_code, 0);
	assert_int_equal(r.out_len, OUT_MAX - 1);
	assert_string_equal(r.out + r.out_len - 11, "the reason\n");
	assert_string_equal(tool_said(&r), "the reason");
}

static void test_run_tool_passes_only_the_inherited_fd(void **state)
{
	char *ls[] = { "ls", "/proc/self/fd", NULL };
	struct tool_result r;
	int p[2];
	char want[16];

	(void)state;
	/* deliberately not O_CLOEXEC, and high: ls's own fd for the listing
	 * takes the lowest free number, which must not pass for ours */
	assert_int_equal(pipe(p), 0);
	for (int i = 0; i < 2; i++) {
		int high = fcntl(p[i], F_DUPFD, 100 + i);

		assert_true(high >= 100);
		close(p[i]);
		p[i] = high;
	}
	assert_int_equal(run_tool(ls, 2000, p[1], &r), 0);
	snprintf(want, sizeof(want), "\n%d\n", p[1]);
	if (!strstr(r.out, want))
		fail_msg("fd %d not inherited; ls saw:\n%s", p[1], r.out);
	snprintf(want, sizeof(want), "\n%d\n", p[0]);
	assert_null(strstr(r.out, want));
	close(p[0]);
	close(p[1]);
}

/* ---- console registry, through the entry points ---- */

static char tools_dir[300];

/*
 * Scripted tools: lxc-start succeeds, lxc-info -p prints FAKE_PID (this
 * test process, so the pid is alive), lxc-stop succeeds.
 */
static void install_fake_tools(void)
{
	char path[400];

	snprintf(tools_dir, sizeof(tools_dir), "%s/bin", sandbox);
	assert_int_equal(mkdir_parents(tools_dir, 0755), 0);
	snprintf(path, sizeof(path), "%s/lxc-start", tools_dir);
	write_text(path,
		   "#!/bin/sh\n[ \"$1\" = --version ] && echo 5.0.2\nexit 0\n",
		   0755);
	snprintf(path, sizeof(path), "%s/lxc-info", tools_dir);
	write_text(path,
		   "#!/bin/sh\necho $FAKE_PID\n",
		   0755);
	snprintf(path, sizeof(path), "%s/lxc-stop", tools_dir);
	write_text(path, "#!/bin/sh\nexit 0\n", 0755);
	setenv("PATH", tools_dir, 1);
}

static pid_t read_pid(int fd)
{
	struct pollfd p = { fd, POLLIN, 0 };
	pid_t pid = 0;

	assert_int_equal(poll(&p, 1, 10000), 1);
	assert_int_equal(read(fd, &pid, sizeof(pid)), sizeof(pid));
	return pid;
}

static void test_registry_start_getfd_stop(void **state)
{
	char *old_path = strdup(getenv("PATH"));
	struct pv_platform p;
	char fake[16];
	int fds, pipefd[2], fl;

	(void)state;
	install_fake_tools();
	snprintf(fake, sizeof(fake), "%d", (int)getpid());
	setenv("FAKE_PID", fake, 1);
	make_conf();
	make_platform(&p, "app");
	fds = count_fds();
	assert_int_equal(pipe2(pipefd, O_CLOEXEC | O_NONBLOCK), 0);
	assert_int_equal(pv_start_container(&p, "0", conf_path, -1, pipefd[1]),
			 0);
	close(pipefd[1]);
	assert_int_equal(read_pid(pipefd[0]), getpid());
	close(pipefd[0]);
	/* a second start of a running platform is refused */
	assert_int_equal(pipe2(pipefd, O_CLOEXEC | O_NONBLOCK), 0);
	assert_int_equal(pv_start_container(&p, "0", conf_path, -1, pipefd[1]),
			 -1);
	assert_non_null(strstr(last_log, "already running"));
	close(pipefd[0]);
	close(pipefd[1]);

	assert_int_equal(pv_console_log_getfd(&p, &p.log), 0);
	assert_true(isatty(p.log.console_pt));
	assert_true(isatty(p.log.console_tty));
	fl = fcntl(p.log.console_pt, F_GETFL);
	assert_true(fl & O_NONBLOCK);
	assert_true(fcntl(p.log.console_pt, F_GETFD) & FD_CLOEXEC);
	assert_true(fcntl(p.log.console_tty, F_GETFD) & FD_CLOEXEC);
	/* handed out once only */
	{
		struct pv_platform_log again;

		assert_int_equal(pv_console_log_getfd(&p, &again), -1);
		assert_int_equal(again.console_pt, -1);
		assert_int_equal(again.console_tty, -1);
	}
	/* the core closes its copies, then stops */
	close(p.log.console_pt);
	close(p.log.console_tty);
	pv_stop_container(&p, NULL);
	assert_null(ent_find("app"));
	assert_int_equal(count_fds(), fds);
	assert_int_equal(pv_console_log_getfd(&p, &p.log), -1);
	setenv("PATH", old_path, 1);
	free(old_path);
}

static void test_registry_failed_start_is_never_handed_out(void **state)
{
	char *old_path = strdup(getenv("PATH"));
	struct pv_platform p;
	int fds, pipefd[2];

	(void)state;
	make_conf();
	make_platform(&p, "app");
	snprintf(tools_dir, sizeof(tools_dir), "%s/empty", sandbox);
	assert_int_equal(mkdir_parents(tools_dir, 0755), 0);
	setenv("PATH", tools_dir, 1); /* no LXC tools at all */
	fds = count_fds();
	assert_int_equal(pipe2(pipefd, O_CLOEXEC | O_NONBLOCK), 0);
	assert_int_equal(pv_start_container(&p, "0", conf_path, -1, pipefd[1]),
			 0);
	close(pipefd[1]);
	assert_int_equal(read_pid(pipefd[0]), -1);
	close(pipefd[0]);
	assert_int_equal(pv_console_log_getfd(&p, &p.log), -1);
	assert_int_equal(p.log.console_pt, -1);
	assert_null(ent_find("app"));
	assert_int_equal(count_fds(), fds);
	setenv("PATH", old_path, 1);
	free(old_path);
}

static void test_registry_without_capture_has_no_console(void **state)
{
	char *old_path = strdup(getenv("PATH"));
	struct pv_platform p;
	char fake[16], cfg[512], *text;
	size_t len;
	int pipefd[2];

	(void)state;
	install_fake_tools();
	snprintf(fake, sizeof(fake), "%d", (int)getpid());
	setenv("FAKE_PID", fake, 1);
	make_conf();
	make_platform(&p, "app");
	pv_set_pv_conf_capture_fn(false);
	assert_int_equal(pipe2(pipefd, O_CLOEXEC | O_NONBLOCK), 0);
	assert_int_equal(pv_start_container(&p, "0", conf_path, -1, pipefd[1]),
			 0);
	close(pipefd[1]);
	assert_int_equal(read_pid(pipefd[0]), getpid());
	close(pipefd[0]);
	p.log.console_pt = p.log.console_tty = 5;
	assert_int_equal(pv_console_log_getfd(&p, &p.log), -1);
	assert_int_equal(p.log.console_pt, -1);
	assert_int_equal(p.log.console_tty, -1);
	snprintf(cfg, sizeof(cfg), "%s/app/config", rundir_for_tests);
	assert_int_equal(read_file(cfg, &text, &len), 0);
	assert_null(strstr(additions(text), "lxc.console.path"));
	free(text);
	pv_stop_container(&p, NULL);
	setenv("PATH", old_path, 1);
	free(old_path);
}

static void test_config_file_is_replaced_atomically(void **state)
{
	struct cfg_in c = base_cfg();
	char dir[300];
	DIR *d;
	struct dirent *e;
	int dfd, files = 0;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/run/app", sandbox);
	dfd = open_dir_nofollow(dir);
	assert_true(dfd >= 0);
	assert_int_equal(write_config_file(dfd, &c, "a = b\n", 6), 0);
	assert_int_equal(write_config_file(dfd, &c, "a = c\n", 6), 0);
	close(dfd);
	d = opendir(dir);
	while ((e = readdir(d)))
		files += e->d_name[0] != '.';
	closedir(d);
	assert_int_equal(files, 1); /* config, and no temporary left */
}

static void test_runtime_folder_symlink_is_not_followed(void **state)
{
	char dir[300], link[300];

	(void)state;
	snprintf(dir, sizeof(dir), "%s/run", sandbox);
	assert_int_equal(mkdir_parents(dir, 0755), 0);
	snprintf(link, sizeof(link), "%s/run/app", sandbox);
	assert_int_equal(symlink("/tmp", link), 0);
	assert_int_equal(open_dir_nofollow(link), -ENOTDIR);
}

static void test_loglevel_setter_clamps(void **state)
{
	(void)state;
	pv_set_pv_conf_loglevel_fn(0);
	assert_int_equal(conf_loglevel, 0);
	pv_set_pv_conf_loglevel_fn(8);
	assert_int_equal(conf_loglevel, 8);
	pv_set_pv_conf_loglevel_fn(9);
	assert_int_equal(conf_loglevel, 2);
	pv_set_pv_conf_loglevel_fn(-1);
	assert_int_equal(conf_loglevel, 2);
}

static void test_defaults_before_any_setter(void **state)
{
	(void)state;
	/* the statics as the loader leaves them: see setup() for resets */
	assert_int_equal(conf_loglevel, 2);
	assert_true(conf_capture);
}


/* ---- stock LXC gaps (issue: everything the liblxc plugin does) ---- */

static void test_key_table_walks_every_version(void **state)
{
	static const struct {
		const char *version;
		bool cgroup2, cgroup_dir, quotes;
		const char *cgroup;
	} rows[] = {
		{ "2.1.1", false, false, false, "lxc/app" },
		{ "3.0.3", true, false, false, "lxc/app" },
		{ "3.0.4", true, false, false, "lxc.payload/app" },
		{ "4.0.12", true, false, false, "lxc.payload.app" },
		{ "5.0.2", true, true, false, "lxc.payload.app" },
		{ "6.0.0", true, true, true, "lxc.payload.app" },
	};
	char buf[64];

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		int v = parse_version(rows[i].version);

		assert_true(v >= LXC_MIN_VERSION);
		assert_int_equal(lxc_has(v, KEY_CGROUP2_DEVICES),
				 rows[i].cgroup2);
		assert_int_equal(lxc_has(v, KEY_CGROUP_DIR),
				 rows[i].cgroup_dir);
		assert_int_equal(lxc_has(v, KEY_INIT_CMD_QUOTES),
				 rows[i].quotes);
		snprintf(buf, sizeof(buf), default_cgroup_pattern(v), "app");
		assert_string_equal(buf, rows[i].cgroup);
	}
	for (size_t k = 0; k < KEY_COUNT; k++) {
		assert_non_null(lxc_keys[k].what);
		assert_true(lxc_keys[k].since > LXC_MIN_VERSION);
	}
}

static void test_config_for_old_lxc_has_no_newer_keys(void **state)
{
	struct cfg_in c = base_cfg();
	char *out;

	(void)state;
	c.unified = true;
	c.lxc_version = LXC_V(2, 1);
	out = render(&c, "");
	assert_null(strstr(out, "cgroup2"));
	assert_null(strstr(out, "lxc.cgroup.dir"));
	free(out);
	c.lxc_version = LXC_V(4, 0);
	out = render(&c, "");
	assert_non_null(strstr(out, "\nlxc.cgroup2.devices.allow = a\n"));
	assert_null(strstr(out, "lxc.cgroup.dir"));
	free(out);
}

/* Fake `lxc-start --version` outputs through the real detection path. */
static void test_lxc_version_detection_with_fake_tools(void **state)
{
	static const struct {
		const char *says;
		int version;
	} rows[] = {
		{ "2.1.1", LXC_V3(2, 1, 1) }, { "3.0.4", LXC_V3(3, 0, 4) },
		{ "4.0.12", LXC_V3(4, 0, 12) }, { "5.0.2", LXC_V3(5, 0, 2) },
		{ "6.0.0", LXC_V(6, 0) },	  { "2.0.11", LXC_V3(2, 0, 11) },
	};
	char *old_path = strdup(getenv("PATH"));
	char dir[300], path[400], script[128];

	(void)state;
	snprintf(dir, sizeof(dir), "%s/vbin", sandbox);
	assert_int_equal(mkdir_parents(dir, 0755), 0);
	setenv("PATH", dir, 1);
	snprintf(path, sizeof(path), "%s/lxc-start", dir);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		snprintf(script, sizeof(script), "#!/bin/sh\necho %s\n",
			 rows[i].says);
		write_text(path, script, 0755);
		lxc_version_cached = -1;
		assert_int_equal(lxc_version(), rows[i].version);
	}
	lxc_version_cached = -1;
	setenv("PATH", old_path, 1);
	free(old_path);
}

static void test_start_refuses_lxc_older_than_2_1(void **state)
{
	struct pv_platform p;

	(void)state;
	make_conf();
	make_platform(&p, "app");
	lxc_version_cached = LXC_V3(2, 0, 11);
	assert_refused_before_writing(&p, "0", conf_path, "LXC 2.0 is too old");
	lxc_version_cached = -1;
}

static void test_console_none_is_detected(void **state)
{
	const char *none = "lxc.console.path = none\n";
	const char *later = "lxc.console.path = none\nlxc.console.path = /dev/x\n";
	const char *legacy = "lxc.console = none\n";

	(void)state;
	assert_true(cfg_console_none(none, strlen(none)));
	assert_false(cfg_console_none(later, strlen(later)));
	assert_true(cfg_console_none(legacy, strlen(legacy)));
	assert_false(cfg_console_none("# lxc.console.path = none\n", 26));
}

static void test_overlay_gets_configs_as_top_lower_layer(void **state)
{
	char out[256];

	(void)state;
	assert_int_equal(overlay_with_configs("overlayfs:/lo:/up", "/cfg", out,
					      sizeof(out)),
			 1);
	assert_string_equal(out, "overlayfs:/cfg:/lo:/up");
	assert_int_equal(overlay_with_configs("overlay:/a:/b:/up", "/cfg", out,
					      sizeof(out)),
			 1);
	assert_string_equal(out, "overlay:/cfg:/a:/b:/up");
	assert_int_equal(overlay_with_configs("dir:/rootfs", "/cfg", out,
					      sizeof(out)),
			 0);
	assert_int_equal(overlay_with_configs("/rootfs", "/cfg", out,
					      sizeof(out)),
			 0);
	/* A size the compiler cannot see: gcc -O3 would otherwise flag the
	 * truncation this case is about (-Wformat-truncation). */
	volatile size_t small = 10;

	assert_int_equal(overlay_with_configs("overlayfs:/lo:/up", "/cfg", out,
					      small),
			 -1);
}

static void test_config_with_overlay_rootfs_line(void **state)
{
	struct cfg_in c = base_cfg();
	char *out;

	(void)state;
	c.rootfs_path = "overlayfs:/cfg:/lo:/up";
	out = render(&c, "lxc.rootfs.path = overlayfs:/lo:/up\n");
	assert_non_null(strstr(additions(out),
			       "lxc.rootfs.path = overlayfs:/cfg:/lo:/up\n"));
	free(out);
}

static void test_split_command_handles_quotes_and_escapes(void **state)
{
	static const struct {
		const char *cmd;
		const char *argv[6];
	} rows[] = {
		{ "/sbin/init", { "/sbin/init" } },
		{ "  a   b  ", { "a", "b" } },
		{ "sh -c 'echo a b'", { "sh", "-c", "echo a b" } },
		{ "sh -c \"say \\\"hi\\\"\"", { "sh", "-c", "say \"hi\"" } },
		{ "a\\ b c", { "a b", "c" } },
		{ "'it'\\''s'", { "it's" } },
		{ "x \"\" y", { "x", "", "y" } },
		{ "\"a'b\"", { "a'b" } },
	};
	char buf[256], *argv[8];

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		int argc = split_command(rows[i].cmd, buf, sizeof(buf), argv,
					 8);
		int want = 0;

		while (rows[i].argv[want])
			want++;
		if (argc != want)
			fail_msg("'%s': argc %d, want %d", rows[i].cmd, argc,
				 want);
		for (int k = 0; k < argc; k++)
			assert_string_equal(argv[k], rows[i].argv[k]);
		assert_null(argv[argc]);
	}
	assert_int_equal(split_command("sh -c 'open", buf, sizeof(buf), argv,
				       8),
			 -1);
	assert_int_equal(split_command("a b c d e f g h i", buf, sizeof(buf),
				       argv, 8),
			 -1);
}

static void test_header_shows_init_args_for_the_shell(void **state)
{
	struct cfg_in c = base_cfg();
	char *argv[] = { "sh", "-c", "echo it's", NULL };
	char *out;

	(void)state;
	c.exec = "sh -c \"echo it's\"";
	c.init_argv = argv;
	out = render(&c, "");
	assert_non_null(strstr(out, "-d -- 'sh' '-c' 'echo it'\\''s'\n"));
	/* passed on the command line, so not as lxc.init.cmd */
	assert_null(strstr(additions(out), "lxc.init.cmd"));
	free(out);
}

#if PV_LXCCLI_CORE >= PV_LXCCLI_CORE_2026_08
struct ips {
	uint32_t ip[8];
	int n;
};

static void collect_ip(uint32_t ip, void *ctx)
{
	struct ips *s = ctx;

	s->ip[s->n++] = ip;
}

static void test_static_ips_skip_auto_and_dhcp(void **state)
{
	const char *conf = "lxc.net.0.type = veth\n"
			   "lxc.net.0.ipv4.address = 10.0.3.5/24\n"
			   "lxc.net.1.ipv4.address = auto\n"
			   "lxc.net.2.ipv4.address = dhcp\n"
			   "lxc.net.12.ipv4.address = 192.168.1.2 \n"
			   "# lxc.net.3.ipv4.address = 1.2.3.4\n"
			   "lxc.net.x.ipv4.address = 1.2.3.5\n"
			   "lxc.net.4.ipv4.gateway = 10.0.3.1\n"
			   "lxc.net.5.ipv4.address = 10.0.3.6/24 10.0.3.255\n";
	struct ips s = { .n = 0 };

	(void)state;
	assert_int_equal(each_static_ip(conf, strlen(conf), collect_ip, &s),
			 3);
	assert_int_equal(s.n, 3);
	assert_int_equal(s.ip[0], 0x0a000305);
	assert_int_equal(s.ip[1], 0xc0a80102);
	assert_int_equal(s.ip[2], 0x0a000306);
}

static void test_enumerate_static_ips_entry_point(void **state)
{
	struct pv_platform p;
	struct ips s = { .n = 0 };

	(void)state;
	make_platform(&p, "app");
	snprintf(conf_path, sizeof(conf_path), "%s/net.conf", sandbox);
	write_text(conf_path, "lxc.net.0.ipv4.address = 10.1.2.3/16\n", 0644);
	pv_enumerate_static_ips(&p, conf_path, collect_ip, &s);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.ip[0], 0x0a010203);
}

static void test_validate_refuses_bad_name_and_config(void **state)
{
	struct pv_platform p;

	(void)state;
	make_conf();
	make_platform(&p, "app");
	assert_int_equal(pv_validate_container_config(&p, conf_path), 0);
	assert_int_equal(pv_validate_container_config(&p, sandbox), -1);
	make_platform(&p, "a/b");
	assert_int_equal(pv_validate_container_config(&p, conf_path), -1);
	assert_non_null(strstr(last_log, "contains '/'"));
}

static void test_dev_log_bound_only_when_it_resolves(void **state)
{
	char log_path[300];
	struct host_facts h = { .firmware_dir = "/nonexistent",
				.dev_log = log_path };
	struct mount_ent m[MOUNTS_MAX];
	struct pv_platform p;
	size_t n;

	(void)state;
	make_platform(&p, "app");
	p.std_log = true;
	snprintf(log_path, sizeof(log_path), "%s/dangling-log", sandbox);
	assert_int_equal(symlink("/nonexistent/log", log_path), 0);
	assert_int_equal(resolve_mounts(&p, "0", &h, m, &n), 0);
	assert_int_equal(count_dst(m, n, "dev/log"), 0);
	unlink(log_path);
	write_text(log_path, "", 0644);
	assert_int_equal(resolve_mounts(&p, "0", &h, m, &n), 0);
	assert_int_equal(count_dst(m, n, "dev/log"), 1);
	assert_string_equal(m[n - 1].opts, "bind,create=file");
	p.std_log = false;
	assert_int_equal(resolve_mounts(&p, "0", &h, m, &n), 0);
	assert_int_equal(count_dst(m, n, "dev/log"), 0);
}
#endif

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults_before_any_setter),
		T(test_config_for_regular_platform_line_by_line),
		T(test_config_for_management_platform_line_by_line),
		T(test_config_without_capture_has_no_console_line),
		T(test_config_without_group_says_pv_unknown),
		T(test_config_with_exec_ends_with_init_cmd),
		T(test_config_without_exec_adds_no_init_cmd),
		T(test_config_keeps_original_and_ends_its_last_line),
		T(test_config_cgroup2_line_only_on_unified_host),
		T(test_uts_name_detection_is_key_aware),
		T(test_config_keeps_platform_uts_name),
		T(test_split_cfg_line_follows_lxc_rules),
		T(test_name_rules_reject_each_bad_name),
		T(test_values_with_newline_are_rejected),
		T(test_start_refuses_bad_names),
		T(test_start_refuses_newline_in_exec_group_and_rev),
		T(test_start_refuses_missing_or_odd_config),
		T(test_start_refuses_a_path_with_newline),
		T(test_start_without_path_functions_is_an_error),
		T(test_start_refuses_closed_pid_pipe),
		T(test_app_mounts_create_missing_sources),
		T(test_mgmt_mounts_are_the_four_pantavisor_folders),
		T(test_automodfw_on_binds_firmware_and_modules),
		T(test_automodfw_off_binds_neither),
		T(test_automodfw_skips_missing_sources),
		T(test_hook_filter_follows_export),
		T(test_hooks_are_listed_sorted_and_filtered),
		T(test_missing_hooks_folder_means_no_hooks),
		T(test_too_many_hooks_refuse_instead_of_a_subset),
		T(test_start_argv),
		T(test_info_argv),
		T(test_stop_argv),
		T(test_parse_pid),
		T(test_parse_version),
		T(test_cgroup_mode_from_statfs),
		T(test_cgroup_base_from_proc_self_cgroup),
		T(test_lxc_bases_cut_a_last_init_scope),
		T(test_lxc_cgroup_names_of_a_container),
		T(test_run_tool_reports_exit_codes_and_output),
		T(test_run_tool_kills_at_deadline),
		T(test_run_tool_copes_with_a_host_that_reaps),
		T(test_run_tool_caps_output_keeping_the_end),
		T(test_run_tool_passes_only_the_inherited_fd),
		T(test_registry_start_getfd_stop),
		T(test_registry_failed_start_is_never_handed_out),
		T(test_registry_without_capture_has_no_console),
		T(test_config_file_is_replaced_atomically),
		T(test_runtime_folder_symlink_is_not_followed),
		T(test_loglevel_setter_clamps),
		T(test_key_table_walks_every_version),
		T(test_config_for_old_lxc_has_no_newer_keys),
		T(test_lxc_version_detection_with_fake_tools),
		T(test_start_refuses_lxc_older_than_2_1),
		T(test_console_none_is_detected),
		T(test_overlay_gets_configs_as_top_lower_layer),
		T(test_config_with_overlay_rootfs_line),
		T(test_split_command_handles_quotes_and_escapes),
		T(test_header_shows_init_args_for_the_shell),
#if PV_LXCCLI_CORE >= PV_LXCCLI_CORE_2026_08
		T(test_static_ips_skip_auto_and_dhcp),
		T(test_enumerate_static_ips_entry_point),
		T(test_validate_refuses_bad_name_and_config),
		T(test_dev_log_bound_only_when_it_resolves),
#endif
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
