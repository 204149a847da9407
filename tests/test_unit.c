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
	/* helpers exec'd, as before the forker, but in the forker's tests */
	setenv("PV_LXCCLI_FORKER", "0", 1);
	inject_paths();
	conf_capture = true;
	conf_loglevel = 2;
	last_log[0] = '\0';
	return 0;
}

/* What a test changed in the process, put back by the teardown. */
static char saved_helper_exe[sizeof(helper_exe)];
static struct sigaction saved_sigchld;
static bool sigchld_saved;

/* A forker of a test's own, its child (a subreaper's): see own_forker */
static pid_t own_forker_pid;
static int end_own_forker(void);

static int teardown(void **state)
{
	(void)state;
	if (saved_helper_exe[0])
		memcpy(helper_exe, saved_helper_exe, sizeof(helper_exe));
	saved_helper_exe[0] = '\0';
	if (sigchld_saved)
		sigaction(SIGCHLD, &saved_sigchld, NULL);
	sigchld_saved = false;
	end_own_forker(); /* also when its test failed half-way */
	forker_deaths = 0;
	unsetenv("PV_LXCCLI_TEST_BIG");
	proc_root = "/proc";
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
	/* by the start helper, not in the core's call */
	for (size_t i = 0; i < n; i++)
		assert_int_equal(prepare_mount(&m[i]), 0);
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

/* ---- mount targets ---- */

/*
 * A folder tree from a table, below base: "a/b/" a folder, "a/f" an empty
 * file, "a/l -> target" a symlink, "a/w (whiteout)" an overlay whiteout,
 * "a/d/ (opaque)" or "a/d/ (uopaque)" a folder marked opaque with the
 * trusted. or the user. xattr. Parents are made as needed.
 */
static void make_entry(const char *base, const char *e)
{
	static const char user[] = "user.overlay.opaque";
	static const char trusted[] = "trusted.overlay.opaque";
	const char *arrow = strstr(e, " -> ");
	const char *flag = strstr(e, " (");
	size_t n = strlen(e);
	char path[600];
	char *slash;

	if (arrow)
		n = (size_t)(arrow - e);
	else if (flag)
		n = (size_t)(flag - e);
	snprintf(path, sizeof(path), "%s/%.*s", base, (int)n, e);
	if (path[strlen(path) - 1] == '/') {
		assert_int_equal(mkdir_parents(path, 0755), 0);
	} else {
		slash = strrchr(path, '/');
		*slash = '\0';
		assert_int_equal(mkdir_parents(path, 0755), 0);
		*slash = '/';
		if (arrow)
			assert_int_equal(symlink(arrow + 4, path), 0);
		else if (flag && !strcmp(flag, " (whiteout)"))
			assert_int_equal(mknod(path, S_IFCHR | 0600, 0), 0);
		else
			write_text(path, "", 0644);
	}
	if (flag && strstr(flag, "opaque)"))
		assert_int_equal(setxattr(path, flag[2] == 'u' ? user : trusted,
					  "y", 1, 0),
				 0);
}

struct target_case {
	const char *tree[6];
	const char *layers; /* one letter a layer folder, top first */
	const char *target;
	const char *want; /* "resolved (return)" or "error: ELOOP" */
};

/* Runs each case in a folder of its own, naming the target on failure. */
static void run_target_cases(const struct target_case *c, size_t n)
{
	struct rootfs_layers l;
	char base[300], out[PATH_MAX], got[PATH_MAX + 400], want[600];
	int ret;

	for (size_t i = 0; i < n; i++) {
		snprintf(base, sizeof(base), "%s/case%zu", sandbox, i);
		for (size_t t = 0; t < ARRAY_SIZE(c[i].tree) && c[i].tree[t];
		     t++)
			make_entry(base, c[i].tree[t]);
		l.n = strlen(c[i].layers);
		for (size_t k = 0; k < l.n; k++)
			snprintf(l.dir[k], sizeof(l.dir[k]), "%s/%c", base,
				 c[i].layers[k]);
		ret = resolve_target(&l, c[i].target, out, sizeof(out));
		/* errno names, not strerror(): musl's texts differ */
		if (ret < 0)
			snprintf(got, sizeof(got), "%s => error: %s",
				 c[i].target,
				 ret == -ELOOP ? "ELOOP" : strerror(-ret));
		else
			snprintf(got, sizeof(got), "%s => %s (%d)", c[i].target,
				 out, ret);
		snprintf(want, sizeof(want), "%s => %s", c[i].target,
			 c[i].want);
		assert_string_equal(got, want);
	}
}

static const struct target_case link_cases[] = {
	{ { "l/a -> b", "l/b -> c", "l/c/" }, "l", "a/x", "c/x (1)" },
	{ { "l/var/run -> /run", "l/run/" },
	  "l",
	  "var/run/dbus",
	  "run/dbus (1)" },
	{ { "l/lib -> /usr/lib", "l/usr/lib/" },
	  "l",
	  "lib/firmware",
	  "usr/lib/firmware (1)" },
	{ { "l/etc/resolv.conf -> ../run/resolv.conf", "l/run/" },
	  "l",
	  "etc/resolv.conf",
	  "run/resolv.conf (1)" },
	{ { "l/lib -> usr/lib", "l/usr/lib/" },
	  "l",
	  "lib/firmware",
	  "usr/lib/firmware (1)" },
	{ { "l/lib -> usr/lib", "l/usr/lib/" },
	  "l",
	  "lib/modules/6.1.0",
	  "usr/lib/modules/6.1.0 (1)" },
	{ { "l/lib -> /usr/lib", "l/usr/lib -> ../lib64", "l/lib64/" },
	  "l",
	  "lib/firmware",
	  "lib64/firmware (1)" },
	{ { "l/x -> ../../../etc" }, "l", "x/passwd", "etc/passwd (1)" },
	{ { "l/a/b/" }, "l", "../../a/./b//c/", "a/b/c (0)" },
	{ { "l/dev/log -> /run/systemd/journal/dev-log" },
	  "l",
	  "dev/log",
	  "run/systemd/journal/dev-log (1)" },
	{ { "l/r -> /" }, "l", "r", ". (1)" },
	{ { "l/" }, "l", ".", ". (0)" },
	{ { "l/lib -> usr/lib", "l/usr/lib/" },
	  "l",
	  "nope/../lib/x",
	  "usr/lib/x (1)" },
	{ { "l/lib -> usr/lib", "l/usr/lib/" },
	  "l",
	  "lib/../etc",
	  "usr/etc (1)" },
	{ { "l/etc" }, "l", "etc/resolv.conf", "etc/resolv.conf (0)" },
	{ { "l/a -> b", "l/b -> a" },
	  "l",
	  "a/x",
	  "error: ELOOP" },
	{ { "l/s -> s/x" },
	  "l",
	  "s",
	  "error: ELOOP" },
	{ { NULL }, "l", "pantavisor/logs", "pantavisor/logs (0)" },
};

static void test_resolve_target_follows_links_inside_the_rootfs(void **state)
{
	(void)state;
	run_target_cases(link_cases, ARRAY_SIZE(link_cases));
}

static const struct target_case layer_cases[] = {
	/* a merged folder shows the lower's link */
	{ { "u/etc/", "l/etc/resolv.conf -> ../run/resolv.conf" },
	  "ul",
	  "etc/resolv.conf",
	  "run/resolv.conf (1)" },
	/* the upper's folder hides the lower's link, and the reverse */
	{ { "u/lib/", "l/lib -> usr/lib" },
	  "ul",
	  "lib/firmware",
	  "lib/firmware (0)" },
	{ { "u/lib -> usr/lib", "l/lib/", "l/usr/lib/" },
	  "ul",
	  "lib/modules/6.1.0",
	  "usr/lib/modules/6.1.0 (1)" },
	/* an upper file or link hides the lower's entry */
	{ { "u/etc", "l/etc/resolv.conf -> ../run/x" },
	  "ul",
	  "etc/resolv.conf",
	  "etc/resolv.conf (0)" },
	{ { "u/var/run -> /vr", "l/var/run -> /run" },
	  "ul",
	  "var/run/x",
	  "vr/x (1)" },
	/* merging stops at a lower non-folder, skips a lower without it */
	{ { "u/a/", "l/a", "m/a/b -> /z" }, "ulm", "a/b", "a/b (0)" },
	{ { "u/a/", "m/a/b -> /z" }, "ulm", "a/b", "z (1)" },
	/* the config overlay as the top lower, the upper not made yet */
	{ { "c/etc/", "l/etc -> /x" }, "ucl", "etc/x", "etc/x (0)" },
	{ { "l/etc -> /x" }, "ucl", "etc/x", "x/x (1)" },
};

static void test_resolve_target_merges_layers_like_overlayfs(void **state)
{
	(void)state;
	run_target_cases(layer_cases, ARRAY_SIZE(layer_cases));
}

static const struct target_case overlay_mark_cases[] = {
	{ { "u/lib (whiteout)", "l/lib -> usr/lib", "l/usr/lib/" },
	  "ul",
	  "lib/firmware",
	  "lib/firmware (0)" },
	{ { "u/etc/", "l/etc (whiteout)", "m/etc/resolv.conf -> ../run/x" },
	  "ulm",
	  "etc/resolv.conf",
	  "etc/resolv.conf (0)" },
	{ { "u/usr/ (opaque)", "l/usr/lib -> /x" },
	  "ul",
	  "usr/lib/y",
	  "usr/lib/y (0)" },
	{ { "u/usr/ (uopaque)", "l/usr/lib -> /x" },
	  "ul",
	  "usr/lib/y",
	  "usr/lib/y (0)" },
	/* the same without the mark */
	{ { "u/usr/", "l/usr/lib -> /x" }, "ul", "usr/lib/y", "x/y (1)" },
};

static void test_resolve_target_honours_whiteouts_and_opaque(void **state)
{
	(void)state;
	if (geteuid() != 0) {
		print_message("skipped: whiteouts and trusted.* xattrs need "
			      "root\n");
		skip();
	}
	run_target_cases(overlay_mark_cases, ARRAY_SIZE(overlay_mark_cases));
}

/* n links in a row, n0 -> n1 -> ... -> n<n> (a folder). */
static void make_link_chain(const char *base, int n)
{
	char e[64];

	for (int i = 0; i < n; i++) {
		snprintf(e, sizeof(e), "l/n%d -> n%d", i, i + 1);
		make_entry(base, e);
	}
	snprintf(e, sizeof(e), "l/n%d/", n);
	make_entry(base, e);
}

static void test_resolve_target_stops_after_40_links(void **state)
{
	struct rootfs_layers l = { .n = 1 };
	char base[300], out[PATH_MAX];

	(void)state;
	snprintf(base, sizeof(base), "%s/chain", sandbox);
	make_link_chain(base, 40);
	snprintf(l.dir[0], sizeof(l.dir[0]), "%s/l", base);
	assert_int_equal(resolve_target(&l, "n0/x", out, sizeof(out)), 1);
	assert_string_equal(out, "n40/x");
	snprintf(base, sizeof(base), "%s/chain41", sandbox);
	make_link_chain(base, 41);
	snprintf(l.dir[0], sizeof(l.dir[0]), "%s/l", base);
	assert_int_equal(resolve_target(&l, "n0/x", out, sizeof(out)), -ELOOP);
}

static void test_resolve_target_refuses_bad_targets(void **state)
{
	struct rootfs_layers l = { .n = 1 };
	char out[PATH_MAX], *longer;

	(void)state;
	snprintf(l.dir[0], sizeof(l.dir[0]), "%s", sandbox);
	assert_int_equal(resolve_target(&l, "/abs", out, sizeof(out)), -EINVAL);
	assert_int_equal(resolve_target(&l, "", out, sizeof(out)), -EINVAL);
	assert_int_equal(resolve_target(&l, "a/b", out, 3), -ENAMETOOLONG);
	assert_int_equal(resolve_target(&l, "a/b", out, 4), 0);
	assert_string_equal(out, "a/b");
	longer = malloc(PATH_MAX + 1);
	assert_non_null(longer);
	memset(longer, 'a', PATH_MAX);
	longer[PATH_MAX] = '\0';
	assert_int_equal(resolve_target(&l, longer, out, sizeof(out)),
			 -ENAMETOOLONG);
	free(longer);
	l.n = 0;
	assert_int_equal(resolve_target(&l, "a", out, sizeof(out)), -EINVAL);
}

/* "<return>: top|...|bottom", with the sandbox written as '@'. */
static void layers_text(const char *spec, char *buf, size_t size)
{
	struct rootfs_layers l;
	char full[600];
	const char *at = strchr(spec, '@');
	int ret;

	if (at)
		snprintf(full, sizeof(full), "%.*s%s%s", (int)(at - spec), spec,
			 sandbox, at + 1);
	else
		snprintf(full, sizeof(full), "%s", spec);
	ret = rootfs_layers_of(full, &l);
	snprintf(buf, size, "%d:", ret);
	for (size_t i = 0; i < l.n; i++) {
		const char *d = l.dir[i];

		if (!strcmp(d, sandbox))
			d = "@";
		snprintf(buf + strlen(buf), size - strlen(buf), "%s%s",
			 i ? "|" : " ", d);
	}
}

static void test_rootfs_layers_of_every_spec_form(void **state)
{
	static const char *const cases[][2] = {
		{ "overlayfs:/v/root.squashfs:/v/lxc-overlay/upper",
		  "1: /v/lxc-overlay/upper|/v/root.squashfs" },
		{ "overlayfs:/configs/app:/v/ovl:/v/root:/v/upper",
		  "1: /v/upper|/configs/app|/v/ovl|/v/root" },
		{ "overlay:/lower:/upper", "1: /upper|/lower" },
		{ "dir:/x/rootfs", "1: /x/rootfs" },
		{ "@", "1: @" },
		{ "@/file", "0:" },
		{ "@/missing", "0:" },
		{ "loop:/v/root.img", "0:" },
		{ "nbd:/dev/nbd0", "0:" },
		{ "rbd:pool/img", "0:" },
		{ "zfs:tank/app", "0:" },
		{ "btrfs:/x", "0:" },
		{ "lvm:/dev/vg/app", "0:" },
		{ "", "0:" },
		{ "overlayfs:/1:/2:/3:/4:/5:/6:/7:/u",
		  "1: /u|/1|/2|/3|/4|/5|/6|/7" },
		{ "overlayfs:/1:/2:/3:/4:/5:/6:/7:/8:/u", "-7:" },
		{ "overlayfs:/only", "-22:" },
		{ "overlayfs:/a::/u", "-22:" },
		{ "overlayfs:/a:", "-22:" },
		{ "overlayfs:lower:/u", "-22:" },
		{ "dir:", "-22:" },
		{ "rootfs", "-22:" },
	};
	char path[300], got[PATH_MAX + 8];
	struct rootfs_layers l;

	(void)state;
	snprintf(path, sizeof(path), "%s/file", sandbox);
	write_text(path, "hsqs", 0644);
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		layers_text(cases[i][0], got, sizeof(got));
		if (strcmp(got, cases[i][1]))
			print_message("spec '%s'\n", cases[i][0]);
		assert_string_equal(got, cases[i][1]);
	}
	assert_int_equal(rootfs_layers_of(NULL, &l), 0);
	if (access("/dev/loop0", F_OK) == 0)
		assert_int_equal(rootfs_layers_of("/dev/loop0", &l), 0);
	else
		print_message("no /dev/loop0: block device spec not tried\n");
	memset(got, 'a', sizeof(got));
	memcpy(got, "dir:/", 5);
	got[PATH_MAX + 4] = '\0';
	assert_int_equal(rootfs_layers_of(got, &l), -ENAMETOOLONG);
}

