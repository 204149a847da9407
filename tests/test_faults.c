// SPDX-License-Identifier: MIT
/*
 * Fault injection: the real plugin, built with 3 s / 2 s / 2 s deadlines
 * (pv_lxccli_fast), loaded by pvhost as Pantavisor loads it, driving
 * scripted lxc-start, lxc-info and lxc-stop put first on PATH, and fed bad
 * input. Every case checks what the core would see on the pid pipe (one
 * pid_t, then EOF), the reason in the plugin's log, that no process of the
 * plugin outlives its deadline, and that the host's fds and children are
 * what they were before. Root-only cases skip when not root. Every line
 * also goes to a log file in the run's folder (FLT_KEEP=1 keeps it).
 *
 * Platform names start with "flt": integration tests and the benchmark may
 * run real containers ("it...", "bench...") on this machine meanwhile.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <linux/capability.h>
#include <poll.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "pvhost.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif

#define SKIP_CODE 77
#define RUNDIR PV_LXCCLI_RUNDIR
/* Deadlines of the plugin under test (same definitions as its build). */
#define START_MS (PV_LXCCLI_START_TIMEOUT * 1000)
#define TOOL_MS (PV_LXCCLI_TOOL_TIMEOUT * 1000)
#define STOP_MS ((PV_LXCCLI_STOP_TIMEOUT + PV_LXCCLI_TOOL_TIMEOUT) * 1000)
/* What a loaded machine (or an ASan build) may add to a deadline. */
#define SLACK_MS 1500
#define EVIL "/flt\nlxc.hook.pre-start = /bin/false"

static const char *plugin_path;
static char self_exe[PATH_MAX];
static char dir[200];	    /* this run's temp folder; FLT_DIR of the fakes */
static char sb[300];	    /* pvhost sandbox: root of every injected path */
static char bin[300];	    /* the fake tools */
static char conf[300];	    /* a good platform config */
static char elsewhere[300]; /* where a hostile link points */
static char log_path[300];
static FILE *log_file;
static struct pvhost *h;

/* The platform of the running case, cleaned up by teardown if it fails. */
static struct pvhost_plat cur;
static bool cur_used;
/* A file a case made that would break the cases after it; teardown. */
static char undo_path[PATH_MAX];

/* ---- small utilities ---- */

static void write_bytes(const char *path, const void *data, size_t len,
			mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	assert_int_equal(close(fd), 0);
	assert_int_equal(chmod(path, mode), 0);
}

static void write_text(const char *path, const char *text)
{
	write_bytes(path, text, strlen(text), 0644);
}

/* Whole file, NUL-terminated; NULL if it cannot be read. Caller frees. */
static char *slurp(const char *path, size_t *len_out)
{
	struct stat st;
	char *buf;
	ssize_t n;
	size_t len = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) < 0 || !(buf = malloc((size_t)st.st_size + 1))) {
		close(fd);
		return NULL;
	}
	while (len < (size_t)st.st_size &&
	       (n = read(fd, buf + len, (size_t)st.st_size - len)) > 0)
		len += (size_t)n;
	close(fd);
	buf[len] = '\0';
	if (len_out)
		*len_out = len;
	return buf;
}


/*
 * The tick of a bounded poll: what these loops wait for (a log line from a
 * helper, a process gone from /proc) has no fd to wait on, so they look
 * again every few ms until their deadline.
 */
static void poll_tick(int ms)
{
	poll(NULL, 0, ms);
}

/* poll() of one fd that a signal does not cut short (the PID 1 host's
 * SIGCHLD reaper interrupts it). */
static int poll_one(int fd, int timeout_ms)
{
	double end = pvhost_now_ms() + timeout_ms;
	struct pollfd p = { fd, POLLIN, 0 };
	int got;

	do {
		int left = (int)(end - pvhost_now_ms());

		got = poll(&p, 1, left > 0 ? left : 0);
	} while (got < 0 && errno == EINTR);
	return got;
}

/* The generated config of a platform, or NULL. Caller frees. */
static char *generated_config(const char *name)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s/config", RUNDIR, name);
	return slurp(path, NULL);
}

/* ---- the plugin's log ---- */

static void log_set_mark(void)
{
	pvhost_log_clear(h);
}

/* Lines of the helpers come some time after the event that caused them. */
static bool helper_logged(const char *needle, int timeout_ms)
{
	double deadline = pvhost_now_ms() + timeout_ms;

	while (!pvhost_log_contains(h, needle)) {
		if (pvhost_now_ms() > deadline)
			return false;
		poll_tick(10);
	}
	return true;
}

#define assert_logged(needle)                                                 \
	do {                                                                  \
		if (!pvhost_log_contains(h, needle))                          \
			fail_msg("no plugin log line with '%s'", needle);     \
	} while (0)

#define assert_helper_logged(needle, ms)                                      \
	do {                                                                  \
		if (!helper_logged(needle, ms))                               \
			fail_msg("no helper log line with '%s'", needle);     \
	} while (0)

/* One plugin log call is one line: nothing in it may start a second. */
static void assert_log_lines_are_single(void)
{
	unsigned int n;

	pvhost_log_count(h, ""); /* takes in the helpers' lines */
	n = h->ring_next < PVHOST_LOG_RING ? h->ring_next : PVHOST_LOG_RING;
	for (unsigned int i = 0; i < n; i++)
		for (const char *c = h->ring[i];
		     !strncmp(h->ring[i], "[pv_lxccli]", 11) && *c; c++)
			if ((unsigned char)*c < ' ' && *c != '\t')
				fail_msg("log line with control byte 0x%02x: "
					 "%s",
					 (unsigned char)*c, h->ring[i]);
}

/* ---- processes of this run ---- */

/*
 * Processes that belong to this run: a command line naming the temp folder
 * (fake tools, fake inits) or this executable (the plugin's helpers are
 * forks of this process). Zombies have neither and do not count.
 */
static int scan_ours(pid_t *pids, int max, char *desc, size_t dsize)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	pid_t self = getpid();
	int n = 0;

	if (desc && dsize)
		desc[0] = '\0';
	if (!d)
		return -1;
	while ((e = readdir(d))) {
		char path[64], cmd[512], exe[PATH_MAX];
		pid_t pid = atoi(e->d_name);
		ssize_t len;
		bool mine;
		int fd;

		if (pid <= 0 || pid == self)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		len = read(fd, cmd, sizeof(cmd) - 1);
		close(fd);
		if (len <= 0)
			continue;
		for (ssize_t i = 0; i < len; i++)
			if (!cmd[i])
				cmd[i] = ' ';
		cmd[len] = '\0';
		mine = strstr(cmd, dir) != NULL;
		if (!mine) {
			snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
			len = readlink(path, exe, sizeof(exe) - 1);
			mine = len > 0 && (exe[len] = '\0', 1) &&
			       !strcmp(exe, self_exe);
		}
		if (!mine)
			continue;
		if (pids && n < max)
			pids[n] = pid;
		n++;
		if (desc && strlen(desc) + 80 < dsize)
			snprintf(desc + strlen(desc), dsize - strlen(desc),
				 "[%d] %.60s; ", (int)pid, cmd);
	}
	closedir(d);
	return n;
}

/* Waits until none is left or the absolute deadline passes. */
static bool wait_no_procs(double deadline, char *desc, size_t dsize)
{
	for (;;) {
		if (scan_ours(NULL, 0, desc, dsize) == 0)
			return true;
		if (pvhost_now_ms() > deadline)
			return false;
		poll_tick(20);
	}
}

/*
 * Teardown only: ends what a failed case left, by pidfd, until nothing is
 * left (a helper killed mid-run leaves its tool to be found next round).
 */
static void kill_ours(void)
{
	double deadline = pvhost_now_ms() + 3000;
	pid_t pids[64];
	int n;

	while ((n = scan_ours(pids, 64, NULL, 0)) > 0 &&
	       pvhost_now_ms() < deadline) {
		for (int i = 0; i < n && i < 64; i++) {
			int fd = (int)syscall(SYS_pidfd_open, pids[i], 0);

			if (fd >= 0) {
				syscall(SYS_pidfd_send_signal, fd, SIGKILL,
					NULL, 0);
				close(fd);
			}
		}
		poll_tick(20);
	}
}

static pid_t fake_init_pid(const char *name)
{
	char path[PATH_MAX], *text;
	pid_t pid = -1;

	snprintf(path, sizeof(path), "%s/state/%s.pid", dir, name);
	text = slurp(path, NULL);
	if (text)
		pid = atoi(text);
	free(text);
	return pid;
}

/* ---- tree snapshots: what a refused start must leave untouched ---- */

struct snap {
	char **v;
	size_t n, cap;
};

static struct snap *snap_cur;
static struct snap snap_a, snap_b; /* teardown frees what a failure left */
static const char *snap_skip; /* its contents are the plugin's to write */

static int snap_one(const char *path, const struct stat *st, int type,
		    struct FTW *ftw)
{
	char line[PATH_MAX * 2 + 64], target[PATH_MAX];
	size_t k = snap_skip ? strlen(snap_skip) : 0;
	ssize_t n;

	(void)type;
	(void)ftw;
	if (k && !strncmp(path, snap_skip, k) && path[k] == '/')
		return 0;
	if (S_ISDIR(st->st_mode)) {
		snprintf(line, sizeof(line), "d %s", path);
	} else if (S_ISLNK(st->st_mode)) {
		n = readlink(path, target, sizeof(target) - 1);
		target[n > 0 ? n : 0] = '\0';
		snprintf(line, sizeof(line), "l %s -> %s", path, target);
	} else {
		snprintf(line, sizeof(line), "%o %s %lld %ld.%09ld",
			 (unsigned int)st->st_mode, path,
			 (long long)st->st_size, (long)st->st_mtim.tv_sec,
			 st->st_mtim.tv_nsec);
	}
	if (snap_cur->n == snap_cur->cap) {
		snap_cur->cap = snap_cur->cap ? snap_cur->cap * 2 : 256;
		snap_cur->v = realloc(snap_cur->v,
				      snap_cur->cap * sizeof(*snap_cur->v));
	}
	snap_cur->v[snap_cur->n++] = strdup(line);
	return 0;
}

