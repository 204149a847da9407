// SPDX-License-Identifier: MIT
/*
 * Restarts under load, on stock LXC: the core starts a name again the
 * moment kill(init, 0) fails, after a stop or a crash, while the old
 * instance may still be finishing (monitor, cgroups, stop helper). Every
 * cycle here runs with a busy-looping child on every core, in both host
 * modes, and every start must report the new init's pid; fds, children and
 * cgroups end where they started. Needs root, stock LXC and busybox-static;
 * skips (exit 77) otherwise.
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
#include <poll.h>
#include <sys/file.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "pvhost.h"

#define SKIP_CODE 77
#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#define HOGS_MAX 64

static const char *plugin_path;
static char work[64], conf[128];
static struct pvhost *host;
static pid_t hogs[HOGS_MAX];
static int n_hogs;
static struct pvhost_plat cur;
static bool started;

/* ---- load ---- */

static void start_hogs(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	for (n_hogs = 0; n_hogs < n && n_hogs < HOGS_MAX; n_hogs++) {
		pid_t pid = fork();

		if (pid == 0) {
			volatile unsigned long spin = 0;

			for (;;)
				spin++;
		}
		assert_true(pid > 0);
		hogs[n_hogs] = pid;
	}
}

static void stop_hogs(void)
{
	for (int i = 0; i < n_hogs; i++) {
		kill(hogs[i], SIGKILL);
		waitpid(hogs[i], NULL, 0); /* ECHILD if the PID 1 host reaped */
	}
	n_hogs = 0;
}

/* ---- what must not pile up ---- */

/* Cgroup folders of the name, in every hierarchy, as any LXC names them. */
static int count_cgroups(const char *name)
{
	char path[PATH_MAX], mon[96], pay[96];
	struct dirent *h, *e;
	DIR *root = opendir("/sys/fs/cgroup"), *d;
	int n = 0;

	snprintf(mon, sizeof(mon), "lxc.monitor.%s", name);
	snprintf(pay, sizeof(pay), "lxc.payload.%s", name);
	for (; root && (h = readdir(root));) {
		const char *sub[] = { "", "/lxc" };

		if (h->d_name[0] == '.')
			continue;
		for (size_t s = 0; s < 2; s++) {
			snprintf(path, sizeof(path), "/sys/fs/cgroup/%s%s",
				 h->d_name, sub[s]);
			d = opendir(path);
			for (; d && (e = readdir(d));)
				if ((s && !strcmp(e->d_name, name)) ||
				    (!s &&
				     (!strncmp(e->d_name, mon, strlen(mon)) ||
				      !strncmp(e->d_name, pay, strlen(pay)))))
					n++;
			if (d)
				closedir(d);
		}
	}
	if (root)
		closedir(root);
	return n;
}

static void on_alarm(int sig)
{
	(void)sig;
}

/*
 * Waits for the previous instance of name to be gone: the plugin's relay
 * holds this lock until LXC's monitor has exited. 0, or -1 on timeout.
 */
static int wait_instance_gone(const char *name, int timeout_s)
{
	struct sigaction sa = { .sa_handler = on_alarm }, old;
	char path[PATH_MAX];
	int fd, ret;

	snprintf(path, sizeof(path), "%s/%s/instance.lock", PV_LXCCLI_RUNDIR,
		 name);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -1;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, &old);
	alarm((unsigned int)timeout_s);
	ret = flock(fd, LOCK_EX);
	alarm(0);
	sigaction(SIGALRM, &old, NULL);
	close(fd);
	return ret;
}

/* What the fds are, for a failure message. */
static const char *fd_list(void)
{
	static char buf[4096];
	char path[300], target[256];
	struct dirent *e;
	DIR *d = opendir("/proc/self/fd");

	buf[0] = '\0';
	for (; d && (e = readdir(d));) {
		ssize_t n;

		if (e->d_name[0] == '.')
			continue;
		if (snprintf(path, sizeof(path), "/proc/self/fd/%s",
			     e->d_name) >= (int)sizeof(path))
			continue;
		n = readlink(path, target, sizeof(target) - 1);
		target[n > 0 ? n : 0] = '\0';
		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), " %s=%s",
			 e->d_name, target);
	}
	if (d)
		closedir(d);
	return buf;
}

/* ---- fixtures ---- */

static int load(bool pid1)
{
	struct pvhost_opts o;

	if (host)
		pvhost_unload_clean(host);
	pvhost_opts_init(&o, plugin_path);
	o.pid1 = pid1;
	o.log = stderr;
	o.log_prefix = "    ";
	host = pvhost_load(&o);
	return host ? 0 : -1;
}

static int group_setup(void **state)
{
	char rootfs[128];

	(void)state;
	strcpy(work, "/tmp/pv_lxccli_restart.XXXXXX");
	if (!mkdtemp(work))
		return -1;
	snprintf(rootfs, sizeof(rootfs), "%s/rootfs", work);
	snprintf(conf, sizeof(conf), "%s/lxc.container.conf", work);
	if (pvhost_make_rootfs(rootfs, NULL) < 0 ||
	    pvhost_write_lxc_conf(conf, rootfs, NULL, NULL) < 0)
		return -1;
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	pvhost_unload_clean(host);
	host = NULL;
	pvhost_rm_rf(work);
	return 0;
}

