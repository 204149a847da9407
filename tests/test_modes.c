// SPDX-License-Identifier: MIT
/*
 * Pantavisor's init modes on stock LXC, one process per mode because the
 * plugin reads the mode once per process, as the core decides it once:
 *   test_modes PLUGIN embedded
 *     as a device runs it: no PV_SYSTEM_INIT_MODE, no lxc.cgroup.relative;
 *   test_modes PLUGIN appengine-cgroup2
 *     as core 2026.08 runs in appengine mode on a pure cgroup2 host: in a
 *     private mount namespace with only cgroup2 at /sys/fs/cgroup, the
 *     process joins a child cgroup and unshares a cgroup namespace without
 *     remounting (stock LXC then fails every start without
 *     lxc.cgroup.relative = 1: "Failed to open 10/..").
 * Needs root, stock LXC and busybox-static; skips (exit 77) otherwise.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "pvhost.h"

#define SKIP_CODE 77
#define CG "/sys/fs/cgroup"

static const char *plugin_path;
static bool appengine;
static char work[64], emul[128];
static struct pvhost *host;

static int write_text(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, text, strlen(text));
	close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -1;
}

/*
 * The core's appengine set-up on a pure cgroup2 host: a view of its own
 * with cgroup2 alone, then into <root>/<child>, then a cgroup namespace
 * rooted there, with /sys/fs/cgroup still showing the real root ("/..").
 */
static int become_appengine_core(void)
{
	char pid[16], procs[160];

	if (unshare(CLONE_NEWNS) < 0 ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    umount2(CG, MNT_DETACH) < 0 ||
	    mount("none", CG, "cgroup2", 0, NULL) < 0) {
		printf("SKIP: no pure cgroup2 view here: %s\n",
		       strerror(errno));
		return -1;
	}
	snprintf(emul, sizeof(emul), CG "/pv-emul-%d", (int)getpid());
	snprintf(procs, sizeof(procs), "%s/cgroup.procs", emul);
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	if ((mkdir(emul, 0755) < 0 && errno != EEXIST) ||
	    write_text(procs, pid) < 0 || unshare(CLONE_NEWCGROUP) < 0) {
		printf("FAIL: cannot join '%s' and unshare: %s\n", emul,
		       strerror(errno));
		return -2;
	}
	setenv("PV_SYSTEM_INIT_MODE", "appengine", 1);
	return 0;
}

/* Back to the real root cgroup, so the child cgroup can go. */
static void leave_appengine_core(void)
{
	char pid[16];

	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	if (write_text(CG "/cgroup.procs", pid) == 0)
		rmdir(emul);
}

static int group_setup(void **state)
{
	struct pvhost_opts o;
	char rootfs[128], conf[160];

	(void)state;
	strcpy(work, "/tmp/pv_lxccli_modes.XXXXXX");
	if (!mkdtemp(work))
		return -1;
	snprintf(rootfs, sizeof(rootfs), "%s/rootfs", work);
	snprintf(conf, sizeof(conf), "%s/lxc.container.conf", work);
	if (pvhost_make_rootfs(rootfs, NULL) < 0 ||
	    pvhost_write_lxc_conf(conf, rootfs, NULL, NULL) < 0)
		return -1;
	pvhost_opts_init(&o, plugin_path);
	o.log = stderr;
	o.log_prefix = "    ";
	host = pvhost_load(&o);
	return host ? 0 : -1;
}

static int group_teardown(void **state)
{
	(void)state;
	pvhost_unload_clean(host);
	pvhost_rm_rf(work);
	return 0;
}

static void
test_platform_runs_in_lxc_slash_name_with_the_mode_s_line(void **state)
{
	const char *name = appengine ? "md-appengine" : "md-embedded";
	char conf[160], path[PATH_MAX], want[64];
	struct pvhost_plat pl;
	char *text, *cg;
	bool relative;
	int killed = 0;

	(void)state;
	snprintf(conf, sizeof(conf), "%s/lxc.container.conf", work);
	assert_int_equal(pvhost_plat_init(&pl, name, conf), 0);
	assert_int_equal(pvhost_start(host, &pl), 0);
	if (pvhost_wait_pid(host, &pl, 15000) <= 0) {
		pvhost_stop(host, &pl, NULL);
		fail_msg("no pid for '%s' (see the plugin's lines above)",
			 name);
	}
	snprintf(path, sizeof(path), "%s/%s/config", PV_LXCCLI_RUNDIR, name);
	text = pvhost_read_file(path);
	relative = text && strstr(text, "\nlxc.cgroup.relative = 1\n");
	free(text);
	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pl.pid);
	cg = pvhost_read_file(path);
	/* LXC 4.x cannot be told the name (README, "LXC versions") */
	snprintf(want, sizeof(want),
		 pvhost_lxc_major() >= 5 ? "/lxc/%s\n" : "/lxc.payload.%s\n",
		 name);
	assert_int_equal(pvhost_stop(host, &pl, &killed), 0);
	assert_int_equal(killed, 0);
	assert_int_equal(relative, appengine);
	if (!cg || !strstr(cg, want))
		fail_msg(
			"init of '%s' is not in a cgroup ending in %s%s", name,
			want, cg ? cg : "(none)");
	free(cg);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
			test_platform_runs_in_lxc_slash_name_with_the_mode_s_line),
	};
	int ret;

	if (argc != 3 || (strcmp(argv[2], "embedded") &&
			  strcmp(argv[2], "appengine-cgroup2"))) {
		fprintf(stderr,
			"usage: %s PLUGIN.so embedded|"
			"appengine-cgroup2\n",
			argv[0]);
		return 2;
	}
	if (!pvhost_can_run_lxc("mode", false))
		return SKIP_CODE;
	plugin_path = argv[1];
	appengine = !strcmp(argv[2], "appengine-cgroup2");
	unsetenv("PV_SYSTEM_INIT_MODE");
	if (appengine && (ret = become_appengine_core()) < 0)
		return ret == -1 ? SKIP_CODE : 1;
	ret = cmocka_run_group_tests(tests, group_setup, group_teardown);
	if (appengine)
		leave_appengine_core();
	return ret;
}