static int cmp_line(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * The sandbox, the link target folder and every flt* entry of the runtime
 * folder (others' tests own the rest). Contents of skip are left out.
 */
static void snap_take(struct snap *s, const char *skip)
{
	DIR *d = opendir(RUNDIR);
	struct dirent *e;
	char path[PATH_MAX];

	memset(s, 0, sizeof(*s));
	snap_cur = s;
	snap_skip = skip;
	nftw(sb, snap_one, 16, FTW_PHYS);
	nftw(elsewhere, snap_one, 16, FTW_PHYS);
	while (d && (e = readdir(d))) {
		if (strncmp(e->d_name, "flt", 3))
			continue;
		snprintf(path, sizeof(path), "%s/%s", RUNDIR, e->d_name);
		nftw(path, snap_one, 16, FTW_PHYS);
	}
	if (d)
		closedir(d);
	qsort(s->v, s->n, sizeof(*s->v), cmp_line);
}

static void snap_free(struct snap *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	memset(s, 0, sizeof(*s));
}

/* Fails with the first difference. Frees both. */
static void assert_snap_equal(struct snap *a, struct snap *b)
{
	char diff[PATH_MAX * 2 + 64] = "";
	size_t i = 0, j = 0;

	while (i < a->n || j < b->n) {
		int c = i == a->n   ? 1 :
			j == b->n ? -1 :
				    strcmp(a->v[i], b->v[j]);

		if (c) {
			snprintf(diff, sizeof(diff), "%s %s",
				 c < 0 ? "gone:" : "new:",
				 c < 0 ? a->v[i] : b->v[j]);
			break;
		}
		i++;
		j++;
	}
	snap_free(a);
	snap_free(b);
	if (diff[0])
		fail_msg("written outside the platform's runtime folder: %s",
			 diff);
}

/* ---- fake tools ---- */

static volatile sig_atomic_t monitor_hup, monitor_term;

static void on_monitor_signal(int sig)
{
	if (sig == SIGHUP)
		monitor_hup = 1;
	else
		monitor_term = 1;
}

/*
 * Plays LXC's monitor and init in one: the console slave becomes its
 * controlling terminal, as LXC's monitor's does; after lxc-stop's SIGTERM
 * it goes on for 500 ms (post-stop hooks, cgroups), longer than lxc-stop
 * takes to return. It writes "clean" to result if it got to the end, or
 * "hup" if the console was hung up under it.
 */
static int fake_monitor_main(const char *result, const char *tty,
			     const char *ready)
{
	struct sigaction sa = { .sa_handler = on_monitor_signal };
	struct timespec linger = { 0, 500 * 1000 * 1000 };
	sigset_t none;
	int fd;

	sigemptyset(&none);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	setsid();
	fd = open(tty, O_RDWR); /* no O_NOCTTY: LXC's monitor does the same */
	if (fd < 0)
		return 1;
	/* set up: the fake lxc-start may return (its read ends) */
	write_bytes(ready, "up\n", 3, 0600);
	while (!monitor_term && !monitor_hup)
		sigsuspend(&none);
	if (!monitor_hup)
		ppoll(NULL, 0, &linger, &none); /* a SIGHUP ends it early */
	write_bytes(result, monitor_hup ? "hup" : "clean", monitor_hup ? 3 : 5,
		    0644);
	return 0;
}

/* One script, installed as lxc-start, lxc-info and lxc-stop. */
static const char fake_tool[] =
	"#!/bin/sh\n"
	"# Scripted LXC tool for test_faults; FLT_* variables choose.\n"
	"tool=${0##*/}\n"
	"echo \"$tool $*\" >> \"$FLT_DIR/calls\"\n"
	"hang() { exec 3<>\"$FLT_DIR/fifo\"; read x <&3; exit 0; }\n"
	"lots() {\n"
	"\thead -c 2097152 /dev/zero | tr '\\0' x\n"
	"\thead -c 2097152 /dev/zero | tr '\\0' y >&2\n"
	"\techo; echo \"$1\"\n"
	"}\n"
	"name= logf= kflag= want= version= conf=\n"
	"while [ $# -gt 0 ]; do\n"
	"\tcase $1 in\n"
	"\t-n) name=$2; shift ;;\n"
	"\t-o) logf=$2; shift ;;\n"
	"\t-f) conf=$2; shift ;;\n"
	"\t-k) kflag=1 ;;\n"
	"\t-p) want=pid ;;\n"
	"\t-s) want=state ;;\n"
	"\t--version) version=1 ;;\n"
	"\t--) break ;;\n"
	"\tesac\n"
	"\tshift\n"
	"done\n"
	"pidf=\"$FLT_DIR/state/$name.pid\"\n"
	"alive() {\n"
	"\t[ -f \"$pidf\" ] && kill -0 \"$(cat \"$pidf\")\" 2>/dev/null\n"
	"}\n"
	"launch() {\n"
	"\t[ -n \"$logf\" ] &&\n"
	"\t\techo \"flt-fake-lxc-log: starting $name\" > \"$logf\"\n"
	"\tif [ -n \"$FLT_MONITOR\" ]; then\n"
	"\t\ttty=$(sed -n 's/^lxc.console.path = //p' \"$conf\")\n"
	"\t\tready=\"$FLT_DIR/ready.$name\"\n"
	"\t\trm -f \"$ready\"; mkfifo \"$ready\"\n"
	"\t\t\"$FLT_SELF\" --fake-monitor \"$FLT_DIR/monitor.$name\" \\\n"
	"\t\t\t\"$tty\" \"$ready\" </dev/null >/dev/null 2>&1 &\n"
	"\t\techo $! > \"$pidf\"\n"
	"\t\tread x < \"$ready\" # like LXC: back once it runs\n"
	"\t\treturn\n"
	"\tfi\n"
	"\t\"$FLT_SELF\" --fake-init \"$FLT_DIR\" \\\n"
	"\t\t</dev/null >/dev/null 2>&1 &\n"
	"\techo $! > \"$pidf\"\n"
	"}\n"
	"case $tool in\n"
	"lxc-start)\n"
	"\tif [ -n \"$version\" ]; then\n"
	"\t\tcase ${FLT_VERSION:-ok} in\n"
	"\t\thang) hang ;;\n"
	"\t\tgarbage) echo 'lxc version unknown' ;;\n"
	"\t\t*) echo 5.0.2 ;;\n"
	"\t\tesac\n"
	"\t\texit 0\n"
	"\tfi\n"
	"\tcase ${FLT_START:-ok} in\n"
	"\tfail) echo 'flt: lxc-start failed on purpose' >&2; exit 1 ;;\n"
	"\tsignal) launch; kill -KILL $$ ;;\n"
	"\thang) launch; hang ;;\n"
	"\tlots) lots 'flt: lxc-start said a lot'; exit 1 ;;\n"
	"\tslow) sleep 1 ;;\n"
	"\tesac\n"
	"\tlaunch\n"
	"\texit 0 ;;\n"
	"lxc-info)\n"
	"\tif [ \"$want\" = state ]; then\n"
	"\t\tif alive; then echo RUNNING; else echo STOPPED; fi\n"
	"\t\texit 0\n"
	"\tfi\n"
	"\tcase ${FLT_INFO:-ok} in\n"
	"\tok) alive && cat \"$pidf\" ;;\n"
	"\tempty) ;;\n"
	"\tgarbage) echo 'flt garbage 12ab' ;;\n"
	"\tzero) echo 0 ;;\n"
	"\tnegative) echo -42 ;;\n"
	"\tdead) echo \"$FLT_DEAD_PID\" ;;\n"
	"\thuge) echo 99999999999999999999 ;;\n"
	"\tintmax) echo 2147483647 ;;\n"
	"\tone) echo 1 ;;\n"
	"\tlots) lots 4242 ;;\n"
	"\thang) hang ;;\n"
	"\tesac\n"
	"\texit 0 ;;\n"
	"lxc-stop)\n"
	"\tmode=${FLT_STOP:-ok}\n"
	"\tif [ -n \"$kflag\" ]; then\n"
	"\t\tmode=${FLT_STOP_K:-ok}\n"
	"\t\t: > \"$FLT_DIR/stop-k.$name\"\n"
	"\tfi\n"
	"\tcase $mode in\n"
	"\thang) hang ;;\n"
	"\tfail) echo 'flt: lxc-stop failed on purpose' >&2; exit 1 ;;\n"
	"\tesac\n"
	"\talive || exit 2\n"
	"\tkill -TERM \"$(cat \"$pidf\")\"\n"
	"\trm -f \"$pidf\"\n"
	"\texit 0 ;;\n"
	"esac\n"
	"exit 99\n";

static const char *const fake_vars[] = {
	"FLT_VERSION", "FLT_START",  "FLT_INFO",
	"FLT_STOP",    "FLT_STOP_K", "FLT_DEAD_PID",
	"FLT_MONITOR",
};

/* Every variable the suite sets, as it found them: put back at the end. */
static const char *const suite_vars[] = {
	"PATH",	    "FLT_DIR",	"FLT_SELF",   "FLT_VERSION", "FLT_START",
	"FLT_INFO", "FLT_STOP", "FLT_STOP_K", "FLT_DEAD_PID",
};
static char *suite_env[sizeof(suite_vars) / sizeof(*suite_vars)];
static bool suite_env_saved;

static void env_save(void)
{
	for (size_t i = 0; i < sizeof(suite_vars) / sizeof(*suite_vars); i++) {
		const char *v = getenv(suite_vars[i]);

		suite_env[i] = v ? strdup(v) : NULL;
	}
	suite_env_saved = true;
}

static void env_restore(void)
{
	if (!suite_env_saved)
		return;
	for (size_t i = 0; i < sizeof(suite_vars) / sizeof(*suite_vars); i++) {
		if (suite_env[i])
			setenv(suite_vars[i], suite_env[i], 1);
		else
			unsetenv(suite_vars[i]);
		free(suite_env[i]);
		suite_env[i] = NULL;
	}
	suite_env_saved = false;
}

static void fakes_reset(void)
{
	char path[PATH_MAX];

	for (size_t i = 0; i < sizeof(fake_vars) / sizeof(*fake_vars); i++)
		unsetenv(fake_vars[i]);
	snprintf(path, sizeof(path), "%s/bin:/usr/sbin:/usr/bin:/sbin:/bin",
		 dir);
	setenv("PATH", path, 1);
}

static void fake(const char *var, const char *value)
{
	setenv(var, value, 1);
}

static bool stop_k_ran(const char *name)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/stop-k.%s", dir, name);
	return access(path, F_OK) == 0;
}

static void install_fakes(void)
{
	static const char *const tools[] = { "lxc-start", "lxc-info",
					     "lxc-stop" };
	char path[PATH_MAX], link[PATH_MAX];

	snprintf(path, sizeof(path), "%s/fake-lxc-tool", bin);
	write_bytes(path, fake_tool, strlen(fake_tool), 0755);
	for (size_t i = 0; i < 3; i++) {
		snprintf(link, sizeof(link), "%s/%s", bin, tools[i]);
		assert_int_equal(symlink(path, link), 0);
	}
	snprintf(path, sizeof(path), "%s/fifo", dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	snprintf(path, sizeof(path), "%s/state", dir);
	pvhost_mkdir_p(path, 0755);
	setenv("FLT_DIR", dir, 1);
	setenv("FLT_SELF", self_exe, 1);
	fakes_reset();
}

/* ---- injected paths: pvhost's layout, one of them poisoned at will ---- */

enum { PF_FILE, PF_LOG, PF_LOG_PLAT, PF_LOG_FILE, PF_USRMETA,
       PF_USRMETA_PLAT, PF_DEVMETA, PF_DEVMETA_PLAT, PF_LIB_HOOK,
       PF_VOLUMES, PF_CONFIGS, PF_ROOTFS, PF_LXCPATH, PF_COUNT };

static const char *const pf_names[PF_COUNT] = {
	"pv_file",	  "pv_log",	     "pv_log_plat",
	"pv_log_file",	  "usrmeta_key",     "usrmeta_plat_key",
	"devmeta_key",	  "devmeta_plat_key", "lib_hook",
	"volumes_plat_file", "configs_file", "lib_lxc_rootfs_mount",
	"lib_lxc_lxcpath",
};

static int poison = -1;
static const char *poison_value;
static bool poison_no_nul; /* fill the whole buffer, no terminator */

__attribute__((format(printf, 4, 5))) static void
build(int which, char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	if (which == poison && poison_no_nul) {
		memset(buf, 'a', size);
		buf[0] = '/';
		return;
	}
	if (which == poison) {
		snprintf(buf, size, "%s", poison_value);
		return;
	}
	n = (size_t)snprintf(buf, size, "%s", sb);
	va_start(ap, fmt);
	vsnprintf(buf + n, size - n, fmt, ap);
	va_end(ap);
}

static void p_file(char *b, size_t s, const char *n)
{
	build(PF_FILE, b, s, "/pv/%s", n);
}
static void p_log(char *b, size_t s, const char *r)
{
	build(PF_LOG, b, s, "/pv/logs/%s", r);
}
static void p_log_plat(char *b, size_t s, const char *r, const char *p)
{
	build(PF_LOG_PLAT, b, s, "/pv/logs/%s/%s", r, p);
}
static void p_log_file(char *b, size_t s, const char *r, const char *p,
		       const char *n)
{
	build(PF_LOG_FILE, b, s, "/pv/logs/%s/%s/%s", r, p, n);
}
static void p_usrmeta(char *b, size_t s, const char *k)
{
	build(PF_USRMETA, b, s, "/pv/user-meta/%s", k);
}
static void p_usrmeta_plat(char *b, size_t s, const char *p, const char *k)
{
	build(PF_USRMETA_PLAT, b, s, "/pv/user-meta.%s/%s", p, k);
}
static void p_devmeta(char *b, size_t s, const char *k)
{
	build(PF_DEVMETA, b, s, "/pv/device-meta/%s", k);
}
static void p_devmeta_plat(char *b, size_t s, const char *p, const char *k)
{
	build(PF_DEVMETA_PLAT, b, s, "/pv/device-meta.%s/%s", p, k);
}
static void p_lib_hook(char *b, size_t s, const char *n)
{
	build(PF_LIB_HOOK, b, s, "/lib/pv/hooks_lxc-mount.d/%s", n);
}
static void p_volumes(char *b, size_t s, const char *p, const char *n)
{
	build(PF_VOLUMES, b, s, "/volumes/%s/%s", p, n);
}
static void p_configs(char *b, size_t s, const char *n)
{
	build(PF_CONFIGS, b, s, "/configs/%s", n);
}
static void p_rootfs(char *b, size_t s)
{
	build(PF_ROOTFS, b, s, "/usr/lib/lxc/rootfs");
}
static void p_lxcpath(char *b, size_t s)
{
	build(PF_LXCPATH, b, s, "/usr/var/lib/lxc");
}

static void inject_paths(void (*set_paths)(void *, void *, void *, void *,
					   void *, void *, void *, void *,
					   void *, void *, void *, void *,
					   void *, void *),
			 void *vlog)
{
	set_paths(vlog, (void *)p_file, (void *)p_log, (void *)p_log_plat,
		  (void *)p_log_file, (void *)p_usrmeta, (void *)p_usrmeta_plat,
		  (void *)p_devmeta, (void *)p_devmeta_plat, (void *)p_lib_hook,
		  (void *)p_volumes, (void *)p_configs, (void *)p_rootfs,
		  (void *)p_lxcpath);
}

/* The folders a start makes for a platform (mount sources), made first so
 * a snapshot only shows what should not be there. */
static void precreate_core_dirs(const char *name)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/pv/logs/0/%s", sb, name);
	pvhost_mkdir_p(path, 0755);
	snprintf(path, sizeof(path), "%s/pv/user-meta.%s", sb, name);
	pvhost_mkdir_p(path, 0755);
	snprintf(path, sizeof(path), "%s/pv/device-meta.%s", sb, name);
	pvhost_mkdir_p(path, 0755);
}

/* ---- one case: baseline, pid pipe, deadline, leftovers ---- */

struct baseline {
	int fds;
	double t0;
};

/*
 * The plugin has no thread: a start that failed in its helper keeps its
 * PTY pair and status pipe (3 fds) until the plugin's next entry point
 * call takes the verdict in. A getfd for no platform is such a call.
 */
static void sweep(void)
{
	struct pv_platform p = { .name = "flt-sweep" };
	struct pv_platform_log log;

	h->fn.console_log_getfd(&p, &log);
}

static void begin(struct baseline *b)
{
	assert_int_equal(pvhost_wait_children(0, 5000), 0);
	assert_int_equal(pvhost_count_zombie_children(), 0);
	log_set_mark();
	sweep();
	b->fds = pvhost_count_fds();
	b->t0 = pvhost_now_ms();
}

/*
 * No process of the run left once deadline_ms (counted from t0) and the
 * slack have passed, no child of the host left, and as many fds as before.
 */
static void finish(struct baseline *b, double t0, int deadline_ms)
{
	char who[1024];

	sweep();

	if (!wait_no_procs(t0 + deadline_ms + SLACK_MS, who, sizeof(who)))
		fail_msg("still running %d ms after the deadline: %s",
			 SLACK_MS, who);
	assert_int_equal(pvhost_wait_children(0, 2000), 0);
	assert_int_equal(pvhost_wait_reaped(2000), 0);
	assert_int_equal(pvhost_count_children(), 0);
	assert_int_equal(pvhost_count_fds(), b->fds);
}

/* After the one pid_t, the pipe must close: nobody else writes to it. */
static void assert_pid_pipe_eof(int fd, int timeout_ms)
{
	pid_t extra;

	assert_int_equal(poll_one(fd, timeout_ms), 1);
	assert_int_equal(read(fd, &extra, sizeof(extra)), 0);
}

static void plat(struct pvhost_plat *pl, const char *name, const char *cf)
{
	assert_int_equal(pvhost_plat_init(pl, name, cf ? cf : conf), 0);
}

/*
 * Starts cur and waits for its one pid_t: -1 when expect_fail (an explicit
 * -1, not a closed pipe), the fake init's pid otherwise. Then the pipe must
 * reach EOF. Returns what was read.
 */
static pid_t start_and_read(int within_ms, bool expect_fail)
{
	pid_t pid;

	cur_used = true;
	assert_int_equal(pvhost_start(h, &cur), 0);
	pid = pvhost_wait_pid(h, &cur, within_ms + SLACK_MS);
	if (!cur.pid_read)
		fail_msg("no pid within %d ms", within_ms + SLACK_MS);
	assert_false(cur.pid_eof);
	if (cur.pid_ms > within_ms + SLACK_MS)
		fail_msg("pid after %.0f ms, deadline %d ms", cur.pid_ms,
			 within_ms);
	if (expect_fail)
		assert_int_equal(cur.pid_value, -1);
	else
		assert_int_equal(pid, fake_init_pid(cur.name));
	assert_pid_pipe_eof(cur.p.pipefd[0], 2000);
	return pid;
}

/*
 * The core's stop, unless the plugin reported a pid that is not the fake
 * init's: the core would SIGKILL it after the grace (pid 1 is this
 * machine's init), so only the fds are closed and the plugin is told.
 */
static void safe_stop(struct pvhost_plat *pl, int *killed)
{
	pid_t reported = pl->p.init_pid;

	if (killed)
		*killed = 0;
	if (reported > 0 && reported != fake_init_pid(pl->name)) {
		pl->p.init_pid = 0;
		pvhost_stop(h, pl, NULL);
		h->fn.stop(&pl->p, NULL);
		return;
	}
	pvhost_stop(h, pl, killed);
}

static int setup(void **state)
{
	(void)state;
	memset(&cur, 0, sizeof(cur));
	cur_used = false;
	poison = -1;
	poison_no_nul = false;
	h->fn.set_loglevel(2);
	h->fn.set_capture(true);
	fakes_reset();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	fakes_reset();
	/* an open pid pipe: the case failed before its own stop */
	if (cur_used && cur.p.pipefd[0] >= 0)
		safe_stop(&cur, NULL);
	kill_ours();
	pvhost_wait_children(0, 3000);
	poison = -1;
	snap_free(&snap_a);
	snap_free(&snap_b);
	if (undo_path[0])
		unlink(undo_path);
	undo_path[0] = '\0';
	return 0;
}

/* ---- tool faults: lxc-start ---- */

static void test_fakes_work_start_pid_console_log_stop(void **state)
{
	struct baseline b;
	int killed;
	double t;

	(void)state;
	begin(&b);
	plat(&cur, "fltok", NULL);
	start_and_read(0, false);
	assert_int_equal(cur.console_ret, 0);
	assert_true(isatty(cur.console_fd));
	assert_true(pvhost_log_wait_for(&cur, "flt-fake-lxc-log: starting",
					2000));
	assert_logged("starting 'fltok'");
	t = pvhost_now_ms();
	assert_int_equal(pvhost_stop(h, &cur, &killed), 0);
	assert_int_equal(killed, 0);
	assert_helper_logged("stopped 'fltok'", 2000);
	assert_false(stop_k_ran("fltok"));
	finish(&b, t, 0);
}

/*
 * lxc-stop returns while LXC's monitor still works; the stop helper must
 * hold the console master until the monitor has closed it, or the monitor
 * is hung up (seen under the real core: the monitor died of SIGHUP the
 * moment the stop helper exited).
 */
static void test_stop_keeps_the_console_until_the_monitor_is_gone(void **state)
{
	char result[PATH_MAX], *got = NULL;
	struct pollfd gone = { -1, POLLIN, 0 };
	struct baseline b;
	int killed;

	(void)state;
	snprintf(result, sizeof(result), "%s/monitor.fltmonitor", dir);
	unlink(result);
	fake("FLT_MONITOR", "1");
	begin(&b);
	plat(&cur, "fltmonitor", NULL);
	start_and_read(0, false);
	/* the fake monitor is what lxc-info reported: its exit is the event */
	gone.fd = (int)syscall(SYS_pidfd_open, cur.pid, 0);
	assert_true(gone.fd >= 0);
	assert_int_equal(pvhost_stop(h, &cur, &killed), 0);
	assert_int_equal(killed, 0);
	assert_int_equal(poll(&gone, 1, STOP_MS), 1);
	close(gone.fd);
	got = slurp(result, NULL);
	if (!got || strcmp(got, "clean"))
		fail_msg("the fake monitor says '%s'", got ? got : "nothing");
	free(got);
	finish(&b, b.t0, 0);
}

/* A start the plugin answers with -1; the reason is a helper's line. */
static void start_fails(const char *name, const char *why, int within_ms,
			bool kill_expected)
{
	struct baseline b;

	begin(&b);
	plat(&cur, name, NULL);
	start_and_read(within_ms, true);
	assert_helper_logged(why, 1000);
	pvhost_stop(h, &cur, NULL);
	finish(&b, b.t0, within_ms);
	if (kill_expected && !stop_k_ran(name))
		fail_msg("no lxc-stop -k for '%s'", name);
}

static void test_lxc_start_exit_1_gives_minus_one(void **state)
{
	(void)state;
	fake("FLT_START", "fail");
	start_fails("fltstartfail",
		    "lxc-start of 'fltstartfail' exited with 1: flt: lxc-start "
		    "failed on purpose",
		    0, false);
}

static void test_lxc_start_killed_by_signal_gives_minus_one(void **state)
{
	(void)state;
	fake("FLT_START", "signal");
	/* it had launched init first: the container must not outlive it */
	start_fails("fltstartsig", "lxc-start of 'fltstartsig' was killed by "
				   "signal 9",
		    TOOL_MS, true);
}

static void test_lxc_start_hanging_is_killed_at_the_deadline(void **state)
{
	(void)state;
	fake("FLT_START", "hang");
	start_fails("fltstarthang", "lxc-start of 'fltstarthang' timed out "
				    "and was killed",
		    START_MS + TOOL_MS, true);
}

static void test_lxc_start_printing_megabytes(void **state)
{
	(void)state;
	fake("FLT_START", "lots");
	start_fails("fltstartlots", "lxc-start of 'fltstartlots' exited with 1",
		    0, false);
}

/* ---- tool faults: lxc-info -p after a good lxc-start ---- */

/* The container was started: a -1 must come with its lxc-stop -k. */
static void info_fails(const char *mode, const char *name, const char *why,
		       int within_ms)
{
	(void)mode;
	fake("FLT_INFO", mode);
	start_fails(name, why, within_ms, true);
}

static void test_lxc_info_printing_nothing(void **state)
{
	(void)state;
	info_fails("empty", "fltinfoempty",
		   "no init pid for 'fltinfoempty' after lxc-start (init "
		   "exited?): lxc-info exited with 0: (no output)",
		   TOOL_MS);
}

static void test_lxc_info_printing_garbage(void **state)
{
	(void)state;
	info_fails("garbage", "fltinfogarb", "exited with 0: flt garbage 12ab",
		   TOOL_MS);
}

static void test_lxc_info_printing_zero(void **state)
{
	(void)state;
	info_fails("zero", "fltinfozero", "lxc-info exited with 0: 0", TOOL_MS);
}

static void test_lxc_info_printing_a_negative_pid(void **state)
{
	(void)state;
	info_fails("negative", "fltinfoneg", "lxc-info exited with 0: -42",
		   TOOL_MS);
}

static void test_lxc_info_printing_a_number_beyond_int(void **state)
{
	(void)state;
	info_fails("huge", "fltinfohuge", "99999999999999999999", TOOL_MS);
}

static void test_lxc_info_printing_megabytes(void **state)
{
	(void)state;
	info_fails("lots", "fltinfolots", "no init pid for 'fltinfolots'",
		   TOOL_MS);
}

static void test_lxc_info_hanging_is_killed_at_the_deadline(void **state)
{
	(void)state;
	info_fails("hang", "fltinfohang",
		   "lxc-info timed out and was killed", TOOL_MS + TOOL_MS);
}

/* A pid the core cannot watch, or must never signal, is not reported. */
static void test_lxc_info_printing_a_pid_that_does_not_exist(void **state)
{
	char num[16];
	pid_t gone = fork();

	(void)state;
	if (gone == 0)
		_exit(0);
	assert_true(gone > 0);
	/* reaped by us or by pvhost's PID 1 handler, whichever is first */
	waitpid(gone, NULL, 0);
	for (int i = 0; i < 5000 && kill(gone, 0) == 0; i++)
		poll_tick(1);
	snprintf(num, sizeof(num), "%d", (int)gone);
	fake("FLT_DEAD_PID", num);
	info_fails("dead", "fltinfodead", "does not exist", TOOL_MS);
}

static void test_lxc_info_printing_int_max(void **state)
{
	(void)state;
	/* parses as a pid, but is far beyond pid_max */
	info_fails("intmax", "fltinfomax", "does not exist", TOOL_MS);
}

static void test_lxc_info_printing_pid_1(void **state)
{
	(void)state;
	/* the core would poll and, at stop, SIGKILL the host's init */
	info_fails("one", "fltinfoone", "init pid 1 of 'fltinfoone'", TOOL_MS);
}

/* ---- tool faults: lxc-stop ---- */

/* A running fake container, for the stop cases. */
static void start_running(struct baseline *b, const char *name)
{
	begin(b);
	plat(&cur, name, NULL);
	start_and_read(0, false);
}

static void test_lxc_stop_hanging_falls_back_to_kill(void **state)
{
	struct baseline b;
	int killed;
	double t;

	(void)state;
	start_running(&b, "fltstophang");
	fake("FLT_STOP", "hang");
	t = pvhost_now_ms();
	assert_int_equal(pvhost_stop(h, &cur, &killed), 0);
	assert_int_equal(killed, 0);
	assert_true(cur.stop_call_ms < 500);
	assert_true(stop_k_ran("fltstophang"));
	assert_helper_logged("lxc-stop -t 2 of 'fltstophang' timed out and "
			     "was killed",
			     1000);
	finish(&b, t, STOP_MS + TOOL_MS);
}

static void test_lxc_stop_failing_falls_back_to_kill(void **state)
{
	struct baseline b;
	int killed;
	double t;

	(void)state;
	start_running(&b, "fltstopfail");
	fake("FLT_STOP", "fail");
	t = pvhost_now_ms();
	assert_int_equal(pvhost_stop(h, &cur, &killed), 0);
	assert_int_equal(killed, 0);
	assert_true(stop_k_ran("fltstopfail"));
	assert_helper_logged("exited with 1: flt: lxc-stop failed on purpose; "
			     "killing it",
			     1000);
	finish(&b, t, TOOL_MS);
}

/* Both fail: the plugin says so and goes; the core's SIGKILL ends init. */
static void test_lxc_stop_and_kill_failing_is_logged(void **state)
{
	struct baseline b;
	int killed;
	double t;

	(void)state;
	start_running(&b, "fltstopkfail");
	fake("FLT_STOP", "fail");
	fake("FLT_STOP_K", "fail");
	t = pvhost_now_ms();
	assert_int_equal(pvhost_stop(h, &cur, &killed), -1);
	assert_int_equal(killed, 1);
	assert_true(stop_k_ran("fltstopkfail"));
	assert_helper_logged("lxc-stop -k of 'fltstopkfail' exited with 1: "
			     "flt: lxc-stop failed on purpose",
			     1000);
	finish(&b, t, PVHOST_STOP_GRACE_MS);
}

static void test_lxc_stop_and_kill_hanging_are_both_killed(void **state)
{
	struct baseline b;
	int killed;
	double t;

	(void)state;
	start_running(&b, "fltstopkhang");
	fake("FLT_STOP", "hang");
	fake("FLT_STOP_K", "hang");
	t = pvhost_now_ms();
	pvhost_stop(h, &cur, &killed);
	assert_helper_logged("lxc-stop -k of 'fltstopkhang' timed out and "
			     "was killed",
			     STOP_MS + TOOL_MS + SLACK_MS);
	finish(&b, t, STOP_MS + TOOL_MS);
}

/* ---- no LXC tools at all ---- */

static void test_no_lxc_tools_on_path(void **state)
{
	char path[PATH_MAX];
	struct baseline b;

	(void)state;
	snprintf(path, sizeof(path), "%s/empty", dir);
	pvhost_mkdir_p(path, 0755);
	setenv("PATH", path, 1);
	begin(&b);
	plat(&cur, "fltnotools", NULL);
	start_and_read(0, true);
	assert_helper_logged("lxc-start of 'fltnotools' could not run: No such "
			     "file or directory",
			     1000);
	pvhost_stop(h, &cur, NULL);
	finish(&b, b.t0, 0);
}

/* ---- fresh processes: this executable again, in a child mode ---- */

/*
 * Runs this executable with "--child MODE" and the run's folder, stdout
 * and stderr to a file; returns that output. The child's exit is awaited
 * through a pidfd: pvhost's PID 1 handler may reap it.
 */
static const char *run_child(const char *mode, int timeout_ms)
{
	static char text[16384];
	char out[PATH_MAX];
	pid_t pid;
	int pfd, fd;
	ssize_t n;
	struct pollfd p;

	snprintf(out, sizeof(out), "%s/child-%s.out", dir, mode);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0)
			_exit(127);
		dup2(fd, 1);
		dup2(fd, 2);
		execl(self_exe, self_exe, "--child", mode, plugin_path, dir,
		      (char *)NULL);
		_exit(127);
	}
	pfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pfd >= 0) {
		double end = pvhost_now_ms() + timeout_ms;
		int got;

		p = (struct pollfd){ pfd, POLLIN, 0 };
		/* poll() is never restarted after a signal, and this host's
		 * SIGCHLD reaper runs when the child exits */
		do {
			int left = (int)(end - pvhost_now_ms());

			got = poll(&p, 1, left > 0 ? left : 0);
		} while (got < 0 && errno == EINTR);
		if (got != 1) {
			syscall(SYS_pidfd_send_signal, pfd, SIGKILL, NULL, 0);
			close(pfd);
			fail_msg("child mode %s did not end in %d ms", mode,
				 timeout_ms);
		}
		close(pfd);
	}
	waitpid(pid, NULL, 0);
	fd = open(out, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	n = read(fd, text, sizeof(text) - 1);
	close(fd);
	text[n > 0 ? n : 0] = '\0';
	return text;
}