/* "src|dst|type|opts|rest" or "-22". */
static void fields_text(const char *val, char *buf, size_t size)
{
	struct mount_fields f;

	if (split_mount_entry(val, strlen(val), &f)) {
		snprintf(buf, size, "-22");
		return;
	}
	snprintf(buf, size, "%.*s|%.*s|%.*s|%.*s|%.*s", (int)f.src_len, f.src,
		 (int)f.dst_len, f.dst, (int)f.type_len, f.type,
		 (int)f.opts_len, f.opts, (int)f.rest_len, f.rest);
}

static void test_split_mount_entry_fields(void **state)
{
	static const char *const cases[][2] = {
		{ "tmpfs run tmpfs rw,nodev,relatime,create=dir,mode=755 0 0",
		  "tmpfs|run|tmpfs|rw,nodev,relatime,create=dir,mode=755|0 0" },
		{ "overlay var/lib overlay lowerdir=/v/root.squashfs/var/lib,"
		  "upperdir=/v/dockerovl-var/upper,workdir=/v/dockerovl-var/"
		  "work,create=dir",
		  "overlay|var/lib|overlay|lowerdir=/v/root.squashfs/var/lib,"
		  "upperdir=/v/dockerovl-var/upper,workdir=/v/dockerovl-var/"
		  "work,create=dir|" },
		{ "  /a \t b  none\tbind,ro   0  0  ",
		  "/a|b|none|bind,ro|0  0" },
		{ "proc proc proc", "proc|proc|proc||" },
		{ "/a b", "-22" },
		{ "   ", "-22" },
		{ "", "-22" },
	};
	char got[512];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		fields_text(cases[i][0], got, sizeof(got));
		assert_string_equal(got, cases[i][1]);
	}
}

static void test_mount_entry_with_target_keeps_other_fields(void **state)
{
	static const char *const cases[][2] = {
		{ "/etc/resolv.conf etc/resolv.conf none bind,create=file 0 0",
		  "/etc/resolv.conf run/resolv.conf none bind,create=file 0 "
		  "0" },
		{ "overlay var/lib overlay lowerdir=/l,upperdir=/u,workdir=/w,"
		  "create=dir",
		  "overlay run/resolv.conf overlay lowerdir=/l,upperdir=/u,"
		  "workdir=/w,create=dir" },
		{ "  /a \t b  none\tbind,ro   0  0  ",
		  "/a run/resolv.conf none bind,ro 0  0" },
		{ "proc proc proc", "proc run/resolv.conf proc" },
	};
	struct mount_fields f;
	char out[512];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		assert_int_equal(
			split_mount_entry(cases[i][0], strlen(cases[i][0]), &f),
			0);
		assert_int_equal(mount_entry_with_target(&f, "run/resolv.conf",
							 out, sizeof(out)),
				 0);
		assert_string_equal(out, cases[i][1]);
	}
	assert_int_equal(mount_entry_with_target(&f, "run/resolv.conf", out,
						 strlen(cases[3][1])),
			 -ENAMETOOLONG);
	assert_int_equal(mount_entry_with_target(&f, "run/resolv.conf", out,
						 strlen(cases[3][1]) + 1),
			 0);
}

/* An entry with the sandbox written as '@', split into f over buf. */
static void entry_in_sandbox(const char *fmt, char *buf, size_t size,
			     struct mount_fields *f)
{
	size_t n = 0;

	for (const char *c = fmt; *c && n + 1 < size; c++) {
		if (*c != '@') {
			buf[n++] = *c;
			continue;
		}
		n += (size_t)snprintf(buf + n, size - n, "%s", sandbox);
	}
	buf[n] = '\0';
	assert_int_equal(split_mount_entry(buf, strlen(buf), f), 0);
}

static void test_make_overlay_entry_dirs_creates_missing_only(void **state)
{
	struct mount_fields f;
	char val[1024], path[300];
	int cwd, ret;

	(void)state;
	entry_in_sandbox("overlay var/lib overlay lowerdir=@/root/var/lib,"
			 "upperdir=@/ovl/upper,workdir=@/ovl/work,create=dir",
			 val, sizeof(val), &f);
	assert_int_equal(make_overlay_entry_dirs(&f), 2);
	snprintf(path, sizeof(path), "%s/ovl/upper", sandbox);
	assert_true(is_dir(path));
	snprintf(path, sizeof(path), "%s/ovl/work", sandbox);
	assert_true(is_dir(path));
	snprintf(path, sizeof(path), "%s/root", sandbox);
	assert_false(is_dir(path));
	assert_int_equal(make_overlay_entry_dirs(&f), 0);
	snprintf(path, sizeof(path), "%s/ovl/work", sandbox);
	assert_int_equal(rmdir(path), 0);
	assert_int_equal(make_overlay_entry_dirs(&f), 1);
	assert_true(is_dir(path));
	/* other types and relative folders are left to LXC */
	entry_in_sandbox("@/x var/lib none bind,upperdir=@/b1,workdir=@/b2 0 0",
			 val, sizeof(val), &f);
	assert_int_equal(make_overlay_entry_dirs(&f), 0);
	snprintf(path, sizeof(path), "%s/b1", sandbox);
	assert_false(is_dir(path));
	/* relative to the sandbox, so a regression litters only that */
	cwd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(cwd >= 0);
	assert_int_equal(chdir(sandbox), 0);
	entry_in_sandbox("overlay var/lib overlay upperdir=up,workdir=wk", val,
			 sizeof(val), &f);
	ret = make_overlay_entry_dirs(&f);
	assert_int_equal(fchdir(cwd), 0);
	close(cwd);
	assert_int_equal(ret, 0);
	snprintf(path, sizeof(path), "%s/up", sandbox);
	assert_false(is_dir(path));
}

static void test_make_overlay_entry_dirs_says_what_it_cannot_make(void **state)
{
	struct mount_fields f;
	char val[1024], path[300], want[600];

	(void)state;
	snprintf(path, sizeof(path), "%s/file", sandbox);
	write_text(path, "", 0644);
	entry_in_sandbox("overlay tmp overlay lowerdir=@,upperdir=@/file/upper,"
			 "workdir=@/work",
			 val, sizeof(val), &f);
	assert_int_equal(make_overlay_entry_dirs(&f), -ENOTDIR);
	snprintf(want, sizeof(want),
		 "cannot create the upperdir '%s/file/upper' of the overlay "
		 "mount on 'tmp': Not a directory",
		 sandbox);
	assert_string_equal(last_log, want);
	entry_in_sandbox("overlay tmp overlay upperdir=@/u,workdir=@/file", val,
			 sizeof(val), &f);
	assert_int_equal(make_overlay_entry_dirs(&f), -ENOTDIR);
	snprintf(want, sizeof(want),
		 "cannot create the workdir '%s/file' of the overlay mount on "
		 "'tmp': Not a directory",
		 sandbox);
	assert_string_equal(last_log, want);
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
	const char *want_log[] = { "lxc-start", "-n", "app", "-P", "/l", "-f",
				   "/r/app/config", "-d", "-o",
				   "/proc/self/fd/7", "-l", "DEBUG", NULL };
	/* never above ERROR: a failed start's reason is an ERROR line */
	const char *want_fatal[] = { "lxc-start", "-n", "app", "-P", "/l",
				     "-f", "/r/app/config", "-d", "-o",
				     "/proc/self/fd/3", "-l", "ERROR", NULL };
	struct argv_buf a;

	(void)state;
	char *init[] = { "/bin/sh", "-c", "echo 'a b'", NULL };
	const char *want_init[] = { "lxc-start", "-n", "app", "-P", "/l",
				    "-f", "/r/app/config", "-d", "-o",
				    "/proc/self/fd/5", "-l", "INFO", "--",
				    "/bin/sh", "-c", "echo 'a b'", NULL };

	build_start_argv(&a, "app", "/l", "/r/app/config", 7, 1, NULL);
	assert_argv(a.v, want_log);
	build_start_argv(&a, "app", "/l", "/r/app/config", 3, 8, NULL);
	assert_argv(a.v, want_fatal);
	build_start_argv(&a, "app", "/l", "/r/app/config", 5, 2, init);
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

/* LXC 5.0 on names the cgroups as configured: LXC 4's payload name stays. */
static void test_stale_cgroup_names_follow_the_lxc_version(void **state)
{
	static const char *const names[] = { "lxc/app", "lxc.monitor.app",
					     "lxc.payload.app" };
	char base[300], path[400];
	struct stat st;

	(void)state;
	assert_false(stale_names_fixed(-1)); /* not known: every name */
	assert_false(stale_names_fixed(LXC_V(4, 0)));
	assert_true(stale_names_fixed(LXC_V(5, 0)));
	assert_true(stale_names_fixed(LXC_V(6, 0)));
	snprintf(base, sizeof(base), "%s/cgbase", sandbox);
	for (int fixed = 1; fixed >= 0; fixed--) {
		for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
			snprintf(path, sizeof(path), "%s/%s", base, names[i]);
			assert_int_equal(mkdir_parents(path, 0755), 0);
		}
		remove_stale_cgroups_at(base, "app", fixed, 0);
		for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
			bool kept = fixed && i == 2;

			snprintf(path, sizeof(path), "%s/%s", base, names[i]);
			if ((stat(path, &st) == 0) != kept)
				fail_msg("fixed %d: '%s' %s", fixed, names[i],
					 kept ? "removed" : "left");
		}
	}
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

