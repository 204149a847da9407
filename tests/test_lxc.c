// SPDX-License-Identifier: MIT
/*
 * Integration tests on stock LXC: the plugin loaded by pvhost exactly as
 * Pantavisor loads it, real containers on a busybox rootfs. Needs root and
 * the lxc-* tools; skips (exit 77) otherwise. The plugin under test is
 * built with a 2 s lxc-stop timeout so the ignore-the-halt case ends
 * before the core's own 5 s SIGKILL.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <poll.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "pvhost.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

#define SKIP_CODE 77
#define PID_WAIT_MS 15000
/*
 * A call that does not block returns in well under a millisecond on an
 * idle machine, and in tens of ms on a loaded one (2 cores, each busy):
 * this bound holds there. A call that did block on the slow platforms
 * below (a 2 s halt, a 2 s pre-start hook) would take over 2000 ms.
 */
#define NO_BLOCK_MS 500

#define CGROUP1_MAGIC 0x27e0eb
#define CGROUP2_MAGIC 0x63677270
#define NAMES_MAX 32
#define MNT_LEN 128 /* a hierarchy's mount point */
/* The systemd-like layout: PID 1's scope and the host's service. */
#define SYSD_SCOPE "init.scope"
#define SYSD_SLICE "system.slice"
#define SYSD_SERVICE SYSD_SLICE "/pv-sysd.service"

static const char *plugin_path;
static char sandbox[256];
static char rootfs[300];
static char lxcpath[300];
static struct pvhost *host;
static struct pvhost_opts suite_opts;
static char *suite_path; /* PATH as the suite found it */
static int lxc_major; /* of lxc-start --version */

/* Every container name a test made, for its teardown to stop. */
static char made[NAMES_MAX][64];
static int n_made;

/* ---- helpers ---- */

static void write_file(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, mode), 0);
}