#define assert_child_said(text, needle)                                       \
	do {                                                                  \
		if (!strstr(text, needle))                                    \
			fail_msg("child output lacks '%s':\n%s", needle,      \
				 text);                                       \
	} while (0)

static void test_path_functions_never_injected(void **state)
{
	const char *out;

	(void)state;
	out = run_child("no-paths", 10000);
	assert_non_null(out);
	assert_child_said(out, "flt-child: PASS");
	assert_child_said(out, "pv_lxccli: ERROR: path function "
			       "lib_lxc_lxcpath was never injected");
}

static void test_setters_never_called_mean_core_defaults(void **state)
{
	const char *out;

	(void)state;
	out = run_child("no-setters", 15000);
	assert_non_null(out);
	assert_child_said(out, "flt-child: PASS");
}

static void test_version_probe_hanging_blocks_once(void **state)
{
	const char *out;

	(void)state;
	fake("FLT_VERSION", "hang");
	out = run_child("version", 30000);
	assert_non_null(out);
	assert_child_said(out, "'lxc-start --version' timed out and was "
			       "killed; assuming LXC 3.0");
	assert_child_said(out, "flt-child: PASS");
}

static void test_version_probe_printing_garbage(void **state)
{
	const char *out;

	(void)state;
	fake("FLT_VERSION", "garbage");
	out = run_child("version", 30000);
	assert_non_null(out);
	assert_child_said(out, "cannot read LXC version from 'lxc version "
			       "unknown'; assuming LXC 3.0");
	assert_child_said(out, "flt-child: PASS");
}