/*
 * Under qemu-user (cross builds in CI) this program cannot execve() the
 * helper program, a program of the target: see tests/CMakeLists.txt.
 */
static void skip_if_emulated(void)
{
	if (!getenv("PV_LXCCLI_EMULATED"))
		return;
	print_message("SKIP: under qemu-user this program cannot execve() the "
		      "helper program (tests/ci-embedded.sh runs it under "
		      "qemu-user itself)\n");
	skip();
}

static void test_registry_start_getfd_stop(void **state)
{
	char *old_path;
	struct pv_platform p;
	char fake[16];
	int fds, pipefd[2], fl;
	skip_if_emulated();
	old_path = strdup(getenv("PATH"));

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
	char *old_path;
	struct pv_platform p;
	int fds, pipefd[2];
	skip_if_emulated();
	old_path = strdup(getenv("PATH"));

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
	char *old_path;
	struct pv_platform p;
	char fake[16], cfg[512], *text;
	size_t len;
	int pipefd[2];
	skip_if_emulated();
	old_path = strdup(getenv("PATH"));

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
	char dir[300], path[600], *text = NULL;
	size_t len;
	DIR *d;
	struct dirent *e;
	int dfd, files = 0;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/run/app", sandbox);
	dfd = open_dir_nofollow(dir);
	assert_true(dfd >= 0);
	assert_int_equal(write_config_file(dfd, &c, "a = b\n", 6), 0);
	assert_int_equal(old_config_dir, -1); /* the first: none swapped out */
	assert_int_equal(write_config_file(dfd, &c, "a = c\n", 6), 0);
	close(dfd);
	snprintf(path, sizeof(path), "%s/config", dir);
	assert_int_equal(read_file(path, &text, &len), 0);
	assert_non_null(strstr(text, "\na = c\n"));
	free(text);
	/* the previous one waits, whole, unless there is no exchange here */
	snprintf(path, sizeof(path), "%s/" CONFIG_NEW, dir);
	if (old_config_dir >= 0) {
		assert_int_equal(read_file(path, &text, &len), 0);
		assert_non_null(strstr(text, "\na = b\n"));
		free(text);
	}
	unlink_old_config("app");
	assert_int_equal(old_config_dir, -1);
	/* one a dead helper left is gone at the next write */
	close(open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
	dfd = open_dir_nofollow(dir);
	assert_int_equal(write_config_file(dfd, &c, "a = d\n", 6), 0);
	close(dfd);
	unlink_old_config("app");
	d = opendir(dir);
	while ((e = readdir(d)))
		files += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	closedir(d);
	assert_int_equal(files, 1); /* config, and no temporary left */
}

static void test_mkdir_parents_makes_only_what_is_missing(void **state)
{
	char top[300], deep[400], file[400], under[500];
	struct stat st;

	(void)state;
	snprintf(top, sizeof(top), "%s/mkp", sandbox);
	snprintf(deep, sizeof(deep), "%s/a/b/c", top);
	assert_int_equal(mkdir_parents(deep, 0755), 0);
	assert_int_equal(stat(deep, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(mkdir_parents(deep, 0755), 0); /* there: fine */
	snprintf(file, sizeof(file), "%s/a/f", top);
	close(open(file, O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
	snprintf(under, sizeof(under), "%s/x/y", file);
	assert_int_equal(mkdir_parents(under, 0755), -ENOTDIR);
	assert_int_equal(mkdir_parents("", 0755), -ENAMETOOLONG);
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

/* The liblxc plugin's rules, contract 3.1, one case per rule. */
static void test_static_ips_follow_the_liblxc_rules(void **state)
{
	static const struct {
		const char *line;
		uint32_t ip; /* 0: not enumerated */
	} cases[] = {
		{ "lxc.net.0.ipv4.address = 10.0.0.1/24", 0x0a000001 },
		{ "lxc.net.0.ipv4.address=10.0.0.2", 0x0a000002 },
		{ "  lxc.net.7.ipv4.address = 10.0.0.3 10.0.0.255",
		  0x0a000003 },
		{ "lxc.net.0.ipv4.address = 10.0.0.4#note", 0x0a000004 },
		{ "lxc.net.0.ipv4.address = 10.0.0.5\t/8", 0x0a000005 },
		/* prefix and "contains", not an exact key */
		{ "lxc.net.x.ipv4.address = 10.0.0.6", 0x0a000006 },
		{ "lxc.net.ipv4.address = 10.0.0.7", 0x0a000007 },
		{ "lxc.net.0.ipv4.gateway = 10.0.0.8", 0 },
		{ "lxc.net.0.ipv6.address = ::1", 0 },
		{ "lxc.network.0.ipv4.address = 10.0.0.9", 0 },
		{ "xlxc.net.0.ipv4.address = 10.0.0.10", 0 },
		{ "# lxc.net.0.ipv4.address = 10.0.0.11", 0 },
		{ "lxc.net.0.ipv4.address = auto", 0 },
		{ "lxc.net.0.ipv4.address = dhcp", 0 },
		{ "lxc.net.0.ipv4.address = 300.0.0.1/24", 0 },
		{ "lxc.net.0.ipv4.address =", 0 },
		{ "lxc.net.0.ipv4.address = /24", 0 },
		{ "lxc.net.0.ipv4.address = 10.0.0.12.13.14.15.16.17", 0 },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct ips s = { .n = 0 };
		int n = each_static_ip(cases[i].line, strlen(cases[i].line),
				       collect_ip, &s);

		if (n != (cases[i].ip ? 1 : 0) || s.n != n ||
		    (n && s.ip[0] != cases[i].ip))
			fail_msg("case %zu '%s': %d found, first 0x%x", i,
				 cases[i].line, n, n ? s.ip[0] : 0);
	}
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

/* ---- pool networks ---- */

static struct pv_platform_network_iface make_iface(const char *name,
						   const char *addr,
						   const char *gw,
						   const char *br,
						   const char *mac)
{
	struct pv_platform_network_iface i = {
		.name = (char *)name,
		.pool = "internal",
		.ipv4_address = (char *)addr,
		.ipv4_gateway = (char *)gw,
		.bridge = (char *)br,
		.mac_address = (char *)mac,
	};

	return i;
}

/* A pool network as the core builds it: an empty circular list. */
static void make_pool(struct pv_platform *p,
		      struct pv_platform_network *net, const char *hostname)
{
	memset(net, 0, sizeof(*net));
	net->mode = PV_NET_MODE_POOL;
	net->hostname = (char *)hostname;
	net->interfaces.next = net->interfaces.prev = &net->interfaces;
	p->network = net;
}

/* Appends i at the tail, as the core's dl_list_add_tail. */
static void add_iface(struct pv_platform_network *net,
		      struct pv_platform_network_iface *i)
{
	struct pv_dl_list *head = &net->interfaces;

	i->list.prev = head->prev;
	i->list.next = head;
	head->prev->next = &i->list;
	head->prev = &i->list;
}

static struct pv_platform_network_iface full_eth0(void)
{
	return make_iface("eth0", "10.0.5.7/24", "10.0.5.1", "pvbr0",
			  "02:00:0a:00:05:07");
}

/* The writer's additions for p's network over orig; the test frees it. */
static char *render_pool(const struct pv_platform *p, const char *orig,
			 struct net_in *n)
{
	struct cfg_in c = base_cfg();

	assert_int_equal(resolve_network(p, n), 1);
	c.net = n;
	return render(&c, orig);
}

/* base_cfg()'s additions up to the environment, then the given tail. */
#define BASE_ADDITIONS_NO_UTS                                                 \
	"lxc.rootfs.mount = /usr/lib/lxc/rootfs\n"                            \
	"lxc.log.level = 2\n"                                                 \
	"lxc.console.path = /dev/pts/3\n"                                     \
	"lxc.cgroup.dir.container = lxc/app\n"                                \
	"lxc.cgroup.dir.monitor = lxc.monitor.app\n"                          \
	"lxc.environment = container=pv-app\n"

static void test_pool_writer_one_interface_line_by_line(void **state)
{
	struct pv_platform p;
	struct pv_platform_network net;
	struct pv_platform_network_iface i = full_eth0();
	struct net_in n;
	char *out;

	(void)state;
	make_platform(&p, "app");
	make_pool(&p, &net, "pool-host");
	add_iface(&net, &i);
	out = render_pool(&p, "lxc.rootfs.path = dir:/r\n", &n);
	assert_string_equal(additions(out),
			    BASE_ADDITIONS_NO_UTS
			    "lxc.uts.name = pool-host\n"
			    "lxc.net.0.type = veth\n"
			    "lxc.net.0.link = pvbr0\n"
			    "lxc.net.0.name = eth0\n"
			    "lxc.net.0.ipv4.address = 10.0.5.7/24\n"
			    "lxc.net.0.ipv4.gateway = 10.0.5.1\n"
			    "lxc.net.0.hwaddr = 02:00:0a:00:05:07\n"
			    "lxc.net.0.flags = up\n");
	free(out);
}

static void test_pool_writer_without_gateway_or_mac(void **state)
{
	struct pv_platform p;
	struct pv_platform_network net;
	struct pv_platform_network_iface a =
		make_iface("eth0", "10.0.5.7/24", NULL, "pvbr0", "");
	struct pv_platform_network_iface b = make_iface(
		NULL, "10.0.6.7", "", "pvbr1", "02:00:0a:00:06:07");
	struct net_in n;
	char *out;

	(void)state;
	make_platform(&p, "app");
	make_pool(&p, &net, NULL);
	add_iface(&net, &a);
	add_iface(&net, &b);
	out = render_pool(&p, "", &n);
	/* no hostname: the platform name, as without a network */
	assert_string_equal(additions(out),
			    "lxc.rootfs.mount = /usr/lib/lxc/rootfs\n"
			    "lxc.uts.name = app\n"
			    "lxc.log.level = 2\n"
			    "lxc.console.path = /dev/pts/3\n"
			    "lxc.cgroup.dir.container = lxc/app\n"
			    "lxc.cgroup.dir.monitor = lxc.monitor.app\n"
			    "lxc.environment = container=pv-app\n"
			    "lxc.net.0.type = veth\n"
			    "lxc.net.0.link = pvbr0\n"
			    "lxc.net.0.name = eth0\n"
			    "lxc.net.0.ipv4.address = 10.0.5.7/24\n"
			    "lxc.net.0.flags = up\n"
			    "lxc.net.1.type = veth\n"
			    "lxc.net.1.link = pvbr1\n"
			    "lxc.net.1.name = eth0\n"
			    "lxc.net.1.ipv4.address = 10.0.6.7\n"
			    "lxc.net.1.hwaddr = 02:00:0a:00:06:07\n"
			    "lxc.net.1.flags = up\n");
	free(out);
}

static void test_pool_writer_skips_interfaces_without_address_or_bridge(
	void **state)
{
	struct pv_platform p;
	struct pv_platform_network net;
	struct pv_platform_network_iface i[4] = {
		make_iface("eth0", NULL, "10.0.5.1", "pvbr0", NULL),
		make_iface("eth1", "10.0.5.8/24", NULL, "pvbr0", NULL),
		make_iface("eth2", "10.0.5.9/24", NULL, NULL, NULL),
		make_iface("eth3", "10.0.5.10/24", NULL, "pvbr0", NULL),
	};
	struct net_in n;
	const char *net0;
	char *out;

	(void)state;
	make_platform(&p, "app");
	make_pool(&p, &net, "h");
	for (int k = 0; k < 4; k++)
		add_iface(&net, &i[k]);
	out = render_pool(&p, "lxc.namespace.keep = net\n", &n);
	assert_int_equal(n.n_ifaces, 2);
	/* the last skip was logged; N counts emitted interfaces only */
	assert_non_null(strstr(last_log, "'eth2' of 'app' has no bridge"));
	net0 = strstr(additions(out), "lxc.net.0.type");
	assert_non_null(net0);
	assert_string_equal(net0, "lxc.net.0.type = veth\n"
				  "lxc.net.0.link = pvbr0\n"
				  "lxc.net.0.name = eth1\n"
				  "lxc.net.0.ipv4.address = 10.0.5.8/24\n"
				  "lxc.net.0.flags = up\n"
				  "lxc.net.1.type = veth\n"
				  "lxc.net.1.link = pvbr0\n"
				  "lxc.net.1.name = eth3\n"
				  "lxc.net.1.ipv4.address = 10.0.5.10/24\n"
				  "lxc.net.1.flags = up\n"
				  "lxc.namespace.keep =\n");
	free(out);
	last_log[0] = '\0';
	/* "" counts as unset, as the core's NULL does */
	i[0].ipv4_address = "";
	i[2].bridge = "pvbr0";
	assert_int_equal(resolve_network(&p, &n), 1);
	assert_int_equal(n.n_ifaces, 3);
	assert_non_null(
		strstr(last_log, "'eth0' of 'app' has no ipv4 address"));
}

static void test_pool_with_nothing_emitted_keeps_the_namespaces(void **state)
{
	struct pv_platform p;
	struct pv_platform_network net;
	struct pv_platform_network_iface i =
		make_iface("eth0", NULL, NULL, NULL, NULL);
	struct net_in n;
	char *out;

	(void)state;
	make_platform(&p, "app");
	make_pool(&p, &net, "h");
	add_iface(&net, &i);
	out = render_pool(&p, "lxc.namespace.keep = user net\n", &n);
	assert_non_null(strstr(last_log, "no ipv4 address and no bridge"));
	assert_string_equal(additions(out),
			    BASE_ADDITIONS_NO_UTS "lxc.uts.name = h\n");
	free(out);
}

static void test_pool_hostname_overrides_the_config_one(void **state)
{
	struct pv_platform p;
	struct pv_platform_network net;
	struct net_in n;
	const char *tail;
	char *out;

	(void)state;
	make_platform(&p, "app");
	make_pool(&p, &net, "pool-host");
	out = render_pool(&p, "lxc.uts.name = own\n", &n);
	tail = additions(out);
	/* the config's line stays above, one uts line below it, last */
	assert_non_null(strstr(out, "\nlxc.uts.name = own\n"));
	assert_string_equal(tail,
			    BASE_ADDITIONS_NO_UTS "lxc.uts.name = pool-host\n");
	free(out);
	/* a config without one: still a single uts line, the pool's */
	out = render_pool(&p, "lxc.tty.max = 0\n", &n);
	assert_string_equal(additions(out),
			    BASE_ADDITIONS_NO_UTS "lxc.uts.name = pool-host\n");
	free(out);
}

static void test_pool_removes_net_from_namespace_keep(void **state)
{
	static const struct {
		const char *conf, *keep;
	} cases[] = {
		/* pvr's default, two blanks between the names */
		{ "lxc.namespace.keep = user  net  ipc\n",
		  "lxc.namespace.keep =\nlxc.namespace.keep = user ipc\n" },
		{ "lxc.namespace.keep=net\n", "lxc.namespace.keep =\n" },
		{ "lxc.namespace.keep = \tnet\tuts \n",
		  "lxc.namespace.keep =\nlxc.namespace.keep = uts\n" },
		/* lines add up; an empty one clears what came before */
		{ "lxc.namespace.keep = user\nlxc.namespace.keep = net ipc\n",
		  "lxc.namespace.keep =\nlxc.namespace.keep = user ipc\n" },
		{ "lxc.namespace.keep = user net\nlxc.namespace.keep =\n"
		  "lxc.namespace.keep = ipc\n",
		  "" },
		{ "lxc.namespace.keep = user ipc\n", "" },
		{ "# lxc.namespace.keep = net\n", "" },
		{ "lxc.namespace.keep = network\n", "" },
		{ "", "" },
	};
	struct pv_platform p;
	struct pv_platform_network net;
	struct pv_platform_network_iface i = full_eth0();
	struct net_in n;

	(void)state;
	make_platform(&p, "app");
	make_pool(&p, &net, NULL);
	add_iface(&net, &i);
	for (size_t k = 0; k < ARRAY_SIZE(cases); k++) {
		char *out = render_pool(&p, cases[k].conf, &n);
		const char *end = strstr(out, "lxc.net.0.flags = up\n");

		assert_non_null(end);
		end += strlen("lxc.net.0.flags = up\n");
		if (strcmp(end, cases[k].keep))
			fail_msg("case %zu: got '%s', want '%s'", k, end,
				 cases[k].keep);
		free(out);
	}
}

static void test_host_mode_and_no_network_change_nothing(void **state)
{
	struct pv_platform p;
	struct pv_platform_network net;
	struct pv_platform_network_iface i = full_eth0();
	struct net_in n;

	(void)state;
	make_platform(&p, "app");
	assert_int_equal(resolve_network(&p, &n), 0);
	make_pool(&p, &net, "h");
	add_iface(&net, &i);
	net.mode = PV_NET_MODE_HOST;
	assert_int_equal(resolve_network(&p, &n), 0);
	net.mode = PV_NET_MODE_NONE;
	assert_int_equal(resolve_network(&p, &n), 0);
}

static void test_pool_values_are_validated(void **state)
{
	static const struct {
		const char *host, *name, *addr, *gw, *br, *mac, *log;
	} cases[] = {
		{ "a\nlxc.hook.pre-start = /x", "eth0", "10.0.0.2/24", NULL,
		  "br", NULL, "hostname 'a?lxc.hook.pre-start = /x' of 'app' "
			      "contains a newline" },
		{ "a b", "eth0", "10.0.0.2/24", NULL, "br", NULL,
		  "hostname 'a b' of 'app' contains whitespace" },
		{ NULL, "eth 0", "10.0.0.2/24", NULL, "br", NULL,
		  "interface 0 of 'app': name 'eth 0' contains whitespace" },
		{ NULL, "eth0", "10.0.0.2/24", NULL, "br\t0", NULL,
		  "bridge 'br?0' contains whitespace" },
		{ NULL, "eth0", "10.0.0.2/24\r", NULL, "br", NULL,
		  "ipv4 address '10.0.0.2/24?' contains a newline" },
		{ NULL, "eth0", "10.0.0.2/24", "10.0.0.1 x", "br", NULL,
		  "ipv4 gateway '10.0.0.1 x' contains whitespace" },
		{ NULL, "eth0", "10.0.0.2/24", NULL, "br", "02:00\x1b",
		  "mac address '02:00?' contains a control character" },
	};
	struct pv_platform p;
	struct pv_platform_network net;
	struct pv_platform_network_iface i;
	struct net_in n;

	(void)state;
	make_platform(&p, "app");
	for (size_t k = 0; k < ARRAY_SIZE(cases); k++) {
		make_pool(&p, &net, cases[k].host);
		i = make_iface(cases[k].name, cases[k].addr, cases[k].gw,
			       cases[k].br, cases[k].mac);
		add_iface(&net, &i);
		last_log[0] = '\0';
		assert_int_equal(resolve_network(&p, &n), -EINVAL);
		if (!strstr(last_log, cases[k].log))
			fail_msg("case %zu: log '%s' lacks '%s'", k, last_log,
				 cases[k].log);
	}
	/* LXC takes "address/N broadcast": the one value with a blank */
	make_pool(&p, &net, "h");
	i = make_iface("eth0", "10.0.0.2/24 10.0.0.255", NULL, "br", NULL);
	add_iface(&net, &i);
	assert_int_equal(resolve_network(&p, &n), 1);
	assert_string_equal(n.ifaces[0].address, "10.0.0.2/24 10.0.0.255");
}

static void test_start_of_a_pool_with_a_bad_value_is_refused(void **state)
{
	struct pv_platform p;
	struct pv_platform_network net;
	struct pv_platform_network_iface i =
		make_iface("eth0", "10.0.0.2/24", NULL, "br\nx", NULL);

	(void)state;
	make_conf();
	make_platform(&p, "app");
	make_pool(&p, &net, "h");
	add_iface(&net, &i);
	assert_refused_before_writing(&p, "0", conf_path,
				      "bridge 'br?x' contains a newline");
}

/*
 * The contract's numbers (section 3.1), written out here rather than taken
 * from the header: a platform laid out byte by byte as the core lays it.
 */
#if UINTPTR_MAX == 0xffffffffffffffffu
#define CORE_NETWORK_OFF 312
#else
#define CORE_NETWORK_OFF (sizeof(time_t) == 8 ? 248 : 192)
#endif
#define PTR_AT(base, n) ((base) + (n) * sizeof(void *))

union core_bytes {
	max_align_t align;
	unsigned char b[384];
};

static void put_ptr(unsigned char *at, const void *v)
{
	memcpy(at, &v, sizeof(v));
}

/* Interface k: nine strings, then its node; linked to next_node. */
static void put_iface(unsigned char *i, const char *name, const char *addr,
		      const char *gw, const char *br, const char *mac,
		      const void *next_node, const void *prev_node)
{
	put_ptr(PTR_AT(i, 0), name);
	put_ptr(PTR_AT(i, 1), "internal");
	put_ptr(PTR_AT(i, 2), addr);
	put_ptr(PTR_AT(i, 3), gw);
	put_ptr(PTR_AT(i, 4), br);
	put_ptr(PTR_AT(i, 6), mac);
	put_ptr(PTR_AT(i, 9), next_node);
	put_ptr(PTR_AT(i, 10), prev_node);
}

static void test_list_walk_over_the_core_layout(void **state)
{
	static union core_bytes plat, net, ifs[2];
	const int pool = 2;
	unsigned char *head = PTR_AT(net.b, 2);
	unsigned char *node0 = PTR_AT(ifs[0].b, 9);
	unsigned char *node1 = PTR_AT(ifs[1].b, 9);
	struct net_in n;

	(void)state;
	put_ptr(plat.b, "app");
	put_ptr(plat.b + CORE_NETWORK_OFF, net.b);
	memcpy(net.b, &pool, sizeof(pool));
	put_ptr(PTR_AT(net.b, 1), "pool-host");
	put_ptr(head, node0);
	put_ptr(PTR_AT(head, 1), node1);
	put_iface(ifs[0].b, "eth0", "10.0.5.7/24", "10.0.5.1", "pvbr0",
		  "02:00:0a:00:05:07", node1, head);
	put_iface(ifs[1].b, "eth1", "10.0.6.7/24", NULL, "pvbr1", NULL, head,
		  node0);
	assert_int_equal(resolve_network((struct pv_platform *)plat.b, &n), 1);
	assert_string_equal(n.hostname, "pool-host");
	assert_int_equal(n.n_ifaces, 2);
	assert_string_equal(n.ifaces[0].name, "eth0");
	assert_string_equal(n.ifaces[0].link, "pvbr0");
	assert_string_equal(n.ifaces[0].address, "10.0.5.7/24");
	assert_string_equal(n.ifaces[0].gateway, "10.0.5.1");
	assert_string_equal(n.ifaces[0].hwaddr, "02:00:0a:00:05:07");
	assert_string_equal(n.ifaces[1].name, "eth1");
	assert_string_equal(n.ifaces[1].link, "pvbr1");
	assert_null(n.ifaces[1].gateway);
	assert_null(n.ifaces[1].hwaddr);

	/* corrupt: the two nodes point at each other, never at the head */
	put_ptr(PTR_AT(ifs[1].b, 9), node0);
	last_log[0] = '\0';
	assert_int_equal(resolve_network((struct pv_platform *)plat.b, &n),
			 -EINVAL);
	assert_non_null(strstr(last_log, "interface list of 'app' is broken "
					 "(no end after 64 interfaces)"));
	/* corrupt: a NULL link */
	put_ptr(PTR_AT(ifs[1].b, 9), NULL);
	assert_int_equal(resolve_network((struct pv_platform *)plat.b, &n),
			 -EINVAL);
	assert_non_null(strstr(last_log, "(a NULL link after 2 interfaces)"));
}

static void test_validate_refuses_a_pool_with_its_own_net_lines(void **state)
{
	static const struct {
		const char *conf;
		int ret;
	} cases[] = {
		{ "lxc.rootfs.path = dir:/r\n", 0 },
		{ "# lxc.net.0.type = veth\n\n   \n#lxc.net.0.link = br\n", 0 },
		{ "lxc.network.type = veth\n", 0 },
		{ "lxc.net =\n", 0 },
		{ "lxc.environment = lxc.net.0.type=veth\n", 0 },
		{ "lxc.rootfs.path = dir:/r\nlxc.net.0.type = empty\n", -1 },
		{ "  \tlxc.net.1.link = br0\n", -1 },
		{ "lxc.net.0.type\n", -1 },
	};
	struct pv_platform p;
	struct pv_platform_network net;

	(void)state;
	snprintf(conf_path, sizeof(conf_path), "%s/pool.conf", sandbox);
	for (size_t k = 0; k < ARRAY_SIZE(cases); k++) {
		write_text(conf_path, cases[k].conf, 0644);
		make_platform(&p, "app");
		/* the core validates before it leases: no addresses yet */
		make_pool(&p, &net, "h");
		last_log[0] = '\0';
		if (pv_validate_container_config(&p, conf_path) !=
		    cases[k].ret)
			fail_msg("case %zu '%s': not %d", k, cases[k].conf,
				 cases[k].ret);
		/* host mode and no network: anything goes */
		net.mode = PV_NET_MODE_HOST;
		assert_int_equal(pv_validate_container_config(&p, conf_path),
				 0);
		p.network = NULL;
		assert_int_equal(pv_validate_container_config(&p, conf_path),
				 0);
	}
	write_text(conf_path, "lxc.tty.max = 0\nlxc.net.0.type = empty\n",
		   0644);
	make_pool(&p, &net, "h");
	assert_int_equal(pv_validate_container_config(&p, conf_path), -1);
	assert_non_null(strstr(last_log, "'app' declares an IPAM pool"));
	assert_non_null(strstr(last_log, "(line 2: 'lxc.net.0.type = empty')"));
	assert_non_null(strstr(last_log, "drop every lxc.net.* line"));
}
#endif

/* ---- Pantavisor's init mode ---- */

static void test_init_mode_follows_the_core_s_order(void **state)
{
	static const struct {
		const char *config, *policy, *cmdline, *env;
		int bare;
		enum init_mode want;
	} cases[] = {
		{ NULL, NULL, NULL, NULL, -1, MODE_EMBEDDED },
		{ "PV_SYSTEM_INIT_MODE=appengine\n", NULL, NULL, NULL, -1,
		  MODE_APPENGINE },
		{ "# c\nsystem.init.mode = \"appengine\"\n", NULL, NULL, NULL,
		  -1, MODE_APPENGINE },
		{ "PV_SYSTEM_INIT_MODE=appengine\n", "PV_SYSTEM_INIT_MODE="
		  "embedded\n", NULL, NULL, -1, MODE_EMBEDDED },
		{ NULL, NULL, "quiet pv_system_init_mode=appengine ro", NULL,
		  -1, MODE_APPENGINE },
		{ NULL, NULL, "system_init_mode=appengine", NULL, -1,
		  MODE_EMBEDDED }, /* not a pv_ token */
		{ "PV_SYSTEM_INIT_MODE=appengine\n", NULL,
		  "pv_system_init_mode=standalone", NULL, -1, MODE_STANDALONE },
		{ NULL, NULL, "pv_system_init_mode=appengine", "embedded", -1,
		  MODE_EMBEDDED },
		{ NULL, NULL, NULL, "appengine", MODE_EMBEDDED, MODE_EMBEDDED },
		{ NULL, NULL, NULL, "bogus", -1, MODE_EMBEDDED },
		{ "PV_SYSTEM_INIT_MODE=\n", NULL, NULL, NULL, MODE_APPENGINE,
		  MODE_APPENGINE },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct mode_sources m = { cases[i].config, cases[i].policy,
					  cases[i].cmdline, cases[i].env,
					  cases[i].bare };

		if (init_mode_of(&m) != cases[i].want)
			fail_msg("case %zu: got %s, want %s", i,
				 mode_names[init_mode_of(&m)],
				 mode_names[cases[i].want]);
	}
}

static void test_core_args_give_config_cmdline_and_bare_words(void **state)
{
	char args[] = "pantavisor\0--config\0/x/pv.config\0--cmdline\0"
		      "pv_a=b\0pv_appengine";
	struct core_args a;

	(void)state;
	parse_core_args(args, sizeof(args), &a);
	assert_string_equal(a.config, "/x/pv.config");
	assert_string_equal(a.cmdline, "pv_a=b");
	assert_int_equal(a.bare, MODE_APPENGINE);
	parse_core_args(args, 11, &a); /* "pantavisor" alone */
	assert_null(a.config);
	assert_int_equal(a.bare, -1);
}

static void test_appengine_adds_cgroup_relative_from_lxc_3_1(void **state)
{
	struct cfg_in c = { .name = "app", .rev = "0", .conf_path = "/c",
			    .lxcpath = "/l", .config_path = "/r/config",
			    .rootfs_mount = "/m", .loglevel = 2 };
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	for (int i = 0; i < 3; i++) {
		c.appengine = i > 0;
		c.lxc_version = i == 2 ? LXC_V(3, 0) : LXC_V(5, 0);
		f = open_memstream(&text, &len);
		assert_int_equal(write_config(f, &c, "", 0), 0);
		fclose(f);
		if (i == 1)
			assert_non_null(strstr(text, "\nlxc.cgroup.relative = 1\n"));
		else
			assert_null(strstr(text, "lxc.cgroup.relative"));
		free(text);
		text = NULL;
	}
}

/* ---- platform config lines ---- */

static void test_fork_keys_are_commented_and_the_rest_kept(void **state)
{
	const char in[] = "lxc.tty.max = 8\n  lxc.tty.min = 8\n# x\n\n"
			  "lxc.rootfs.bdev_type = squashfs\nlxc.uts.name = h";
	const char want[] =
		"lxc.tty.max = 8\n"
		"# pv_lxccli: key of Pantavisor's LXC fork only:   "
		"lxc.tty.min = 8\n# x\n\n"
		"# pv_lxccli: key of Pantavisor's LXC fork only: "
		"lxc.rootfs.bdev_type = squashfs\nlxc.uts.name = h\n";
	char *out = NULL;
	size_t len = 0;

	(void)state;
	assert_int_equal(plan_lines("p", NULL, in, strlen(in), &out, &len), 0);
	assert_string_equal(out, want);
	free(out);
}

static void test_origin_mkdir_makes_the_source_and_is_dropped(void **state)
{
	char in[PATH_MAX * 2], want[PATH_MAX * 3], src[PATH_MAX];
	char *out = NULL;
	size_t len = 0;
	struct stat st;

	(void)state;
	snprintf(src, sizeof(src), "%s/made/here", sandbox);
	snprintf(in, sizeof(in), "lxc.mount.entry = %s data none "
				 "bind,origin=mkdir,create=dir 0 0\n", src);
	snprintf(want, sizeof(want),
		 "# pv_lxccli: origin=mkdir done:\n# %.*s\n"
		 "lxc.mount.entry = %s data none bind,create=dir 0 0\n",
		 (int)strlen(in) - 1, in, src);
	assert_int_equal(plan_lines("p", NULL, in, strlen(in), &out, &len), 0);
	assert_string_equal(out, want);
	assert_int_equal(stat(src, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	free(out);
}

static void test_mount_target_rewritten_with_the_original_kept(void **state)
{
	struct rootfs_layers l = { .n = 1 };
	char root[PATH_MAX], link[PATH_MAX + 16];
	const char in[] = "lxc.mount.entry = /a var/run/dbus none bind 0 0\n"
			  "lxc.mount.entry = /b tmp none bind 0 0\n";
	const char want[] =
		"# pv_lxccli: target resolved inside the rootfs:\n"
		"# lxc.mount.entry = /a var/run/dbus none bind 0 0\n"
		"lxc.mount.entry = /a run/dbus none bind 0 0\n"
		"lxc.mount.entry = /b tmp none bind 0 0\n";
	char *out = NULL;
	size_t len = 0;

	(void)state;
	snprintf(root, sizeof(root), "%s/root", sandbox);
	snprintf(link, sizeof(link), "%s/var", root);
	assert_int_equal(mkdir_parents(link, 0755), 0);
	strcat(link, "/run");
	assert_int_equal(symlink("/run", link), 0);
	snprintf(l.dir[0], sizeof(l.dir[0]), "%s", root);
	assert_int_equal(plan_lines("p", &l, in, strlen(in), &out, &len), 0);
	assert_string_equal(out, want);
	free(out);
}

/* a link in the image must not smuggle a second line into the config */
static void test_link_to_a_path_with_a_newline_is_left_alone(void **state)
{
	struct rootfs_layers l = { .n = 1 };
	char root[PATH_MAX], link[PATH_MAX + 16];
	const char in[] = "lxc.mount.entry = /a x none bind 0 0\n";
	char *out = NULL;
	size_t len = 0;

	(void)state;
	snprintf(root, sizeof(root), "%s/root", sandbox);
	assert_int_equal(mkdir_parents(root, 0755), 0);
	snprintf(link, sizeof(link), "%s/x", root);
	assert_int_equal(symlink("y\nlxc.hook.pre-start = /bin/false", link),
			 0);
	snprintf(l.dir[0], sizeof(l.dir[0]), "%s", root);
	assert_int_equal(plan_lines("p", &l, in, strlen(in), &out, &len), 0);
	assert_string_equal(out, in);
	free(out);
	unlink(link);
	assert_int_equal(symlink("with blank", link), 0);
	assert_int_equal(plan_lines("p", &l, in, strlen(in), &out, &len), 0);
	assert_string_equal(out, in);
	free(out);
}

static void test_absolute_spec_resolves_from_the_config_folder(void **state)
{
	static const char *const cases[][2] = {
		{ "rootfs", "/t/rootfs" },
		{ "dir:rootfs", "dir:/t/rootfs" },
		{ "/abs", "/abs" },
		{ "overlayfs:low:/up", "overlayfs:/t/low:/up" },
		{ "overlay:/a:b:c", "overlay:/a:/t/b:/t/c" },
	};
	char out[256];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		assert_int_equal(absolute_spec(cases[i][0], "/t", out,
					       sizeof(out)), 0);
		assert_string_equal(out, cases[i][1]);
	}
	assert_int_equal(absolute_spec("rootfs", "/t", out, 8), -ENAMETOOLONG);
}

/* Lines of one read go in one write, whole or not at all. */
/* A socket that keeps writes apart, for the relay: one recv, one write. */
static void relay_socket(int p[2])
{
	assert_int_equal(
		socketpair(AF_UNIX,
			   SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, p),
		0);
}

/*
 * While lxc-start runs (hold), reads add up and nothing is written until
 * the relay is told to send, or a helper line of its own comes (the hook):
 * then all of it in one write, in the order read.
 */
static void test_relay_holds_lxc_lines_until_sent(void **state)
{
	const char one[] =
		"lxc-start n 20261201204246.676 INFO     conf - c.c:f:1 - a\n";
	const char two[] =
		"lxc-start n 20261201204246.677 INFO     conf - c.c:f:2 - b\n";
	struct log_relay r = { .min_level = 2, .hold = true };
	char buf[4096];
	ssize_t n;
	int p[2];

	(void)state;
	relay_socket(p);
	r.to = p[1];
	relay_feed(&r, one, strlen(one));
	relay_feed(&r, two, strlen(two));
	assert_int_equal(recv(p[0], buf, sizeof(buf), 0), -1);
	assert_int_equal(errno, EAGAIN);
	/* a line of the helper's own to logfd sends what is held first */
	pass_relay = &r;
	helper_line_hook = send_held;
	helper_logfd = p[1];
	helper_min = PV_LOG_INFO;
	helper_line(PV_LOG_INFO, "INFO", "mine");
	helper_min = -1;
	helper_logfd = -1;
	helper_line_hook = NULL;
	pass_relay = NULL;
	n = recv(p[0], buf, sizeof(buf) - 1, 0);
	assert_int_equal(n, (ssize_t)(strlen(one) + strlen(two)));
	buf[n] = '\0';
	assert_true(strstr(buf, " - a\n") < strstr(buf, " - b\n"));
	n = recv(p[0], buf, sizeof(buf) - 1, 0);
	assert_true(n > 0);
	buf[n] = '\0';
	assert_non_null(strstr(buf, "mine"));
	close(p[0]);
	close(p[1]);
}

static void test_relay_passes_a_read_in_one_write_or_drops_it(void **state)
{
	const char log[] =
		"lxc-start n 20261201204246.676 INFO     conf - c.c:f:1 - a\n"
		"lxc-start n 20261201204246.676 DEBUG    conf - c.c:f:2 - b\n"
		"lxc-start n 20261201204246.676 ERROR    conf - c.c:f:3 - c\n";
	struct log_relay r = { .min_level = 2 };
	char buf[4096], *want;
	size_t filled = 0, left = 0;
	ssize_t n;
	int p[2], size;

	(void)state;
	relay_socket(p);
	r.to = p[1];
	relay_feed(&r, log, strlen(log));
	n = recv(p[0], buf, sizeof(buf) - 1, 0);
	assert_true(n > 0);
	buf[n] = '\0';
	/* the INFO line and the ERROR line, the DEBUG one left out */
	want = strstr(log, "lxc-start n 20261201204246.676 DEBUG");
	assert_int_equal((size_t)n,
			 strlen(log) - (strchr(want, '\n') + 1 - want));
	assert_null(strstr(buf, "DEBUG"));
	assert_non_null(strstr(buf, " - a\n"));
	assert_non_null(strstr(buf, " - c\n"));
	close(p[0]);
	close(p[1]);
	/* a reader behind: the core's pipe full but for 100 bytes, which
	 * the first line alone would fit in and both together not */
	assert_int_equal(pipe2(p, O_NONBLOCK | O_CLOEXEC), 0);
	r.to = p[1];
	size = fcntl(p[1], F_GETPIPE_SZ);
	assert_true(size > 100);
	memset(buf, 'x', sizeof(buf));
	while (filled < (size_t)size - 100) {
		size_t k = (size_t)size - 100 - filled;

		n = write(p[1], buf, k < sizeof(buf) ? k : sizeof(buf));
		assert_true(n > 0);
		filled += (size_t)n;
	}
	assert_true(strchr(log, '\n') + 1 - log < 100);
	relay_feed(&r, log, strlen(log));
	assert_int_equal(r.to, p[1]); /* EAGAIN is no reason to stop */
	while ((n = read(p[0], buf, sizeof(buf))) > 0)
		left += (size_t)n;
	assert_int_equal(left, filled); /* nothing, not a part of it */
	close(p[0]);
	close(p[1]);
}

static void test_lxc_log_lines_give_level_and_first_error(void **state)
{
	struct log_relay r = { .to = -1, .min_level = 2 };
	const char log[] =
		"lxc-start n 20261201204246.676 INFO     conf - c.c:f:1 - hi\n"
		"lxc-start n 20261201204246.676 ERROR    cgfsng - ../c.c:f:2 - "
		"Invalid cross-device link - Failed to open 10/..\n"
		"lxc-start n 20261201204246.676 ERROR    start - s.c:f:3 - later\n";

	(void)state;
	assert_int_equal(log_line_level(log, strlen(log)), 2);
	relay_feed(&r, log, 20);
	assert_string_equal(r.first_error, "");
	relay_feed(&r, log + 20, strlen(log) - 20);
	assert_string_equal(r.first_error, "Invalid cross-device link - Failed "
					   "to open 10/..");
	assert_int_equal(log_line_level("garbage", 7), -1);
}

/* ---- the halt signal and init, found ---- */

static void test_halt_signal_is_read_as_lxc_reads_it(void **state)
{
	(void)state;
	assert_int_equal(parse_signal("SIGUSR1"), SIGUSR1);
	assert_int_equal(parse_signal("sigpwr"), SIGPWR);
	assert_int_equal(parse_signal("15"), SIGTERM);
	assert_int_equal(parse_signal("010"), 8); /* octal, as LXC reads it */
	assert_int_equal(parse_signal("SIGRTMIN+3"), SIGRTMIN + 3);
	assert_int_equal(parse_signal("SIGRTMAX-1"), SIGRTMAX - 1);
	/* what LXC refuses, or the plugin leaves to lxc-stop */
	assert_int_equal(parse_signal("USR1"), -1);
	assert_int_equal(parse_signal("SIG"), -1);
	assert_int_equal(parse_signal(""), -1);
	assert_int_equal(parse_signal("0"), -1);
	assert_int_equal(parse_signal("99"), -1);
	assert_int_equal(parse_signal("SIGRTMIN+"), -1);
	assert_int_equal(parse_signal("SIGRTMIN+99"), -1);
	assert_int_equal(parse_signal("SIGUSR1 x"), -1);
}

static void test_halt_signal_of_a_config(void **state)
{
	const char *none = "lxc.init.cmd = /sbin/init\n";
	const char *two = "lxc.signal.halt = SIGTERM\n# x\n"
			  "lxc.signal.halt = SIGUSR2\n";
	const char *inc = "lxc.signal.halt = SIGTERM\n"
			  "lxc.include = /etc/lxc/more.conf\n";
	const char *bad = "lxc.signal.halt = SIGNOPE\n";

	(void)state;
	assert_int_equal(cfg_halt_signal(none, strlen(none)), 0);
	assert_int_equal(cfg_halt_signal(two, strlen(two)), SIGUSR2);
	assert_int_equal(cfg_halt_signal(inc, strlen(inc)), -1);
	assert_int_equal(cfg_halt_signal(bad, strlen(bad)), -1);
}

/* A /proc of this test's making, as the kernel lays it out. */
static void fake_proc(const char *dir, int pid, const char *children,
		      const char *status)
{
	char path[PATH_MAX + 64]; /* dir is a PATH_MAX buffer */

	snprintf(path, sizeof(path), "%s/%d/task/%d", dir, pid, pid);
	assert_int_equal(mkdir_parents(path, 0755), 0);
	if (children) {
		snprintf(path, sizeof(path), "%s/%d/task/%d/children", dir,
			 pid, pid);
		write_text(path, children, 0644);
	}
	if (status) {
		snprintf(path, sizeof(path), "%s/%d/status", dir, pid);
		write_text(path, status, 0644);
	}
}

static void test_init_is_the_one_child_of_the_one_child(void **state)
{
	char proc[PATH_MAX];
	pid_t monitor;

	(void)state;
	snprintf(proc, sizeof(proc), "%s/proc", sandbox);
	proc_root = proc;
	fake_proc(proc, 100, "200 ", NULL);
	fake_proc(proc, 200, "300 ", NULL);
	fake_proc(proc, 300, "", "Name:\tinit\nNSpid:\t300\t1\nX:\t0\n");
	assert_int_equal(init_below(100, &monitor), 300);
	assert_int_equal(monitor, 200);
	/* a shared pid namespace: not a container's init */
	fake_proc(proc, 300, "", "Name:\tinit\nNSpid:\t300\n");
	assert_int_equal(init_below(100, &monitor), -1);
	fake_proc(proc, 300, "", "Name:\tinit\nNSpid:\t300\t7\n");
	assert_int_equal(init_below(100, &monitor), -1);
	/* two children, or none: lxc-info decides */
	fake_proc(proc, 300, "", "Name:\tinit\nNSpid:\t300\t1\n");
	fake_proc(proc, 200, "300 301 ", NULL);
	assert_int_equal(init_below(100, &monitor), -1);
	fake_proc(proc, 200, "", NULL);
	assert_int_equal(init_below(100, &monitor), -1);
	/* no children file (CONFIG_PROC_CHILDREN off) */
	assert_int_equal(init_below(999, &monitor), -1);
	assert_int_equal(monitor, -1);
	proc_root = "/proc";
}

static void test_default_halt_follows_lxc_s_rule(void **state)
{
	unsigned long long rt3 = 1ULL << (SIGRTMIN + 3 - 1);
	struct init_status st = { 0 };

	(void)state;
	st.blocked = rt3 | 1;
	assert_int_equal(default_halt(&st), SIGRTMIN + 3);
	st.blocked = 1;
	assert_int_equal(default_halt(&st), SIGPWR);
}

/*
 * The halt goes only to the init the start found: this process plays it,
 * its status in a fake /proc says whose child it is.
 */
static void test_halt_goes_only_to_the_init_found(void **state)
{
	struct console_ent e = { .state = ENT_RUNNING, .own_init = true,
				 .halt = SIGUSR2, .monitor = 4242 };
	char proc[PATH_MAX], status[160];
	int me = (int)getpid(), sig = 0, fd;

	(void)state;
	e.pid = getpid();
	snprintf(proc, sizeof(proc), "%s/proc", sandbox);
	proc_root = proc;
	snprintf(status, sizeof(status),
		 "Name:\tinit\nPPid:\t4242\nNSpid:\t%d\t1\n"
		 "SigBlk:\t0000000000000000\n", me);
	fake_proc(proc, me, NULL, status);
	fd = halt_target(&e, &sig);
	if (fd == -1 && errno == ENOSYS)
		skip(); /* no pidfd_open: lxc-stop decides, tested for real */
	assert_true(fd >= 0);
	assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	assert_int_equal(sig, SIGUSR2);
	close(fd);
	e.halt = 0; /* none set: LXC's rule, SIGPWR here */
	fd = halt_target(&e, &sig);
	assert_int_equal(sig, SIGPWR);
	close(fd);
	/* a reused pid: another parent, or not a namespace's init */
	e.monitor = 4343;
	assert_int_equal(halt_target(&e, &sig), -1);
	e.monitor = 4242;
	snprintf(status, sizeof(status), "PPid:\t4242\nNSpid:\t%d\n", me);
	fake_proc(proc, me, NULL, status);
	assert_int_equal(halt_target(&e, &sig), -1);
	/* a pid from lxc-info, or a halt an include may set */
	e.own_init = false;
	assert_int_equal(halt_target(&e, &sig), -1);
	e.own_init = true;
	e.halt = -1;
	assert_int_equal(halt_target(&e, &sig), -1);
	proc_root = "/proc";
}

/* No middle child only for a core that reaps whatever ends. */
static void test_middle_child_only_for_a_core_that_does_not_reap(void **state)
{
	struct sigaction sa = { .sa_handler = SIG_DFL };

	(void)state;
	sigaction(SIGCHLD, &sa, &saved_sigchld);
	sigchld_saved = true; /* the teardown puts it back */
	assert_false(core_reaps_children()); /* core 2026.01, appengine */
	sa.sa_handler = SIG_IGN;
	sigaction(SIGCHLD, &sa, NULL);
	assert_true(core_reaps_children()); /* the kernel reaps */
	sa.sa_handler = reap_everything;
	sigaction(SIGCHLD, &sa, NULL);
	/* not PID 1 here: a handler is Pantavisor's reaper from 2026.08 */
	assert_int_equal(core_reaps_children(),
			 PV_LXCCLI_CORE >= PV_LXCCLI_CORE_2026_08);
}

/*
 * A core that reaps gets the helper as its own child, and the call does
 * not wait: a helper that cannot be exec'd still gives the pid pipe its
 * -1, and the next call logs why.
 */
static void test_direct_helper_that_cannot_exec_reports_minus_one(void **state)
{
	struct sigaction sa = { .sa_handler = reap_everything,
				.sa_flags = SA_RESTART };
	char *argv[] = { HELPER_ARGV0, "3", NULL };
	int keep[] = { -1 }, p[2];
	struct pollfd pfd;
	pid_t got = 0;

	(void)state;
	if (PV_LXCCLI_CORE < PV_LXCCLI_CORE_2026_08 || under_valgrind())
		skip(); /* not PID 1 here: this build keeps the middle */
	if (getenv("PV_LXCCLI_EMULATED")) {
		/* qemu-user runs no clone(CLONE_VM) that is not a thread */
		print_message("skipped under qemu-user: a CLONE_VM child\n");
		skip();
	}
	sigaction(SIGCHLD, &sa, &saved_sigchld);
	sigchld_saved = true; /* the teardown puts both back */
	memcpy(saved_helper_exe, helper_exe, sizeof(helper_exe));
	snprintf(helper_exe, sizeof(helper_exe), "%s/no-such-helper", sandbox);
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	assert_true(core_reaps_children());
	assert_int_equal(spawn_helper(argv, keep, p[1]), 0);
	close(p[1]);
	pfd = (struct pollfd){ p[0], POLLIN, 0 };
	assert_int_equal(poll(&pfd, 1, 5000), 1);
	assert_int_equal(read(p[0], &got, sizeof(got)), sizeof(got));
	assert_int_equal(got, -1);
	/* EOF: the helper has exited, and left the core's memory */
	assert_int_equal(poll(&pfd, 1, 5000), 1);
	assert_int_equal(read(p[0], &got, sizeof(got)), 0);
	close(p[0]);
	spawn_areas_sweep();
	assert_non_null(strstr(last_log, "cannot run the helper"));
	assert_non_null(strstr(last_log, "no-such-helper"));
}

/* ---- the forker */

/* Whether pid's argv is { HELPER_ARGV0, fd, what, ... }. */
static bool argv_is(pid_t pid, const char *what)
{
	char path[64], buf[256];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	if (strcmp(buf, HELPER_ARGV0))
		return false;
	for (int skip = 0, off = 0; off < n; off += (int)strlen(buf + off) + 1)
		if (skip++ == 2)
			return !strcmp(buf + off, what);
	return false;
}

/* A child of parent whose argv names it what, other than not; or 0. */
static pid_t find_child(pid_t parent, const char *what, pid_t not)
{
	char path[64], buf[512];
	struct dirent *e;
	pid_t found = 0;
	DIR *d = opendir("/proc");

	while (d && !found && (e = readdir(d))) {
		pid_t pid = atoi(e->d_name);
		int ppid = 0;
		FILE *f;

		if (pid <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
		f = fopen(path, "re");
		if (!f)
			continue;
		if (fgets(buf, sizeof(buf), f) && strrchr(buf, ')'))
			sscanf(strrchr(buf, ')') + 1, " %*c %d", &ppid);
		fclose(f);
		if (ppid == parent && pid != not && argv_is(pid, what))
			found = pid;
	}
	if (d)
		closedir(d);
	return found;
}

/* The forker among this process's children; 0 if there is none. */
static pid_t find_forker_child(void)
{
	return find_child(getpid(), FORKER_ARG, 0);
}

/*
 * The forker's spare, other than not, once it is there: nothing tells
 * when a process appears, so /proc is looked at every millisecond until
 * the deadline. 0 if none came.
 */
static pid_t wait_spare(pid_t forker, pid_t not)
{
	pid_t spare = 0;

	for (int ms = 0; ms < 5000 && !(spare = find_child(forker, SPARE_ARG,
							   not));
	     ms++)
		poll(NULL, 0, 1);
	return spare;
}

/*
 * A helper from a job this helper cannot read: its -1 on the pid pipe,
 * and what it wrote to stderr, which is fd 2 only during the call.
 */
static pid_t bad_job_round(char *said, size_t size, bool cloexec_err)
{
	char jobnum[16], pipenum[16];
	char *argv[] = { HELPER_ARGV0, jobnum, "start", "fk", pipenum, NULL };
	int p[2], err[2], keep[3], job, saved, ret;
	struct pollfd pfd;
	pid_t got = 0;
	ssize_t n, k = 0;

	job = (int)syscall(SYS_memfd_create, "job", MFD_CLOEXEC);
	assert_true(job >= 0);
	assert_int_equal(write(job, "garbage", 8), 8);
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	/* non-blocking: a forker started in the call keeps this fd 2 */
	assert_int_equal(pipe2(err, O_CLOEXEC | O_NONBLOCK), 0);
	snprintf(jobnum, sizeof(jobnum), "%d", job);
	snprintf(pipenum, sizeof(pipenum), "%d", p[1]);
	keep_list(keep, (int[]){ job, p[1] }, 2);
	saved = dup(2);
	dup2(err[1], 2);
	if (cloexec_err)
		fcntl(2, F_SETFD, FD_CLOEXEC);
	ret = launch_helper(argv, keep, p[1]);
	dup2(saved, 2);
	close(saved);
	close(err[1]);
	close(job);
	close(p[1]);
	assert_int_equal(ret, 0);
	pfd = (struct pollfd){ p[0], POLLIN, 0 };
	assert_int_equal(poll(&pfd, 1, 5000), 1);
	assert_int_equal(read(p[0], &got, sizeof(got)), sizeof(got));
	/* EOF: the helper has ended, all it said is in the pipe */
	assert_int_equal(poll(&pfd, 1, 5000), 1);
	assert_int_equal(read(p[0], &pfd, 1), 0);
	while (k < (ssize_t)size - 1 &&
	       (n = read(err[0], said + k, size - 1 - (size_t)k)) > 0)
		k += n;
	said[k] = '\0';
	close(p[0]);
	close(err[0]);
	return got;
}

/* A new forker, this process's child; its pid once it has exec'd. */
static pid_t own_forker(void)
{
	char said[512];

	skip_if_emulated(); /* qemu-user: no clone(CLONE_VM) of a helper */
	assert_int_equal(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
	forker_close();
	unsetenv("PV_LXCCLI_FORKER"); /* setup sets it again */
	assert_int_equal(forker_spawn(), 0);
	/* a helper forked by it: it has exec'd by then */
	assert_int_equal(bad_job_round(said, sizeof(said), false), -1);
	own_forker_pid = find_forker_child();
	assert_true(own_forker_pid > 0);
	return own_forker_pid;
}

/* Closes the core's end; 0 once the forker has exited and is reaped. */
static int end_own_forker(void)
{
	int fd = own_forker_pid > 0 ? pidfd_of(own_forker_pid) : -1, st = 0;
	struct pollfd pfd = { fd, POLLIN, 0 };
	int ret = -1;

	forker_close();
	if (own_forker_pid > 0)
		kill(own_forker_pid, SIGCONT); /* a test that stopped it */
	if (fd >= 0 && poll(&pfd, 1, 5000) == 1 &&
	    waitpid(own_forker_pid, &st, 0) == own_forker_pid &&
	    WIFEXITED(st) && WEXITSTATUS(st) == 0)
		ret = 0;
	if (fd >= 0)
		close(fd);
	own_forker_pid = 0;
	prctl(PR_SET_CHILD_SUBREAPER, 0);
	/* a forker this test could not find yet, exited on the close */
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	return ret;
}

/*
 * The forker's child is what an exec'd helper would be: the fds of the
 * call under the numbers the job names (its -1 reaches the pid pipe),
 * the core's stderr as it is during the call. The call leaves no fd.
 */
static void test_forker_runs_a_helper_with_the_fds_of_the_call(void **state)
{
	char said[512];
	pid_t forker;
	int fds;

	(void)state;
	forker = own_forker();
	/* an exec'd helper could not run now: only a forked one answers */
	memcpy(saved_helper_exe, helper_exe, sizeof(helper_exe));
	snprintf(helper_exe, sizeof(helper_exe), "%s/no-such-helper", sandbox);
	fds = count_fds();
	assert_int_equal(bad_job_round(said, sizeof(said), false), -1);
	assert_non_null(strstr(said, "helper job of 'fk' is malformed"));
	assert_int_equal(count_fds(), fds);
	/* a close-on-exec stderr is not an exec'd helper's: /dev/null */
	assert_int_equal(bad_job_round(said, sizeof(said), true), -1);
	assert_string_equal(said, "");
	assert_int_equal(find_forker_child(), forker);
	assert_int_equal(forker_deaths, 0);
	assert_int_equal(end_own_forker(), 0);
}

/*
 * A job goes to the spare that waits on the socket, the forker only forks
 * the next: a job is served while the forker is stopped, another spare
 * waits after it, and the spare ends with the core's end.
 */
static void test_forker_jobs_go_to_a_waiting_spare(void **state)
{
	char said[512];
	pid_t forker, spare, next;
	int fd;

	(void)state;
	forker = own_forker();
	spare = wait_spare(forker, 0);
	assert_true(spare > 0);
	fd = pidfd_of(spare);
	assert_true(fd >= 0);
	assert_int_equal(kill(forker, SIGSTOP), 0);
	assert_int_equal(bad_job_round(said, sizeof(said), false), -1);
	assert_non_null(strstr(said, "helper job of 'fk' is malformed"));
	/* the spare was the helper: it has ended with its job */
	assert_int_equal(poll(&(struct pollfd){ fd, POLLIN, 0 }, 1, 5000), 1);
	close(fd);
	assert_int_equal(kill(forker, SIGCONT), 0);
	next = wait_spare(forker, spare);
	assert_true(next > 0);
	fd = pidfd_of(next);
	assert_true(fd >= 0);
	assert_int_equal(end_own_forker(), 0);
	assert_int_equal(poll(&(struct pollfd){ fd, POLLIN, 0 }, 1, 5000), 1);
	close(fd);
}

/*
 * The forker ends when the core's end closes; one that is gone is
 * replaced in the call, which still gets its helper; a job too big for
 * one message is exec'd. A killed forker's spare takes one job more.
 */
static void test_forker_ends_with_the_core_and_is_replaced(void **state)
{
	char said[512], *big;
	pid_t forker;

	(void)state;
	own_forker();
	assert_int_equal(end_own_forker(), 0);
	forker = own_forker();
	/* killed once it has forked the spare for the next job */
	assert_true(wait_spare(forker, 0) > 0);
	kill(forker, SIGKILL);
	assert_int_equal(waitpid(forker, NULL, 0), forker);
	/* the spare it had: its job's -1, and the socket closed after it */
	assert_int_equal(bad_job_round(said, sizeof(said), false), -1);
	assert_int_equal(forker_deaths, 0);
	assert_int_equal(find_forker_child(), 0);
	assert_int_equal(bad_job_round(said, sizeof(said), false), -1);
	assert_int_equal(forker_deaths, 1);
	assert_non_null(strstr(last_log, "helper forker gone"));
	own_forker_pid = find_forker_child();
	assert_true(own_forker_pid > 0 && own_forker_pid != forker);
	/* 64 KiB of environment: exec'd, the forker left as it is */
	big = malloc(FORKER_MSG_MAX + 1);
	assert_non_null(big);
	memset(big, 'x', FORKER_MSG_MAX);
	big[FORKER_MSG_MAX] = '\0';
	setenv("PV_LXCCLI_TEST_BIG", big, 1);
	free(big);
	forker = own_forker_pid;
	assert_int_equal(bad_job_round(said, sizeof(said), false), -1);
	unsetenv("PV_LXCCLI_TEST_BIG");
	assert_non_null(strstr(said, "helper job of 'fk' is malformed"));
	assert_int_equal(find_forker_child(), forker);
	assert_int_equal(end_own_forker(), 0);
}

/* The inode of fd: which pipe it is. */
static ino_t ino_of(int fd)
{
	struct stat st;

	return fstat(fd, &st) ? 0 : st.st_ino;
}

/*
 * Renumbering in a cycle (each fd on another's number) and up to the last
 * number the fd limit allows: every pipe where the core had it, not
 * close-on-exec, and nothing left over.
 */
static void test_forker_child_renumbers_fds_in_place(void **state)
{
	struct rlimit saved, low;
	int p[3][2], got[3], want[4] = { -1, -1, -1, -1 }, fds;
	ino_t ino[3];

	(void)state;
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &saved), 0);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(pipe2(p[i], O_CLOEXEC), 0);
		ino[i] = ino_of(p[i][0]);
	}
	fds = count_fds();
	/* got[i] sits on want[i + 1]: a cycle */
	for (int i = 0; i < 3; i++)
		got[i] = p[i][0];
	want[0] = got[2];
	want[1] = got[0];
	want[2] = got[1];
	assert_int_equal(renumber_fds(got, want, 3), 0);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(ino_of(want[i]), ino[i]);
		assert_int_equal(fcntl(want[i], F_GETFD), 0);
	}
	assert_int_equal(count_fds(), fds);
	/* the highest number the limit allows, with no room above it */
	low = saved;
	low.rlim_cur = (rlim_t)fds + 8;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
	got[0] = want[0];
	want[0] = (int)low.rlim_cur - 1;
	assert_int_equal(renumber_fds(got, (int[]){ want[0], -1 }, 1), 0);
	assert_int_equal(ino_of(want[0]), ino[0]);
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &saved), 0);
	close(want[0]);
	close(want[1]);
	close(want[2]);
	for (int i = 0; i < 3; i++)
		close(p[i][1]);
}

/* What the call's process state is reaches the forker's child as it is. */
static void test_forker_message_carries_the_calls_state(void **state)
{
	struct forked_job f = { 0 };
	struct wire w = { 0 };
	struct wire_rd r;
	struct rlimit rl;
	mode_t old = umask(027);

	(void)state;
	forker_state(&w, 42);
	umask(old);
	assert_false(w.failed);
	r = (struct wire_rd){ w.buf, w.buf + w.len, false };
	forker_parse_state(&r, &f);
	assert_false(r.bad);
	assert_int_equal(f.mask, 027);
	assert_int_equal(f.cwd, 42);
	assert_int_equal(f.nice, getpriority(PRIO_PROCESS, 0));
	assert_int_equal(f.policy, SCHED_OTHER);
	assert_int_equal(f.n_rl, RLIM_NLIMITS);
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &rl), 0);
	assert_true(f.rl[RLIMIT_NOFILE].rlim_cur == rl.rlim_cur);
	assert_true(f.rl[RLIMIT_NOFILE].rlim_max == rl.rlim_max);
	free(w.buf);
}

/*
 * A start helper's verdict tells the core the LXC version and Pantavisor's
 * mode it found, once: later jobs carry both, so no helper reads them again.
 */
static void test_verdict_teaches_the_core_version_and_mode(void **state)
{
	struct start_verdict v = { 4242, LXC_V(5, 0), 0, 0, -1, 0,
				   MODE_APPENGINE };
	struct console_ent *e = ent_new("vd");
	int p[2], saved_mode = cached_mode;

	(void)state;
	assert_non_null(e);
	assert_int_equal(pipe2(p, O_CLOEXEC | O_NONBLOCK), 0);
	assert_int_equal(write(p[1], &v, sizeof(v)), sizeof(v));
	close(p[1]);
	e->status_rd = p[0];
	e->next = ents;
	ents = e;
	lxc_version_cached = -1;
	cached_mode = -1;
	ents_sweep();
	assert_int_equal(lxc_version_cached, LXC_V(5, 0));
	assert_int_equal(cached_mode, MODE_APPENGINE);
	assert_int_equal(e->state, ENT_RUNNING);
	assert_int_equal(e->pid, 4242);
	lxc_version_cached = -1;
	cached_mode = saved_mode;
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

/*
 * The plugin's helpers are its own program (helper_main): here, this test
 * program, which pv_lxccli.c is part of, exec'd again.
 */
int main(int argc, char **argv)
{
	if (argc > 0 && !strcmp(argv[0], HELPER_ARGV0)) {
		find_title();
		helper_main(argc, argv);
	}
	snprintf(helper_exe, sizeof(helper_exe), "/proc/self/exe");
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
		T(test_resolve_target_follows_links_inside_the_rootfs),
		T(test_resolve_target_merges_layers_like_overlayfs),
		T(test_resolve_target_honours_whiteouts_and_opaque),
		T(test_resolve_target_stops_after_40_links),
		T(test_resolve_target_refuses_bad_targets),
		T(test_rootfs_layers_of_every_spec_form),
		T(test_split_mount_entry_fields),
		T(test_mount_entry_with_target_keeps_other_fields),
		T(test_make_overlay_entry_dirs_creates_missing_only),
		T(test_make_overlay_entry_dirs_says_what_it_cannot_make),
		T(test_start_argv),
		T(test_info_argv),
		T(test_stop_argv),
		T(test_parse_pid),
		T(test_parse_version),
		T(test_cgroup_mode_from_statfs),
		T(test_cgroup_base_from_proc_self_cgroup),
		T(test_lxc_bases_cut_a_last_init_scope),
		T(test_lxc_cgroup_names_of_a_container),
		T(test_stale_cgroup_names_follow_the_lxc_version),
		T(test_run_tool_reports_exit_codes_and_output),
		T(test_run_tool_kills_at_deadline),
		T(test_run_tool_copes_with_a_host_that_reaps),
		T(test_run_tool_caps_output_keeping_the_end),
		T(test_run_tool_passes_only_the_inherited_fd),
		T(test_registry_start_getfd_stop),
		T(test_registry_failed_start_is_never_handed_out),
		T(test_registry_without_capture_has_no_console),
		T(test_config_file_is_replaced_atomically),
		T(test_mkdir_parents_makes_only_what_is_missing),
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
		cmocka_unit_test(test_init_mode_follows_the_core_s_order),
		cmocka_unit_test(
			test_core_args_give_config_cmdline_and_bare_words),
		cmocka_unit_test(
			test_appengine_adds_cgroup_relative_from_lxc_3_1),
		T(test_fork_keys_are_commented_and_the_rest_kept),
		T(test_origin_mkdir_makes_the_source_and_is_dropped),
		T(test_mount_target_rewritten_with_the_original_kept),
		T(test_link_to_a_path_with_a_newline_is_left_alone),
		cmocka_unit_test(
			test_absolute_spec_resolves_from_the_config_folder),
		cmocka_unit_test(test_lxc_log_lines_give_level_and_first_error),
		cmocka_unit_test(
			test_relay_passes_a_read_in_one_write_or_drops_it),
		cmocka_unit_test(test_relay_holds_lxc_lines_until_sent),
		cmocka_unit_test(test_halt_signal_is_read_as_lxc_reads_it),
		cmocka_unit_test(test_halt_signal_of_a_config),
		T(test_init_is_the_one_child_of_the_one_child),
		cmocka_unit_test(test_default_halt_follows_lxc_s_rule),
		T(test_halt_goes_only_to_the_init_found),
		T(test_middle_child_only_for_a_core_that_does_not_reap),
		T(test_direct_helper_that_cannot_exec_reports_minus_one),
		T(test_forker_runs_a_helper_with_the_fds_of_the_call),
		T(test_forker_jobs_go_to_a_waiting_spare),
		T(test_forker_ends_with_the_core_and_is_replaced),
		T(test_forker_child_renumbers_fds_in_place),
		T(test_forker_message_carries_the_calls_state),
		T(test_verdict_teaches_the_core_version_and_mode),
#if PV_LXCCLI_CORE >= PV_LXCCLI_CORE_2026_08
		T(test_static_ips_skip_auto_and_dhcp),
		T(test_enumerate_static_ips_entry_point),
		T(test_validate_refuses_bad_name_and_config),
		T(test_dev_log_bound_only_when_it_resolves),
		T(test_static_ips_follow_the_liblxc_rules),
		T(test_pool_writer_one_interface_line_by_line),
		T(test_pool_writer_without_gateway_or_mac),
		T(test_pool_writer_skips_interfaces_without_address_or_bridge),
		T(test_pool_with_nothing_emitted_keeps_the_namespaces),
		T(test_pool_hostname_overrides_the_config_one),
		T(test_pool_removes_net_from_namespace_keep),
		T(test_host_mode_and_no_network_change_nothing),
		T(test_pool_values_are_validated),
		T(test_start_of_a_pool_with_a_bad_value_is_refused),
		T(test_list_walk_over_the_core_layout),
		T(test_validate_refuses_a_pool_with_its_own_net_lines),
#endif
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