static char *read_text(const char *path)
{
	static char buf[65536];
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* Runs argv, returns its exit code, output in out (may be NULL). */
static int run(char *const argv[], char *out, size_t size)
{
	int p[2], st = 0;
	pid_t pid;
	size_t len = 0;
	ssize_t n;
	sigset_t chld, old;

	/* the PID 1 host reaps every child: keep it off this one */
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, &old);
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(p[1], 1);
		dup2(p[1], 2);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(p[1]);
	/* read to EOF even when the output is not wanted: no SIGPIPE */
	for (;;) {
		char sink[512];
		char *dst = out && len + 1 < size ? out + len : sink;
		size_t room = out && len + 1 < size ? size - 1 - len :
						      sizeof(sink);

		n = read(p[0], dst, room);
		if (n <= 0)
			break;
		if (dst != sink)
			len += (size_t)n;
	}
	if (out)
		out[len] = '\0';
	close(p[0]);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	sigprocmask(SIG_SETMASK, &old, NULL);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

static void conf_path(char *buf, size_t size, const char *name)
{
	snprintf(buf, size, "%s/trails/0/%s/lxc.container.conf", sandbox,
		 name);
}


/* A platform folder like a trail's: the config, and run.json if asked. */
static void make_platform(struct pvhost_plat *pl, const char *name,
			  const char *init_cmd, const char *extra)
{
	char conf[PATH_MAX], dir[PATH_MAX + 16];
	int i;

	for (i = 0; i < n_made && strcmp(made[i], name); i++)
		;
	if (i == n_made && n_made < NAMES_MAX)
		snprintf(made[n_made++], sizeof(made[0]), "%s", name);
	conf_path(conf, sizeof(conf), name);
	snprintf(dir, sizeof(dir), "%s/trails/0/%s", sandbox, name);
	assert_int_equal(pvhost_mkdir_p(dir, 0755), 0);
	assert_int_equal(pvhost_write_lxc_conf(conf, rootfs, init_cmd, extra),
			 0);
	assert_int_equal(pvhost_plat_init(pl, name, conf), 0);
}

/* The plugin's last log lines, for a failure message. */
static const char *recent_log(void)
{
	static char buf[4096];
	unsigned int n, first;

	pvhost_log_count(host, ""); /* takes in the helpers' lines */
	n = host->ring_next;
	first = n > 8 ? n - 8 : 0;
	buf[0] = '\0';
	for (unsigned int i = first; i < n; i++) {
		strncat(buf, host->ring[i % PVHOST_LOG_RING],
			sizeof(buf) - strlen(buf) - 2);
		strcat(buf, "\n");
	}
	return buf;
}

/* LXC's ERROR lines from the log pipe, for a failure message. */
static const char *lxc_errors(struct pvhost_plat *pl)
{
	static char buf[4096];
	char *line = pl->log.buf, *nl;

	buf[0] = '\0';
	pl->log.buf[sizeof(pl->log.buf) - 1] = '\0';
	for (; line && *line; line = nl ? nl + 1 : NULL) {
		nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		if (strstr(line, " ERROR "))
			strncat(buf, line, sizeof(buf) - strlen(buf) - 2),
				strcat(buf, "\n");
	}
	return buf;
}

static pid_t start_ok(struct pvhost_plat *pl)
{
	assert_int_equal(pvhost_start(host, pl), 0);
	if (pvhost_wait_pid(host, pl, PID_WAIT_MS) <= 0 &&
	    !pvhost_log_wait_for(pl, "no-such-line", 1000))
		fail_msg("no pid for '%s'; plugin said:\n%s\nLXC said:\n%s",
			 pl->name, recent_log(), lxc_errors(pl));
	return pl->pid;
}

static void stop_ok(struct pvhost_plat *pl)
{
	int killed = 0;

	assert_int_equal(pvhost_stop(host, pl, &killed), 0);
	assert_int_equal(killed, 0);
}

static void console_has(struct pvhost_plat *pl, const char *needle)
{
	if (!pvhost_console_wait_for(pl, needle, 5000))
		fail_msg("console of '%s' never said '%s' (got: %.*s)",
			 pl->name, needle, (int)pl->console.len,
			 pl->console.buf);
}

static char *init_log(void)
{
	char path[PATH_MAX + 32];

	snprintf(path, sizeof(path), "%s/%s", rootfs, PVHOST_TEST_INIT_LOG);
	return read_text(path);
}

static void clear_init_log(void)
{
	char path[PATH_MAX + 32];

	snprintf(path, sizeof(path), "%s/%s", rootfs, PVHOST_TEST_INIT_LOG);
	unlink(path);
}

/* Prints what a platform sees of Pantavisor, then becomes the test init. */
static const char check_init[] =
	"#!/bin/sh\n"
	"exec >/dev/console 2>&1\n"
	"for d in /pantavisor /pantavisor/logs /pantavisor/user-meta "
	"/pantavisor/device-meta; do [ -d $d ] && echo \"check: dir $d\"; "
	"touch $d/probe 2>/dev/null && echo \"check: rw $d\" || "
	"echo \"check: ro $d\"; done\n"
	"for f in /pantavisor/pv-ctrl /pantavisor/pv-ctrl-log; do "
	"[ -S $f ] && echo \"check: sock $f\"; done\n"
	"touch /pantavisor/logs/probe 2>/dev/null && echo 'check: logs rw' "
	"|| echo 'check: logs ro'\n"
	"echo \"check: motd=$(cat /etc/motd 2>/dev/null)\"\n"
	"echo \"check: args=$#:$1:$2\"\n"
	"echo 'check: done'\n"
	"exec " PVHOST_TEST_INIT_PATH "\n";

/* An init that ignores every halt signal. */
static const char stubborn_init[] =
	"#!/bin/sh\n"
	"trap '' USR1 PWR TERM\n"
	"echo 'stubborn: up' > /dev/console\n"
	"while :; do sleep 1 & wait $!; done\n";

/* An init that prints about 100 KB on the console while it halts. */
static const char chatty_init[] =
	"#!/bin/sh\n"
	"halt() {\n"
	"\ti=0; while [ $i -lt 1500 ]; do\n"
	"\t\techo \"chatty: shutting down, line $i of 1500, padding padding\"\n"
	"\t\ti=$((i + 1)); done > /dev/console\n"
	"\techo 'chatty: halted' >> /tmp/chatty.log; exit 0\n"
	"}\n"
	"trap halt USR1 PWR\n"
	"echo 'chatty: up' > /dev/console\n"
	"while :; do sleep 1 & wait $!; done\n";

/* ---- cgroups ---- */

static bool is_fs(const char *path, unsigned long magic)
{
	struct statfs sfs;

	return statfs(path, &sfs) == 0 && (unsigned long)sfs.f_type == magic;
}

/* Hybrid: v1 hierarchies beside cgroup2 at /sys/fs/cgroup/unified. */
static bool host_is_hybrid(void)
{
	return !is_fs("/sys/fs/cgroup", CGROUP2_MAGIC) &&
	       is_fs("/sys/fs/cgroup/unified", CGROUP2_MAGIC);
}

/* The cgroup hierarchies mounted here: cgroup2 alone, or every v1 one and
 * the unified one. */
static int hierarchies(char out[][MNT_LEN], int max)
{
	char path[PATH_MAX];
	struct dirent *e;
	struct stat st;
	DIR *d;
	int n = 0;

	if (is_fs("/sys/fs/cgroup", CGROUP2_MAGIC)) {
		snprintf(out[0], MNT_LEN, "/sys/fs/cgroup");
		return 1;
	}
	d = opendir("/sys/fs/cgroup");
	while (d && n < max && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/sys/fs/cgroup/%s", e->d_name);
		if (lstat(path, &st) < 0 || !S_ISDIR(st.st_mode))
			continue; /* cpu -> cpu,cpuacct: seen by its own name */
		if (strlen(path) < MNT_LEN &&
		    (is_fs(path, CGROUP1_MAGIC) || is_fs(path, CGROUP2_MAGIC)))
			memcpy(out[n++], path, strlen(path) + 1);
	}
	if (d)
		closedir(d);
	return n;
}

/* lxc.monitor.<name> or lxc.payload.<name>, maybe with LXC 4's -N. */
static bool lxc_cgroup_name(const char *entry, const char *name)
{
	static const char *const kinds[] = { "lxc.monitor.", "lxc.payload." };
	size_t len = strlen(name);

	for (size_t i = 0; i < 2; i++) {
		size_t k = strlen(kinds[i]);
		const char *rest = entry + k;

		if (strncmp(entry, kinds[i], k) || strncmp(rest, name, len))
			continue;
		rest += len;
		if (!*rest)
			return true;
		if (*rest++ != '-' || !*rest)
			return false;
		while (*rest >= '0' && *rest <= '9')
			rest++;
		return !*rest;
	}
	return false;
}

/* 1 when the cgroup folder is (still) there, its path added to what. */
static int cgroup_left(const char *path, bool remove, char *what,
		       size_t size)
{
	struct stat st;
	size_t n;

	if (remove)
		rmdir(path);
	if (stat(path, &st) != 0)
		return 0;
	n = what ? strlen(what) : size;
	if (n + 2 < size) { /* " path", cut to fit */
		size_t len = strlen(path), room = size - n - 2;

		len = len < room ? len : room;
		what[n] = ' ';
		memcpy(what + n + 1, path, len);
		what[n + 1 + len] = '\0';
	}
	return 1;
}

/*
 * LXC's cgroups of one name in every hierarchy, at the root and below the
 * systemd-like layout's scope and service; with remove, rmdir'd first
 * (only empty ones go). Returns how many are there, listed in what.
 */
static int lxc_cgroups_left(const char *name, bool remove, char *what,
			    size_t size)
{
	static const char *const bases[] = { "", "/" SYSD_SCOPE,
					     "/" SYSD_SERVICE };
	char mounts[16][MNT_LEN], dir[PATH_MAX + 64], path[PATH_MAX + 400];
	int n = hierarchies(mounts, 16), left = 0;

	if (what && size)
		what[0] = '\0';
	for (int m = 0; m < n; m++) {
		for (size_t b = 0; b < 3; b++) {
			struct dirent *e;
			DIR *d;

			snprintf(dir, sizeof(dir), "%s%s", mounts[m], bases[b]);
			snprintf(path, sizeof(path), "%s/lxc/%s", dir, name);
			left += cgroup_left(path, remove, what, size);
			d = opendir(dir);
			while (d && (e = readdir(d))) {
				if (e->d_type != DT_DIR ||
				    !lxc_cgroup_name(e->d_name, name))
					continue;
				snprintf(path, sizeof(path), "%s/%s", dir,
					 e->d_name);
				left += cgroup_left(path, remove, what, size);
			}
			if (d)
				closedir(d);
		}
	}
	return left;
}

/* ---- fixtures ---- */

static int group_setup(void **state)
{
	struct pvhost_opts o;
	char path[PATH_MAX + 32];

	(void)state;
	strcpy(sandbox, "/tmp/pv_lxccli_it.XXXXXX");
	if (!mkdtemp(sandbox))
		return -1;
	snprintf(rootfs, sizeof(rootfs), "%s/rootfs", sandbox);
	if (pvhost_make_rootfs(rootfs, NULL))
		return -1;
	snprintf(path, sizeof(path), "%s/sbin/check-init", rootfs);
	write_file(path, check_init, 0755);
	snprintf(path, sizeof(path), "%s/sbin/stubborn-init", rootfs);
	write_file(path, stubborn_init, 0755);
	snprintf(path, sizeof(path), "%s/sbin/chatty-init", rootfs);
	write_file(path, chatty_init, 0755);
	snprintf(path, sizeof(path), "%s/etc/motd", rootfs);
	write_file(path, "from-image\n", 0644);
	snprintf(lxcpath, sizeof(lxcpath), "%s/usr/var/lib/lxc", sandbox);
	suite_path = strdup(getenv("PATH") ? getenv("PATH") :
					     "/usr/sbin:/usr/bin:/sbin:/bin");
	pvhost_opts_init(&o, plugin_path);
	o.sandbox = sandbox;
	o.log = fopen("/dev/null", "w");
	suite_opts = o;
	host = pvhost_load(&o);
	return host && suite_path ? 0 : -1;
}

static int group_teardown(void **state)
{
	(void)state;
	if (host)
		pvhost_unload(host);
	pvhost_rm_rf(sandbox);
	free(suite_path);
	return 0;
}

static int test_setup(void **state)
{
	(void)state;
	n_made = 0;
	return 0;
}

/* Kills a container of a test, whether or not it runs. */
static void kill_container(const char *name)
{
	char cfg[PATH_MAX];
	struct stat st;
	char *argv[] = { "lxc-stop", "-n", (char *)name, "-P", lxcpath, "-k",
			 "--rcfile", cfg, NULL };

	snprintf(cfg, sizeof(cfg), "%s/%s/config", PV_LXCCLI_RUNDIR, name);
	if (stat(cfg, &st) != 0)
		argv[6] = NULL; /* no config written: none started */
	run(argv, NULL, 0);
}

static void remove_hooks(void)
{
	char dir[PATH_MAX], path[PATH_MAX + 256];
	struct dirent *e;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s/lib/pv/hooks_lxc-mount.d", sandbox);
	d = opendir(dir);
	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		unlink(path);
	}
	if (d)
		closedir(d);
}

/*
 * Runs after every test, passed or failed (a failed assertion leaves the
 * test at once): its containers killed, PATH, the hooks folder and the
 * host as the suite had them, its names' cgroups removed, so the next
 * test's verdict is its own.
 */
static int test_teardown(void **state)
{
	(void)state;
	setenv("PATH", suite_path, 1);
	unsetenv("PV_LXCCLI_FORKER");
	for (int i = 0; i < n_made; i++)
		kill_container(made[i]);
	remove_hooks();
	if (!host || host->opts.pid1 != suite_opts.pid1) {
		if (host)
			pvhost_unload(host);
		host = pvhost_load(&suite_opts);
	}
	if (!host)
		return -1;
	host->opts.loglevel = suite_opts.loglevel;
	pvhost_wait_children(0, 5000);
	for (int i = 0; i < n_made; i++)
		lxc_cgroups_left(made[i], true, NULL, 0);
	n_made = 0;
	return 0;
}

/* ---- the platform runs, and is what Pantavisor expects ---- */