static void test_no_lxc_tools_in_a_fresh_process(void **state)
{
	char path[PATH_MAX];
	const char *out;

	(void)state;
	snprintf(path, sizeof(path), "%s/empty", dir);
	pvhost_mkdir_p(path, 0755);
	setenv("PATH", path, 1);
	out = run_child("no-tools", 15000);
	assert_non_null(out);
	assert_child_said(out, "'lxc-start --version' could not run: No such "
			       "file or directory");
	assert_child_said(out, "could not run: No such file or directory");
	assert_child_said(out, "flt-child: PASS");
}

/* ---- bad input: refused inside pv_start_container() ---- */

/* Makes a local platform the case's, so teardown stops it. */
static void adopt(const struct pvhost_plat *pl)
{
	memcpy(&cur, pl, sizeof(cur));
	cur.p.name = cur.name;
	cur.p.group = cur.group ? &cur.g : NULL;
	cur.configs[0] = cur.conf;
	cur.p.configs = cur.configs;
	cur_used = true;
}

/*
 * The refusal: start returns -1 with a log line naming the problem, nobody
 * else holds the pid pipe (EOF at once once the core's end is closed),
 * nothing changed outside the platform's runtime folder (and, unless
 * the problem is the runtime folder itself, nothing in it), no process,
 * fd or child left.
 */