/* A failing cycle leaves no hog and no container for the next test. */
static int test_teardown(void **state)
{
	(void)state;
	if (started)
		pvhost_stop(host, &cur, NULL);
	started = false;
	stop_hogs();
	return 0;
}

/* ---- the cycles ---- */

static pid_t start_new(const char *name, pid_t old, int i)
{
	pid_t pid;

	assert_int_equal(pvhost_plat_init(&cur, name, conf), 0);
	assert_int_equal(pvhost_start(host, &cur), 0);
	started = true;
	pid = pvhost_wait_pid(host, &cur, 60000);
	if (pid <= 0)
		fail_msg("cycle %d of '%s': no pid (%d)", i, name, (int)pid);
	if (pid == old)
		fail_msg("cycle %d of '%s': the old instance's pid %d", i, name,
			 (int)pid);
	if (kill(pid, 0) < 0)
		fail_msg("cycle %d of '%s': pid %d is not alive", i, name,
			 (int)pid);
	return pid;
}

/*
 * Crash: init dies on its own; the core sees kill(init, 0) fail, drops its
 * fds and starts again, without a stop (init_pid is no longer > 0).
 */
static void crash(void)
{
	int pfd = (int)syscall(SYS_pidfd_open, cur.pid, 0);

	assert_true(pfd >= 0);
	assert_int_equal(kill(cur.pid, SIGKILL), 0);
	{
		struct pollfd p = { pfd, POLLIN, 0 };

		assert_int_equal(poll(&p, 1, 10000), 1); /* it is gone */
	}
	close(pfd);
	cur.p.init_pid = 0;
	pvhost_stop(host, &cur, NULL);
	started = false;
}

/*
 * After a crash the plugin holds its copy of the console until an entry
 * point call finds the container gone; a getfd for another name is one.
 */
static void sweep(void)
{
	struct pvhost_plat other;
	struct pv_platform_log lg;

	assert_int_equal(pvhost_plat_init(&other, "rs-none", conf), 0);
	other.p.name = other.name;
	assert_int_equal(host->fn.console_log_getfd(&other.p, &lg), -1);
}

static void restart_cycles(const char *name, bool pid1, int n, bool crashes)
{
	int fds, kids;
	pid_t pid = 0;

	assert_int_equal(load(pid1), 0);
	/* one round first: the plugin's one-time work is not a leak */
	pid = start_new(name, 0, -1);
	assert_int_equal(pvhost_stop(host, &cur, NULL), 0);
	started = false;
	assert_int_equal(wait_instance_gone(name, 30), 0);
	assert_int_equal(pvhost_wait_children(0, 10000), 0);
	fds = pvhost_count_fds();
	start_hogs();
	kids = pvhost_count_children();
	for (int i = 0; i < n; i++) {
		pid = start_new(name, pid, i);
		if (crashes) {
			crash();
		} else {
			assert_int_equal(pvhost_stop(host, &cur, NULL), 0);
			started = false;
		}
	}
	assert_int_equal(wait_instance_gone(name, 30), 0);
	assert_int_equal(pvhost_wait_children(kids, 10000), 0);
	stop_hogs();
	if (crashes)
		sweep();
	assert_int_equal(pvhost_count_zombie_children(), 0);
	if (pvhost_count_fds() != fds)
		fail_msg("%d fds, %d before: %s", pvhost_count_fds(), fds,
			 fd_list());
	assert_int_equal(count_cgroups(name), 0);
}

static void test_100_stops_then_starts_at_once_as_pid1(void **state)
{
	(void)state;
	restart_cycles("rs-stop1", true, 100, false);
}

static void test_100_stops_then_starts_at_once_in_appengine(void **state)
{
	(void)state;
	restart_cycles("rs-stop2", false, 100, false);
}

static void test_50_crashes_then_starts_at_once_as_pid1(void **state)
{
	(void)state;
	restart_cycles("rs-crash1", true, 50, true);
}

static void test_50_crashes_then_starts_at_once_in_appengine(void **state)
{
	(void)state;
	restart_cycles("rs-crash2", false, 50, true);
}

#define T(f) cmocka_unit_test_teardown(f, test_teardown)

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		T(test_100_stops_then_starts_at_once_as_pid1),
		T(test_100_stops_then_starts_at_once_in_appengine),
		T(test_50_crashes_then_starts_at_once_as_pid1),
		T(test_50_crashes_then_starts_at_once_in_appengine),
	};

	if (argc != 2) {
		fprintf(stderr, "usage: %s PLUGIN.so\n", argv[0]);
		return 2;
	}
	if (!pvhost_can_run_lxc("restart", false))
		return SKIP_CODE;
	plugin_path = argv[1];
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