static void test_pid_is_a_live_host_pid_and_init_of_a_new_pidns(void **state)
{
	struct pvhost_plat pl;
	char path[64], ns_init[64] = "", ns_self[64] = "", *status;
	pid_t pid;

	(void)state;
	make_platform(&pl, "it-basic", NULL, "lxc.environment = FOO=bar\n");
	pid = start_ok(&pl);
	assert_int_equal(kill(pid, 0), 0);
	snprintf(path, sizeof(path), "/proc/%d/ns/pid", (int)pid);
	assert_true(readlink(path, ns_init, sizeof(ns_init) - 1) > 0);
	assert_true(readlink("/proc/self/ns/pid", ns_self,
			     sizeof(ns_self) - 1) > 0);
	assert_string_not_equal(ns_init, ns_self);
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	status = read_text(path);
	assert_non_null(status);
	{
		char want[64];

		snprintf(want, sizeof(want), "NSpid:\t%d\t1\n", (int)pid);
		assert_non_null(strstr(status, want));
	}
	/* console from the getfd fd: hostname and a platform variable */
	assert_true(pl.console_fd >= 0);
	console_has(&pl, "pvhost-init: up hostname=it-basic env=bar");
	stop_ok(&pl);
}

/* LXC 5.0 and later: lxc/<name>, what the core's caller check wants. 4.x
 * has no key for it: lxc.payload.<name>, and a WARN says what is lost. */
static void
test_cgroup_is_lxc_slash_name_or_4x_payload_with_a_warning(void **state)
{
	struct pvhost_plat pl;
	char path[64], *cg;
	const char *want = lxc_major >= 5 ? "/lxc/it-cgroup\n" :
					    "/lxc.payload.it-cgroup\n";

	(void)state;
	make_platform(&pl, "it-cgroup", NULL, NULL);
	pvhost_log_clear(host);
	start_ok(&pl);
	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pl.pid);
	cg = read_text(path);
	assert_non_null(cg);
	if (!strstr(cg, want))
		fail_msg("LXC %d: init's cgroups lack %s%s", lxc_major, want,
			 cg);
	if (lxc_major < 5 &&
	    (!pvhost_log_contains(host, "WARN LXC 4.") ||
	     !pvhost_log_contains(host, "cannot name the cgroup: "
				       "'it-cgroup' runs in "
				       "'lxc.payload.it-cgroup', not "
				       "'lxc/it-cgroup', so Pantavisor refuses "
				       "its pv-ctrl requests")))
		fail_msg("no WARN about pv-ctrl; plugin said:\n%s",
			 recent_log());
	if (lxc_major >= 5 && pvhost_log_contains(host, "cannot name"))
		fail_msg("LXC %d warned about the cgroup name", lxc_major);
	stop_ok(&pl);
}

static void test_management_platform_sees_pantavisor_read_only(void **state)
{
	struct pvhost_plat pl;

	(void)state;
	make_platform(&pl, "it-mgmt", "/sbin/check-init", NULL);
	pl.mgmt = true;
	start_ok(&pl);
	/* in the order init prints them: each folder there, and read-only */
	console_has(&pl, "check: dir /pantavisor\r");
	console_has(&pl, "check: ro /pantavisor\r");
	console_has(&pl, "check: dir /pantavisor/logs\r");
	console_has(&pl, "check: ro /pantavisor/logs\r");
	console_has(&pl, "check: dir /pantavisor/user-meta\r");
	console_has(&pl, "check: ro /pantavisor/user-meta\r");
	console_has(&pl, "check: dir /pantavisor/device-meta\r");
	console_has(&pl, "check: ro /pantavisor/device-meta\r");
	stop_ok(&pl);
}

static void test_regular_platform_gets_its_folders_made(void **state)
{
	struct pvhost_plat pl;
	char dir[PATH_MAX + 64];
	struct stat st;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/pv/user-meta.it-app", sandbox);
	assert_int_not_equal(stat(dir, &st), 0); /* not there before */
	make_platform(&pl, "it-app", "/sbin/check-init", NULL);
	start_ok(&pl);
	console_has(&pl, "check: dir /pantavisor/logs\r");
	console_has(&pl, "check: dir /pantavisor/user-meta\r");
	console_has(&pl, "check: dir /pantavisor/device-meta\r");
	console_has(&pl, "check: sock /pantavisor/pv-ctrl\r");
	console_has(&pl, "check: sock /pantavisor/pv-ctrl-log\r");
	console_has(&pl, "check: logs ro");
	assert_int_equal(stat(dir, &st), 0);
	snprintf(dir, sizeof(dir), "%s/pv/logs/0/it-app", sandbox);
	assert_int_equal(stat(dir, &st), 0);
	stop_ok(&pl);
}

static void test_mount_hooks_run_and_export_only_with_export(void **state)
{
	char hooks[PATH_MAX + 64], path[PATH_MAX + 96], mark[PATH_MAX + 64];
	char script[PATH_MAX * 2], run_json[PATH_MAX + 64], *got;
	struct pvhost_plat pl;

	(void)state;
	snprintf(hooks, sizeof(hooks), "%s/lib/pv/hooks_lxc-mount.d", sandbox);
	snprintf(mark, sizeof(mark), "%s/hooks.log", sandbox);
	snprintf(script, sizeof(script),
		 "#!/bin/sh\necho \"mark:$LXC_NAME\" >> %s\n", mark);
	snprintf(path, sizeof(path), "%s/10-mark.sh", hooks);
	write_file(path, script, 0755);
	/* like Pantavisor's: fails without run.json beside the config */
	snprintf(script, sizeof(script),
		 "#!/bin/sh\n[ -f \"$(dirname \"$LXC_CONFIG_FILE\")/run.json\" ]"
		 " || exit 1\necho \"export:$LXC_NAME\" >> %s\n",
		 mark);
	snprintf(path, sizeof(path), "%s/export.sh", hooks);
	write_file(path, script, 0755);

	make_platform(&pl, "it-hooks", NULL, NULL);
	start_ok(&pl);
	stop_ok(&pl);
	got = read_text(mark);
	assert_non_null(got);
	assert_non_null(strstr(got, "mark:it-hooks\n"));
	assert_null(strstr(got, "export:"));

	make_platform(&pl, "it-export", NULL, NULL);
	snprintf(run_json, sizeof(run_json), "%s/trails/0/it-export/run.json",
		 sandbox);
	write_file(run_json, "{\"exports\": [\"x\"]}\n", 0644);
	pl.export_ = true;
	start_ok(&pl);
	stop_ok(&pl);
	got = read_text(mark);
	assert_non_null(strstr(got, "mark:it-export\n"));
	assert_non_null(strstr(got, "export:it-export\n"));

	snprintf(path, sizeof(path), "%s/10-mark.sh", hooks);
	unlink(path);
	snprintf(path, sizeof(path), "%s/export.sh", hooks);
	unlink(path);
}

static void test_exec_replaces_init_with_quoted_arguments(void **state)
{
	struct pvhost_plat pl;

	(void)state;
	make_platform(&pl, "it-exec", NULL, NULL);
	pl.exec = "/sbin/check-init \"a b\" 'c d'";
	start_ok(&pl);
	console_has(&pl, "check: args=2:a b:c d");
	stop_ok(&pl);
}

static void test_config_overlay_shadows_the_image(void **state)
{
	char up[PATH_MAX + 32], extra[PATH_MAX * 3], cfg[PATH_MAX + 64];
	struct pvhost_plat pl;

	(void)state;
	snprintf(up, sizeof(up), "%s/ovl/upper", sandbox);
	assert_int_equal(pvhost_mkdir_p(up, 0755), 0);
	snprintf(cfg, sizeof(cfg), "%s/ovl/olwork", sandbox);
	assert_int_equal(pvhost_mkdir_p(cfg, 0755), 0);
	snprintf(cfg, sizeof(cfg), "%s/configs/it-ovl/etc", sandbox);
	assert_int_equal(pvhost_mkdir_p(cfg, 0755), 0);
	strcat(cfg, "/motd");
	write_file(cfg, "from-configs\n", 0644);
	snprintf(extra, sizeof(extra), "lxc.rootfs.path = overlayfs:%s:%s\n",
		 rootfs, up);
	make_platform(&pl, "it-ovl", "/sbin/check-init", extra);
	start_ok(&pl);
	console_has(&pl, "check: motd=from-configs");
	stop_ok(&pl);
}

static void test_console_none_is_respected(void **state)
{
	struct pvhost_plat pl;

	(void)state;
	make_platform(&pl, "it-nocons", NULL, "lxc.console.path = none\n");
	start_ok(&pl);
	assert_int_equal(pl.console_ret, -1);
	assert_int_equal(pl.console_fd, -1);
	assert_int_equal(pl.tty_fd, -1);
	assert_false(pvhost_log_contains(host, "ERROR"));
	stop_ok(&pl);
}