static void expect_refused(struct pvhost_plat *pl, const char *needle,
			   const char *runtime_dir)
{
	struct baseline b;

	begin(&b);
	snap_take(&snap_a, runtime_dir);
	if (pvhost_start(h, pl) != -1) {
		adopt(pl);
		fail_msg("start of '%s' was not refused", pl->name);
	}
	assert_logged(needle);
	assert_log_lines_are_single();
	if (pl->p.pipefd[1] >= 0) {
		close(pl->p.pipefd[1]);
		pl->p.pipefd[1] = -1;
		assert_pid_pipe_eof(pl->p.pipefd[0], 0);
	}
	pvhost_stop(h, pl, NULL);
	snap_take(&snap_b, runtime_dir);
	assert_snap_equal(&snap_a, &snap_b);
	finish(&b, b.t0, 0);
}

static void runtime_path(char *buf, size_t size, const char *name)
{
	snprintf(buf, size, "%s/%s", RUNDIR, name);
}

/*
 * A failure the call cannot see, found by the start helper (the hooks
 * folder, the config's content, the runtime folder): the call returns 0,
 * the helper writes -1 to the pid pipe and logs why, and nothing is left
 * behind but, in skip, the platform's runtime folder with its locks.
 */
static void expect_failed_later(struct pvhost_plat *pl, const char *needle,
				const char *skip)
{
	struct baseline b;

	begin(&b);
	snap_take(&snap_a, skip);
	if (pvhost_start(h, pl) != 0)
		fail_msg("start of '%s' was refused in the call", pl->name);
	if (pvhost_wait_pid(h, pl, START_MS + SLACK_MS) != -1 ||
	    pl->pid_value != -1) {
		adopt(pl);
		fail_msg("no -1 on the pid pipe of '%s'", pl->name);
	}
	assert_helper_logged(needle, 2000);
	assert_log_lines_are_single();
	pvhost_stop(h, pl, NULL);
	sweep(); /* the failed start's PTY and status pipe */
	snap_take(&snap_b, skip);
	assert_snap_equal(&snap_a, &snap_b);
	finish(&b, b.t0, 0);
}

static void refuse_name(const char *name, const char *needle)
{
	struct pvhost_plat pl;

	plat(&pl, name, NULL);
	expect_refused(&pl, needle, NULL);
#if PV_LXCCLI_CORE >= PV_LXCCLI_CORE_2026_08
	assert_int_equal(h->fn.validate(&pl.p, conf), -1);
#endif
}

static void test_bad_platform_names_are_refused(void **state)
{
	static const struct {
		const char *name, *why;
	} cases[] = {
		{ "", "is empty" },
		{ ".", "is '.' or '..'" },
		{ "..", "is '.' or '..'" },
		{ "flt/x", "contains '/'" },
		{ "../fltx", "contains '/'" },
		{ "flt x", "contains whitespace or a control character" },
		{ "flt\nx", "contains whitespace or a control character" },
		{ "flt\tx", "contains whitespace or a control character" },
		/* a shell word, a hostname, a cgroup, an overlay element */
		{ "flt;x", "contains a character other than" },
		{ "flt$(id)", "contains a character other than" },
		{ "flt`id`", "contains a character other than" },
		{ "flt'x", "contains a character other than" },
		{ "flt\"x", "contains a character other than" },
		{ "flt\xff\xfe", "contains a character other than" },
		{ "flt:x", "contains a character other than" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		print_message("name '%s'\n", cases[i].name);
		refuse_name(cases[i].name, cases[i].why);
	}
}

/* pvhost cuts names to 64 bytes: these go to the entry point directly. */
static void refuse_direct(struct pv_platform *p, const char *needle)
{
	struct baseline b;
	int pfd[2];

	begin(&b);
	assert_int_equal(pipe2(pfd, O_NONBLOCK | O_CLOEXEC), 0);
	h->fn.set_loglevel(2);
	h->fn.set_capture(true);
	assert_int_equal(h->fn.start(p, "0", conf, -1, pfd[1]), -1);
	close(pfd[1]);
	assert_pid_pipe_eof(pfd[0], 0);
	close(pfd[0]);
	assert_logged(needle);
	finish(&b, b.t0, 0);
}

static void test_names_of_65_and_4096_bytes_are_refused(void **state)
{
	static char name[4097];
	struct pv_group g = { "platform" };
	struct pv_platform p;

	(void)state;
	memset(&p, 0, sizeof(p));
	p.group = &g;
	p.log.console_pt = p.log.console_tty = -1;
	memcpy(name, "flt", 3);
	memset(name + 3, 'a', 62);
	name[65] = '\0';
	p.name = name;
	refuse_direct(&p, "is longer than 64 bytes");
	memset(name + 3, 'a', sizeof(name) - 4);
	name[4096] = '\0';
	refuse_direct(&p, "is longer than 64 bytes");
	p.name = NULL;
	refuse_direct(&p, "platform name '(null)' is empty");
}

/* 64 bytes is HOST_NAME_MAX: the longest name still starts. */
static void test_name_of_64_bytes_starts(void **state)
{
	char name[65];
	struct baseline b;

	(void)state;
	memcpy(name, "flt", 3);
	memset(name + 3, 'b', 61);
	name[64] = '\0';
	begin(&b);
	plat(&cur, name, NULL);
	start_and_read(0, false);
	safe_stop(&cur, NULL);
	finish(&b, b.t0, 0);
}

static void test_newline_in_exec_group_and_rev_is_refused(void **state)
{
	struct pvhost_plat pl;

	(void)state;
	plat(&pl, "fltexecnl", NULL);
	pl.exec = "/sbin/init\nlxc.hook.pre-start = /bin/false";
	expect_refused(&pl, "exec of 'fltexecnl' contains a newline", NULL);
	plat(&pl, "fltgroupnl", NULL);
	pl.group = "plat\nform";
	expect_refused(&pl, "group name of 'fltgroupnl' contains a newline",
		       NULL);
	plat(&pl, "fltrevnl", NULL);
	strcpy(pl.rev, "0\nx");
	expect_refused(&pl, "revision of 'fltrevnl' contains a newline", NULL);
}

/* Which path functions a start calls, per role and core. */
static bool path_fn_used(int which, bool mgmt)
{
	switch (which) {
	case PF_FILE:
	case PF_LIB_HOOK:
	case PF_ROOTFS:
	case PF_LXCPATH:
	case PF_CONFIGS:
		return true;
	case PF_LOG:
	case PF_USRMETA:
	case PF_DEVMETA:
		return mgmt;
	case PF_LOG_PLAT:
	case PF_USRMETA_PLAT:
	case PF_DEVMETA_PLAT:
		return !mgmt;
	case PF_VOLUMES: /* modules.squashfs: core 2026.01 binds it */
		return PV_LXCCLI_CORE < PV_LXCCLI_CORE_2026_08;
	default:
		return false; /* pv_log_file is never needed */
	}
}

static void test_newline_from_each_path_function_is_refused(void **state)
{
	char name[32], why[96];

	(void)state;
	poison_value = EVIL;
	for (int mgmt = 0; mgmt < 2; mgmt++) {
		for (int which = 0; which < PF_COUNT; which++) {
			struct pvhost_plat pl;

			snprintf(name, sizeof(name), "fltpath%d%s", which,
				 mgmt ? "m" : "");
			precreate_core_dirs(name);
			poison = which;
			plat(&pl, name, NULL);
			pl.mgmt = mgmt;
			print_message("%s %s\n", pf_names[which],
				      mgmt ? "mgmt" : "app");
			if (path_fn_used(which, mgmt)) {
				snprintf(why, sizeof(why),
					 "from %s contains a newline",
					 pf_names[which]);
				expect_refused(&pl, why, NULL);
				continue;
			}
			/* never called: the start goes on */
			memcpy(&cur, &pl, sizeof(pl));
			{
				struct baseline b;

				begin(&b);
				start_and_read(0, false);
				safe_stop(&cur, NULL);
				cur_used = false;
				finish(&b, b.t0, 0);
			}
		}
	}
	poison = -1;
}

static void test_odd_paths_from_path_functions_are_refused(void **state)
{
	static const struct {
		const char *value, *why;
	} cases[] = {
		{ "/flt dir", "contains whitespace" },
		{ "flt/relative", "is not an absolute path" },
		{ "", "is not an absolute path" },
		{ "/flt\rx", "contains a newline" },
		{ "/flt\x1b[2J", "contains a control character" },
	};
	struct pvhost_plat pl;

	(void)state;
	poison = PF_LXCPATH;
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		poison_value = cases[i].value;
		plat(&pl, "fltoddpath", NULL);
		expect_refused(&pl, cases[i].why, NULL);
	}
	poison = -1;
}

/* A builder that fills the buffer and leaves no NUL: cut, not overrun. */
static void test_path_function_without_terminator(void **state)
{
	struct baseline b;

	(void)state;
	poison = PF_ROOTFS;
	poison_no_nul = true;
	begin(&b);
	plat(&cur, "fltnonul", NULL);
	start_and_read(0, false);
	safe_stop(&cur, NULL);
	finish(&b, b.t0, 0);
}

static void test_hook_with_newline_in_its_name_is_refused(void **state)
{
	struct pvhost_plat pl;
	char hook[PATH_MAX], dir_of_run[PATH_MAX];

	(void)state;
	snprintf(hook, sizeof(hook), "%s/lib/pv/hooks_lxc-mount.d/flt\nhook",
		 sb);
	write_bytes(hook, "#!/bin/sh\n", 10, 0755);
	strcpy(undo_path, hook); /* every start fails while it is there */
	precreate_core_dirs("flthooknl");
	plat(&pl, "flthooknl", NULL);
	runtime_path(dir_of_run, sizeof(dir_of_run), "flthooknl");
	pvhost_mkdir_p(dir_of_run, 0755); /* the helper's locks go there */
	expect_failed_later(&pl, "from lib_hook contains a newline",
			    dir_of_run);
	unlink(hook);
}

/* ---- bad input: the platform's config ---- */

static void test_missing_odd_or_looping_configs_are_refused(void **state)
{
	char path[PATH_MAX], loop2[PATH_MAX];
	struct pvhost_plat pl;

	(void)state;
	snprintf(path, sizeof(path), "%s/conf/missing.conf", dir);
	plat(&pl, "fltconfmissing", path);
	expect_refused(&pl, "No such file or directory", NULL);

	snprintf(path, sizeof(path), "%s/conf", dir);
	plat(&pl, "fltconfdir", path);
	expect_refused(&pl, "is not a regular file", NULL);

	snprintf(path, sizeof(path), "%s/conf/loop1", dir);
	snprintf(loop2, sizeof(loop2), "%s/conf/loop2", dir);
	assert_int_equal(symlink(loop2, path), 0);
	assert_int_equal(symlink(path, loop2), 0);
	plat(&pl, "fltconfloop", path);
	expect_refused(&pl, "Too many levels of symbolic links", NULL);

	/* stat, not open, decides: a FIFO would block the core's loop */
	snprintf(path, sizeof(path), "%s/conf/fifo.conf", dir);
	assert_int_equal(mkfifo(path, 0644), 0);
	plat(&pl, "fltconffifo", path);
	expect_refused(&pl, "is not a regular file", NULL);

	plat(&pl, "fltconfrel", "conf/relative.conf");
	expect_refused(&pl, "is not an absolute path", NULL);
}

/* Starts cur with a config of the given bytes; returns the generated one. */
static char *start_with_config(const char *name, const void *data,
			       size_t len, mode_t mode)
{
	char path[PATH_MAX];
	struct baseline b;
	char *gen;

	snprintf(path, sizeof(path), "%s/conf/%s.conf", dir, name);
	write_bytes(path, data, len, mode);
	begin(&b);
	plat(&cur, name, path);
	start_and_read(0, false);
	gen = generated_config(name);
	assert_non_null(gen);
	safe_stop(&cur, NULL);
	finish(&b, b.t0, 0);
	return gen;
}

static const char *added_part(const char *gen)
{
	const char *a = strstr(gen, "\n# ---- added by pv_lxccli ----\n");

	assert_non_null(a);
	return a;
}

static void test_empty_config_gets_only_the_additions(void **state)
{
	char *gen;

	(void)state;
	gen = start_with_config("fltconfempty", "", 0, 0644);
	assert_non_null(strstr(added_part(gen), "lxc.uts.name = fltconfempty"));
	free(gen);
}

static void test_config_without_final_newline_is_ended(void **state)
{
	static const char text[] = "lxc.uts.name = flt-host";
	char *gen;

	(void)state;
	gen = start_with_config("fltconfnonl", text, strlen(text), 0644);
	assert_non_null(strstr(gen, "lxc.uts.name = flt-host\n\n# ---- added"));
	assert_null(strstr(added_part(gen), "lxc.uts.name"));
	free(gen);
}

static void test_crlf_config_is_read_like_lxc_reads_it(void **state)
{
	static const char text[] = "lxc.uts.name = flt-crlf\r\n"
				   "lxc.console.path = none\r\n";
	char *gen;

	(void)state;
	gen = start_with_config("fltconfcrlf", text, strlen(text), 0644);
	assert_non_null(strstr(gen, text)); /* kept as is */
	assert_null(strstr(added_part(gen), "lxc.uts.name"));
	assert_null(strstr(added_part(gen), "lxc.console.path"));
	assert_int_equal(cur.console_ret, -1); /* console none: none given */
	free(gen);
}

static void test_binary_config_with_nul_bytes_is_passed_on(void **state)
{
	static const char text[] = "lxc.uts.name = flt\0bin\n\x01\x02\xff\n"
				   "lxc.console.path = none\0x\n";
	char *gen;

	(void)state;
	/* LXC's own parser judges it; the plugin neither crashes nor cuts */
	gen = start_with_config("fltconfbin", text, sizeof(text) - 1, 0644);
	free(gen);
}

static void test_ten_megabyte_config_is_copied_quickly(void **state)
{
	size_t len = 10 * 1024 * 1024;
	char *text = malloc(len), *gen;

	(void)state;
	assert_non_null(text);
	/* 64-byte comment lines, as a generator gone wrong might write */
	memset(text, 'p', len);
	for (size_t i = 0; i < len; i += 64) {
		text[i] = '#';
		text[i + 1] = ' ';
		text[i + 63] = '\n';
	}
	gen = start_with_config("fltconfbig", text, len, 0644);
	print_message("10 MB config: %.0f ms inside pv_start_container()\n",
		      cur.start_call_ms);
	assert_true(cur.start_call_ms < 1000);
	free(gen);
	free(text);
}

/* As root, mode 0000 is no obstacle (CAP_DAC_OVERRIDE): it is read. */
static void test_mode_0000_config_is_read_by_root(void **state)
{
	char *gen;

	(void)state;
	if (geteuid() != 0)
		skip();
	gen = start_with_config("fltconf000", "lxc.uts.name = flt-000\n", 23,
				0000);
	free(gen);
}

/* ---- forked children: the plugin state of this process, changed ---- */

/*
 * Runs fn in a fork of this process (plugin and pvhost state included);
 * fn returns NULL for success or why it failed, or "SKIP: ..." to skip.
 * The verdict comes back through a pipe, not the exit status: pvhost's
 * PID 1 handler may reap the child before we can.
 */
static void run_forked(const char *(*fn)(void))
{
	char buf[512] = "";
	int p[2];
	pid_t pid;
	ssize_t n;

	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		const char *why = fn();

		close(p[0]);
		if (why && write(p[1], why, strlen(why)) < 0)
			_exit(2);
		_exit(0);
	}
	close(p[1]);
	n = read(p[0], buf, sizeof(buf) - 1);
	close(p[0]);
	waitpid(pid, NULL, 0);
	buf[n > 0 ? n : 0] = '\0';
	if (!strncmp(buf, "SKIP", 4)) {
		print_message("%s\n", buf);
		skip();
	}
	if (buf[0])
		fail_msg("%s", buf);
}

/* A refusal checked without cmocka (which must not run in a fork). */
static const char *forked_refusal(const char *name, const char *cf,
				  const char *needle)
{
	static char why[256];
	struct pvhost_plat pl;
	int fds = pvhost_count_fds();
	pid_t extra;

	pvhost_plat_init(&pl, name, cf);
	pvhost_log_clear(h);
	/* read and written by the helper: -1 on the pid pipe */
	if (pvhost_start(h, &pl) != 0)
		return "start was refused in the call";
	if (pvhost_wait_pid(h, &pl, START_MS) != -1 || pl.pid_value != -1)
		return "no -1 on the pid pipe";
	if (!helper_logged(needle, 2000)) {
		snprintf(why, sizeof(why), "no log line with '%s'", needle);
		return why;
	}
	/* the helper ends right after its -1 */
	if (poll_one(pl.p.pipefd[0], 2000) != 1 ||
	    read(pl.p.pipefd[0], &extra, sizeof(extra)) != 0)
		return "someone kept the pid pipe";
	pvhost_stop(h, &pl, NULL);
	sweep();
	if (pvhost_count_fds() != fds)
		return "fd count changed";
	return NULL;
}

static const char *drop_dac_caps_then_start(void)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3,
						0 };
	struct __user_cap_data_struct data[2];
	static char path[PATH_MAX];

	if (syscall(SYS_capget, &hdr, data) < 0)
		return "SKIP: capget failed";
	data[0].effective &= ~((1u << CAP_DAC_OVERRIDE) |
			       (1u << CAP_DAC_READ_SEARCH));
	if (syscall(SYS_capset, &hdr, data) < 0)
		return "SKIP: capset failed";
	/* and for good: the helper is exec'd, which gives root all again */
	if (prctl(PR_CAPBSET_DROP, CAP_DAC_OVERRIDE, 0, 0, 0) < 0 ||
	    prctl(PR_CAPBSET_DROP, CAP_DAC_READ_SEARCH, 0, 0, 0) < 0)
		return "SKIP: cannot drop from the bounding set";
	snprintf(path, sizeof(path), "%s/conf/fltunread.conf", dir);
	return forked_refusal("fltconfunread", path, "Permission denied");
}

/*
 * Root reads any file, so "unreadable" only means something to a root
 * without CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH: a fork drops them.
 */
static void test_unreadable_config_is_refused(void **state)
{
	char path[PATH_MAX];

	(void)state;
	if (geteuid() != 0) {
		print_message("SKIP: needs root to drop root's capabilities\n");
		skip();
	}
	snprintf(path, sizeof(path), "%s/conf/fltunread.conf", dir);
	write_bytes(path, "lxc.uts.name = x\n", 17, 0000);
	run_forked(drop_dac_caps_then_start);
}

/* ---- bad input: the runtime folder ---- */

static void test_runtime_folder_taken_by_a_file_is_refused(void **state)
{
	char path[PATH_MAX];
	struct pvhost_plat pl;

	(void)state;
	runtime_path(path, sizeof(path), "fltrunfile");
	pvhost_mkdir_p(RUNDIR, 0755);
	write_text(path, "not a folder\n");
	strcpy(undo_path, path);
	precreate_core_dirs("fltrunfile");
	plat(&pl, "fltrunfile", NULL);
	expect_failed_later(&pl, "runtime folder '" RUNDIR "/fltrunfile': Not "
				 "a directory",
			    NULL);
	unlink(path);
}

static void test_runtime_folder_symlink_is_not_followed(void **state)
{
	char path[PATH_MAX], dangling[PATH_MAX];
	struct pvhost_plat pl;
	DIR *d;
	struct dirent *e;

	(void)state;
	runtime_path(path, sizeof(path), "fltrunlink");
	pvhost_mkdir_p(RUNDIR, 0755);
	assert_int_equal(symlink(elsewhere, path), 0);
	precreate_core_dirs("fltrunlink");
	plat(&pl, "fltrunlink", NULL);
	expect_failed_later(&pl, "runtime folder '" RUNDIR "/fltrunlink': Not "
				 "a directory",
			    NULL);
	d = opendir(elsewhere);
	assert_non_null(d);
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			fail_msg("written through the link: %s", e->d_name);
	closedir(d);
	unlink(path);

	/* a dangling link: not created through either */
	runtime_path(path, sizeof(path), "fltrundang");
	snprintf(dangling, sizeof(dangling), "%s/not-there", elsewhere);
	assert_int_equal(symlink(dangling, path), 0);
	precreate_core_dirs("fltrundang");
	plat(&pl, "fltrundang", NULL);
	expect_failed_later(&pl, "Not a directory", NULL);
	assert_int_equal(access(dangling, F_OK), -1);
	unlink(path);
}

/* The config inside is replaced by rename(): a link there is not followed. */
static void test_config_symlink_in_runtime_folder_is_replaced(void **state)
{
	char path[PATH_MAX], target[PATH_MAX];
	struct baseline b;
	struct stat st;
	char *text;

	(void)state;
	runtime_path(path, sizeof(path), "fltcfglink");
	pvhost_mkdir_p(path, 0755);
	snprintf(target, sizeof(target), "%s/target", elsewhere);
	write_text(target, "untouched\n");
	strcat(path, "/config");
	assert_int_equal(symlink(target, path), 0);
	begin(&b);
	plat(&cur, "fltcfglink", NULL);
	start_and_read(0, false);
	safe_stop(&cur, NULL);
	finish(&b, b.t0, 0);
	text = slurp(target, NULL);
	assert_string_equal(text, "untouched\n");
	free(text);
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	unlink(target);
}

static void test_config_name_taken_by_a_folder_is_refused(void **state)
{
	char path[PATH_MAX];
	struct pvhost_plat pl;

	(void)state;
	snprintf(path, sizeof(path), "%s/fltcfgdir/config/keep", RUNDIR);
	pvhost_mkdir_p(path, 0755);
	precreate_core_dirs("fltcfgdir");
	plat(&pl, "fltcfgdir", NULL);
	runtime_path(path, sizeof(path), "fltcfgdir");
	expect_failed_later(&pl, "cannot write '" RUNDIR "/fltcfgdir/config': "
				 "Is a directory",
			    path);
	snprintf(path, sizeof(path), "%s/fltcfgdir/config/keep", RUNDIR);
	rmdir(path);
}

/*
 * A read-only runtime folder, in a fork with its own mount namespace so
 * the tmpfs is seen by nobody else (chattr +i does not exist on tmpfs).
 */