static void test_lxc_log_reaches_logfd_until_the_end(void **state)
{
	struct pvhost_plat pl;
	char want[64];

	(void)state;
	make_platform(&pl, "it-log", NULL, NULL);
	host->opts.loglevel = 1; /* DEBUG: the monitor logs init's exit */
	start_ok(&pl);
	host->opts.loglevel = 2;
	if (!pvhost_log_wait_for(&pl, "lxc-start it-log", 5000))
		fail_msg("no LXC start lines on the log pipe");
	/* stop with the log pipe still read, to see the monitor's last words */
	close(pl.console_fd);
	close(pl.tty_fd);
	pl.console_fd = pl.tty_fd = -1;
	pl.p.log.console_pt = pl.p.log.console_tty = -1;
	host->fn.stop(&pl.p, NULL);
	snprintf(want, sizeof(want), "Container init process %d exited",
		 (int)pl.pid);
	if (!pvhost_log_wait_for(&pl, want, 5000))
		fail_msg("'%s' never reached the log pipe", want);
	pl.p.init_pid = 0; /* already stopped: only close the fds */
	pvhost_stop(host, &pl, NULL);
}

static void test_generated_config_runs_by_hand(void **state)
{
	char cfg[PATH_MAX], *text, *line, *end, out[4096];
	char *argv[32];
	int argc = 0;
	struct pvhost_plat pl;

	(void)state;
	make_platform(&pl, "it-hand", NULL, NULL);
	start_ok(&pl);
	stop_ok(&pl);
	snprintf(cfg, sizeof(cfg), "/run/pantavisor/lxccli/it-hand/config");
	text = read_text(cfg);
	assert_non_null(text);
	/* the command exactly as the header gives it */
	line = strstr(text, "#   lxc-start ");
	assert_non_null(line);
	line += 4;
	end = strchr(line, '\n');
	*end = '\0';
	for (char *tok = strtok(line, " "); tok && argc < 31;
	     tok = strtok(NULL, " "))
		argv[argc++] = tok;
	argv[argc] = NULL;
	assert_string_equal(argv[argc - 1], "-d");
	{
		char *info[] = { "lxc-info", "-n", argv[2], "-P", argv[4], "-p",
				 "-H", NULL };
		char *stop[] = { "lxc-stop", "-n", argv[2], "-P", argv[4],
				 "--rcfile", cfg, "-k", NULL };
		int rc_start = run(argv, out, sizeof(out));
		int rc_info = run(info, out, sizeof(out));
		pid_t pid = atoi(out);

		/* stop it before any assertion can leave it running */
		run(stop, NULL, 0);
		assert_int_equal(rc_start, 0);
		assert_int_equal(rc_info, 0);
		assert_true(pid > 0);
	}
}

/* ---- stop ---- */

static void test_stop_is_graceful_after_the_core_closed_the_console(void **state)
{
	struct pvhost_plat pl;
	char *log, want[96];

	(void)state;
	clear_init_log();
	make_platform(&pl, "it-stop", NULL, NULL);
	start_ok(&pl);
	console_has(&pl, "pvhost-init: up");
	stop_ok(&pl); /* closes console and log fds first, like the core */
	if (pl.stop_call_ms > NO_BLOCK_MS)
		fail_msg("pv_stop_container blocked %.1f ms", pl.stop_call_ms);
	log = init_log();
	assert_non_null(log);
	if (!strstr(log, "pvhost-init: halting sig=USR1"))
		fail_msg("init never ran its halt trap: %s", log);
	/* the plugin found init itself and sent lxc.signal.halt in the call */
	snprintf(want, sizeof(want), "stopped 'it-stop' (signal %d to init)",
		 SIGUSR1);
	if (!pvhost_log_wait(host, want, 2000))
		fail_msg("no '%s'; plugin said:\n%s", want, recent_log());
}

/*
 * An lxc.include may set the halt signal, which the plugin does not read:
 * lxc-stop sends it then, as it reads the whole config.
 */