static const char *ro_runtime_then_start(void)
{
	static char why[160];
	char path[PATH_MAX];
	const char *res;

	if (unshare(CLONE_NEWNS) < 0 ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
		snprintf(why, sizeof(why), "SKIP: no private mount namespace: "
					   "%s",
			 strerror(errno));
		return why;
	}
	runtime_path(path, sizeof(path), "fltrunro");
	if (mount("tmpfs", path, "tmpfs", MS_RDONLY, "size=64k") < 0) {
		snprintf(why, sizeof(why), "SKIP: read-only tmpfs: %s",
			 strerror(errno));
		return why;
	}
	/* the helper's locks are the first thing it writes there */
	res = forked_refusal("fltrunro", conf,
			     "cannot lock '" RUNDIR "/fltrunro' for "
			     "'fltrunro': Read-only file system");
	umount2(path, MNT_DETACH);
	return res;
}

static void test_read_only_runtime_folder_is_refused(void **state)
{
	char path[PATH_MAX];
	struct baseline b;

	(void)state;
	if (geteuid() != 0) {
		print_message("SKIP: mounting a read-only tmpfs needs root\n");
		skip();
	}
	runtime_path(path, sizeof(path), "fltrunro");
	pvhost_mkdir_p(path, 0755);
	precreate_core_dirs("fltrunro");
	begin(&b);
	snap_take(&snap_a, NULL);
	run_forked(ro_runtime_then_start);
	snap_take(&snap_b, NULL);
	assert_snap_equal(&snap_a, &snap_b);
	finish(&b, b.t0, 0);
}

/* ---- bad calls ---- */

static void test_start_twice_without_stop_is_refused(void **state)
{
	struct baseline b;
	struct pvhost_plat again;

	(void)state;
	start_running(&b, "fltstart2");
	plat(&again, "fltstart2", NULL);
	if (pvhost_start(h, &again) != -1) {
		safe_stop(&again, NULL);
		fail_msg("second start was not refused");
	}
	assert_logged("'fltstart2' is already running as pid");
	close(again.p.pipefd[1]);
	again.p.pipefd[1] = -1;
	assert_pid_pipe_eof(again.p.pipefd[0], 0);
	pvhost_stop(h, &again, NULL);
	assert_int_equal(kill(cur.pid, 0), 0); /* the first one untouched */
	safe_stop(&cur, NULL);
	finish(&b, b.t0, 0);
}

static void test_start_while_still_starting_is_refused(void **state)
{
	struct baseline b;
	struct pvhost_plat again;
	double t;

	(void)state;
	fake("FLT_START", "slow");
	begin(&b);
	plat(&cur, "fltstarting", NULL);
	cur_used = true;
	assert_int_equal(pvhost_start(h, &cur), 0);
	plat(&again, "fltstarting", NULL);
	assert_int_equal(pvhost_start(h, &again), -1);
	assert_logged("'fltstarting' is still starting; stop it first");
	close(again.p.pipefd[1]);
	again.p.pipefd[1] = -1;
	assert_pid_pipe_eof(again.p.pipefd[0], 0);
	pvhost_stop(h, &again, NULL);
	assert_true(pvhost_wait_pid(h, &cur, 3000 + SLACK_MS) > 0);
	/* from the stop: the slow fake start is not the plugin's to end */
	t = pvhost_now_ms();
	safe_stop(&cur, NULL);
	finish(&b, t, 0);
}

static void test_stop_without_start_and_stop_twice(void **state)
{
	struct baseline b;
	struct pv_platform p;
	struct pv_group g = { "platform" };
	double t;

	(void)state;
	begin(&b);
	memset(&p, 0, sizeof(p));
	p.name = "fltneverstarted";
	p.group = &g;
	p.init_pid = 12345;
	h->fn.stop(&p, NULL);
	assert_logged("stop of 'fltneverstarted', which this plugin did not "
		      "start or already stopped");
	/* lxc-stop alone decides: exit 2, not running */
	assert_helper_logged("'fltneverstarted' is not running", STOP_MS);
	finish(&b, b.t0, STOP_MS);

	start_running(&b, "fltstop2");
	safe_stop(&cur, NULL);
	log_set_mark();
	t = pvhost_now_ms();
	h->fn.stop(&cur.p, NULL);
	assert_logged("stop of 'fltstop2', which this plugin did not start "
		      "or already stopped");
	assert_helper_logged("'fltstop2' is not running", STOP_MS);
	finish(&b, t, STOP_MS);
}

static void test_getfd_before_start_gives_no_console(void **state)
{
	struct baseline b;
	struct pv_platform p;
	struct pv_platform_log log = { 7, 8, { -1, -1 } };

	(void)state;
	begin(&b);
	memset(&p, 0, sizeof(p));
	p.name = "fltgetfd";
	assert_int_equal(h->fn.console_log_getfd(&p, &log), -1);
	assert_int_equal(log.console_pt, -1);
	assert_int_equal(log.console_tty, -1);
	assert_int_equal(h->fn.console_log_getfd(NULL, &log), -1);
	assert_int_equal(h->fn.console_log_getfd(&p, NULL), -1);
	finish(&b, b.t0, 0);
}

static void test_invalid_pid_pipes_are_refused(void **state)
{
	struct pv_group g = { "platform" };
	struct baseline b;
	struct pv_platform p;
	int rd[2];

	(void)state;
	memset(&p, 0, sizeof(p));
	p.name = "fltbadpipe";
	p.group = &g;
	begin(&b);
	assert_int_equal(h->fn.start(&p, "0", conf, -1, -1), -1);
	assert_logged("pid pipe fd -1 of 'fltbadpipe' is not open");
	assert_int_equal(h->fn.start(&p, "0", conf, -1, 999), -1);
	assert_logged("pid pipe fd 999 of 'fltbadpipe' is not open");
	/* the read end: nothing could ever be reported through it */
	assert_int_equal(pipe2(rd, O_CLOEXEC | O_NONBLOCK), 0);
	assert_int_equal(h->fn.start(&p, "0", conf, -1, rd[0]), -1);
	assert_logged("is not open for writing");
	close(rd[0]);
	close(rd[1]);
	finish(&b, b.t0, 0);
}

/* the reason of a failed start is in LXC's log: it is asked for even
 * when the core gave no logfd */
static void test_no_logfd_still_gives_lxc_a_log(void **state)
{
	struct baseline b;
	char path[PATH_MAX], *calls;

	(void)state;
	snprintf(path, sizeof(path), "%s/calls", dir);
	unlink(path);
	begin(&b);
	plat(&cur, "fltnologfd", NULL);
	cur.no_logfd = true;
	start_and_read(0, false);
	safe_stop(&cur, NULL);
	finish(&b, b.t0, 0);
	calls = slurp(path, NULL);
	assert_non_null(calls);
	assert_non_null(strstr(calls, "lxc-start -n fltnologfd"));
	assert_non_null(strstr(calls, " -o /proc/self/fd/"));
	free(calls);
}

static void test_log_level_out_of_range_is_clamped(void **state)
{
	(void)state;
	log_set_mark();
	h->fn.set_loglevel(99);
	assert_logged("LXC log level 99 out of 0-8; using 2");
	h->fn.set_loglevel(-1);
	assert_logged("LXC log level -1 out of 0-8; using 2");
}

/* ---- appengine mode: nobody reaps for the plugin ---- */

static int appengine_setup(void **state)
{
	struct pvhost_opts o;

	(void)state;
	if (!h)
		return -1;
	pvhost_unload(h);
	pvhost_opts_init(&o, plugin_path);
	o.sandbox = sb;
	o.log = log_file;
	o.pid1 = false;
	h = pvhost_load(&o);
	if (!h)
		return -1;
	inject_paths(h->fn.set_paths, (void *)pvhost_vlog);
	return 0;
}

static void test_appengine_start_exit_1(void **state)
{
	test_lxc_start_exit_1_gives_minus_one(state);
}

static void test_appengine_start_hanging(void **state)
{
	test_lxc_start_hanging_is_killed_at_the_deadline(state);
}

static void test_appengine_info_garbage(void **state)
{
	test_lxc_info_printing_garbage(state);
}

static void test_appengine_happy_path(void **state)
{
	test_fakes_work_start_pid_console_log_stop(state);
}

/* ---- child modes (this executable run again) ---- */

static char child_out[4096];