static void test_include_leaves_the_halt_to_lxc_stop(void **state)
{
	char inc[PATH_MAX], extra[PATH_MAX + 32], *log;
	struct pvhost_plat pl;
	int fd;

	(void)state;
	clear_init_log();
	snprintf(inc, sizeof(inc), "%s/it-incl.conf", sandbox);
	fd = open(inc, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	close(fd);
	snprintf(extra, sizeof(extra), "lxc.include = %s\n", inc);
	make_platform(&pl, "it-incl", NULL, extra);
	start_ok(&pl);
	console_has(&pl, "pvhost-init: up");
	stop_ok(&pl);
	if (!pvhost_log_wait(host, "stopped 'it-incl'", 2000))
		fail_msg("no stop line; plugin said:\n%s", recent_log());
	if (pvhost_log_contains(host, "stopped 'it-incl' (signal"))
		fail_msg("the plugin sent a halt signal it cannot know");
	log = init_log();
	assert_non_null(log);
	if (!strstr(log, "pvhost-init: halting sig=USR1"))
		fail_msg("lxc-stop did not send lxc.signal.halt: %s", log);
	unlink(inc);
}

/* The core has closed its console fds: the plugin must keep the PTY
 * drained, or LXC's monitor blocks on it and the stop with it. */
static void test_stop_is_graceful_when_init_prints_on_the_way_out(void **state)
{
	char path[PATH_MAX + 32], *log;
	struct pvhost_plat pl;
	int killed = 0;

	(void)state;
	snprintf(path, sizeof(path), "%s/tmp/chatty.log", rootfs);
	unlink(path);
	make_platform(&pl, "it-chatty", "/sbin/chatty-init", NULL);
	start_ok(&pl);
	console_has(&pl, "chatty: up");
	assert_int_equal(pvhost_stop(host, &pl, &killed), 0);
	assert_int_equal(killed, 0);
	if (pl.stop_gone_ms > 1500)
		fail_msg("init took %.0f ms to go", pl.stop_gone_ms);
	log = read_text(path);
	assert_non_null(log);
	assert_non_null(strstr(log, "chatty: halted"));
}

/* LXC logs most while it starts: at TRACE with a long config that is more
 * than a pipe holds, so the log must be read while lxc-start runs. */
static void test_verbose_lxc_log_does_not_hold_up_the_start(void **state)
{
	char extra[16384];
	struct pvhost_plat pl;
	size_t len = 0;

	(void)state;
	for (int i = 0; i < 300; i++)
		len += (size_t)snprintf(extra + len, sizeof(extra) - len,
					"lxc.environment = PAD%d=x\n", i);
	make_platform(&pl, "it-trace", NULL, extra);
	host->opts.loglevel = 0;
	assert_int_equal(pvhost_start(host, &pl), 0);
	host->opts.loglevel = 2;
	if (pvhost_wait_pid(host, &pl, 10000) <= 0)
		fail_msg("no pid at TRACE; plugin said:\n%s", recent_log());
	if (pl.pid_ms > 5000)
		fail_msg("the start took %.0f ms", pl.pid_ms);
	stop_ok(&pl);
}

static void test_init_ignoring_halt_is_killed_by_the_fallback(void **state)
{
	struct pvhost_plat pl;
	int killed = 0;

	(void)state;
	make_platform(&pl, "it-stubborn", "/sbin/stubborn-init", NULL);
	start_ok(&pl);
	console_has(&pl, "stubborn: up");
	assert_int_equal(pvhost_stop(host, &pl, &killed), 0);
	/* the plugin's lxc-stop killed it, before the core's 5 s SIGKILL */
	assert_int_equal(killed, 0);
	assert_true(pl.stop_gone_ms > 1000);
	if (!pvhost_log_wait(host, "still runs 2 s after its halt", 1000))
		fail_msg("no kill line; plugin said:\n%s", recent_log());
	/* the stop took seconds, the call not */
	if (pl.stop_call_ms > NO_BLOCK_MS)
		fail_msg("pv_stop_container blocked %.1f ms", pl.stop_call_ms);
}

/* A start that takes LXC 2 s (a slow pre-start hook) takes the call none. */
static void test_slow_start_does_not_block_the_call(void **state)
{
	char hook[PATH_MAX + 32], extra[PATH_MAX + 64];
	struct pvhost_plat pl;

	(void)state;
	snprintf(hook, sizeof(hook), "%s/slow-pre-start.sh", sandbox);
	write_file(hook, "#!/bin/sh\nsleep 2\n", 0755);
	snprintf(extra, sizeof(extra), "lxc.hook.pre-start = %s\n", hook);
	make_platform(&pl, "it-slowstart", NULL, extra);
	start_ok(&pl);
	if (pl.start_call_ms > NO_BLOCK_MS)
		fail_msg("pv_start_container blocked %.1f ms",
			 pl.start_call_ms);
	assert_true(pl.pid_ms > 2000); /* the hook did run */
	stop_ok(&pl);
}

/* ---- failures ---- */

static void assert_start_fails_cleanly(struct pvhost_plat *pl,
				       const char *log_part)
{
	int fds, kids;

	assert_int_equal(pvhost_wait_children(0, 5000), 0);
	fds = pvhost_count_fds();
	kids = pvhost_count_children();
	pvhost_log_clear(host);
	assert_int_equal(pvhost_start(host, pl), 0);
	assert_int_equal(pvhost_wait_pid(host, pl, PID_WAIT_MS), -1);
	assert_false(pl->pid_eof); /* one pid_t, -1, not a closed pipe */
	if (!pvhost_log_contains(host, log_part))
		fail_msg("no log line with '%s'", log_part);
	pvhost_stop(host, pl, NULL);
	assert_int_equal(pvhost_wait_children(kids, 5000), 0);
	assert_int_equal(pvhost_count_zombie_children(), 0);
	/* the failed start's PTY is released at the next call */
	host->fn.stop(&pl->p, NULL);
	assert_int_equal(pvhost_wait_children(kids, 5000), 0);
	assert_int_equal(pvhost_count_fds(), fds);
}

static void test_missing_rootfs_gives_minus_one(void **state)
{
	struct pvhost_plat pl;
	char conf[PATH_MAX];

	(void)state;
	conf_path(conf, sizeof(conf), "it-norootfs");
	make_platform(&pl, "it-norootfs", NULL,
		      "lxc.rootfs.path = dir:/nonexistent/rootfs\n");
	assert_start_fails_cleanly(&pl, "lxc-start of 'it-norootfs' exited "
					"with 1");
}

/*
 * The plugin's ERROR line carries LXC's own first ERROR line, even when
 * the core gave no logfd and asked LXC for FATAL lines only.
 */
static void test_failed_start_says_why_without_logfd_at_fatal(void **state)
{
	int level = host->opts.loglevel;
	struct pvhost_plat pl;
	bool said;

	(void)state;
	make_platform(&pl, "it-why", NULL,
		      "lxc.rootfs.path = dir:/nonexistent/why-rootfs\n");
	pl.no_logfd = true;
	host->opts.loglevel = 8;
	pvhost_log_clear(host);
	assert_int_equal(pvhost_start(host, &pl), 0);
	host->opts.loglevel = level;
	assert_int_equal(pvhost_wait_pid(host, &pl, PID_WAIT_MS), -1);
	said = pvhost_log_contains(host, "LXC's reason: ") &&
	       pvhost_log_contains(host, "/nonexistent/why-rootfs") &&
	       !pvhost_log_contains(host, "LXC logged no error");
	pvhost_stop(host, &pl, NULL);
	if (!said)
		fail_msg("no LXC reason in the plugin's log:\n%s", recent_log());
}

static void test_missing_init_gives_minus_one(void **state)
{
	struct pvhost_plat pl;

	(void)state;
	make_platform(&pl, "it-noinit", "/sbin/no-such-init", NULL);
	assert_start_fails_cleanly(&pl, "lxc-start of 'it-noinit' exited");
}

/* LXC 5 leaves the fixed-name cgroups of a failed start behind, LXC 4 its
 * own: the plugin removes them, so nothing piles up and the next start of
 * the platform works (Pantavisor restarts it). */
static void test_platform_starts_after_a_failed_start(void **state)
{
	struct pvhost_plat pl;
	char left[4096];

	(void)state;
	make_platform(&pl, "it-retry", "/sbin/no-such-init", NULL);
	assert_int_equal(pvhost_start(host, &pl), 0);
	assert_int_equal(pvhost_wait_pid(host, &pl, PID_WAIT_MS), -1);
	pvhost_stop(host, &pl, NULL);
	if (lxc_cgroups_left("it-retry", false, left, sizeof(left)))
		fail_msg("the failed start left cgroups:%s", left);
	make_platform(&pl, "it-retry", NULL, NULL);
	start_ok(&pl);
	stop_ok(&pl);
}

/* The parent of pid, or 0. */
static pid_t parent_of(pid_t pid)
{
	char path[64], line[128];
	int ppid = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		sscanf(line, "PPid: %d", &ppid);
	fclose(f);
	return ppid;
}

/* The relay of a running platform: init's parent is LXC's monitor, whose
 * parent is the start helper that relays LXC's log. */
static pid_t relay_of(pid_t init)
{
	return parent_of(parent_of(init));
}

/*
 * The plugin's helper forker, the PID 1 host's child from the load on,
 * killed: its spare runs the next start (its relay the host's child now);
 * the start after that finds the socket closed, starts another forker in
 * the call and runs, its relay a child of the new forker; nothing is left
 * as a zombie.
 */
static void test_platform_starts_after_the_forker_was_killed(void **state)
{
	struct pvhost_plat pl;
	pid_t forker, again, init;
	int fd;

	(void)state;
	forker = pvhost_forker_pid();
	if (!forker)
		fail_msg("no helper forker among the host's children");
	/* killed once it has its spare: nothing tells when that appears,
	 * so /proc is looked at every millisecond until a deadline */
	for (int ms = 0; ms < 5000 && pvhost_spare_pid() <= 0; ms++)
		poll(NULL, 0, 1);
	if (pvhost_spare_pid() <= 0)
		fail_msg("the helper forker has no spare");
	fd = (int)syscall(SYS_pidfd_open, forker, 0);
	assert_true(fd >= 0);
	assert_int_equal(kill(forker, SIGKILL), 0);
	assert_int_equal(poll(&(struct pollfd){ fd, POLLIN, 0 }, 1, 5000), 1);
	close(fd);
	make_platform(&pl, "it-forker", NULL, NULL);
	init = start_ok(&pl);
	assert_int_equal(parent_of(relay_of(init)), getpid());
	assert_int_equal(pvhost_forker_pid(), 0);
	stop_ok(&pl);
	init = start_ok(&pl);
	again = pvhost_forker_pid();
	assert_true(again > 0 && again != forker);
	init = relay_of(init);
	assert_int_equal(parent_of(init), again);
	stop_ok(&pl);
	assert_int_equal(pvhost_wait_children(0, 5000), 0);
	assert_int_equal(pvhost_count_zombie_children(), 0);
}

/* PATH is put back by the teardown, also when this fails. */
static void test_no_lxc_tools_gives_minus_one(void **state)
{
	char empty[PATH_MAX + 16];
	struct pvhost_plat pl;

	(void)state;
	snprintf(empty, sizeof(empty), "%s/empty-bin", sandbox);
	assert_int_equal(pvhost_mkdir_p(empty, 0755), 0);
	make_platform(&pl, "it-notools", NULL, NULL);
	setenv("PATH", empty, 1);
	assert_start_fails_cleanly(&pl, "could not run: No such file");
}

/*
 * lxc-stop returns before LXC's monitor has finished (post-stop hooks,
 * cgroups). The monitor holds the console as its controlling terminal:
 * the stop helper must keep the master until the monitor is gone, or the
 * monitor is hung up and the hook dies with it.
 */
static void test_stop_lets_the_monitor_finish_its_post_stop_hook(void **state)
{
	char hook[PATH_MAX + 32], mark[PATH_MAX + 32], script[PATH_MAX * 2];
	char extra[PATH_MAX + 64], *got;
	struct pvhost_plat pl;

	(void)state;
	snprintf(mark, sizeof(mark), "%s/poststop.mark", sandbox);
	unlink(mark);
	snprintf(hook, sizeof(hook), "%s/poststop.sh", sandbox);
	/* slow on purpose: the monitor outlives lxc-stop by this much */
	snprintf(script, sizeof(script),
		 "#!/bin/sh\nsleep 1\necho \"done:$LXC_NAME\" > %s\n", mark);
	write_file(hook, script, 0755);
	snprintf(extra, sizeof(extra), "lxc.hook.post-stop = %s\n", hook);
	make_platform(&pl, "it-poststop", NULL, extra);
	start_ok(&pl);
	stop_ok(&pl);
	/* the monitor and the helpers are children of the PID 1 host */
	assert_int_equal(pvhost_wait_children(0, 10000), 0);
	got = read_text(mark);
	if (!got || strcmp(got, "done:it-poststop\n"))
		fail_msg("the post-stop hook did not finish: %s",
			 got ? got : "no mark");
	unlink(mark);
}

/* ---- many ---- */

/*
 * The forker's fds while it waits on its spare: between a job and the
 * next spare it holds one pipe less, or one more, for a moment. So the
 * count once it is the same twice, 1 ms apart, with a spare there.
 */
static int steady_fds_of(pid_t forker)
{
	int last = -2, now = -1;

	for (int ms = 0; ms < 5000; ms++) {
		now = pvhost_count_fds_of(forker);
		if (now == last && pvhost_spare_pid() > 0)
			break;
		last = now;
		poll(NULL, 0, 1);
	}
	return now;
}

/*
 * As PID 1, with the forker: it stays one process, the same, with the
 * same fds. In appengine mode (no reaping, core 2026.01) with helpers
 * exec'd one by one (PV_LXCCLI_FORKER=0), the way without the forker,
 * middle child and all, is run end to end as well.
 */
static void cycles(bool pid1)
{
	struct pvhost_opts o = host->opts;
	struct pvhost_plat pl;
	pid_t forker = pvhost_forker_pid();
	int fds, kids, forker_fds = -1;

	pvhost_unload(host);
	o.sandbox = sandbox; /* host->opts pointed into the freed host */
	o.pid1 = pid1;
	if (!pid1)
		setenv("PV_LXCCLI_FORKER", "0", 1); /* the teardown unsets it */
	host = pvhost_load(&o);
	if (!host)
		fail_msg("pvhost_load: %s", strerror(errno));
	make_platform(&pl, pid1 ? "it-cyc1" : "it-cyc2", NULL, NULL);
	/* one round first: the plugin's one-time work is not a leak */
	start_ok(&pl);
	stop_ok(&pl);
	/* the forker let go by that first call: this host reaps nothing */
	if (!pid1 && forker > 0)
		assert_int_equal(waitpid(forker, NULL, 0), forker);
	assert_int_equal(pvhost_wait_children(0, 5000), 0);
	fds = pvhost_count_fds();
	kids = pvhost_count_children();
	forker = pvhost_forker_pid();
	assert_true(pid1 ? forker > 0 : forker == 0);
	if (pid1)
		forker_fds = steady_fds_of(forker);
	for (int i = 0; i < 50; i++) {
		make_platform(&pl, pid1 ? "it-cyc1" : "it-cyc2", NULL, NULL);
		start_ok(&pl);
		stop_ok(&pl);
	}
	assert_int_equal(pvhost_wait_children(kids, 5000), 0);
	assert_int_equal(pvhost_count_children(), kids);
	assert_int_equal(pvhost_count_zombie_children(), 0);
	assert_int_equal(pvhost_count_fds(), fds);
	assert_int_equal(pvhost_forker_pid(), pid1 ? forker : 0);
	if (pid1)
		assert_int_equal(steady_fds_of(forker), forker_fds);
	unsetenv("PV_LXCCLI_FORKER");
}

static void test_50_cycles_leave_no_fd_or_child_as_pid1(void **state)
{
	(void)state;
	cycles(true);
}

static void test_50_cycles_leave_no_fd_or_child_in_appengine(void **state)
{
	(void)state;
	cycles(false);
	cycles(true); /* back to the suite's mode */
}

static void test_ten_back_to_back_all_report_and_stop(void **state)
{
	struct pvhost_plat pl[10];
	char name[16];

	(void)state;
	for (int i = 0; i < 10; i++) {
		snprintf(name, sizeof(name), "it-ten%d", i);
		make_platform(&pl[i], name, NULL, NULL);
		assert_int_equal(pvhost_start(host, &pl[i]), 0);
	}
	for (int i = 0; i < 10; i++)
		assert_true(pvhost_wait_pid(host, &pl[i], PID_WAIT_MS) > 0);
	for (int i = 0; i < 10; i++)
		assert_int_equal(kill(pl[i].pid, 0), 0);
	for (int i = 0; i < 10; i++)
		stop_ok(&pl[i]);
	for (int i = 0; i < 10; i++)
		assert_int_not_equal(kill(pl[i].pid, 0), 0);
}

/* ---- pool network (core 2026.08) ---- */
#if PV_LXCCLI_CORE == PV_LXCCLI_CORE_2026_08

/* A bridge of this test alone, on a documentation network (RFC 5737). */
#define NET_BRIDGE "pvtbr0"
#define NET_NAME "it-netpool"
#define NET_HOSTNAME "pvt-pool-host"
#define NET_CHECK_LOG "tmp/net-check.log"

/* Prints the container's view of its network, then the test init. */
static const char net_init[] =
	"#!/bin/sh\n"
	"{\n"
	"\techo \"net: hostname=$(hostname)\"\n"
	"\tip -o addr show dev eth0\n"
	"\tip -o link show dev eth0\n"
	"\tip route\n"
	"} > /" NET_CHECK_LOG " 2>&1\n"
	"echo 'net: done' > /dev/console\n"
	"exec " PVHOST_TEST_INIT_PATH "\n";

static struct pvhost_plat net_pl;

/* ip link add <name> type bridge, or ip link del <name>: exit code */
static int ip_link(const char *name, bool add_bridge)
{
	char *add[] = { "ip", "link", "add", (char *)name, "type", "bridge",
			NULL };
	char *del[] = { "ip", "link", "del", (char *)name, NULL };
	char out[512];

	return run(add_bridge ? add : del, out, sizeof(out));
}

static bool link_exists(const char *name)
{
	char path[NAME_MAX + 32];

	snprintf(path, sizeof(path), "/sys/class/net/%s", name);
	return access(path, F_OK) == 0;
}

/* The one port of the bridge, into name; false when not exactly one. */
static bool bridge_port(char *name, size_t size)
{
	DIR *d = opendir("/sys/class/net/" NET_BRIDGE "/brif");
	struct dirent *e;
	int n = 0;

	if (!d)
		return false;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.' && n++ == 0)
			snprintf(name, size, "%s", e->d_name);
	closedir(d);
	return n == 1;
}

static int net_setup(void **state)
{
	(void)state;
	memset(&net_pl, 0, sizeof(net_pl));
	if (link_exists(NET_BRIDGE))
		ip_link(NET_BRIDGE, false); /* an earlier run's */
	return 0;
}

/* Runs when the test fails too: no container, no bridge left. */
static int net_teardown(void **state)
{
	(void)state;
	if (net_pl.pid > 0 && !net_pl.stop_called)
		pvhost_stop(host, &net_pl, NULL);
	if (link_exists(NET_BRIDGE))
		ip_link(NET_BRIDGE, false);
	return link_exists(NET_BRIDGE) ? -1 : 0;
}

static void test_pool_network_reaches_the_container(void **state)
{
	static const struct pvhost_pool pool = {
		.pool = "internal",
		.hostname = NET_HOSTNAME,
		.ipv4_address = "192.0.2.10/24",
		.ipv4_gateway = "192.0.2.1",
		.bridge = NET_BRIDGE,
		.mac_address = "02:00:c0:00:02:0a",
	};
	struct pvhost_plat *pl = &net_pl;
	char conf[PATH_MAX], dir[PATH_MAX + 16], text[PATH_MAX + 512];
	char path[PATH_MAX + 64], veth[NAME_MAX + 1], master[PATH_MAX], *got;
	ssize_t n;
	int kids;

	(void)state;
	if (ip_link(NET_BRIDGE, true) != 0) {
		printf("SKIP: 'ip link add " NET_BRIDGE " type bridge' failed: "
		       "no bridge support or no iproute2\n");
		skip();
	}
	snprintf(path, sizeof(path), "%s/sbin/net-init", rootfs);
	write_file(path, net_init, 0755);
	snprintf(path, sizeof(path), "%s/" NET_CHECK_LOG, rootfs);
	unlink(path);
	/*
	 * pvhost_write_lxc_conf() writes lxc.net.0.type = empty, which a pool
	 * platform may not have; this config has pvr's namespace.keep and a
	 * hostname of its own, both of which the pool overrides.
	 */
	conf_path(conf, sizeof(conf), NET_NAME);
	snprintf(dir, sizeof(dir), "%s/trails/0/" NET_NAME, sandbox);
	assert_int_equal(pvhost_mkdir_p(dir, 0755), 0);
	snprintf(text, sizeof(text),
		 "lxc.rootfs.path = dir:%s\n"
		 "lxc.init.cmd = /sbin/net-init\n"
		 "lxc.uts.name = from-config\n"
		 "lxc.namespace.keep = user  net  ipc\n"
		 "lxc.mount.auto = proc:mixed sys:mixed\n"
		 "lxc.signal.halt = " PVHOST_TEST_HALT_SIGNAL "\n"
		 "lxc.tty.max = 0\nlxc.pty.max = 4\n",
		 rootfs);
	write_file(conf, text, 0644);
	assert_int_equal(pvhost_plat_init(pl, NET_NAME, conf), 0);
	pl->pool = &pool;

	kids = pvhost_count_children();
	start_ok(pl);
	assert_int_equal(pl->validate_ret, 0);
	console_has(pl, "net: done");
	console_has(pl, "pvhost-init: up hostname=" NET_HOSTNAME " ");
	got = read_text(path);
	assert_non_null(got);
	if (!strstr(got, "net: hostname=" NET_HOSTNAME "\n") ||
	    !strstr(got, "inet 192.0.2.10/24 ") ||
	    !strstr(got, "link/ether 02:00:c0:00:02:0a ") ||
	    !strstr(got, "default via 192.0.2.1 dev eth0"))
		fail_msg("the container's network is not the pool's:\n%s", got);

	/* the host end of the veth is the bridge's one port */
	if (!bridge_port(veth, sizeof(veth)))
		fail_msg("'" NET_BRIDGE "' has not exactly one port");
	snprintf(path, sizeof(path), "/sys/class/net/%s/master", veth);
	n = readlink(path, master, sizeof(master) - 1);
	assert_true(n > 0);
	master[n] = '\0';
	assert_string_equal(strrchr(master, '/'), "/" NET_BRIDGE);

	stop_ok(pl);
	/* LXC's monitor removes the veth before it exits */
	assert_int_equal(pvhost_wait_children(kids, 5000), 0);
	if (link_exists(veth))
		fail_msg("veth '%s' left after the stop", veth);
	assert_false(bridge_port(veth, sizeof(veth)));
	assert_int_equal(ip_link(NET_BRIDGE, false), 0);
	assert_false(link_exists(NET_BRIDGE));
}

/* Validation runs before the lease: a pool config with lxc.net.* fails. */
static void test_pool_platform_with_its_own_net_lines_is_refused(void **state)
{
	static const struct pvhost_pool pool = {
		.pool = "internal",
		.ipv4_address = "192.0.2.11/24",
		.bridge = NET_BRIDGE,
	};
	struct pvhost_plat *pl = &net_pl;

	(void)state;
	make_platform(pl, NET_NAME, NULL, NULL); /* has lxc.net.0.type */
	pl->pool = &pool;
	/* earlier tests' helper lines would push ours out of the ring */
	pvhost_log_clear(host);
	assert_int_not_equal(pvhost_start(host, pl), 0);
	assert_int_equal(pl->validate_ret, -1);
	assert_true(pvhost_log_contains(host, "drop every lxc.net.* line"));
	assert_true(pl->p.pipefd[0] < 0); /* refused before the pid pipe */
	assert_int_equal(pvhost_stop(host, pl, NULL), 0); /* the log pipe */
}
#endif

/* ---- a systemd-like host ---- */

#define SYSD_NAME "it-sysd"

static int write_text(const char *dir, const char *file, const char *text)
{
	char path[PATH_MAX + 128];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = write(fd, text, strlen(text));
	close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -1;
}

/* A new v1 cpuset cgroup takes no process until it has cpus and mems. */
static void fill_cpuset(const char *dir)
{
	static const char *const files[] = { "cpuset.cpus", "cpuset.mems" };
	char path[PATH_MAX + 128], parent[PATH_MAX + 64], *mine, *up;

	for (size_t i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		mine = read_text(path);
		if (!mine || mine[0] != '\n')
			continue; /* not cpuset, or already set */
		snprintf(parent, sizeof(parent), "%s", dir);
		*strrchr(parent, '/') = '\0';
		snprintf(path, sizeof(path), "%s/%s", parent, files[i]);
		up = read_text(path);
		if (up)
			write_text(dir, files[i], up);
	}
}

/* Makes rel in every hierarchy (each level) and moves this process in. */
static const char *join_cgroup(const char *rel)
{
	static char why[PATH_MAX + 160];
	char mounts[16][MNT_LEN], dir[PATH_MAX + 64];
	int n = hierarchies(mounts, 16);

	for (int m = 0; m < n; m++) {
		size_t at = strlen(mounts[m]) + 1;
		char *slash;

		snprintf(dir, sizeof(dir), "%s/%s", mounts[m], rel);
		for (;;) {
			slash = strchr(dir + at, '/');
			if (slash)
				*slash = '\0';
			if (mkdir(dir, 0755) < 0 && errno != EEXIST)
				goto fail;
			fill_cpuset(dir);
			if (!slash)
				break;
			*slash = '/';
			at = (size_t)(slash - dir) + 1;
		}
		if (write_text(dir, "cgroup.procs", "0") < 0)
			goto fail;
	}
	return NULL;
fail:
	snprintf(why, sizeof(why), "cannot join '%s': %s", dir,
		 strerror(errno));
	return why;
}

/*
 * The host process's part: a start that fails (no init), nothing of it
 * left in any cgroup, then a good start of the same name, its payload
 * where LXC puts it below PID 1's /init.scope: at the root. No cmocka here
 * (a forked process): a reason, or NULL.
 */
static const char *sysd_scenario(void)
{
	static char why[12288];
	const char *want = lxc_major >= 5 ? "::/lxc/" SYSD_NAME "\n" :
					    "::/lxc.payload." SYSD_NAME "\n";
	char conf[PATH_MAX], left[2048], path[64], *cg;
	struct pvhost_plat pl;
	int killed = 0;

	conf_path(conf, sizeof(conf), SYSD_NAME);
	if (pvhost_write_lxc_conf(conf, rootfs, "/sbin/no-such-init", NULL) ||
	    pvhost_plat_init(&pl, SYSD_NAME, conf))
		return "cannot write the config without init";
	if (pvhost_start(host, &pl) != 0 ||
	    pvhost_wait_pid(host, &pl, PID_WAIT_MS) != -1) {
		snprintf(why, sizeof(why), "the start without init gave no "
					   "-1; plugin said:\n%s",
			 recent_log());
		pvhost_stop(host, &pl, NULL);
		return why;
	}
	pvhost_stop(host, &pl, NULL);
	if (lxc_cgroups_left(SYSD_NAME, false, left, sizeof(left))) {
		snprintf(why, sizeof(why), "the failed start left cgroups:%s",
			 left);
		return why;
	}
	if (pvhost_write_lxc_conf(conf, rootfs, NULL, NULL) ||
	    pvhost_plat_init(&pl, SYSD_NAME, conf))
		return "cannot write the config";
	if (pvhost_start(host, &pl) != 0 ||
	    pvhost_wait_pid(host, &pl, PID_WAIT_MS) <= 0) {
		snprintf(why, sizeof(why), "no pid after the failed start; "
					   "plugin said:\n%s\nLXC said:\n%s",
			 recent_log(), lxc_errors(&pl));
		pvhost_stop(host, &pl, NULL);
		return why;
	}
	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pl.pid);
	cg = read_text(path);
	if (!cg || !strstr(cg, want)) {
		snprintf(why, sizeof(why), "init's cgroups lack %s%.4000s",
			 want, cg ? cg : "(unreadable)");
		pvhost_stop(host, &pl, NULL);
		return why;
	}
	if (pvhost_stop(host, &pl, &killed) != 0 || killed)
		return "the stop was not graceful";
	return NULL;
}