static void child_vlog(char *module, int level, const char *fmt, ...)
{
	va_list ap;

	printf("[%s] %d ", module, level);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

static void reap_all(void)
{
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

/* Waits for a pid to be gone, reaping what comes to us meanwhile. */
static bool child_wait_gone(pid_t pid, int timeout_ms)
{
	double deadline = pvhost_now_ms() + timeout_ms;

	while (kill(pid, 0) == 0) {
		if (pvhost_now_ms() > deadline)
			return false;
		reap_all();
		poll_tick(5);
	}
	return true;
}

struct raw_plugin {
	int (*start)(struct pv_platform *, const char *, char *, int, int);
	void (*stop)(struct pv_platform *, char *);
	int (*getfd)(struct pv_platform *, struct pv_platform_log *);
	void (*set_paths)(void *, void *, void *, void *, void *, void *,
			  void *, void *, void *, void *, void *, void *,
			  void *, void *);
};

static const char *raw_load(struct raw_plugin *r)
{
	void *dl = dlopen(plugin_path, RTLD_NOW);

	if (!dl)
		return dlerror();
	r->start = (int (*)(struct pv_platform *, const char *, char *, int,
			    int))dlsym(dl, "pv_start_container");
	r->stop = (void (*)(struct pv_platform *, char *))dlsym(
		dl, "pv_stop_container");
	r->getfd = (int (*)(struct pv_platform *,
			    struct pv_platform_log *))dlsym(
		dl, "pv_console_log_getfd");
	*(void **)&r->set_paths = dlsym(dl, "pv_set_pv_paths_fn");
	if (!r->start || !r->stop || !r->getfd || !r->set_paths)
		return "missing entry point";
	return NULL;
}

static void raw_platform(struct pv_platform *p, struct pv_group *g,
			 const char *name)
{
	memset(p, 0, sizeof(*p));
	g->name = "platform";
	p->name = (char *)name;
	p->group = g;
	p->automodfw = true;
	p->log.console_pt = p->log.console_tty = -1;
	p->log.lxc_pipe[0] = p->log.lxc_pipe[1] = -1;
}

/* No pv_set_pv_paths_fn ever: every call must refuse, none may crash. */
static const char *child_no_paths(void)
{
	struct raw_plugin r;
	struct pv_platform p;
	struct pv_group g;
	struct pv_platform_log log;
	const char *err = raw_load(&r);
	int pfd[2], fds;
	pid_t v;

	if (err)
		return err;
	raw_platform(&p, &g, "fltnopaths");
	if (pipe2(pfd, O_CLOEXEC | O_NONBLOCK) < 0)
		return "pipe";
	fds = pvhost_count_fds();
	if (r.start(&p, "0", conf, -1, pfd[1]) != -1)
		return "start without paths did not fail";
	close(pfd[1]);
	if (read(pfd[0], &v, sizeof(v)) != 0)
		return "pid pipe kept open";
	close(pfd[0]);
	p.init_pid = 4242;
	r.stop(&p, NULL);
	if (r.getfd(&p, &log) != -1 || log.console_pt != -1)
		return "getfd without paths gave a console";
	if (pvhost_count_fds() != fds - 2)
		return "fd count changed";
	return NULL;
}

/* Paths given, but neither the loglevel nor the capture setter called. */
static const char *child_no_setters(void)
{
	struct raw_plugin r;
	struct pv_platform p;
	struct pv_group g;
	const char *err = raw_load(&r);
	int pfd[2];
	pid_t pid = 0;
	char *gen;

	if (err)
		return err;
	prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
	snprintf(sb, sizeof(sb), "%s/sb-child", dir);
	inject_paths(r.set_paths, (void *)child_vlog);
	raw_platform(&p, &g, "fltnosetters");
	if (pipe2(pfd, O_CLOEXEC | O_NONBLOCK) < 0)
		return "pipe";
	if (r.start(&p, "0", conf, -1, pfd[1]) != 0)
		return "start failed";
	close(pfd[1]);
	if (poll_one(pfd[0], 5000) != 1 ||
	    read(pfd[0], &pid, sizeof(pid)) != sizeof(pid) || pid <= 0)
		return "no pid";
	close(pfd[0]);
	p.init_pid = pid;
	if (r.getfd(&p, &p.log) != 0)
		return "no console although capture defaults to on";
	gen = generated_config("fltnosetters");
	if (!gen || !strstr(gen, "lxc.log.level = 2\n") ||
	    !strstr(gen, "lxc.console.path = /dev/pts/"))
		return "config lacks the default level or the console";
	free(gen);
	close(p.log.console_pt);
	close(p.log.console_tty);
	r.stop(&p, NULL);
	if (!child_wait_gone(pid, 5000))
		return "init still there after stop";
	return NULL;
}

/*
 * A fresh pvhost (so a fresh plugin: the LXC version is asked once per
 * process): two starts in a row, each timed.
 */
static const char *child_version(void)
{
	struct pvhost_opts o;
	struct pvhost_plat pl;
	static char why[128];

	snprintf(sb, sizeof(sb), "%s/sb-version", dir);
	pvhost_opts_init(&o, plugin_path);
	o.sandbox = sb;
	o.log = stdout;
	h = pvhost_load(&o);
	if (!h)
		return "pvhost_load failed";
	for (int i = 0; i < 2; i++) {
		pvhost_plat_init(&pl, "fltversion", conf);
		if (pvhost_start(h, &pl) != 0)
			return "start failed";
		printf("start %d: %.0f ms in pv_start_container()\n", i + 1,
		       pl.start_call_ms);
		/* one probe may block the core's loop, not every start */
		if (pl.start_call_ms > (i ? 500 : 2000 + SLACK_MS)) {
			snprintf(why, sizeof(why),
				 "start %d blocked the core for %.0f ms", i + 1,
				 pl.start_call_ms);
			return why;
		}
		if (pvhost_wait_pid(h, &pl, 5000) <= 0)
			return "no pid";
		if (pvhost_stop(h, &pl, NULL) != 0)
			return "stop failed";
	}
	pvhost_log_count(h, ""); /* the helpers' lines, into the output */
	return NULL;
}

/* No tool at all, the version probe included. */
static const char *child_no_tools(void)
{
	struct pvhost_opts o;
	struct pvhost_plat pl;

	snprintf(sb, sizeof(sb), "%s/sb-notools", dir);
	pvhost_opts_init(&o, plugin_path);
	o.sandbox = sb;
	o.log = stdout;
	h = pvhost_load(&o);
	if (!h)
		return "pvhost_load failed";
	pvhost_plat_init(&pl, "fltnotools2", conf);
	if (pvhost_start(h, &pl) != 0)
		return "start failed";
	if (pvhost_wait_pid(h, &pl, 5000) != -1 || pl.pid_value != -1)
		return "no -1 on the pid pipe";
	pvhost_stop(h, &pl, NULL);
	pvhost_log_count(h, ""); /* the helpers' lines, into the output */
	return NULL;
}

static int child_main(const char *mode, const char *so, const char *d)
{
	const char *why = "unknown mode";

	plugin_path = so;
	snprintf(dir, sizeof(dir), "%s", d);
	snprintf(conf, sizeof(conf), "%s/conf/good.conf", dir);
	setvbuf(stdout, child_out, _IOLBF, sizeof(child_out));
	if (!strcmp(mode, "no-paths"))
		why = child_no_paths();
	else if (!strcmp(mode, "no-setters"))
		why = child_no_setters();
	else if (!strcmp(mode, "version"))
		why = child_version();
	else if (!strcmp(mode, "no-tools"))
		why = child_no_tools();
	printf("flt-child: %s%s\n", why ? "FAIL " : "PASS", why ? why : "");
	fflush(stdout);
	return 0;
}

/* ---- run ---- */

static int group_setup(void **state)
{
	struct pvhost_opts o;
	char path[PATH_MAX];

	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/pv_lxccli_faults.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(sb, sizeof(sb), "%s/sb", dir);
	snprintf(bin, sizeof(bin), "%s/bin", dir);
	snprintf(elsewhere, sizeof(elsewhere), "%s/elsewhere", dir);
	snprintf(log_path, sizeof(log_path), "%s/plugin.log", dir);
	snprintf(conf, sizeof(conf), "%s/conf/good.conf", dir);
	if (!suite_env_saved)
		env_save(); /* before install_fakes() changes PATH */
	pvhost_mkdir_p(bin, 0755);
	pvhost_mkdir_p(elsewhere, 0755);
	snprintf(path, sizeof(path), "%s/conf", dir);
	pvhost_mkdir_p(path, 0755);
	install_fakes();
	snprintf(path, sizeof(path), "%s/rootfs", dir);
	if (pvhost_write_lxc_conf(conf, path, NULL, NULL) < 0)
		return -1;
	/* "a": O_APPEND, so the helpers' lines and ours never overwrite */
	log_file = fopen(log_path, "ae");
	if (!log_file)
		return -1;
	pvhost_opts_init(&o, plugin_path);
	o.sandbox = sb;
	o.log = log_file;
	h = pvhost_load(&o);
	if (!h)
		return -1;
	inject_paths(h->fn.set_paths, (void *)pvhost_vlog);
	return 0;
}

static void remove_flt_runtime_folders(void)
{
	DIR *d = opendir(RUNDIR);
	struct dirent *e;
	char path[PATH_MAX];

	while (d && (e = readdir(d))) {
		if (strncmp(e->d_name, "flt", 3))
			continue;
		snprintf(path, sizeof(path), "%s/%s", RUNDIR, e->d_name);
		if (unlink(path) < 0)
			pvhost_rm_rf(path);
	}
	if (d)
		closedir(d);
}

static int group_teardown(void **state)
{
	(void)state;
	kill_ours();
	if (h)
		pvhost_unload(h);
	h = NULL;
	remove_flt_runtime_folders();
	env_restore();
	if (getenv("FLT_KEEP"))
		fprintf(stderr, "kept %s\n", dir);
	else
		pvhost_rm_rf(dir);
	return 0;
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		T(test_fakes_work_start_pid_console_log_stop),
		T(test_lxc_start_exit_1_gives_minus_one),
		T(test_lxc_start_killed_by_signal_gives_minus_one),
		T(test_lxc_start_hanging_is_killed_at_the_deadline),
		T(test_lxc_start_printing_megabytes),
		T(test_lxc_info_printing_nothing),
		T(test_lxc_info_printing_garbage),
		T(test_lxc_info_printing_zero),
		T(test_lxc_info_printing_a_negative_pid),
		T(test_lxc_info_printing_a_number_beyond_int),
		T(test_lxc_info_printing_megabytes),
		T(test_lxc_info_hanging_is_killed_at_the_deadline),
		T(test_lxc_info_printing_a_pid_that_does_not_exist),
		T(test_lxc_info_printing_int_max),
		T(test_lxc_info_printing_pid_1),
		T(test_lxc_stop_hanging_falls_back_to_kill),
		T(test_lxc_stop_failing_falls_back_to_kill),
		T(test_lxc_stop_and_kill_failing_is_logged),
		T(test_lxc_stop_and_kill_hanging_are_both_killed),
		T(test_no_lxc_tools_on_path),
		T(test_path_functions_never_injected),
		T(test_setters_never_called_mean_core_defaults),
		T(test_version_probe_hanging_blocks_once),
		T(test_version_probe_printing_garbage),
		T(test_no_lxc_tools_in_a_fresh_process),
		T(test_bad_platform_names_are_refused),
		T(test_names_of_65_and_4096_bytes_are_refused),
		T(test_name_of_64_bytes_starts),
		T(test_newline_in_exec_group_and_rev_is_refused),
		T(test_newline_from_each_path_function_is_refused),
		T(test_odd_paths_from_path_functions_are_refused),
		T(test_path_function_without_terminator),
		T(test_hook_with_newline_in_its_name_is_refused),
		T(test_missing_odd_or_looping_configs_are_refused),
		T(test_empty_config_gets_only_the_additions),
		T(test_config_without_final_newline_is_ended),
		T(test_crlf_config_is_read_like_lxc_reads_it),
		T(test_binary_config_with_nul_bytes_is_passed_on),
		T(test_ten_megabyte_config_is_copied_quickly),
		T(test_mode_0000_config_is_read_by_root),
		T(test_unreadable_config_is_refused),
		T(test_runtime_folder_taken_by_a_file_is_refused),
		T(test_runtime_folder_symlink_is_not_followed),
		T(test_config_symlink_in_runtime_folder_is_replaced),
		T(test_config_name_taken_by_a_folder_is_refused),
		T(test_read_only_runtime_folder_is_refused),
		T(test_start_twice_without_stop_is_refused),
		T(test_start_while_still_starting_is_refused),
		T(test_stop_without_start_and_stop_twice),
		T(test_getfd_before_start_gives_no_console),
		T(test_invalid_pid_pipes_are_refused),
		T(test_no_logfd_still_gives_lxc_a_log),
		T(test_log_level_out_of_range_is_clamped),
	};
	const struct CMUnitTest appengine[] = {
		T(test_stop_keeps_the_console_until_the_monitor_is_gone),
		T(test_appengine_happy_path),
		T(test_appengine_start_exit_1),
		T(test_appengine_start_hanging),
		T(test_appengine_info_garbage),
	};
	ssize_t n;
	int ret;

	if (argc == 5 && !strcmp(argv[1], "--fake-monitor"))
		return fake_monitor_main(argv[2], argv[3], argv[4]);
	if (argc >= 2 && !strcmp(argv[1], "--fake-init")) {
		for (;;)
			pause();
	}
	if (argc == 5 && !strcmp(argv[1], "--child"))
		return child_main(argv[2], argv[3], argv[4]);
	if (argc != 2) {
		fprintf(stderr, "usage: %s PLUGIN.so\n", argv[0]);
		return 2;
	}
	/* the fakes and the mounts need no LXC, but the runtime folder does
	 * need root, as on a device */
	if (geteuid() != 0) {
		printf("SKIP: the fault tests write %s and need root\n",
		       RUNDIR);
		return SKIP_CODE;
	}
	plugin_path = argv[1];
	if (getenv("FLT_FILTER")) /* e.g. FLT_FILTER='*lxc_stop*' */
		cmocka_set_test_filter(getenv("FLT_FILTER"));
	n = readlink("/proc/self/exe", self_exe, sizeof(self_exe) - 1);
	if (n <= 0)
		return 1;
	self_exe[n] = '\0';
	ret = cmocka_run_group_tests_name("faults, PID 1 mode", tests,
					  group_setup, NULL);
	ret |= cmocka_run_group_tests_name("faults, appengine mode", appengine,
					   appengine_setup, group_teardown);
	return ret;
}