/* PID 1 of the new pid namespace, in /init.scope: runs the host process
 * in its service and reaps every orphan until the host process is done. */
static int sysd_init(int out, const sigset_t *mask)
{
	const char *why;
	int st = 0, host_st = -1;
	pid_t host_pid, w = -1;

	prctl(PR_SET_PDEATHSIG, SIGKILL); /* the test gave up: all go */
	if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  NULL) < 0) {
		dprintf(out, "mount /proc: %s", strerror(errno));
		return 1;
	}
	why = join_cgroup(SYSD_SCOPE);
	if (why) {
		dprintf(out, "PID 1: %s", why);
		return 1;
	}
	host_pid = fork();
	if (host_pid == 0) {
		sigprocmask(SIG_SETMASK, mask, NULL);
		why = join_cgroup(SYSD_SERVICE);
		if (!why)
			why = sysd_scenario();
		if (why)
			dprintf(out, "%s", why);
		_exit(why ? 1 : 0);
	}
	while (host_pid > 0 && (w = waitpid(-1, &st, 0)) != host_pid)
		if (w < 0 && errno != EINTR)
			break;
	if (w == host_pid)
		host_st = st;
	/* leaving kills whatever is left in the namespace */
	return WIFEXITED(host_st) ? WEXITSTATUS(host_st) : 1;
}

/* In a fork: private mount and pid namespaces, cgroup2 alone if asked. */
static int sysd_outer(int out, bool pure, const sigset_t *mask)
{
	int st = 0;
	pid_t init;

	if (unshare(CLONE_NEWNS | CLONE_NEWPID) < 0 ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
		dprintf(out, "SKIP: no private namespaces: %s",
			strerror(errno));
		return 77;
	}
	if (pure && (umount2("/sys/fs/cgroup", MNT_DETACH) < 0 ||
		     mount("none", "/sys/fs/cgroup", "cgroup2", 0, NULL) < 0)) {
		dprintf(out, "cgroup2 alone at /sys/fs/cgroup: %s",
			strerror(errno));
		return 1;
	}
	init = fork();
	if (init == 0)
		_exit(sysd_init(out, mask));
	while (init > 0 && waitpid(init, &st, 0) < 0 && errno == EINTR)
		;
	return init > 0 && WIFEXITED(st) ? WEXITSTATUS(st) : 1;
}

/*
 * A host like an appengine Pantavisor's under systemd: PID 1 in
 * /init.scope, the host process in /system.slice/<x>.service. LXC puts
 * its cgroups below PID 1's less /init.scope, the root; a failed start
 * must leave none there or the next one fails ("File exists").
 */
static void systemd_layout(bool pure)
{
	static const char *const ours[] = { SYSD_SERVICE, SYSD_SLICE,
					    SYSD_SCOPE };
	char mounts[16][MNT_LEN], dir[PATH_MAX + 64], msg[16384];
	bool had[16][3];
	struct pvhost_plat pl;
	sigset_t chld, old;
	size_t len = 0;
	int p[2], st = 0, n;
	double deadline;
	pid_t pid;

	make_platform(&pl, SYSD_NAME, NULL, NULL); /* folder; teardown */
	n = hierarchies(mounts, 16);
	for (int m = 0; m < n; m++)
		for (int i = 0; i < 3; i++) {
			snprintf(dir, sizeof(dir), "%s/%s", mounts[m], ours[i]);
			had[m][i] = access(dir, F_OK) == 0;
		}
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	/* the PID 1 host reaps every child: keep it off this one */
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, &old);
	pid = fork();
	if (pid == 0) {
		close(p[0]);
		_exit(sysd_outer(p[1], pure, &old));
	}
	close(p[1]);
	deadline = pvhost_now_ms() + 4.0 * PID_WAIT_MS;
	while (len + 1 < sizeof(msg)) {
		struct pollfd pfd = { .fd = p[0], .events = POLLIN };
		int left = (int)(deadline - pvhost_now_ms());
		ssize_t r;

		if (left <= 0 || poll(&pfd, 1, left) <= 0) {
			kill(pid, SIGKILL); /* and with it the namespace */
			break;
		}
		r = read(p[0], msg + len, sizeof(msg) - 1 - len);
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	msg[len] = '\0';
	close(p[0]);
	while (pid > 0 && waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	sigprocmask(SIG_SETMASK, &old, NULL);
	for (int m = 0; m < n; m++)
		for (int i = 0; i < 3; i++) {
			snprintf(dir, sizeof(dir), "%s/%s", mounts[m], ours[i]);
			if (!had[m][i])
				rmdir(dir);
		}
	if (WIFEXITED(st) && WEXITSTATUS(st) == 77) {
		print_message("%s\n", msg);
		skip();
	}
	if (pid < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
		fail_msg("%s systemd-like host: %s",
			 pure ? "pure cgroup2" : "hybrid",
			 msg[0] ? msg : "no word from the namespace");
}

static void test_systemd_host_hybrid_failed_then_good_start(void **state)
{
	(void)state;
	if (!host_is_hybrid()) {
		print_message("SKIP: the host is not hybrid (v1 and cgroup2 "
			      "at /sys/fs/cgroup/unified)\n");
		skip();
	}
	systemd_layout(false);
}

static void test_systemd_host_cgroup2_failed_then_good_start(void **state)
{
	(void)state;
	systemd_layout(true);
}

static bool can_run(void)
{
	char *argv[] = { "lxc-start", "--version", NULL };
	char out[64] = "";

	if (geteuid() != 0) {
		printf("SKIP: the real-LXC tests need root\n");
		return false;
	}
	if (run(argv, out, sizeof(out)) != 0) {
		printf("SKIP: the real-LXC tests need stock LXC "
		       "(apt-get install lxc busybox-static)\n");
		return false;
	}
	if (access("/bin/busybox", X_OK) != 0) {
		printf("SKIP: the real-LXC tests need busybox-static\n");
		return false;
	}
	lxc_major = atoi(out);
	printf("stock LXC %s", out);
	return true;
}

#define T(f) cmocka_unit_test_setup_teardown(f, test_setup, test_teardown)

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		T(test_pid_is_a_live_host_pid_and_init_of_a_new_pidns),
		T(test_cgroup_is_lxc_slash_name_or_4x_payload_with_a_warning),
		T(test_management_platform_sees_pantavisor_read_only),
		T(test_regular_platform_gets_its_folders_made),
		T(test_mount_hooks_run_and_export_only_with_export),
		T(test_exec_replaces_init_with_quoted_arguments),
		T(test_config_overlay_shadows_the_image),
		T(test_console_none_is_respected),
		T(test_lxc_log_reaches_logfd_until_the_end),
		T(test_generated_config_runs_by_hand),
		T(test_stop_is_graceful_after_the_core_closed_the_console),
		T(test_include_leaves_the_halt_to_lxc_stop),
		T(test_init_ignoring_halt_is_killed_by_the_fallback),
		T(test_slow_start_does_not_block_the_call),
		T(test_stop_is_graceful_when_init_prints_on_the_way_out),
		T(test_verbose_lxc_log_does_not_hold_up_the_start),
		T(test_missing_rootfs_gives_minus_one),
		T(test_missing_init_gives_minus_one),
		T(test_failed_start_says_why_without_logfd_at_fatal),
		T(test_stop_lets_the_monitor_finish_its_post_stop_hook),
		T(test_no_lxc_tools_gives_minus_one),
		T(test_platform_starts_after_a_failed_start),
		T(test_platform_starts_after_the_forker_was_killed),
		T(test_50_cycles_leave_no_fd_or_child_as_pid1),
		T(test_50_cycles_leave_no_fd_or_child_in_appengine),
		T(test_ten_back_to_back_all_report_and_stop),
		T(test_systemd_host_hybrid_failed_then_good_start),
		T(test_systemd_host_cgroup2_failed_then_good_start),
#if PV_LXCCLI_CORE == PV_LXCCLI_CORE_2026_08
		cmocka_unit_test_setup_teardown(
			test_pool_network_reaches_the_container, net_setup,
			net_teardown),
		cmocka_unit_test_setup_teardown(
			test_pool_platform_with_its_own_net_lines_is_refused,
			net_setup, net_teardown),
#endif
	};

	if (argc != 2) {
		fprintf(stderr, "usage: %s PLUGIN.so\n", argv[0]);
		return 2;
	}
	if (!can_run())
		return SKIP_CODE;
	plugin_path = argv[1];
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
